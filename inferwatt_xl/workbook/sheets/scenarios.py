"""Scenarios, Sim_Scenarios and Calc_Scenarios: scenario columns a reader edits, each run live on the same trials.

A scenario column changes what its cells name (lever, region, PUE range, prices, hardware, the node of each
model slot) on top of the first column, the reference, whose empty cells are the Inputs' values. Each
scenario has its own throughput fit per slot (Calc_Scenarios) and its own energies per trial (Sim_Scenarios),
drawn from the same uniforms as every other sheet (common random numbers), over the first scenario_trials
trials; its fleet spread runs over the Deployments sheet's draws. The engine twin is scenarios.comparison.
"""

from __future__ import annotations

from collections.abc import Callable

from openpyxl.styles import Protection
from openpyxl.worksheet.pagebreak import Break

from ... import catalogue
from ... import scenarios as engine
from ... import vocabulary as vocab
from ..book import Book
from ..built import EngineValues
from ..charts import error_bar_chart, place_on_own_page
from ..excel import ExcelRuleError
from ..fitting import fit_columns
from ..formats import number_format
from ..formulas import (
    GWH_PER_DAY_TO_MW,
    ML_PER_M3_TEXT,
    REGIMES,
    SECONDS_PER_DAY_TEXT,
    WH_PER_GWH_TEXT,
    WH_PER_KWH_TEXT,
    energy_formula,
    l_out_column,
    node_seconds_of,
    peak_ratio,
    price_draw,
    pue_draw,
    slot_heads,
)
from ..grid import Column, Table

NUM = "0.0000"
SCENARIO_COLUMNS = 6  # the six (and the shipped file's)
# The declared parameters a scenario column may change on this sheet (the engine takes any parameter).
PARAMETER_ROWS = ("tts_share", "queries_per_day", "region", "pue_p5", "pue_p95", "price_usd_per_kwh_p5",
                  "price_usd_per_kwh_median", "price_usd_per_kwh_p95", "hardware_usd_per_node",
                  "hardware_lifetime_years")
SETTING_ROWS = ("name", "lever", *PARAMETER_ROWS)
LEVER_WORDS = "empty: no lever (in the reference) or the reference's; none: no lever; " + ", ".join(vocab.LEVERS)
# Sim_Scenarios' head rows above each energy column: Eq. 1's (formulas.slot_heads) and the means the fleet reads.
HEADS = (*slot_heads("traditional"), "mean_wh", "pue1_wh", "base_wh", "node_s")
HEAD_WORDS = {"mean_wh": "mean Wh/query", "pue1_wh": "mean at PUE 1 (Wh)", "base_wh": "mean at PUE 1, no alpha (Wh)",
              "node_s": "mean node-seconds per query"}


def _s(j: int) -> str:
    return f"s{j}"


def _columns(label: str, formula: Callable[[int], Callable[[int], str]] | None = None,
             fmt: str | None = None) -> list[Column]:
    """One column per scenario, s1..s6, each with its formula of the row index (None: inputs)."""
    return [Column(_s(j), f"{label} {j}", None if formula is None else formula(j), fmt, 16)
            for j in range(1, SCENARIO_COLUMNS + 1)]


def _shown_rows() -> dict[str, tuple[str, str]]:
    """The results a column shows: key -> (words, unit), from the engine's declaration of a comparison."""
    rows = {"status": ("status", "")}
    for key, q in engine.QUANTITIES.items():
        rows[key] = (q.words, q.unit)
        if q.spread:
            over = "over the trials" if q.spread == "trials" else "over deployments"
            rows[f"{key}_p5"] = (f"{q.words.removesuffix(' (median)')}, P5 {over}", q.unit)
            rows[f"{key}_p95"] = (f"{q.words.removesuffix(' (median)')}, P95 {over}", q.unit)
    for key, q in engine.QUANTITIES.items():
        rows[f"{key}_difference"] = (f"{q.words}: difference from the reference", q.unit)
    for key, q in engine.QUANTITIES.items():
        rows[f"{key}_ratio"] = (f"{q.words}: ratio to the reference", "x")
    for key in ("gwh_per_day", "cost_usd_per_day"):  # the chart's error bars, P5-P95 around the value
        rows[f"{key}_minus"] = (f"{engine.QUANTITIES[key].words}: value - P5 (chart)", engine.QUANTITIES[key].unit)
        rows[f"{key}_plus"] = (f"{engine.QUANTITIES[key].words}: P95 - value (chart)", engine.QUANTITIES[key].unit)
    return rows


