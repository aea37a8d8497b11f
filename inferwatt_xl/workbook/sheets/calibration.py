"""Calibration and Sim_Calibration: a model slot calibrated to measurements in live formulas (issue 20).

The measurements table reads each row as the engine does (calibration.reading: a constant and the factors it
multiplies, in logs); the posterior is the conjugate update in information form (prior precision plus the sum
of a a' / sigma^2 over the rows, a 3 x 3 inverse by cofactors), its Cholesky factor six cells. Sim_Calibration
draws the calibrated slot's factors per trial from the normal scores of the Draws sheet's uniforms and a
uniform of its own (the engine's CALIBRATION_VARIABLE_IDS), and gives the ratios the Sim sheets, node-seconds,
IT energy and the deployments multiply by: exactly 1 while calibration is off.
"""

from __future__ import annotations

from openpyxl.worksheet.datavalidation import DataValidation

from ... import calibration as engine
from ... import catalogue
from ... import vocabulary as vocab
from ...method.calibration import FACTORS, TEXT_TAG, Z99
from ..book import Book
from ..built import EngineValues
from ..formulas import REGIMES, hdr_template, sim_sheet, truthy
from ..grid import Column, Table

NUM = "0.000000"
MEASUREMENT_ROWS = 12  # rows of the measurements table (the shipped example fills three)
ROW_INPUTS = ("quantity", "value", "l_in_tokens", "l_out_tokens", "boundary", "rel_uncertainty", "source")
SETTINGS = {  # key -> label; the first two are inputs
    "on": "calibration on (TRUE/FALSE): the calibrated slot's energies, nodes, IT energy and deployments follow",
    "model": "model to calibrate (a name of the Models table on Inputs; its slot's node)",
    "slot": "its slot", "node": "its node", "p_max_kw": "P_max of the node (kW)",
    "throughput_log_sd": "prior sd of ln(throughput factor): the throughput fits' pooled residual spread",
    "rows": "measurement rows in use", "status": "status",
    "active": "calibration applied (on, status ok and a factor informed)",
    "calibration_text": "the posterior as text: --set calibration=... on the command line, or an overrides row"}
MATH = {"i_ff": "information (prior precision + sum a a' / sigma^2), throughput x throughput",
        "i_fu": "information, throughput x node power", "i_fp": "information, throughput x PUE",
        "i_uu": "information, node power x node power", "i_up": "information, node power x PUE",
        "i_pp": "information, PUE x PUE", "b_f": "information-weighted sum, throughput",
        "b_u": "information-weighted sum, node power", "b_p": "information-weighted sum, PUE",
        "det": "determinant of the information", "c_ff": "posterior covariance, throughput x throughput",
        "c_fu": "posterior covariance, throughput x node power", "c_fp": "posterior covariance, throughput x PUE",
        "c_uu": "posterior covariance, node power x node power", "c_up": "posterior covariance, node power x PUE",
        "c_pp": "posterior covariance, PUE x PUE", "m_f": "posterior mean of ln throughput factor",
        "m_u": "posterior mean of ln P_node / P_max", "m_p": "posterior mean of ln PUE",
        "l_ff": "Cholesky factor L11", "l_uf": "Cholesky factor L21", "l_pf": "Cholesky factor L31",
        "l_uu": "Cholesky factor L22", "l_pu": "Cholesky factor L32", "l_pp": "Cholesky factor L33"}
SHORT = dict(zip(FACTORS, ("f", "u", "p"), strict=True))  # factor -> its letter in the cells above
WORDS = engine.FACTOR_WORDS
SET = "{CalSet.value[%s]}"
MATHS = "{CalMath.value[%s]}"


def _row(key: str) -> str:
    return SET % key


def _m(key: str) -> str:
    return MATHS % key


