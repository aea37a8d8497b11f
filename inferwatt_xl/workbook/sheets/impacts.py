"""The standalone workbook's Regions, Impacts, Capacity and Deployments sheets (issue 9), live from the Inputs.

Per query: cost, carbon and water of every baseline trial from that trial's own energy and draws.
Per fleet: the paper's three scenarios (all traditional, the test-time-scaling mix, the mix improved) as
nodes, MW, GWh, USD, tCO2e and m3 per day, with the two-level P5-P95 over deployments (api.fleet_runs).
"""

from __future__ import annotations

from collections.abc import Callable

from openpyxl.worksheet.pagebreak import Break

from ... import catalogue
from ... import vocabulary as vocab
from ...api import DEPLOYMENT_VARIABLE_IDS
from ...impacts import (
    CAPACITY_WORDS,
    COST_ELECTRICITY_ONLY,
    COST_WITH_HARDWARE,
    MEASURE_UNITS,
    MEASURE_WORDS,
    MEASURES,
    PRICE_DEFAULT_BASIS,
    PRICE_GIVEN_BASIS,
    PRICE_PARAMETERS,
    SPREAD_COLUMNS,
    SPREAD_UNITS,
    US_REGIONS,
    regions,
)
from ...measures import NEEDS_INDEPENDENT
from ...method.impacts import GWH_PER_TWH
from ..book import Book, columns_of
from ..built import EngineValues
from ..charts import error_bar_chart, place_on_own_page
from ..formats import number_format
from ..formulas import (
    CAPACITY_NAMES,
    CARBON_USED,
    DAYS_PER_YEAR_TEXT,
    FLEET_ROWS,
    G_PER_T_TEXT,
    GRID_ROWS,
    GWH_PER_DAY_TO_MW,
    MEASURE_STATUS,
    ML_PER_M3_TEXT,
    NAMED_MEASURES,
    PERCENTILES,
    PRICE_DRAW,
    PUE_DRAW,
    REGIMES,
    SECONDS_PER_DAY_TEXT,
    SPREAD_QUANTILES,
    STATS,
    WATER_USED,
    WH_PER_GWH_TEXT,
    WH_PER_KWH_TEXT,
    hdr_template,
    l_out_column,
    measure_values,
    peak_ratio,
    sim_sheet,
    stat_formula,
)
from ..grid import Column, Table, quote_sheetname

NUM = "0.0000"
# Measures that are the energy times a constant: their percentiles are the energy's, scaled (PERCENTILE.INC
# interpolates linearly), so they read the Summary's statistics instead of ranking the block again.
SCALED_ENERGY = {"energy_wh": "{energy}", "carbon_g": "{energy}*" + CARBON_USED + "/" + WH_PER_KWH_TEXT}
SCENARIOS = vocab.FLEET_SCENARIOS  # the paper's three (Sec. 4), a column each on Capacity and Deployments


def share_of(scenario: vocab.FleetScenario) -> str:
    """The share of a scenario's queries that is test-time scaling, as formula text."""
    return "{p.tts_share}" if scenario.mixed else "0"

PER_QUERY_ROWS = ("traditional", "tts", "traditional_improved", "tts_improved")
REGIMES_ORDER = tuple(REGIMES)
TOKENS_PER_MILLION = "1000000"


def _regime_alpha(row: str) -> tuple[str, str | None]:
    regime = row.removesuffix("_improved")
    if not row.endswith("_improved"):
        return regime, None
    return regime, "alpha_improved_tts" if regime == "tts" else "alpha_improved"


ScenarioFormula = Callable[[str, str, bool], str]  # (scenario, its test-time-scaling share, improved) -> formula


def known(value: str) -> str:
    """A quantity from node-seconds, which the workbook knows when pnode_model = independent."""
    return f'=IF({{n.Node_Seconds_Known}},{value},"{NEEDS_INDEPENDENT}")'


def unblocked(value: str, otherwise: str = NEEDS_INDEPENDENT) -> str:
    """A cost that includes hardware: unknown here when hardware is given but node-seconds are not."""
    return f'=IF({{n.Hardware_Blocked}},"{otherwise}",{value})'