SHOWN = _shown_rows()
CALC_ROWS = ("pue_mu", "pue_sigma", "pue_f1", "carbon", "water", "hardware_given", "baseline_models",
             *(f"{what}_{r}" for r in REGIMES for what in ("mean_wh", "pue1_wh", "base_wh", "electricity_usd",
                                                           "water_ml", "median_wh", "p5_wh", "p95_wh")),
             "electricity_usd_per_day", "hardware_usd_per_day")


def settings_of(scenario: engine.Scenario, slot_models: list[str]) -> tuple[dict[str, object], dict[int, str]]:
    """A shipped scenario as the sheet's cells: its settings by row, and its node by slot (0-based)."""
    cells: dict[str, object] = {"name": scenario.name}
    nodes: dict[int, str] = {}
    for key, value in scenario.settings:
        if key == "node" and isinstance(value, tuple):
            nodes[slot_models.index(value[0])] = value[1]
        elif key == "node":
            nodes.update(dict.fromkeys(range(len(slot_models)), value))
        elif key == "lever":
            cells["lever"] = value or "none"
        elif key in PARAMETER_ROWS:
            cells[key] = value
        else:  # the sheet has no row for it: the shipped file must only use what the sheet shows
            raise ExcelRuleError(f"scenario {scenario.name!r} sets {key}, which the Scenarios sheet has no row for")
    return cells, nodes