def declare(book: Book, values: EngineValues) -> None:
    g = book.grid
    g.add(Table("CalSet", "Calibration", [Column("setting", "setting", width=70),
                                          Column("value", "value", width=34)], book.first_row(1), tuple(SETTINGS)))
    fit = "INDEX({all.Fit.%s}," + _row("slot") + ")"
    held = f"MIN({{l_out_tokens}},IF({{p.tps_beyond_range}}=\"hold\",{fit % 'l_out_max_tokens'},1E+300))"
    tps = (f"MIN(EXP({fit % 'b0'}+{fit % 'b1_ln_input'}*LN({{l_in_tokens}})+{fit % 'b2_ln_output'}*"
           f"LN(MAX({held},1E-06))),{fit % 'tps_max_tokens_per_s'})")
    counted = ('IF({p.l_eff}="in_plus_out",{l_in_tokens},IF({p.l_eff}="out_plus_in_over_30",{l_in_tokens}/30,0))')
    gpu_log = 'IF({boundary}="gpu",LN({p.gpu_share_of_node_power}),0)'
    needs_tokens = 'OR({quantity}="wh_per_query",{quantity}="tokens_per_s")'
    known_quantity = "OR(" + ",".join(f'{{quantity}}="{q}"' for q in engine.QUANTITIES) + ")"
    known_boundary = "OR(" + ",".join(f'{{boundary}}="{b}"' for b in engine.BOUNDARIES) + ")"
    status = (f'=IF({{quantity}}="","",IF(NOT({known_quantity}),'
              '"unknown quantity",IF(NOT(ISNUMBER({value})),"value must be a number",IF({value}<=0,'
              f'"value must be > 0",IF(AND({{boundary}}<>"",NOT({known_boundary})),'
              '"unknown boundary",IF(AND({boundary}="",{quantity}<>"tokens_per_s"),"boundary needed",'
              f'IF(AND({needs_tokens},OR(NOT(ISNUMBER({{l_in_tokens}})),NOT(ISNUMBER({{l_out_tokens}})))),'
              '"input and output tokens needed",' + f'IF(AND({needs_tokens},MIN({{l_in_tokens}},{{l_out_tokens}})<=0),'
              '"tokens must be > 0",IF(AND({rel_uncertainty}<>"",OR(NOT(ISNUMBER({rel_uncertainty})),'
              'MAX({rel_uncertainty},0)<=0)),"rel_uncertainty must be a number > 0","ok")))))))))')
    on = '{row_status}="ok"'
    prior_prediction = ("{a_f}*{CalFactors.prior_mean[throughput]}+{a_u}*{CalFactors.prior_mean[node_power]}+"
                        "{a_p}*{CalFactors.prior_mean[pue]}")
    g.add(Table("CalRows", "Calibration", [
        Column("quantity", "quantity (wh_per_query, tokens_per_s, node_kw)", width=18),
        Column("value", "value (Wh/query, tokens/s or kW)", width=14, number_format="0.0000"),
        Column("l_in_tokens", "input tokens", width=10), Column("l_out_tokens", "output tokens", width=10),
        Column("boundary", "boundary (gpu, node, facility)", width=12),
        Column("rel_uncertainty", "relative uncertainty (1 sigma; empty: the default)", width=14),
        Column("source", "source", width=40),
        Column("row_status", "row status", status, width=22),
        Column("tps_fit", "fitted TPS at its tokens", f"=IF(AND({on},{needs_tokens}),{tps},\"\")", "0.0"),
        Column("a_f", "a: throughput", f'=IF({on},IF({{quantity}}="tokens_per_s",1,IF({{quantity}}='
               f'"wh_per_query",-1,0)),0)', "0"),
        Column("a_u", "a: node power", f'=IF({on},IF({{quantity}}="tokens_per_s",0,1),0)', "0"),
        Column("a_p", "a: PUE", f'=IF({on},IF(AND({{quantity}}<>"tokens_per_s",{{boundary}}="facility"),1,0),0)',
               "0"),
        Column("constant", "ln constant of Eq. 1", f'=IF({on},IF({{quantity}}="node_kw",LN({_row("p_max_kw")})+'
               f'{gpu_log},IF({{quantity}}="tokens_per_s",LN({{tps_fit}}),LN({_row("p_max_kw")}*({{l_out_tokens}}+'
               f'{counted})/(3.6*{{tps_fit}}))+{gpu_log})),0)', NUM),
        Column("sigma", "sigma of ln(value)", f'=IF({on},LN(1+IF({{rel_uncertainty}}="",'
               '{p.measurement_rel_uncertainty},{rel_uncertainty})),1)', NUM),
        Column("weight", "1 / sigma^2 (0 for an unused row)", f"=IF({on},1/{{sigma}}^2,0)", NUM),
        Column("y", "ln(value) - constant", f"=IF({on},LN({{value}})-{{constant}},0)", NUM),
        Column("prior_median", "prior median of the quantity",
               f'=IF({on},EXP({{constant}}+{prior_prediction}),"")', "0.0000"),
        Column("posterior_median", "posterior median", f'=IF({on},EXP({{constant}}+{{a_f}}*{_m("m_f")}+{{a_u}}*'
               f'{_m("m_u")}+{{a_p}}*{_m("m_p")}),"")', "0.0000"),
        Column("measured_over_posterior", "measured / posterior median",
               f'=IF({on},{{value}}/{{posterior_median}},"")', "0.0000"),
        Column("z_prior", "z under the prior", f'=IF({on},({{y}}-({prior_prediction}))/SQRT({{a_f}}^2*'
               ''
               '{CalFactors.prior_sd[throughput]}^2+{a_u}^2*{CalFactors.prior_sd[node_power]}^2+{a_p}^2*'
               '{CalFactors.prior_sd[pue]}^2+{sigma}^2),"")', "0.00"),
        # the leave-one-out z in closed form: (y - a m) / sqrt(sigma^2 - a S a'), S the posterior of all rows
        Column("z_others", "z under the other rows' posterior",
               f'=IF(AND({on},{_row("rows")}>1),({{y}}-({{a_f}}*{_m("m_f")}+{{a_u}}*{_m("m_u")}+{{a_p}}*{_m("m_p")}))'
               f'/SQRT({{sigma}}^2-({{a_f}}^2*{_m("c_ff")}+{{a_u}}^2*{_m("c_uu")}+{{a_p}}^2*{_m("c_pp")}+2*{{a_f}}*'
               f'{{a_u}}*{_m("c_fu")}+2*{{a_f}}*{{a_p}}*{_m("c_fp")}+2*{{a_u}}*{{a_p}}*{_m("c_up")})),"")', "0.00"),
        Column("warning", "warning (beyond P1-P99)",
               f'=IF({on},IF(ABS({{z_prior}})>{Z99!r},"outside the method\'s P1-P99",IF(IF(ISNUMBER({{z_others}}),'
               f'ABS({{z_others}}),0)>{Z99!r},"contradicts the other rows","")),"")', width=28)],
        book.first_row(2, below="CalSet"), MEASUREMENT_ROWS))

    priors = {"throughput": ("=0", f"={_row('throughput_log_sd')}"),
              "node_power": ('=IF({p.pnode_reading}="p5p95",(LN({p.util_p5})+LN({p.util_p95}))/2,'
                             'LN({p.util_median}))', "=(LN({p.util_p95})-LN({p.util_p5}))/(2*{Const.z_p95})"),
              "pue": ("={Const.pue_mu}", "={Const.pue_sigma}")}
    mean_of = {k: _m(f"m_{s}") for k, s in SHORT.items()}
    var_of = {k: _m(f"c_{s}{s}") for k, s in SHORT.items()}
    quantile = "EXP({%s}+%s*{%s})"
    g.add(Table("CalFactors", "Calibration", [
        Column("factor", "factor", width=34),
        Column("informed", "informed by a measurement",
               lambda i: f'=COUNTIF({{all.CalRows.a_{list(SHORT.values())[i]}}},"<>0")>0'),
        Column("applied", "drawn from the posterior (calibration applied and the factor informed)",
               "=AND({n.Calibration_Active},{informed})"),
        Column("prior_mean", "prior mean of ln", lambda i: priors[FACTORS[i]][0], NUM),
        Column("prior_sd", "prior sd of ln", lambda i: priors[FACTORS[i]][1], NUM),
        Column("prior_median", "prior median", "=EXP({prior_mean})", "0.0000"),
        Column("prior_p5", "prior P5", "=" + quantile % ("prior_mean", "-{Const.z_p95}", "prior_sd"), "0.0000"),
        Column("prior_p95", "prior P95", "=" + quantile % ("prior_mean", "{Const.z_p95}", "prior_sd"), "0.0000"),
        Column("posterior_median", "posterior median", lambda i: f"=EXP({mean_of[FACTORS[i]]})", "0.0000"),
        Column("posterior_p5", "posterior P5",
               lambda i: f"=EXP({mean_of[FACTORS[i]]}-{{Const.z_p95}}*SQRT({var_of[FACTORS[i]]}))", "0.0000"),
        Column("posterior_p95", "posterior P95",
               lambda i: f"=EXP({mean_of[FACTORS[i]]}+{{Const.z_p95}}*SQRT({var_of[FACTORS[i]]}))", "0.0000")],
        book.first_row(2, below="CalRows"), FACTORS))

    def info(a: str, b: str) -> str:
        diagonal = f"1/{{CalFactors.prior_sd[{_factor(a)}]}}^2+" if a == b else ""
        return f"={diagonal}SUMPRODUCT({{all.CalRows.weight}},{{all.CalRows.a_{a}}},{{all.CalRows.a_{b}}})"

    i = {k: _m(k) for k in MATH}
    cof = {"c_ff": f"({i['i_uu']}*{i['i_pp']}-{i['i_up']}^2)",  # cofactors of the symmetric 3 x 3 information
           "c_fu": f"({i['i_fp']}*{i['i_up']}-{i['i_fu']}*{i['i_pp']})",
           "c_fp": f"({i['i_fu']}*{i['i_up']}-{i['i_fp']}*{i['i_uu']})",
           "c_uu": f"({i['i_ff']}*{i['i_pp']}-{i['i_fp']}^2)",
           "c_up": f"({i['i_fu']}*{i['i_fp']}-{i['i_ff']}*{i['i_up']})",
           "c_pp": f"({i['i_ff']}*{i['i_uu']}-{i['i_fu']}^2)"}
    formulas = {
        **{f"i_{a}{b}": info(a, b) for a, b in ("ff", "fu", "fp", "uu", "up", "pp")},
        **{f"b_{a}": f"={{CalFactors.prior_mean[{_factor(a)}]}}/{{CalFactors.prior_sd[{_factor(a)}]}}^2+"
                     f"SUMPRODUCT({{all.CalRows.weight}},{{all.CalRows.a_{a}}},{{all.CalRows.y}})" for a in "fup"},
        "det": f"={i['i_ff']}*{cof['c_ff']}+{i['i_fu']}*{cof['c_fu']}+{i['i_fp']}*{cof['c_fp']}",
        **{k: f"={v}/{i['det']}" for k, v in cof.items()},
        "m_f": f"={i['c_ff']}*{i['b_f']}+{i['c_fu']}*{i['b_u']}+{i['c_fp']}*{i['b_p']}",
        "m_u": f"={i['c_fu']}*{i['b_f']}+{i['c_uu']}*{i['b_u']}+{i['c_up']}*{i['b_p']}",
        "m_p": f"={i['c_fp']}*{i['b_f']}+{i['c_up']}*{i['b_u']}+{i['c_pp']}*{i['b_p']}",
        "l_ff": f"=SQRT({i['c_ff']})", "l_uf": f"={i['c_fu']}/{i['l_ff']}", "l_pf": f"={i['c_fp']}/{i['l_ff']}",
        "l_uu": f"=SQRT({i['c_uu']}-{i['l_uf']}^2)", "l_pu": f"=({i['c_up']}-{i['l_pf']}*{i['l_uf']})/{i['l_uu']}",
        "l_pp": f"=SQRT({i['c_pp']}-{i['l_pf']}^2-{i['l_pu']}^2)"}
    g.add(Table("CalMath", "Calibration", [Column("quantity", "quantity", width=70),
                                           Column("value", "value", lambda k: formulas[list(MATH)[k]], "0.000000E+00",
                                                  width=16)],
                book.first_row(1, below="CalFactors"), tuple(MATH)))

    applied = {k: f"{{CalFactors.applied[{k}]}}" for k in FACTORS}
    x_u = f"{_m('m_u')}+{_m('l_uf')}*{{z_f}}+{_m('l_uu')}*{{Draws.z_util}}"
    x_p = f"{_m('m_p')}+{_m('l_pf')}*{{z_f}}+{_m('l_pu')}*{{Draws.z_util}}+{_m('l_pp')}*NORM.S.INV({{Draws.u_pue}})"
    bounded_util = f'IF({{p.util_above_one}}="cap",MIN(1,EXP({x_u})),EXP({x_u}))'
    bounded_pue = f'IF({{p.pue_below_one}}="keep",EXP({x_p}),MAX(1,EXP({x_p})))'
    g.add(Table("CalSim", "Sim_Calibration", [
        Column("trial", "trial"),
        Column("u_tps_factor", f"uniform of the throughput factor (HDR variable "
               f"{vocab.CALIBRATION_VARIABLE_IDS['tps_factor']})",
               hdr_template(vocab.CALIBRATION_VARIABLE_IDS["tps_factor"]), NUM),
        Column("z_f", "its normal score", "=NORM.S.INV({u_tps_factor})", NUM),
        Column("tps_factor", "throughput factor", f"=IF({applied['throughput']},EXP({_m('m_f')}+{_m('l_ff')}*"
               "{z_f}),1)", NUM),
        Column("util", "P_node / P_max", f"=IF({applied['node_power']},{bounded_util},{{Draws.util_frac_of_p_max}})",
               NUM),
        Column("pue", "PUE", f"=IF({applied['pue']},{bounded_pue},{{Draws.pue}})", NUM),
        Column("pue_ratio", "PUE over the Draws sheet's", "=IF({n.Calibration_Active},{pue}/{Draws.pue},1)", NUM),
        Column("power_ratio", "PUE x P_node over the Draws sheet's",
               "=IF({n.Calibration_Active},{pue_ratio}*{util}/{Draws.util_frac_of_p_max},1)", NUM),
        Column("energy_ratio", "energy per query over the uncalibrated (Sim sheets multiply by it)",
               "=IF({n.Calibration_Active},{power_ratio}/{tps_factor},1)", NUM)],
        book.first_row(), values.trials))

    per_regime = []
    for regime in REGIMES:
        short = REGIMES[regime].short.upper()
        slots = ",".join(f"{{all.{sim_sheet(regime)}.slot_{k}}}" for k in range(1, book.spec["model_slots"] + 1))
        column = f"CHOOSE(MAX(1,{_row('slot')}),{slots})"
        count = f"({{p.n_trials}}*SUMPRODUCT(--{{n.BASELINE_FLAGS_{short}}}))"
        words = REGIMES[regime].words
        per_regime += [
            Column(f"in_baseline_{regime}", f"{words}: the calibrated slot is one of the baseline's models (1/0)",
                   f"=IF(SUMPRODUCT({{n.CALIBRATED_{short}}},--{{n.BASELINE_FLAGS_{short}}})>0,1,0)", "0"),
            Column(f"base_wh_{regime}", f"{words}: the calibrated slot's part of the baseline's mean Wh/query at "
                   "its own PUE 1 (the Deployments sheet adds its PUE)",
                   f"=IF({{in_baseline_{regime}}}=1,SUM({column}/({{all.Draws.pue}}*{{all.CalSim.pue_ratio}}))/"
                   f"{count},0)", NUM, array=True),
            Column(f"median_before_{regime}", f"{words}: median Wh/query, uncalibrated",
                   f"=PERCENTILE.INC({column}/{{all.CalSim.energy_ratio}},0.5)", "0.0000", array=True),
            Column(f"median_after_{regime}", f"{words}: median Wh/query, calibrated (as the Sim sheets show it)",
                   f"=PERCENTILE.INC({column},0.5)", "0.0000", array=True)]
    g.add(Table("CalOut", "Calibration", [Column("label", "the calibrated slot", width=34), *per_regime],
                book.first_row(1, below="CalMath"), ("slot",)))