def _capacity_rows() -> dict[str, tuple[str, str, ScenarioFormula]]:
    """Capacity rows: key -> (quantity, unit, formula of a scenario column)."""

    def mix(column: str, improved: bool, share: str) -> str:
        suffix = "_improved" if improved else ""
        t, tts = (f"{{PerQuery.{column}[{regime}{suffix}]}}" for regime in ("traditional", "tts"))
        return f"((1-{share})*{t}+{share}*{tts})"

    def per_day(column: str, improved: bool, share: str) -> str:
        return f"{{n.Beta}}*{{p.queries_per_day}}*{mix(column, improved, share)}"

    def row(key: str) -> str:
        return "{Cap.%s[" + key + "]}"

    rows = {
        "queries_per_day": ("queries per day", "queries/day", lambda s, share, imp: "={p.queries_per_day}"),
        "tts_share": ("share of test-time-scaling queries", "fraction", lambda s, share, imp: f"={share}"),
        "nodes": ("nodes (redundancy x N x node-seconds / 86,400 / mean load, per baseline model)", "nodes",
                  lambda s, share, imp: known(f"SUM({{all.NodeSlots.nodes_{s}}})")),
        "gpus": ("GPUs", "GPUs", lambda s, share, imp: known(f"SUMPRODUCT({{all.NodeSlots.nodes_{s}}},"
                                                             "{all.NodeSlots.gpus})")),
        "gwh_per_day": ("energy (the Fleet sheet's)", SPREAD_UNITS["gwh_per_day"],
                        lambda s, share, imp: f"={{n.Fleet_{SCENARIOS[s].name}_GWh_per_day}}"),
        "twh_per_year": ("energy per year", "TWh/year",
                         lambda s, share, imp: f"={row('gwh_per_day') % s}*{DAYS_PER_YEAR_TEXT}/{GWH_PER_TWH}"),
        "avg_facility_mw": ("average facility power", SPREAD_UNITS["avg_facility_mw"],
                            lambda s, share, imp: f"={row('gwh_per_day') % s}{GWH_PER_DAY_TO_MW}"),
        "peak_facility_mw": ("peak facility power (S.V load at its maximum)", SPREAD_UNITS["peak_facility_mw"],
                             lambda s, share, imp: f"={row('avg_facility_mw') % s}*{peak_ratio()}"),
        "peak_it_mw": ("peak IT power (facility over PUE, per query)", "MW",
                       lambda s, share, imp: f"={per_day('it_wh', imp, share)}/{WH_PER_GWH_TEXT}{GWH_PER_DAY_TO_MW}*"
                                             f"{peak_ratio()}"),
        "electricity_usd_per_day": ("electricity cost", "USD/day",
                                    lambda s, share, imp: "=" + per_day("electricity_usd", imp, share)),
        "hardware_usd_per_day": ("hardware, amortised (empty until its price and lifetime are given)", "USD/day",
                                 lambda s, share, imp: f'=IF(AND({{n.Hardware_Given}},{{n.Node_Seconds_Known}}),'
                                 f'{row("nodes") % s}*{{p.hardware_usd_per_node}}/({{p.hardware_lifetime_years}}*'
                                 f'{DAYS_PER_YEAR_TEXT}),"")'),
        "cost_usd_per_day": ("cost: electricity plus hardware when given", SPREAD_UNITS["cost_usd_per_day"],
                             lambda s, share, imp: unblocked(f"{row('electricity_usd_per_day') % s}+N("
                                                             f"{row('hardware_usd_per_day') % s})")),
        "cost_usd_per_year": ("cost per year", "USD/year",
                              lambda s, share, imp: unblocked(f"{row('cost_usd_per_day') % s}*{DAYS_PER_YEAR_TEXT}")),
        "carbon_t_per_day": ("operational carbon (GWh x gCO2e/kWh = t)", SPREAD_UNITS["carbon_t_per_day"],
                             lambda s, share, imp: f"={row('gwh_per_day') % s}*{CARBON_USED}"),
        "water_m3_per_day": ("water: on-site WUE plus the electricity's (empty without a water intensity)",
                             SPREAD_UNITS["water_m3_per_day"], lambda s, share, imp: f'=IF(ISNUMBER({WATER_USED}),'
                             + per_day("water_ml", imp, share) + f'/{ML_PER_M3_TEXT},"")'),
    }
    for column in SPREAD_COLUMNS:
        source = "gwh" if column in ("gwh_per_day", "avg_facility_mw", "peak_facility_mw") else column.split("_")[0]
        scale = {"gwh_per_day": "", "avg_facility_mw": GWH_PER_DAY_TO_MW,
                 "peak_facility_mw": GWH_PER_DAY_TO_MW + "*" + peak_ratio()}
        for q, k in SPREAD_QUANTILES:
            def formula(s: str, share: str, imp: bool, source: str = source, k: float = k,
                        column: str = column, scaled: str = scale.get(column, "")) -> str:
                value = f"PERCENTILE.INC({{all.Deploy.{source}_{s}}},{k})" + scaled
                if column == "water_m3_per_day":
                    return f'=IF(ISNUMBER({WATER_USED}),{value},"")'
                return unblocked(value, "") if column == "cost_usd_per_day" else "=" + value
            rows[f"{column}_{q}"] = (f"{CAPACITY_WORDS[column]}, {q.upper()} over deployments", SPREAD_UNITS[column],
                                     formula)
    for column in ("cost_usd_per_day", "carbon_t_per_day"):  # the chart's error bars, P5-P95 around the value
        rows[f"{column}_minus"] = (f"{CAPACITY_WORDS[column]}: value - P5 (chart)", SPREAD_UNITS[column],
                                   lambda s, share, imp, c=column: unblocked(f"{row(c) % s}-{row(c + '_p5') % s}", ""))
        rows[f"{column}_plus"] = (f"{CAPACITY_WORDS[column]}: P95 - value (chart)", SPREAD_UNITS[column],
                                  lambda s, share, imp, c=column: unblocked(f"{row(c + '_p95') % s}-{row(c) % s}", ""))
    return rows


