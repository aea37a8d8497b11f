"""Draws and Sim_*: one row per trial of HDR uniforms and the random inputs they give, and each model slot's
energy per query in each regime (Eq. 1), with the per-slot statistics the other sheets read in head rows."""

from __future__ import annotations

from ... import api
from ..book import Book
from ..built import EngineValues
from ..formulas import (
    L_IN_COUNTED,
    PRICE_DRAW,
    PUE_DRAW,
    REGIMES,
    UTIL_DRAW,
    WUE_DRAW,
    calibrated,
    energy_formula,
    hdr_template,
    l_out_column,
    node_seconds_of,
    sim_sheet,
    slot_heads,
)
from ..grid import Column, Table
from ..xlsx import put_text

NUM = WH = "0.0000"
# Rows above each Sim sheet's slots for the authors' trimming: each model's P5 and P95, then P10 and P90 of
# the draws between them (method/trimming.py): a draw is kept when it lies within the second pair.
TRIM_HEADS = {"trim_lo1": "P5 of the draws (trimming, stage 1)", "trim_hi1": "P95 of the draws (trimming, stage 1)",
              "trim_lo2": "P10 of the stage-1 draws (kept from here)", "trim_hi2": "P90 of the stage-1 draws (kept to "
              "here)"}
# The head rows of a Sim sheet, above its header: key -> label.
HEADS = {"tps_low": "lowest TPS of the sample", "tps_high": "highest TPS of the sample",
         "power_at_lowest_tps_kw": "S.IV power at the lowest TPS (kW)",
         "power_per_tps_kw": "S.IV power per token/s (kW)",
         "mean_ln_e": "mean ln(Wh) over the trials with energy in every baseline model",
         "p_max_kw": "P_max of the slot's node (kW)",
         "power_fixed_kw": "node power A of A + B TPS + C util (kW; Eq. 1 in each trial)",
         "power_per_tps_kw_line": "node power B per token/s (kW)",
         "power_drawn_kw": "node power C per unit of the drawn P_node / P_max (kW)",
         "l_out_cap_tokens": "output length TPS holds at (tps_beyond_range = hold)",
         "calibrated": "calibrated to measurements (1/0: the Calibration sheet's model, switched on)",
         "mean_node_s": "mean node-seconds per query, 3.6 E / (PUE P_node)",
         "mean_node_s_improved": "the same, divided by the improved alpha (for the improved fleet, lever_effect = "
                                 "throughput)",
         "median_wh": "median of every draw (Wh; the top3_by_median rule ranks these)",
         **TRIM_HEADS, "model": "model",
         "in_baseline": "in the baseline (declared, or one of the three highest medians)"}
ARRAY_HEADS = ("mean_ln_e", "mean_node_s", "mean_node_s_improved", "trim_lo2", "trim_hi2", "in_baseline")
# Head rows other sheets read, as defined names <NAME>_<REGIME> over the slots.
NAMED_HEADS = (("BASELINE_FLAGS", "in_baseline"), ("CALIBRATED", "calibrated"), ("MEAN_LN_E", "mean_ln_e"),
               ("P_MAX_KW", "p_max_kw"), ("MEDIAN_WH", "median_wh"), ("TRIM_LO", "trim_lo2"), ("TRIM_HI", "trim_hi2"))