def declare(book: Book, values: EngineValues) -> None:
    g, slots, n = book.grid, book.spec["model_slots"], values.scenario_trials
    if len(values.scenarios) > SCENARIO_COLUMNS:
        raise ExcelRuleError(f"{len(values.scenarios)} shipped scenarios, the sheet has {SCENARIO_COLUMNS} columns")

    # Scenarios: what the reader edits, then what each column gives.
    g.add(Table("ScenIn", "Scenarios", [Column("setting", "setting", width=44), Column("unit", "unit", width=12),
                                        *_columns("scenario")], book.first_row(1), SETTING_ROWS))
    g.add(Table("ScenNodeIn", "Scenarios", [
        Column("model", "node of the model slot (empty: the reference's, in the reference the slot's own)",
               '=IF({Fit.model}="","(empty slot)",{Fit.model})', width=44),
        Column("unit", "unit", '="node"', width=12), *_columns("scenario")],
        book.first_row(1, below="ScenIn"), slots))
    g.add(Table("ScenOut", "Scenarios", [
        Column("quantity", "quantity", width=44), Column("unit", "unit", width=12),
        *_columns("scenario", lambda j: lambda i, j=j: _shown(list(SHOWN)[i], j, n))],
        book.first_row(1, below="ScenNodeIn"), tuple(SHOWN)))

    # Calc_Scenarios: each column's settings in effect, its constants and per-query means, its fits and nodes.
    g.add(Table("ScenEff", "Calc_Scenarios", [Column("setting", "setting in effect", width=30),
                                              *_columns("scenario", lambda j: lambda i, j=j: _effective(
                                                  SETTING_ROWS[1 + i], j))], book.first_row(1), SETTING_ROWS[1:]))
    g.add(Table("ScenNodeEff", "Calc_Scenarios", [
        Column("model", "model slot", '=IF({Fit.model}="","",{Fit.model})', width=30),
        *_columns("node in effect", lambda j: lambda i, j=j: (
            '=IF({ScenNodeIn.s1}="",IF({Fit.node}="","",{Fit.node}),{ScenNodeIn.s1})' if j == 1 else
            f'=IF({{ScenNodeIn.{_s(j)}}}="",{{s1}},{{ScenNodeIn.{_s(j)}}})'))],
        book.first_row(1, below="ScenEff"), slots))
    g.add(Table("ScenCalc", "Calc_Scenarios", [Column("quantity", "quantity", width=30),
                                               *_columns("scenario", lambda j: lambda i, j=j: _calc(
                                                   CALC_ROWS[i], j, n), NUM)],
                book.first_row(1, below="ScenNodeEff"), CALC_ROWS))
    g.add(Table("ScenNodes", "Calc_Scenarios", [
        Column("model", "nodes per model slot", '=IF({Fit.model}="","",{Fit.model})', width=30),
        *_columns("scenario", lambda j: lambda i, j=j: _nodes(j, i + 1), "#,##0")],
        book.first_row(1, below="ScenCalc"), slots))
    below = "ScenNodes"
    for j in range(1, SCENARIO_COLUMNS + 1):
        g.add(Table(f"ScenFit_{j}", "Calc_Scenarios", fit_columns(
            _baseline_model, f'=IF({{model}}="","",{{ScenNodeEff.{_s(j)}}})', '=({model}<>"")'),
            book.first_row(1, below=below), slots))
        below = f"ScenFit_{j}"
    deploy = [Column("deployment", "deployment")]
    for j in range(1, SCENARIO_COLUMNS + 1):
        c = _calc_ref(j)
        mix = "+".join(f"{share}*IF({c('lever')}=\"improved\",{c(f'base_wh_{r}')}/{{Deploy.{alpha}}},"
                       f"{c(f'pue1_wh_{r}')})" for r, share, alpha in (
                           ("traditional", f"(1-{c('tts_share')})", "alpha_improved"),
                           ("tts", c("tts_share"), "alpha_improved_tts")))
        deploy += [
            Column(f"pue_{j}", f"{j}: PUE", pue_draw("{Deploy.u_pue}", c("pue_mu"), c("pue_sigma"), c("pue_f1")),
                   NUM),
            Column(f"price_{j}", f"{j}: price (USD/kWh)", price_draw(
                "{Deploy.z_price}", c("price_usd_per_kwh_median"), c("price_usd_per_kwh_p5"),
                c("price_usd_per_kwh_p95")), NUM),
            Column(f"facility_wh_{j}", f"{j}: facility energy (Wh/day)",
                   f"={{n.Beta}}*{c('queries_per_day')}*{{pue_{j}}}*({mix})", "#,##0"),
            Column(f"cost_{j}", f"{j}: USD/day", f"={{facility_wh_{j}}}/{WH_PER_KWH_TEXT}*{{price_{j}}}+N("
                                                 f"{c('hardware_usd_per_day')})", "#,##0"),
            Column(f"water_{j}", f"{j}: m3/day", f'=IF(ISNUMBER({c("water")}),({{facility_wh_{j}}}/{{pue_{j}}}*'
                                                 f'{{Deploy.wue}}+{{facility_wh_{j}}}*{c("water")})/{ML_PER_M3_TEXT},"")',
                   NUM)]
    g.add(Table("ScenDeploy", "Calc_Scenarios", deploy, book.first_row(1, below=below),
                g.table("Deploy").n_rows))

    # Sim_Scenarios: per trial, each scenario's PUE, price, lever alpha and energy of every slot.
    trials = [Column("trial", "trial"),
              *[Column(name, name, f"={{Draws.{name}}}", NUM) for name in (
                  *(l_out_column(r) for r in REGIMES), "util_frac_of_p_max", "wue_l_per_kwh")]]
    for j in range(1, SCENARIO_COLUMNS + 1):
        c = _calc_ref(j)
        trials += [Column(f"pue_{j}", f"{j}: PUE", pue_draw("{Draws.u_pue}", c("pue_mu"), c("pue_sigma"),
                                                              c("pue_f1")), NUM),
                   Column(f"price_{j}", f"{j}: price (USD/kWh)", price_draw(
                       "{Draws.z_price}", c("price_usd_per_kwh_median"), c("price_usd_per_kwh_p5"),
                       c("price_usd_per_kwh_p95")), NUM)]
        for r in REGIMES:
            trials.append(Column(f"alpha_{j}_{r}", f"{j}: lever alpha, {REGIMES[r].short}", _lever_alpha(c("lever"), r),
                                 NUM))
            for k in range(1, slots + 1):
                trials.append(Column(
                    f"e_{j}_{r}_{k}", f"{j}: {REGIMES[r].short} slot {k} (Wh)",
                    energy_formula(l_out_column(r), f"{{pue_{j}}}", f"{{alpha_{j}_{r}}}"), NUM,
                    bind={f"ScenFit_{j}": k - 1}, tables={"Fit": f"ScenFit_{j}", "Draws": "ScenTrials"}))
            trials.append(Column(f"sum_{j}_{r}", f"{j}: {REGIMES[r].short}, sum over the baseline (Wh)",
                                 f"=SUM({{span.e_{j}_{r}_1.e_{j}_{r}_{slots}}})", NUM))
    g.add(Table("ScenTrials", "Sim_Scenarios", trials, book.first_row(head=len(HEADS)), n, head=HEADS))