def declare(book: Book, values: EngineValues) -> None:
    """The tables of the four sheets."""
    g = book.grid
    g.add(Table("Region", "Regions", [
        Column("code", "code", width=8), Column("name", "name", width=18),
        Column("carbon_intensity_g_per_kwh", "carbon intensity (gCO2e/kWh)", width=14),
        Column("carbon_year", "year", width=8),
        Column("water_intensity_l_per_kwh", "water intensity of electricity (L/kWh)", width=14),
        Column("carbon_source", "carbon source", width=60), Column("water_source", "water source", width=60)],
        book.first_row(gap=1), len(regions())))
    g.add(Table("GridUsed", "Impacts", [Column("quantity", "grid and hardware used", width=40),
                                        Column("value", "value", width=16), Column("name", "defined name", width=30)],
                book.first_row(), tuple(grid_rows())))
    keys = tuple(f"{regime}_{m}" for regime in REGIMES for m in MEASURES)
    stat_columns = [Column(s, s, number_format=NUM) for s, _ in STATS]
    g.add(Table("Impact", "Impacts", [
        Column("regime", "regime", width=18), Column("measure", "measure", width=16),
        Column("unit", "unit", width=8),
        Column("status", "status", lambda i: MEASURE_STATUS.get(keys[i].split("_", 1)[1], '="ok"'), width=30),
        *stat_columns], book.first_row(1, below="GridUsed"), keys))
    g.add(Table("PerToken", "Impacts", [
        Column("quantity", "cost per million output tokens (the mean cost over the mean output tokens)", width=40),
        Column("value", "USD per million output tokens",
               lambda i: (f'=IF(ISNUMBER({{Impact.mean[{REGIMES_ORDER[i]}_cost_usd]}}),{{Impact.mean['
                          f'{REGIMES_ORDER[i]}_cost_usd]}}/AVERAGE({{all.Draws.{l_out_column(REGIMES_ORDER[i])}}})*'
                          f'{TOKENS_PER_MILLION},"")'), NUM, 18)],
        book.first_row(below="Impact", gap=3), REGIMES_ORDER))  # a blank, the note under Impact, a blank

    g.add(Table("PerQuery", "Capacity", [
        Column("row", "baseline queries", width=34),
        Column("mean_wh", "mean energy (Wh/query)", lambda i: _per_query(PER_QUERY_ROWS[i], "mean_wh"), NUM,
               16, array=True),
        Column("it_wh", "mean IT energy, E / PUE (Wh/query)", lambda i: _per_query(PER_QUERY_ROWS[i], "it_wh"),
               NUM, 16, array=True),
        Column("base_wh", "mean at PUE 1, no alpha (Wh/query)", lambda i: _per_query(PER_QUERY_ROWS[i], "base_wh"),
               NUM, 16, array=True),
        Column("electricity_usd", "mean electricity (USD/query)",
               lambda i: _per_query(PER_QUERY_ROWS[i], "electricity_usd"), number_format("USD/query"),
               16, array=True),
        Column("water_ml", "mean water (mL/query)", lambda i: _per_query(PER_QUERY_ROWS[i], "water_ml"), NUM, 16,
               array=True)], book.first_row(1), PER_QUERY_ROWS))

    def mean_seconds(regime: str, improved: bool = False) -> Callable[[int], str]:
        """The slot's mean node-seconds, from its Sim sheet's head row; under the improved lever divided by its
        alpha when lever_effect = throughput (a lever that raises throughput frees nodes)."""
        table = g.table(sim_sheet(regime))

        def head(i: int, key: str) -> str:
            return f"{quote_sheetname(table.sheet)}!${table.letter(f'slot_{i + 1}')}${table.head_row(key)}"

        if not improved:
            return lambda i: "=" + head(i, "mean_node_s")
        return lambda i: (f'=IF({{p.lever_effect}}="throughput",{head(i, "mean_node_s_improved")},'
                          f'{head(i, "mean_node_s")})')

    def nodes(share: str, improved: bool = False) -> str:
        suffix = "_improved" if improved else ""
        t, tts = f"{{node_s_traditional{suffix}}}", f"{{node_s_tts{suffix}}}"
        seconds = t if share == "0" else f"((1-{share})*{t}+{share}*{tts})"
        return (f"=IF(AND({{in_baseline}},{{n.Node_Seconds_Known}}),ROUNDUP({{p.node_redundancy}}*"
                f"{{p.queries_per_day}}/SUMPRODUCT(--{{n.BASELINE_FLAGS_TRADITIONAL}})*{seconds}/{SECONDS_PER_DAY_TEXT}/"
                f"{{n.Mean_Load_Frac}},0),0)")

    g.add(Table("NodeSlots", "Capacity", [
        Column("model", "model slot", '=IF({Fit.model}="","",{Fit.model})', width=34),
        Column("in_baseline", "in baseline", "={Fit.in_baseline}"),
        Column("gpus", "GPUs per node", "={Fit.gpus}"),
        Column("node_s_traditional", "mean node-seconds per query, traditional", mean_seconds("traditional"), NUM,
               16),
        Column("node_s_tts", "mean node-seconds per query, test-time scaling", mean_seconds("tts"), NUM, 16),
        Column("node_s_traditional_improved", "mean node-seconds, traditional, improved fleet",
               mean_seconds("traditional", True), NUM, 16),
        Column("node_s_tts_improved", "mean node-seconds, test-time scaling, improved fleet",
               mean_seconds("tts", True), NUM, 16),
        Column("nodes_baseline", "nodes, all traditional", nodes("0"), "#,##0", 14),
        Column("nodes_mixed", "nodes, test-time-scaling mix", nodes("{p.tts_share}"), "#,##0", 14),
        Column("nodes_mixed_improved", "nodes, the mix improved", nodes("{p.tts_share}", True), "#,##0", 14)],
        book.first_row(1, below="PerQuery"), book.spec["model_slots"]))

    rows = _capacity_rows()
    def scenario_column(s: str, sc: vocab.FleetScenario) -> Column:
        return Column(s, f"{sc.words} ({sc.name.replace('_', ' ')})",
                      lambda i: rows[list(rows)[i]][2](s, share_of(sc), sc.improved), NUM, 18)

    scenario_columns = [scenario_column(s, sc) for s, sc in SCENARIOS.items()]
    g.add(Table("Cap", "Capacity", [Column("quantity", "quantity", width=62), Column("unit", "unit", width=12),
                                    *scenario_columns], book.first_row(1, below="NodeSlots"),
                tuple(rows)))

    m = catalogue.parameters()["deployment_draws"].default
    uniforms = [Column(f"u_{v}", f"uniform {v} (HDR variable {var})", hdr_template(var), "0.000000")
                for v, var in DEPLOYMENT_VARIABLE_IDS.items()]
    per_scenario = []
    for s, sc in SCENARIOS.items():
        share = share_of(sc)
        trad, tts = ("/{alpha_improved}", "/{alpha_improved_tts}") if sc.improved else ("", "")  # each regime its alpha
        base = ("((1-" + share + ")*{PerQuery.base_wh[traditional]}" + trad + "+" + share + "*{PerQuery.base_wh[tts]}"
                + tts + ")")
        # a calibrated slot's share of it at its own PUE (Calibration; 0 while off): pue x base + (its PUE - pue) x it
        calibrated_base = ("((1-" + share + ")*{CalOut.base_wh_traditional[slot]}" + trad + "+" + share +
                           "*{CalOut.base_wh_tts[slot]}" + tts + ")")
        facility = f"{{n.Beta}}*{{p.queries_per_day}}*({{pue}}*{base}+({{pue_calibrated}}-{{pue}})*{calibrated_base})"
        it = f"{{n.Beta}}*{{p.queries_per_day}}*{base}"
        per_scenario += [
            Column(f"facility_wh_{s}", f"{s}: facility energy (Wh/day)", "=" + facility, "#,##0"),
            Column(f"gwh_{s}", f"{s}: GWh/day", f"={{facility_wh_{s}}}/{WH_PER_GWH_TEXT}", NUM),
            Column(f"cost_{s}", f"{s}: USD/day", unblocked(f"{{facility_wh_{s}}}/{WH_PER_KWH_TEXT}*{{price}}+N("
                                                           f"{{Cap.{s}[hardware_usd_per_day]}})", ""), "#,##0"),
            Column(f"carbon_{s}", f"{s}: tCO2e/day",
                   f"={{facility_wh_{s}}}/{WH_PER_KWH_TEXT}*{CARBON_USED}/{G_PER_T_TEXT}", NUM),
            Column(f"water_{s}", f"{s}: m3/day", f'=IF(ISNUMBER({WATER_USED}),({it}*{{wue}}+'
                                                 f'{{facility_wh_{s}}}*{WATER_USED})/{ML_PER_M3_TEXT},"")', NUM)]
    g.add(Table("Deploy", "Deployments", [
        Column("trial", "deployment"), *uniforms,
        Column("pue", "PUE", PUE_DRAW, NUM),
        Column("pue_calibrated", "PUE of a calibrated slot (its posterior; the PUE while calibration is off)",
               '=IF(AND({n.Calibration_Active},{CalFactors.informed[pue]}),IF({p.pue_below_one}="keep",EXP('
               '{CalMath.value[m_p]}+SQRT({CalMath.value[c_pp]})*NORM.S.INV({u_pue})),MAX(1,EXP({CalMath.value[m_p]}+'
               'SQRT({CalMath.value[c_pp]})*NORM.S.INV({u_pue})))),{pue})', NUM),
        Column("z_price", "z of the price", "=NORM.S.INV({u_price})", NUM),
        Column("price", "price (USD/kWh)", PRICE_DRAW, NUM),
        Column("wue", "WUE (L/kWh)", "=LOGNORM.INV({u_wue},{Const.wue_mu},{Const.wue_sigma})", NUM),
        Column("alpha_improved", "alpha improved",
               "=LOGNORM.INV({u_alpha_improved},{Const.a_improved_mu},{Const.a_improved_sigma})", NUM),
        Column("alpha_improved_tts", "alpha improved (test-time scaling)",
               "=LOGNORM.INV({u_alpha_improved},{Const.a_improved_tts_mu},{Const.a_improved_tts_sigma})", NUM),
        *per_scenario], book.first_row(gap=1), m))