def _factor(letter: str) -> str:
    return {s: k for k, s in SHORT.items()}[letter]


def write(book: Book, values: EngineValues) -> None:
    g, ws, st = book.grid, book.sheets["Calibration"], book.styles
    book.note("Calibration", "Your measurements of one model on its node update the method's throughput factor, node "
                             "power and PUE (a conjugate Gaussian update in log space; inferwatt calibrate and "
                             "IW_CALIBRATE are its twins). Switch it on to make the Sim sheets, Summary, Impacts, "
                             "Fleet, Capacity and Deployments use the posterior; the Scenarios sheet and the live "
                             "variance shares on Sensitivity stay uncalibrated.")
    settings = g.table("CalSet")
    book.write("CalSet", {"setting": list(SETTINGS.values())})
    example = values.measurements
    model = example[0].model if example else next(iter(catalogue.workbook_models()))
    ws[settings.cell("value", "on")].value = False
    ws[settings.cell("value", "model")].value = model
    for key in ("on", "model"):
        st.as_input(ws[settings.cell("value", key)])
    flag = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=False)
    names = DataValidation(type="list", formula1="=" + g.table("Model").range("name"), allow_blank=False)
    for dv, key in ((flag, "on"), (names, "model")):
        ws.add_data_validation(dv)
        dv.add(settings.cell("value", key))
    formulas = {
        "slot": f'=IF(ISNA(MATCH({_row("model")},{{all.Model.name}},0)),0,MATCH({_row("model")},{{all.Model.name}},0))',
        "node": f'=IF({_row("slot")}=0,"",INDEX({{all.Model.node}},{_row("slot")}))',
        "p_max_kw": f'=IF({_row("slot")}=0,"",INDEX({{all.Fit.p_max_kw}},{_row("slot")}))',
        "rows": '=COUNTIF({all.CalRows.row_status},"ok")',
        "status": f'=IF({_row("slot")}=0,"unknown model",IF(NOT(ISNUMBER(INDEX({{all.Fit.b0}},{_row("slot")}))),'
                  f'"the model has no throughput fit on its node",IF({{p.pnode_model}}<>"independent",'
                  '"pnode_model must be independent (measurements update the drawn node power)",'
                  'IF(COUNTIF({all.CalRows.row_status},"ok")<COUNTIF({all.CalRows.quantity},"?*"),'
                  '"a measurement row has an error (see its row status)","ok"))))',
        "active": f'=AND({truthy(_row("on"))},{_row("status")}="ok",OR({{all.CalFactors.informed}}))',
        "calibration_text": f'=IF({_row("status")}<>"ok","",IF(OR({{all.CalFactors.informed}}),"{TEXT_TAG} | "&'
                            f'{_row("model")}&" | "&{_row("node")}&" | "&' + '&" "&'.join(
                                _m(k) for k in ("m_f", "m_u", "m_p", "c_ff", "c_fu", "c_fp", "c_uu", "c_up", "c_pp"))
                            + '&" | "&' + "&".join(f'IF({{CalFactors.informed[{k}]}},"1","0")' for k in FACTORS)
                            + ',""))'}
    for key, template in formulas.items():
        book.formula(settings, "value", template, key, array=key in ("active", "calibration_text"))
    ws[settings.cell("value", "throughput_log_sd")].value = values.throughput_log_sd
    st.as_input(ws[settings.cell("value", "throughput_log_sd")])
    book.define("Calibration_Active", settings.cell("value", "active", sheet=True, absolute=True))
    book.define("Calibration_Model", settings.cell("value", "model", sheet=True, absolute=True))
    book.define("Calibration_Text", settings.cell("value", "calibration_text", sheet=True, absolute=True))

    rows = g.table("CalRows")
    book.heading("CalRows", "Measurements of the model on its node (yellow: yours)",
                 "The shipped rows are an illustration, not measurements (data/measurements_example.csv, each with "
                 "its source); the switch above is off, so they change nothing until you turn it on.")
    book.write("CalRows", {column: [getattr(m, column) for m in example] + [None] * (rows.n_rows - len(example))
                           for column in ROW_INPUTS})
    for k in range(rows.n_rows):
        for column in ROW_INPUTS:
            st.as_input(ws[rows.cell(column, k)])
    quantity = DataValidation(type="list", formula1='"' + ",".join(engine.QUANTITIES) + '"', allow_blank=True)
    boundary = DataValidation(type="list", formula1='"' + ",".join(engine.BOUNDARIES) + '"', allow_blank=True)
    for dv, column in ((quantity, "quantity"), (boundary, "boundary")):
        ws.add_data_validation(dv)
        dv.add(f"{rows.cell(column, 0)}:{rows.cell(column, rows.n_rows - 1)}")

    book.heading("CalFactors", "Prior and posterior of each factor")
    book.write("CalFactors", {"factor": [WORDS[k] for k in FACTORS]})
    book.heading("CalMath", "The update, cell by cell")
    book.write("CalMath", {"quantity": list(MATH.values())})
    book.heading("CalOut", "The calibrated slot before and after")
    out = book.write("CalOut", {"label": ["median over the trials"]})
    for regime in REGIMES:
        book.define(f"Calibration_In_Baseline_{REGIMES[regime].short.upper()}",
                    out.cell(f"in_baseline_{regime}", "slot", sheet=True, absolute=True))

    sim = g.table("CalSim")
    book.note("Sim_Calibration", "Per trial, the calibrated slot's factors: informed ones from the posterior (mean + "
                                 "Cholesky factor x the normal scores of the uniforms), the others as the Draws sheet "
                                 "draws them; the ratios are 1 while calibration is off")
    book.write("CalSim", {"trial": list(range(1, values.trials + 1))})
    book.sheets["Sim_Calibration"].freeze_panes = book.sheets["Sim_Calibration"].cell(sim.first_row, 2)
    book.print_rows("CalSim")
    ws.print_area = f"A1:{rows.letter('warning')}{g.table('CalOut').last_row}"