def _baseline_model(i: int) -> str:
    """Slot i's model where it is in the baseline (the Sim sheets' flags), else empty: a scenario serves the
    baseline."""
    return '=IF(INDEX({n.BASELINE_FLAGS_TRADITIONAL},1,' + str(i + 1) + '),IF({Fit.model}="","",{Fit.model}),"")'


def _calc_ref(j: int) -> Callable[[str], str]:
    """A scenario's setting in effect or calculated constant, by row key, as a template."""
    def ref(key: str) -> str:
        table = "ScenEff" if key in SETTING_ROWS else "ScenCalc"
        return f"{{{table}.{_s(j)}[{key}]}}"
    return ref


def _effective(key: str, j: int) -> str:
    """A setting in effect: the column's own, or (empty) the reference's; the reference's empty cells are the
    Inputs' values (an empty input stays empty, not 0)."""
    own = f"{{ScenIn.{_s(j)}[{key}]}}"
    if key == "lever":
        text = f"TRIM({own})"  # text compares without case in every engine
        chosen = f'IF({text}="none","",{text})'
        return f'=IF({own}="",""' + f',{chosen})' if j == 1 else f'=IF({own}="",{{s1}},{chosen})'
    if j == 1:
        return f'=IF({own}="",IF({{p.{key}}}="","",{{p.{key}}}),{own})'
    return f'=IF({own}="",{{s1}},{own})'


def _lever_alpha(lever: str, regime: str) -> str:
    """The trial's alpha of the scenario's lever (1 without one); an unknown lever is text, so that its energies
    are errors, never a number (the status row says why)."""
    formula = '"unknown lever"'
    for key, lv in reversed(vocab.LEVERS.items()):
        column = lv.alphas[0] if len(lv.alphas) == 1 else f"alpha_{key}"
        if key == "improved" and regime == "tts":
            column = "alpha_improved_tts"
        formula = f'IF({lever}="{key}",{{Draws.{column}}},{formula})'
    return f'=IF({lever}="",1,{formula})'