MEAN_NAMES = {row: FLEET_ROWS[f"mean_{row}"][2] for row in PER_QUERY_ROWS}  # the Fleet sheet's baseline means


def _per_query(row: str, column: str) -> str:
    """A per-query mean of the baseline. A mean over trials x baseline models is the sum over trials of each
    trial's baseline sum (Sim sheets) times the trial's factor, over trials x models: one pass over a column,
    not over the trials x slots block. What the Fleet sheet or another row has already is referred to."""
    regime, alpha = _regime_alpha(row)
    if column == "mean_wh":
        return f"={{n.{MEAN_NAMES[row]}}}"
    if column == "base_wh" and alpha:  # PUE 1 without alpha: the same as the row without the lever
        return f"={{PerQuery.base_wh[{regime}]}}"
    if column == "it_wh" and not alpha:
        return f"={{PerQuery.base_wh[{regime}]}}"
    by_alpha = f"/{{all.Draws.{alpha}}}" if alpha else ""
    e = f"{{all.{sim_sheet(regime)}.baseline_sum_wh}}{by_alpha}"
    it = f"{{all.{sim_sheet(regime)}.baseline_sum_it_wh}}{by_alpha}"  # at PUE 1, a calibrated slot at its own PUE
    count = f"({{p.n_trials}}*SUMPRODUCT(--{{n.BASELINE_FLAGS_{REGIMES[regime].short.upper()}}}))"
    total = {"it_wh": it, "base_wh": it, "electricity_usd": f"{e}*{{all.Draws.price_usd_per_kwh}}/{WH_PER_KWH_TEXT}",
             "water_ml": f"{it}*{{all.Draws.wue_l_per_kwh}}+{e}*{WATER_USED}"}[column]
    mean = f"SUM({total})/{count}"
    return f'=IF(ISNUMBER({WATER_USED}),{mean},"")' if column == "water_ml" else "=" + mean