def declare(book: Book, values: EngineValues) -> None:
    g, slots = book.grid, book.spec["model_slots"]
    slot_range = range(1, slots + 1)
    # Distribution constants (one row): log-normal parameters of PUE and of each lever's alpha.
    consts = [Column("z_p95", "z of P95", "=NORM.S.INV(0.95)", NUM),
              Column("l_in_counted_tokens", "input tokens counted in L_eff (S.III)", L_IN_COUNTED, NUM),
              Column("pue_mu", "PUE mu", "=(LN({p.pue_p5})+LN({p.pue_p95}))/2", NUM),
              Column("pue_sigma", "PUE sigma", "=(LN({p.pue_p95})-LN({p.pue_p5}))/(2*{z_p95})", NUM),
              Column("pue_f1", "PUE CDF at 1", "=IF({pue_sigma}=0,0,NORMSDIST(-{pue_mu}/{pue_sigma}))", NUM)]
    for lever, p5, p95 in [(lv, f"{{p.alpha_{lv}_p5}}", f"{{p.alpha_{lv}_p95}}") for lv in api.ALPHA_LEVERS] + [
            ("improved_tts", "{p.alpha_improved_p5}", "{p.alpha_improved_tts_p95}")]:
        consts += [Column(f"a_{lever}_mu", f"alpha {lever} mu", f"=(LN({p5})+LN({p95}))/2", NUM),
                   Column(f"a_{lever}_sigma", f"alpha {lever} sigma",
                          f"=(LN({p95})-LN({p5}))/(2*{{z_p95}})", NUM)]
    consts += [Column("wue_mu", "WUE mu", "=(LN({p.wue_l_per_kwh_p5})+LN({p.wue_l_per_kwh_p95}))/2", NUM),
               Column("wue_sigma", "WUE sigma", "=(LN({p.wue_l_per_kwh_p95})-LN({p.wue_l_per_kwh_p5}))/"
                                                "(2*{z_p95})", NUM)]
    g.add(Table("Const", "Draws", consts, book.first_row(), 1))

    uniforms = [Column(f"u_{v}", f"uniform {v}", hdr_template(api.VARIABLE_IDS[v]), "0.000000")
                for v in api.VARIABLE_IDS]
    g.add(Table("Draws", "Draws", [
        Column("trial", "trial"), *uniforms,
        *[Column(l_out_column(regime), f"L_out {REGIMES[regime].words} (tokens)", _rounded(
            f"-LN(1-{{u_l_out}})*{{p.l_out_median_{regime}_tokens}}/LN(2)"), "0.0")
          for regime in REGIMES],
        Column("z_util", "z of P_node", "=NORM.S.INV({u_util})", NUM),
        Column("util_frac_of_p_max", "P_node / P_max", UTIL_DRAW, NUM),
        Column("pue", "PUE", PUE_DRAW, NUM),
        *[Column(f"alpha_{lever}", f"alpha {lever}",
                 f"=LOGNORM.INV({{u_alpha_{lever}}},{{Const.a_{lever}_mu}},{{Const.a_{lever}_sigma}})", NUM)
          for lever in api.ALPHA_LEVERS],
        Column("alpha_improved_tts", "alpha improved (test-time scaling)",
               "=LOGNORM.INV({u_alpha_improved},{Const.a_improved_tts_mu},{Const.a_improved_tts_sigma})", NUM),
        Column("alpha_combined", "alpha combined (product)",
               "=" + "*".join(f"{{{alpha}}}" for alpha in api.LEVER_ALPHAS["combined"]), NUM),
        Column("z_price", "z of the price", "=NORM.S.INV({u_price})", NUM),
        Column("price_usd_per_kwh", "electricity price (USD/kWh)", PRICE_DRAW, NUM),
        Column("wue_l_per_kwh", "on-site WUE (L/kWh of IT energy)", WUE_DRAW, NUM)],
        book.first_row(below="Const", gap=2), values.trials))

    for regime in REGIMES:
        sheet, energy = sim_sheet(regime), energy_formula(l_out_column(regime), calibrated=True)
        # mean ln(Wh) of the baseline slots of a trial; IF is lazy, so an empty slot's "" is never LN'd
        terms = "+".join(f"IF({{headof.slot_{k}.in_baseline}},LN({{slot_{k}}}),0)" for k in slot_range)
        flags = "{n.BASELINE_FLAGS_" + REGIMES[regime].short.upper() + "}"
        g.add(Table(sheet, sheet, [Column("trial", "trial"), *[
            Column(f"slot_{k}", f"slot {k} (Wh/query)", energy, WH, 16, bind={"Fit": k - 1})
            for k in slot_range],
            # 1 where every baseline model has energy: a draw rounded to 0 output tokens has 0 Wh and no log
            Column("positive", "every baseline model above 0 Wh (1/0, for variance shares of ln E)",
                   "=" + "*".join(f"IF({{headof.slot_{k}.in_baseline}},({{slot_{k}}}>0)*1,1)" for k in slot_range),
                   "0", 14),
            Column("mean_ln_baseline", "mean ln(Wh) of the baseline models (for variance shares)",
                   f"=IF({{positive}}=1,({terms})/SUMPRODUCT(--{flags}),0)", NUM, 18),
            Column("baseline_sum_wh", "sum of the baseline models' Wh (for means of cost, water)",
                   "=" + "+".join(f"IF({{headof.slot_{k}.in_baseline}},{{slot_{k}}},0)" for k in slot_range),
                   NUM, 18),
            # at PUE 1: the sum over the trial's PUE, the calibrated slot's part over its own PUE instead
            Column("baseline_sum_it_wh", "the same at PUE 1 (IT energy; a calibrated slot at its own PUE)",
                   "={baseline_sum_wh}/{Draws.pue}+{n.Calibration_In_Baseline_" + REGIMES[regime].short.upper() +
                   "}*CHOOSE(MAX(1,{CalSet.value[slot]})," + ",".join(f"{{slot_{k}}}" for k in slot_range) +
                   ")/{Draws.pue}*(1/{CalSim.pue_ratio}-1)", NUM, 18)],
            book.first_row(head=len(HEADS)), values.trials, head=tuple(HEADS)))