def _calc(key: str, j: int, n: int) -> str:
    """A scenario's constants and per-query means (the engine's SimulationResult and ImpactsResult means)."""
    c = _calc_ref(j)
    if key == "pue_mu":
        return f"=(LN({c('pue_p5')})+LN({c('pue_p95')}))/2"
    if key == "pue_sigma":
        return f"=(LN({c('pue_p95')})-LN({c('pue_p5')}))/(2*{{Const.z_p95}})"
    if key == "pue_f1":
        return f"=IF({c('pue_sigma')}=0,0,NORMSDIST(-{c('pue_mu')}/{c('pue_sigma')}))"
    row = f"MATCH({c('region')},{{all.Region.code}},0)"
    if key == "carbon":
        return ("=IF(ISNUMBER({p.carbon_intensity_g_per_kwh}),{p.carbon_intensity_g_per_kwh},INDEX("
                "{all.Region.carbon_intensity_g_per_kwh}," + row + "))")
    if key == "water":
        return ("=IF(ISNUMBER({p.water_intensity_l_per_kwh}),{p.water_intensity_l_per_kwh},IF(ISNUMBER(INDEX("
                "{all.Region.water_intensity_l_per_kwh}," + row + ")),INDEX({all.Region.water_intensity_l_per_kwh},"
                + row + '),"none"))')
    if key == "hardware_given":
        return f"=AND(ISNUMBER({c('hardware_usd_per_node')}),ISNUMBER({c('hardware_lifetime_years')}))"
    if key == "baseline_models":
        return "=SUMPRODUCT(--{n.BASELINE_FLAGS_TRADITIONAL})"
    count = f"({n}*{c('baseline_models')})"
    mix = "((1-{t})*{a}+{t}*{b})"

    def per_day(what: str) -> str:
        return (f"{{n.Beta}}*{c('queries_per_day')}*" + mix.format(t=c("tts_share"), a=c(f"{what}_traditional"),
                                                                      b=c(f"{what}_tts")))
    if key == "electricity_usd_per_day":
        return "=" + per_day("electricity_usd")
    if key == "hardware_usd_per_day":
        return (f'=IF(AND({c("hardware_given")},{{n.Node_Seconds_Known}}),{{ScenOut.{_s(j)}[nodes]}}*'
                f'{c("hardware_usd_per_node")}/({c("hardware_lifetime_years")}*365),"")')
    regime = next(r for r in REGIMES if key.endswith(f"_{r}"))
    what, short = key.removesuffix(f"_{regime}"), REGIMES[regime].short.upper()
    block = f"{{n.SCEN_{j}_{short}_WH}}"  # the trials x slots of the scenario's regime (empty outside the baseline)
    if what == "mean_wh":
        return f"=AVERAGE({block})"
    if what in ("pue1_wh", "base_wh"):  # the mean of the slots' means: the pooled mean (as many trials each)
        return f"=AVERAGE({{n.SCEN_{j}_{short}_{what.upper()}}})"
    if what in ("median_wh", "p5_wh", "p95_wh"):
        q = {"median_wh": 0.5, "p5_wh": 0.05, "p95_wh": 0.95}[what]
        return f"=PERCENTILE.INC({block},{q})"
    total = f"{{all.ScenTrials.sum_{j}_{regime}}}"
    if what == "electricity_usd":
        return f"=SUMPRODUCT({total},{{all.ScenTrials.price_{j}}})/{WH_PER_KWH_TEXT}/{count}"
    if what == "water_ml":
        return (f'=IF(ISNUMBER({c("water")}),SUMPRODUCT({total},{{all.ScenTrials.wue_l_per_kwh}}/'
                f'{{all.ScenTrials.pue_{j}}})/{count}+SUM({total})*{c("water")}/{count},"")')
    raise ExcelRuleError(f"no formula for the scenario row {key!r}")


def _nodes(j: int, k: int) -> str:
    """Nodes of slot k in scenario j: redundancy x its share of the day's queries x node-seconds / 86,400 / the
    mean load (impacts.nodes_needed), rounded up; 0 outside the baseline."""
    c = _calc_ref(j)
    t, tts = (f"{{headof.ScenTrials.e_{j}_{r}_{k}.node_s}}" for r in REGIMES)
    seconds = f"((1-{c('tts_share')})*{t}+{c('tts_share')}*{tts})"
    return (f"=IF(AND(ISNUMBER({t}),{{n.Node_Seconds_Known}}),ROUNDUP({{p.node_redundancy}}*{c('queries_per_day')}/"
            f"{c('baseline_models')}*{seconds}/{SECONDS_PER_DAY_TEXT}/{{n.Mean_Load_Frac}},0),0)")