def write(book: Book, values: EngineValues) -> None:
    """Fill the four sheets and name their key results."""
    _regions(book)
    _impacts(book)
    _capacity(book)


def _impact_formulas(table: Table, regime: str, measure: str) -> tuple[str, str]:
    """(five percentiles, mean) of a measure drawn per trial: percentiles rank the pooled block; means come
    from the Capacity sheet's per-query means; a row waiting for an input stays empty, and cost is the
    electricity row until hardware is given (IF does not evaluate the branch it does not take)."""
    percentiles = f"PERCENTILE.INC({measure_values(regime, measure)},{{n.PERCENTILE_K}})"
    if measure == "cost_usd":
        electricity = f"{regime}_electricity_usd"
        span = (table.cell(PERCENTILES[0], electricity, sheet=True, absolute=True) + ":"
                + table.cell(PERCENTILES[-1], electricity, absolute=True))
        return (f'=IF({{status}}<>"ok","",IF({{n.Hardware_Given}},{percentiles},{span}))',
                f'=IF({{status}}<>"ok","",{{PerQuery.electricity_usd[{regime}]}}+N('
                f'{{Impact.mean[{regime}_hardware_usd]}}))')
    if measure == "electricity_usd":
        return "=" + percentiles, f"={{PerQuery.electricity_usd[{regime}]}}"
    mean = (f"{{PerQuery.water_ml[{regime}]}}" if measure == "water_ml"
            else stat_formula(measure_values(regime, measure), None))
    return f'=IF({{status}}="ok",{percentiles},"")', f'=IF({{status}}="ok",{mean},"")'