def _rounded(expression: str) -> str:
    """A drawn L_out, rounded to whole tokens when l_out_rounding = nearest (the authors' np.round)."""
    return f'=IF({{p.l_out_rounding}}="nearest",ROUND({expression},0),{expression})'


def write(book: Book, values: EngineValues) -> None:
    book.note("Draws", "Distribution constants from the Inputs; below, one row per trial, shared by all models "
                       "(common random numbers)")
    book.write("Const")
    table = book.write("Draws", {"trial": list(range(1, values.trials + 1))})
    book.sheets["Draws"].freeze_panes = book.sheets["Draws"].cell(table.first_row, 2)
    book.print_rows("Draws")
    for regime in REGIMES:
        _simulation(book, values, regime)


def _head_templates(regime: str) -> dict[str, str]:
    """The formula of each head row, for one slot's column."""
    sheet, label = sim_sheet(regime), REGIMES[regime].short
    node_s = node_seconds_of("{column}/" + calibrated("{head.calibrated}", "{all.CalSim.power_ratio}"),
                             "{head.p_max_kw}")
    improved = f"/{{all.Draws.{'alpha_improved_tts' if regime == 'tts' else 'alpha_improved'}}}"
    top3 = (f'AND({{head.model}}<>"",SUMPRODUCT(ISNUMBER({{n.MEDIAN_WH_{label.upper()}}})*'
            f'({{n.MEDIAN_WH_{label.upper()}}}>{{head.median_wh}}))<3)')
    kept = "({column}>={head.trim_lo1})*({column}<={head.trim_hi1})"
    return {**slot_heads(regime),
            "calibrated": '=IF({head.model}="",0,IF(AND({n.Calibration_Active},{head.model}={n.Calibration_Model}),1,'
                          '0))',
            "in_baseline": f'=IF({{p.baseline_rule}}="top3_by_median",{top3},{{Fit.in_baseline}})',
            "median_wh": '=IF({head.model}="","",PERCENTILE.INC({column},0.5))',
            "trim_lo1": '=IF({head.model}="","",PERCENTILE.INC({column},0.05))',
            "trim_hi1": '=IF({head.model}="","",PERCENTILE.INC({column},0.95))',
            "trim_lo2": '=IF({head.model}="","",PERCENTILE.INC(IF(' + kept + ',{column}),0.1))',
            "trim_hi2": '=IF({head.model}="","",PERCENTILE.INC(IF(' + kept + ',{column}),0.9))',
            "mean_ln_e": '=IF({head.model}="","",AVERAGE(IF({all.' + sheet + '.positive}=1,LN({column}))))',
            "mean_node_s": '=IF({head.model}="","",IF({n.Node_Seconds_Known},AVERAGE(' + node_s + '),'
                           '"n/a: pnode_model = linear_tps"))',
            "mean_node_s_improved": '=IF({head.model}="","",IF({n.Node_Seconds_Known},AVERAGE(' + node_s + improved
                                    + '),"n/a: pnode_model = linear_tps"))'}


def _simulation(book: Book, values: EngineValues, regime: str) -> None:
    sheet, label = sim_sheet(regime), REGIMES[regime].short
    ws, st, table, slots = book.sheets[sheet], book.styles, book.grid.table(sheet), book.spec["model_slots"]
    templates = _head_templates(regime)
    for key, text in HEADS.items():
        put_text(ws, table.head_row(key), 1, text).font = st.bold
        for k in range(1, slots + 1):
            book.formula(table, f"slot_{k}", templates[key], at=table.head_row(key), array=key in ARRAY_HEADS)
    book.write(sheet, {"trial": list(range(1, values.trials + 1))})
    ws.column_dimensions["A"].width = 24
    ws.freeze_panes = ws.cell(table.first_row, 2)
    book.print_rows(sheet)
    book.define(f"ENERGY_{label.upper()}_WH", table.block("slot_1", f"slot_{slots}"))
    for name, key in NAMED_HEADS:
        book.define(f"{name}_{label.upper()}", table.head_span(key, "slot_1", f"slot_{slots}"))