def _shown(key: str, j: int, n: int) -> str:
    """A result row of scenario column j (the engine's scenarios.comparison)."""
    c = _calc_ref(j)

    def row(name: str) -> str:
        return f"{{ScenOut.{_s(j)}[{name}]}}"

    def deployments(name: str) -> str:
        return f"{{all.ScenDeploy.{name}_{j}}}"
    if key == "status":
        levers = ",".join(f'{c("lever")}="{lv}"' for lv in vocab.LEVERS)
        fitted = (f"SUMPRODUCT(({{all.ScenFit_{j}.model}}<>\"\")*({{all.ScenFit_{j}.status}}<>\"ok\"))")
        return (f'=IF(NOT(OR({c("lever")}="",{levers})),"unknown lever (one of: {", ".join(vocab.LEVERS)})",'
                f'IF(ISNA(MATCH({c("region")},{{all.Region.code}},0)),"unknown region (a code of the Regions sheet)",'
                f'IF({c("pue_p95")}<{c("pue_p5")},"PUE P95 below P5",IF({fitted}>0,"a model has no throughput fit '
                f'on its node (Calc_Scenarios)","ok"))))')
    for regime in REGIMES:
        base = f"wh_per_query_{regime}"
        for suffix, calc in (("", "median_wh"), ("_p5", "p5_wh"), ("_p95", "p95_wh")):
            if key == base + suffix:
                return f"={c(f'{calc}_{regime}')}"
    if key == "gwh_per_day":
        return (f"={{n.Beta}}*{c('queries_per_day')}*((1-{c('tts_share')})*{c('mean_wh_traditional')}+"
                f"{c('tts_share')}*{c('mean_wh_tts')})/{WH_PER_GWH_TEXT}")
    for q, k in (("p5", 0.05), ("p95", 0.95)):
        if key == f"gwh_per_day_{q}":
            return f"=PERCENTILE.INC({deployments('facility_wh')},{k})/{WH_PER_GWH_TEXT}"
        if key == f"avg_facility_mw_{q}":
            return f"={row(f'gwh_per_day_{q}')}{GWH_PER_DAY_TO_MW}"
        if key == f"peak_facility_mw_{q}":
            return f"={row(f'avg_facility_mw_{q}')}*{peak_ratio()}"
        if key == f"cost_usd_per_day_{q}":
            return f"=PERCENTILE.INC({deployments('cost')},{k})"
        if key == f"carbon_t_per_day_{q}":
            return f"={row(f'gwh_per_day_{q}')}*{c('carbon')}"
        if key == f"water_m3_per_day_{q}":
            return f'=IF(ISNUMBER({c("water")}),PERCENTILE.INC({deployments("water")},{k}),"")'
    simple = {
        "avg_facility_mw": f"={row('gwh_per_day')}{GWH_PER_DAY_TO_MW}",
        "peak_facility_mw": f"={row('avg_facility_mw')}*{peak_ratio()}",
        "nodes": f'=IF({{n.Node_Seconds_Known}},SUM({{all.ScenNodes.{_s(j)}}}),"n/a: pnode_model = linear_tps")',
        "gpus": (f'=IF({{n.Node_Seconds_Known}},SUMPRODUCT({{all.ScenNodes.{_s(j)}}},{{all.ScenFit_{j}.gpus}}),'
                 '"n/a: pnode_model = linear_tps")'),
        "cost_usd_per_day": f"={c('electricity_usd_per_day')}+N({c('hardware_usd_per_day')})",
        "carbon_t_per_day": f"={row('gwh_per_day')}*{c('carbon')}",
        "water_m3_per_day": (f'=IF(ISNUMBER({c("water")}),{{n.Beta}}*{c("queries_per_day")}*((1-{c("tts_share")})*'
                             f'{c("water_ml_traditional")}+{c("tts_share")}*{c("water_ml_tts")})/{ML_PER_M3_TEXT},"")'),
    }
    if key in simple:
        return simple[key]
    for q in engine.QUANTITIES:
        ref = f"{{ScenOut.s1[{q}]}}"
        if key == f"{q}_difference":
            return f'=IF(AND(ISNUMBER({row(q)}),ISNUMBER({ref})),{row(q)}-{ref},"")'
        if key == f"{q}_ratio":
            return f'=IF(AND(ISNUMBER({row(q)}),ISNUMBER({ref})),IF({ref}<>0,{row(q)}/{ref},""),"")'
    for q in ("gwh_per_day", "cost_usd_per_day"):
        if key == f"{q}_minus":
            return f"={row(q)}-{row(q + '_p5')}"
        if key == f"{q}_plus":
            return f"={row(q + '_p95')}-{row(q)}"
    raise ExcelRuleError(f"no formula for the Scenarios row {key!r}")