def _regions(book: Book) -> None:
    book.note("Regions", "Grid carbon intensity and the water consumed to generate electricity, per region, each "
                       "with its source (data/regions.csv). Choose the region on the Inputs sheet; an empty water "
                       "intensity has no sourced value: give water_intensity_l_per_kwh on Inputs.")
    book.write("Region", columns_of(regions(), book.grid.table("Region")))


def grid_rows() -> dict[str, tuple[str, str, str]]:
    """GRID_ROWS and the cost basis: the engine's texts (impacts.cost_basis), live from Hardware_Given, the
    region and whether the price inputs still hold their declared (EIA) defaults."""
    defaults = catalogue.defaults()
    same_price = "AND(" + ",".join(f"{{p.{k}}}={defaults[k]!r}" for k in PRICE_PARAMETERS) + ")"
    in_us = "OR(" + ",".join(f'{{p.region}}="{code}"' for code in US_REGIONS) + ")"
    basis = (f'=IF({{n.Hardware_Given}},"{COST_WITH_HARDWARE}","{COST_ELECTRICITY_ONLY}")&"; "&IF({same_price},"'
             f'{PRICE_DEFAULT_BASIS}"&IF({in_us},"",", applied to "&{{n.Region_Name}}),'
             f'"{PRICE_GIVEN_BASIS}")')
    return {**GRID_ROWS, "cost_basis": ("what the costs cover, at which electricity price", basis, "Cost_Basis")}


def _impacts(book: Book) -> None:
    ws, st, g = book.sheets["Impacts"], book.styles, book.grid
    used = g.table("GridUsed")
    rows = grid_rows()
    book.write("GridUsed", {"quantity": [label for label, _, _ in rows.values()],
                            "name": [name for _, _, name in rows.values()]})
    for key, (_, formula, name) in rows.items():
        book.formula(used, "value", formula, key)
        book.define(name, used.cell("value", key, sheet=True, absolute=True))
    table = g.table("Impact")
    keys = table.rows
    book.write("Impact", {"regime": [REGIMES[k.split("_", 1)[0]].short for k in keys],
                          "measure": [MEASURE_WORDS[k.split("_", 1)[1]] for k in keys],
                          "unit": [MEASURE_UNITS[k.split("_", 1)[1]] for k in keys]})
    book.heading("Impact", "Baseline per query: every statistic from the same trials as the energy (each trial's own "
                           "price, WUE and PUE)")
    for key in keys:
        regime, measure = key.split("_", 1)
        if measure in SCALED_ENERGY:  # the Summary's statistics times a constant: no second pass over the block
            for stat, _ in STATS:
                energy = f"{{n.Baseline_{REGIMES[regime].short}_{stat.capitalize()}_Wh}}"
                book.formula(table, stat, "=" + SCALED_ENERGY[measure].replace("{energy}", energy), key)
        else:
            percentiles, mean = _impact_formulas(table, regime, measure)
            book.formula(table, PERCENTILES[0], percentiles, key, array=True, span_to=PERCENTILES[-1])
            book.formula(table, "mean", mean, key, array=True)
        fmt = number_format(MEASURE_UNITS[measure])
        for s, _ in STATS:
            ws[table.cell(s, key)].number_format = fmt
            if measure in NAMED_MEASURES and s in ("median", "mean"):
                book.define(f"Baseline_{REGIMES[regime].short}_{s.capitalize()}_{NAMED_MEASURES[measure]}",
                            table.cell(s, key, sheet=True, absolute=True))
                ws[table.cell(s, key)].fill = st.result
    per_token = g.table("PerToken")
    book.write("PerToken", {"quantity": [f"baseline, {REGIMES[r].short}" for r in REGIMES_ORDER]})
    for regime in REGIMES_ORDER:
        book.define(f"Baseline_{REGIMES[regime].short}_USD_per_Million_Output_Tokens",
                    per_token.cell("value", regime, sheet=True, absolute=True))
    book.note("Impacts", "cost_usd = electricity_usd + hardware_usd (hardware at the node's saturated throughput, "
                         "Eq. 1's assumption; 0 until its price and lifetime are given). water_ml = E / PUE x WUE + E "
                         "x the electricity's water intensity (Wh x L/kWh = mL). Node-seconds come from Eq. 1 solved "
                         "for L_eff / TPS, which needs pnode_model = independent.", row=table.last_row + 2)