def _head_templates(j: int, regime: str) -> dict[str, str]:
    """The head rows of scenario j's energy column of one slot: Eq. 1's, and the means the fleet reads."""
    alpha, pue = f"{{all.ScenTrials.alpha_{j}_{regime}}}", f"{{all.ScenTrials.pue_{j}}}"
    node_s = node_seconds_of("{column}", "{head.p_max_kw}", pue)
    return {**slot_heads(regime),
            "mean_wh": '=IF({head.model}="","",AVERAGE({column}))',
            "pue1_wh": f'=IF({{head.model}}="","",AVERAGE({{column}}/{pue}))',
            "base_wh": f'=IF({{head.model}}="","",AVERAGE({{column}}*{alpha}/{pue}))',
            "node_s": (f'=IF({{head.model}}="","",IF({{n.Node_Seconds_Known}},AVERAGE({node_s}*IF({{p.lever_effect}}='
                       f'"throughput",1,{alpha})),"n/a: pnode_model = linear_tps"))')}


ARRAY_HEADS = ("pue1_wh", "base_wh", "node_s")


def write(book: Book, values: EngineValues) -> None:
    ws, st, slots = book.sheets["Scenarios"], book.styles, book.spec["model_slots"]
    declared = catalogue.parameters()
    slot_models = list(catalogue.workbook_models())
    columns = [settings_of(s, slot_models) for s in values.scenarios]
    book.note("Scenarios", f"Edit the yellow cells: column 1 is the reference (an empty cell: the Inputs' value), "
                           "every other column changes what it names on top of it (an empty cell: the reference's). "
                           f"Every scenario runs the same {values.scenario_trials:,} trials (scenario_trials, fixed "
                           "at build: fewer than the other sheets' trials keeps recalculation fast) and the "
                           "Deployments sheet's draws, so a difference between columns is the scenario's own "
                           "effect. Costs use the Inputs' price range unless a column sets its own.")
    setting_table = book.write("ScenIn", {
        "setting": ["scenario name", f"lever ({LEVER_WORDS})",
                    *(declared[k].label for k in PARAMETER_ROWS)],
        "unit": ["", "", *(declared[k].unit for k in PARAMETER_ROWS)],
        **{_s(j): [cells.get(key) for key in SETTING_ROWS] for j, (cells, _) in enumerate(columns, start=1)}})
    node_table = book.write("ScenNodeIn", {_s(j): [nodes.get(k) for k in range(slots)]
                                           for j, (_, nodes) in enumerate(columns, start=1)})
    book.heading("ScenIn", "Scenario settings (yellow: edit)")
    book.heading("ScenNodeIn", "Node per model slot (a node of the Inputs' Nodes table)")
    for table in (setting_table, node_table):
        for j in range(1, SCENARIO_COLUMNS + 1):
            for i in range(table.n_rows):
                cell = ws[table.cell(_s(j), i)]
                cell.protection, cell.fill = Protection(locked=False), st.input
    out = book.write("ScenOut", {"quantity": [words for words, _ in SHOWN.values()],
                                 "unit": [unit for _, unit in SHOWN.values()]})
    book.heading("ScenOut", "Results per scenario (live)")
    for i, (key, (_, unit)) in enumerate(SHOWN.items()):
        for j in range(1, SCENARIO_COLUMNS + 1):
            cell = ws[out.cell(_s(j), i)]
            cell.number_format = "0.000" if key.endswith("_ratio") else number_format(unit) if unit else "General"
            if key in ("gwh_per_day", "nodes", "cost_usd_per_day", "carbon_t_per_day"):
                cell.fill = st.result
    for j in range(1, SCENARIO_COLUMNS + 1):
        for key in engine.QUANTITIES:
            book.define(f"Scenario_{j}_{key}", out.cell(_s(j), key, sheet=True, absolute=True))
    _charts(book, out)
    book.print_rows("ScenOut", out.last_row)

    book.note("Calc_Scenarios", "Each scenario's settings in effect, constants, per-query means, nodes and throughput "
                                "fits (one per model slot on the scenario's node), and its deployments (the "
                                "Deployments sheet's uniforms with the scenario's PUE and price).")
    for key in ("ScenEff", "ScenNodeEff", "ScenCalc", "ScenNodes"):
        book.write(key)
    table = book.grid.table("ScenEff")
    for i, key in enumerate(SETTING_ROWS[1:]):
        book.sheets["Calc_Scenarios"][table.cell("setting", i)] = key
    calc = book.grid.table("ScenCalc")
    for i, key in enumerate(CALC_ROWS):
        book.sheets["Calc_Scenarios"][calc.cell("quantity", i)] = key
    book.heading("ScenEff", "Settings in effect")
    book.heading("ScenNodeEff", "Nodes in effect")
    book.heading("ScenCalc", "Constants and per-query means of the baseline")
    book.heading("ScenNodes", "Nodes per model slot")
    for j in range(1, SCENARIO_COLUMNS + 1):
        book.write(f"ScenFit_{j}")
        book.heading(f"ScenFit_{j}", f"Scenario {j}: throughput fit of each baseline slot on its node")
    book.write("ScenDeploy", {"deployment": list(range(1, book.grid.table("ScenDeploy").n_rows + 1))})
    book.heading("ScenDeploy", "Deployments of each scenario (the two-level spread)")
    book.print_rows("ScenEff", book.grid.table("ScenNodes").last_row)

    trials = book.grid.table("ScenTrials")
    book.note("Sim_Scenarios", f"The first {values.scenario_trials:,} trials of the Draws sheet; per scenario its "
                               "PUE, price and lever alpha per trial, and Eq. 1 for every baseline slot on the "
                               "scenario's node.")
    sim = book.sheets["Sim_Scenarios"]
    for key in HEADS:
        sim.cell(trials.head_row(key), 1, HEAD_WORDS.get(key, key)).font = st.bold
    for j in range(1, SCENARIO_COLUMNS + 1):
        for regime in REGIMES:
            templates = _head_templates(j, regime)
            for k in range(1, slots + 1):
                for key in HEADS:
                    cell = book.formula(trials, f"e_{j}_{regime}_{k}", templates[key], at=trials.head_row(key),
                                        array=key in ARRAY_HEADS)
                    cell.number_format = "General" if key == "l_out_cap_tokens" else NUM
            short = REGIMES[regime].short.upper()
            first, last = f"e_{j}_{regime}_1", f"e_{j}_{regime}_{slots}"
            book.define(f"SCEN_{j}_{short}_WH", trials.block(first, last))
            for key in ("pue1_wh", "base_wh"):
                book.define(f"SCEN_{j}_{short}_{key.upper()}", trials.head_span(key, first, last))
    book.write("ScenTrials", {"trial": list(range(1, trials.n_rows + 1))})
    sim.freeze_panes = sim.cell(trials.first_row, 2)
    book.print_rows("ScenTrials")


def _charts(book: Book, out: Table) -> None:
    """Energy and cost per day of every scenario, the value with its P5-P95 over deployments, each on a page
    area of its own below the results."""
    ws, names = book.sheets["Scenarios"], book.grid.table("ScenIn")
    columns = (out.column_number("s1"), out.column_number(_s(SCENARIO_COLUMNS)))
    anchor_row = out.last_row + 3
    ws.row_breaks.append(Break(id=anchor_row - 1))
    for k, key in enumerate(("gwh_per_day", "cost_usd_per_day")):
        q = engine.QUANTITIES[key]
        rows = {"value": out.row(key), **{part: out.row(f"{key}_{part}") for part in ("minus", "plus", "p95")}}
        chart = error_bar_chart(ws, rows, columns, names.row("name"), f"Scenarios: {q.words}, P5-P95 over "
                                                                      "deployments", q.unit)
        place_on_own_page(ws, chart, k, anchor_row)