def _capacity(book: Book) -> None:
    ws, st, g = book.sheets["Capacity"], book.styles, book.grid
    book.note("Capacity", "The paper's three fleet scenarios (Sec. 4) as nodes, power, energy, cost, carbon and water "
                          "per day. P5-P95: a two-level Monte Carlo over the Deployments sheet, where each deployment "
                          "draws its own PUE, electricity price and WUE (and improved alpha); the per-query randomness "
                          "inside is averaged over the day's queries.")
    book.write("PerQuery", {"row": [row.replace("_", ", ").replace("tts", "test-time scaling")
                                    for row in PER_QUERY_ROWS]})
    book.heading("PerQuery", "Per-query means of the baseline")
    book.write("NodeSlots")
    book.heading("NodeSlots", "Nodes per model slot (the baseline serves its models equally)")
    cap = g.table("Cap")
    rows = _capacity_rows()
    book.write("Cap", {"quantity": [label for label, _, _ in rows.values()],
                       "unit": [unit for _, unit, _ in rows.values()]})
    book.heading("Cap", "Fleet scenarios")
    book.formula(cap, "unit", '="cost: "&Cost_Basis', at=cap.header_row - 1).font = st.note
    for s, sc in SCENARIOS.items():
        for key, part in CAPACITY_NAMES.items():
            book.define(f"Fleet_{sc.name}_{part}", cap.cell(s, key, sheet=True, absolute=True))
        for key in ("nodes", "cost_usd_per_day", "carbon_t_per_day"):
            ws[cap.cell(s, key)].fill = st.result
        for key, (_, unit, _) in rows.items():
            ws[cap.cell(s, key)].number_format = number_format(unit)
    book.define("Fleet_Nodes", cap.cell("mixed", "nodes", sheet=True, absolute=True))
    _fleet_chart(book)

    deploy = g.table("Deploy")
    book.note("Deployments", f"{deploy.n_rows:,} deployments (deployment_draws, fixed at build): each draws its own "
                             "PUE, electricity price, WUE and improved alpha from HDR variables "
                             f"{min(DEPLOYMENT_VARIABLE_IDS.values())}-{max(DEPLOYMENT_VARIABLE_IDS.values())} (the "
                             "engine's), times the per-query means of the Capacity sheet.")
    book.write("Deploy", {"trial": list(range(1, deploy.n_rows + 1))})
    book.sheets["Deployments"].freeze_panes = book.sheets["Deployments"].cell(deploy.first_row, 2)
    book.print_rows("Deploy")


def _fleet_chart(book: Book) -> None:
    """Cost and carbon per day of the three scenarios, with P5-P95 error bars (a finance reader's chart)."""
    ws, cap = book.sheets["Capacity"], book.grid.table("Cap")
    columns = (cap.column_number("baseline"), cap.column_number("mixed_improved"))
    anchor_row = cap.last_row + 3
    ws.row_breaks.append(Break(id=anchor_row - 1))  # the charts start a page, one page area each
    for k, (key, title, unit) in enumerate((("cost_usd_per_day", "Fleet cost per day, P5-P95 over deployments",
                                              "USD/day"),
                                             ("carbon_t_per_day", "Fleet carbon per day, P5-P95 over deployments",
                                              "tCO2e/day"))):
        rows = {"value": cap.row(key), **{part: cap.row(f"{key}_{part}") for part in ("minus", "plus", "p95")}}
        place_on_own_page(ws, error_bar_chart(ws, rows, columns, cap.header_row, title, unit), k, anchor_row)
