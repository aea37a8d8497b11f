"""The standalone workbook: the whole method in live formulas, no Python or add-in needed.

Layout (sheet names, titles, styles, sizes) comes from workbook_templates/standalone.json;
parameters, nodes, models and benchmarks from the catalogue. User or data text is only
ever written as text (put_text), and formulas refer to cells, never embed that text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Protection
from openpyxl.utils import column_index_from_string
from openpyxl.utils import get_column_letter as col
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__, api, catalogue
from ..method import uniforms as hdr
from ..method.uniforms import HDR_ENTITY, HDR_SEED4
from .xlsx import Styles, area, define, put, put_text, ref, save_atomically, template

DATA_ROW = 6  # first trial row on Draws and the Sim sheets
STAT_PERCENTILES = (("median", 0.5), ("mean", None), ("p5", 0.05), ("p25", 0.25), ("p75", 0.75), ("p95", 0.95))
REGIME_SHEETS = {"traditional": "Sim_Traditional", "tts": "Sim_TTS"}
REGIME_LABELS = {"traditional": "Traditional", "tts": "TTS"}
LEVER_ROWS = (("none (baseline)", None), ("model", "alpha_model"), ("serving", "alpha_serving"),
              ("hardware", "alpha_hardware"), ("all three combined", "alpha_combined"),
              ("improved (fleet scenario)", "alpha_improved"))
# Columns of the Draws sheet, in order (column 1 is the trial number).
DRAW_COLUMNS = ("trial", "u_l_out", "u_util", "u_pue", "u_alpha_model", "u_alpha_serving", "u_alpha_hardware",
                "u_alpha_improved", "l_out_traditional_tokens", "l_out_tts_tokens", "z_util", "util_frac_of_p_max",
                "pue", "alpha_model", "alpha_serving", "alpha_hardware", "alpha_improved", "alpha_combined")
# The choices the workbook's formulas implement (per_model's minimum-norm fit is engine-only).
WORKBOOK_CHOICES = {"sparse_strategy": ("shared_slopes", "pooled")}


class ArrayText(str):
    """A formula that must be entered as an array formula (it filters the baseline block with IF)."""


def input_name(param: str) -> str:
    """Defined name of a parameter's input cell, e.g. PUE_P95."""
    return param.upper()


@dataclass
class Layout:
    """Where things are, shared by the sheet writers."""

    trials: int
    slots: int
    bench_first: int
    bench_last: int
    models_first_row: int  # Inputs row of model slot 1
    fit_first_row: int  # Fit row of model slot 1

    @property
    def last_row(self) -> int:
        return DATA_ROW + self.trials - 1


def _counter(trial_cell: str, variable: int, multipliers: tuple[int, ...], modulus: int) -> str:
    """One HDR counter (a or c) as a MOD formula: the variable, entity and seed4 terms folded into a constant."""
    ti, vi, ei, si, s4i = multipliers
    return f"MOD({trial_cell}*{ti}+{variable * vi + HDR_ENTITY * ei + HDR_SEED4 * s4i}+SEED*{si},{modulus})"


def hdr_formula(trial_cell: str, variable: int) -> str:
    """The HDR 2.0 uniform of SPEC Sec. 4 as one formula of MOD calls (seed3 = SEED, entity, seed4 fixed)."""
    a = _counter(trial_cell, variable, hdr.A_MULTIPLIERS, hdr.A_MODULUS)
    c = _counter(trial_cell, variable, hdr.C_MULTIPLIERS, hdr.C_MODULUS)
    b0, b1, b2, b3 = hdr.B_CONSTANTS
    d0, d1, d2, d3 = hdr.D_CONSTANTS
    b = f"MOD(MOD({hdr.BIG_PRIME},{a}*{b0}+{b1})*{b2},{b3})"
    d = f"MOD(MOD({hdr.BIG_PRIME},{c}*{d0}+{d1})*{d2},{d3})"
    return f"=(MOD(({b}*{d3}+{d})*{hdr.FINAL_MULTIPLIER},{hdr.TWO_32})+0.5)/{hdr.TWO_32}"


class StandaloneWorkbook:
    """Builds the workbook sheet by sheet; `build()` returns the openpyxl Workbook."""

    def __init__(self, trials: int, seed: int) -> None:
        self.spec = template("standalone.json")
        self.styles = Styles(self.spec["styles"])
        self.trials, self.seed = trials, seed
        self.wb = Workbook()
        self.wb.remove(self.wb.active)
        self.sheets: dict[str, Worksheet] = {}
        for name, sheet in self.spec["sheets"].items():
            ws = self.wb.create_sheet(name)
            title = put_text(ws, 1, 1, sheet["title"])
            title.font = self.styles.title
            self.sheets[name] = ws
        n_bench = len(catalogue.benchmarks().model)
        capacity = max(self.spec["benchmark_capacity"], n_bench + 50)
        self.layout = Layout(trials, self.spec["model_slots"], 4, 4 + capacity - 1, 0, 10)

    # ------------------------------------------------------------ sheets

    def build(self) -> Workbook:
        self._about()
        self._inputs()
        self._benchmarks()
        self._fit()
        self._draws()
        for regime in api.REGIMES:
            self._simulation(regime)
        self._summary()
        self._interventions()
        self._fleet()
        self._reproduction()
        self._charts()
        for ws in self.wb.worksheets:
            ws.protection.sheet = True  # no password: Review > Unprotect Sheet
            if ws.title not in ("Draws", *REGIME_SHEETS.values()):  # print the report sheets one page wide
                ws.sheet_properties.pageSetUpPr.fitToPage = True
                ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
                ws.page_setup.orientation = "landscape"
        return self.wb

    def _about(self) -> None:
        ws = self.sheets["About"]
        ws.column_dimensions["A"].width = 140
        for i, line in enumerate(self.spec["sheets"]["About"]["lines"], start=3):
            put_text(ws, i, 1, line).alignment = self.styles.wrap
        row = 4 + len(self.spec["sheets"]["About"]["lines"])
        put_text(ws, row, 1, f"InferWatt version {__version__}; built {dt.date.today().isoformat()} with "
                             f"{self.trials:,} trials, seed {self.seed}. Method: Oviedo et al. 2025, arXiv 2509.20241.")
        put_text(ws, row + 1, 1, "To change the number of trials, rebuild: python build.py --trials N --seed S "
                                 "(the seed can also be changed live on the Inputs sheet).").font = self.styles.note

    def _inputs(self) -> None:
        ws, st = self.sheets["Inputs"], self.styles
        headers = ["group", "name", "label", "unit", "value", "default", "allowed", "description", "source"]
        st.header_row(ws, 3, headers)
        for letter, width in zip("ABCDEFGHI", (12, 30, 40, 12, 16, 14, 26, 70, 70), strict=True):
            ws.column_dimensions[letter].width = width
        row = 4
        for p in catalogue.parameters().values():
            for column, text in zip((1, 2, 3, 4), (p.group, p.name, p.label, p.unit), strict=True):
                put_text(ws, row, column, text)
            value_cell = ws.cell(row, 5)
            default = self.seed if p.name == "seed" else self.trials if p.name == "n_trials" else p.default
            if p.choices:
                put_text(ws, row, 5, default)
                put_text(ws, row, 6, p.default)
            else:
                value_cell.value = default
                ws.cell(row, 6).value = p.default
            choices = WORKBOOK_CHOICES.get(p.name, p.choices)
            allowed = ("one of " + ", ".join(choices)) if choices else p.allowed
            if p.name == "n_trials":
                allowed = "fixed at build time (python build.py --trials N)"
            put_text(ws, row, 7, allowed)
            put_text(ws, row, 8, p.description).alignment = st.wrap
            put_text(ws, row, 9, p.source).alignment = st.wrap
            if p.name != "n_trials":
                st.as_input(value_cell)
                self._validation(ws, value_cell.coordinate, p, choices)
            define(self.wb, input_name(p.name), ref(ws, row, 5))
            row += 1

        row += 1
        put_text(ws, row, 1, "Nodes").font = st.bold
        st.header_row(ws, row + 1, ["name", "gpus", "gpu", "p_max_kw", "p_idle_kw", "source"], 2)
        first = row + 2
        for i, node in enumerate(catalogue.nodes().values()):
            r = first + i
            put_text(ws, r, 2, node.name)
            ws.cell(r, 3).value = node.gpus
            put_text(ws, r, 4, node.gpu)
            for column, value in ((5, node.p_max_kw), (6, node.p_idle_kw)):
                ws.cell(r, column).value = value
                st.as_input(ws.cell(r, column))
            put_text(ws, r, 7, node.source)
        last = first + len(catalogue.nodes()) - 1
        define(self.wb, "NODE_NAME", area(ws, first, 2, last, 2))
        define(self.wb, "NODE_P_MAX_KW", area(ws, first, 5, last, 5))
        define(self.wb, "NODE_P_IDLE_KW", area(ws, first, 6, last, 6))

        row = last + 2
        put_text(ws, row, 1, "Models (empty slots can take a new model: add its benchmark rows too)").font = st.bold
        st.header_row(ws, row + 1, ["slot", "name", "node", "in_baseline", "total_params_b", "source"], 1)
        self.layout.models_first_row = row + 2
        models = list(catalogue.models().values())
        node_list = DataValidation(type="list", formula1="=NODE_NAME", allow_blank=True)
        flag_list = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=True)
        ws.add_data_validation(node_list)
        ws.add_data_validation(flag_list)
        for k in range(self.layout.slots):
            r = self.layout.models_first_row + k
            ws.cell(r, 1).value = k + 1
            m = models[k] if k < len(models) else None
            put_text(ws, r, 2, m.name if m else "")
            put_text(ws, r, 3, m.node if m else "")
            ws.cell(r, 4).value = m.in_baseline if m else False
            ws.cell(r, 5).value = m.total_params_b if m else None
            put_text(ws, r, 6, m.source if m else "")
            for column in (2, 3, 4, 5, 6):
                st.as_input(ws.cell(r, column))
            node_list.add(ws.cell(r, 3).coordinate)
            flag_list.add(ws.cell(r, 4).coordinate)

    def _validation(self, ws: Worksheet, coordinate: str, p: catalogue.Parameter, choices: tuple[str, ...]) -> None:
        if choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=False)
        else:
            kind = "whole" if p.kind == "integer" else "decimal"
            lo = p.lower[1] if p.lower else -1e300
            hi = p.upper[1] if p.upper else 1e300
            if p.lower and p.lower[0] == ">":
                lo = lo + (1 if kind == "whole" else 1e-12)
            dv = DataValidation(type=kind, operator="between", formula1=repr(lo), formula2=repr(hi), allow_blank=False)
        dv.error = f"{p.name} must be {p.allowed}"
        dv.errorTitle = "InferWatt input"
        dv.prompt = p.help[:255]
        dv.showErrorMessage = dv.showInputMessage = True
        ws.add_data_validation(dv)
        dv.add(coordinate)

    def _benchmarks(self) -> None:
        ws, st, lay = self.sheets["Benchmarks"], self.styles, self.layout
        headers = ["model", "node", "precision", "input_tokens", "output_tokens", "tps_tokens_per_s", "source",
                   "ln_input", "ln_output", "ln_tps", "rows_of_model", "in_shared_fit", "dev_ln_input",
                   "dev_ln_output", "dev_ln_tps"]
        st.header_row(ws, 3, headers)
        put_text(ws, 2, 8, "helper columns (formulas): logs, and deviations from each model's mean for the "
                           "least-squares fit").font = st.note
        for letter, width in zip("ABCDEFG", (30, 10, 10, 13, 13, 16, 60), strict=True):
            ws.column_dimensions[letter].width = width
        b = catalogue.benchmarks()
        first, last = lay.bench_first, lay.bench_last
        models = area(ws, first, 1, last, 1)
        for i in range(last - first + 1):
            r = first + i
            if i < len(b.model):
                put_text(ws, r, 1, b.model[i])
                put_text(ws, r, 2, catalogue.models()[b.model[i]].node)
                put_text(ws, r, 3, catalogue.models()[b.model[i]].precision)
                ws.cell(r, 4).value = float(b.input_tokens[i])
                ws.cell(r, 5).value = float(b.output_tokens[i])
                ws.cell(r, 6).value = float(b.tps_tokens_per_s[i])
                put_text(ws, r, 7, b.source[i])
            for column in range(1, 8):
                ws.cell(r, column).protection = Protection(locked=False)
                ws.cell(r, column).fill = st.input
            blank = f'$A{r}=""'
            put(ws, r, 8, f"=IF({blank},0,LN(D{r}))")
            put(ws, r, 9, f"=IF({blank},0,LN(E{r}))")
            put(ws, r, 10, f"=IF({blank},0,LN(F{r}))")
            put(ws, r, 11, f"=IF({blank},0,SUMPRODUCT(--({models}=$A{r})))")
            put(ws, r, 12, f'=IF({blank},0,IF(SPARSE_STRATEGY="pooled",1,IF(K{r}>=MIN_ROWS_OWN_FIT,1,0)))')
            for column, source in ((13, "H"), (14, "I"), (15, "J")):
                values = area(ws, first, column_index_from_string(source), last, column_index_from_string(source))
                put(ws, r, column, f"=IF({blank},0,{source}{r}-SUMPRODUCT(({models}=$A{r})*{values})/K{r})")
        for name, column in (("BENCH_MODEL", 1), ("BENCH_TPS", 6), ("BENCH_LN_INPUT", 8), ("BENCH_LN_OUTPUT", 9),
                             ("BENCH_LN_TPS", 10), ("BENCH_SHARED", 12), ("BENCH_DEV_INPUT", 13),
                             ("BENCH_DEV_OUTPUT", 14), ("BENCH_DEV_TPS", 15)):
            define(self.wb, name, area(ws, first, column, last, column))

    def _fit(self) -> None:
        ws, st, lay = self.sheets["Fit"], self.styles, self.layout
        put_text(ws, 2, 1, "Shared slopes: least squares on deviations from each model's mean (a fixed-effects fit), "
                           "over the rows flagged in_shared_fit on Benchmarks").font = st.note
        sums = (("S_in_in", "BENCH_DEV_INPUT*BENCH_DEV_INPUT"), ("S_out_out", "BENCH_DEV_OUTPUT*BENCH_DEV_OUTPUT"),
                ("S_in_out", "BENCH_DEV_INPUT*BENCH_DEV_OUTPUT"), ("S_in_tps", "BENCH_DEV_INPUT*BENCH_DEV_TPS"),
                ("S_out_tps", "BENCH_DEV_OUTPUT*BENCH_DEV_TPS"))
        st.header_row(ws, 3, [s[0] for s in sums] + ["b1_shared_ln_input", "b2_shared_ln_output"])
        for i, (_, product) in enumerate(sums, start=1):
            put(ws, 4, i, f"=SUMPRODUCT(BENCH_SHARED*{product})")
        put(ws, 4, 6, "=(D4*B4-E4*C4)/(A4*B4-C4^2)")
        put(ws, 4, 7, "=(E4*A4-D4*C4)/(A4*B4-C4^2)")
        define(self.wb, "B1_SHARED", ref(ws, 4, 6))
        define(self.wb, "B2_SHARED", ref(ws, 4, 7))

        headers = ["model", "benchmark_rows", "own_fit", "S_in_in", "S_out_out", "S_in_out", "S_in_tps", "S_out_tps",
                   "b1_ln_input", "b2_ln_output", "mean_ln_input", "mean_ln_output", "mean_ln_tps", "b0",
                   "tps_max_tokens_per_s", "node", "p_max_kw", "p_idle_kw", "ln_tps_at_l_in", "in_baseline",
                   "method", "status"]
        head = lay.fit_first_row - 1
        st.header_row(ws, head, headers)
        ws.column_dimensions["A"].width = 30
        ws.column_dimensions["U"].width = 44
        ws.column_dimensions["V"].width = 34
        inputs = self.sheets["Inputs"]
        for k in range(lay.slots):
            r = lay.fit_first_row + k
            mr = lay.models_first_row + k
            name = f"$A{r}"
            is_m = f"(BENCH_MODEL={name})"
            put(ws, r, 1, f'=IF({ref(inputs, mr, 2)}="","",{ref(inputs, mr, 2)})')
            put(ws, r, 2, f'=IF({name}="",0,SUMPRODUCT(--{is_m}))')
            put(ws, r, 3, f'=IF({name}="",FALSE,AND(SPARSE_STRATEGY="shared_slopes",B{r}>=MIN_ROWS_OWN_FIT))')
            for i, (_, product) in enumerate(sums):
                put(ws, r, 4 + i, f"=SUMPRODUCT({is_m}*{product})")
            det = f"(D{r}*E{r}-F{r}^2)"
            put(ws, r, 9, f'=IF({name}="","",IF(C{r},(G{r}*E{r}-H{r}*F{r})/{det},B1_SHARED))')
            put(ws, r, 10, f'=IF({name}="","",IF(C{r},(H{r}*D{r}-G{r}*F{r})/{det},B2_SHARED))')
            for column, values in ((11, "BENCH_LN_INPUT"), (12, "BENCH_LN_OUTPUT"), (13, "BENCH_LN_TPS")):
                put(ws, r, column, f'=IF(B{r}=0,"",SUMPRODUCT({is_m}*{values})/B{r})')
            put(ws, r, 14, f'=IF(B{r}=0,"",M{r}-I{r}*K{r}-J{r}*L{r})')
            put(ws, r, 15, f'=IF(B{r}=0,"",SUMPRODUCT(MAX({is_m}*BENCH_TPS)))')
            put(ws, r, 16, f'=IF({name}="","",{ref(inputs, mr, 3)})')
            put(ws, r, 17, f'=IF({name}="","",INDEX(NODE_P_MAX_KW,MATCH(P{r},NODE_NAME,0)))')
            put(ws, r, 18, f'=IF({name}="","",INDEX(NODE_P_IDLE_KW,MATCH(P{r},NODE_NAME,0)))')
            put(ws, r, 19, f'=IF(B{r}=0,"",N{r}+I{r}*LN(L_IN_TOKENS))')
            put(ws, r, 20, f'=AND({name}<>"",{ref(inputs, mr, 4)}=TRUE)')
            put(ws, r, 21, f'=IF({name}="","",IF(C{r},"own OLS",IF(SPARSE_STRATEGY="pooled","pooled slopes",'
                           f'"slopes of the data-rich models, own intercept")))')
            put(ws, r, 22, f'=IF({name}="","empty slot",IF(B{r}=0,"no benchmark rows for this model",'
                           f'IF(ISNA(MATCH(P{r},NODE_NAME,0)),"unknown node","ok")))')

    def _draws(self) -> None:
        ws, st, lay = self.sheets["Draws"], self.styles, self.layout
        # Distribution constants, from the inputs (row 2 labels, row 3 values).
        consts = [
            ("Z95", "_xlfn.NORM.S.INV(0.95)"),
            ("PUE_MU", "(LN(PUE_P5)+LN(PUE_P95))/2"), ("PUE_SIGMA", "(LN(PUE_P95)-LN(PUE_P5))/(2*Z95)"),
            ("PUE_F1", "IF(PUE_SIGMA=0,0,_xlfn.NORM.S.DIST(-PUE_MU/PUE_SIGMA,TRUE))"),
        ]
        for lever in ("model", "serving", "hardware", "improved"):
            p5, p95 = f"ALPHA_{lever.upper()}_P5", f"ALPHA_{lever.upper()}_P95"
            consts += [(f"A_{lever.upper()}_MU", f"(LN({p5})+LN({p95}))/2"),
                       (f"A_{lever.upper()}_SIGMA", f"(LN({p95})-LN({p5}))/(2*Z95)")]
        for i, (name, formula) in enumerate(consts, start=1):
            put_text(ws, 2, i, name).font = st.bold
            put(ws, 3, i, f"={formula}")
            define(self.wb, name, ref(ws, 3, i))

        st.header_row(ws, DATA_ROW - 1, list(DRAW_COLUMNS))
        variables = [api.VARIABLE_IDS[v] for v in ("l_out", "util", "pue", "alpha_model", "alpha_serving",
                                                    "alpha_hardware", "alpha_improved")]
        util = ('MIN(1,IF(PNODE_READING="split",UTIL_MEDIAN*EXP(IF(K{r}<0,LN(UTIL_MEDIAN/UTIL_P5),'
                'LN(UTIL_P95/UTIL_MEDIAN))/Z95*K{r}),IF(PNODE_READING="p5p95",EXP((LN(UTIL_P5)+LN(UTIL_P95))/2'
                '+(LN(UTIL_P95)-LN(UTIL_P5))/(2*Z95)*K{r}),UTIL_MEDIAN*EXP(K{r}*(LN(UTIL_P95)-LN(UTIL_P5))'
                '/(2*Z95)))))')
        pue = ('IF(PUE_SIGMA=0,EXP(PUE_MU),IF(PUE_BELOW_ONE="truncate",_xlfn.LOGNORM.INV(PUE_F1+D{r}*(1-PUE_F1),'
               'PUE_MU,PUE_SIGMA),IF(PUE_BELOW_ONE="clip",MAX(1,_xlfn.LOGNORM.INV(D{r},PUE_MU,PUE_SIGMA)),'
               '_xlfn.LOGNORM.INV(D{r},PUE_MU,PUE_SIGMA))))')
        for i in range(lay.trials):
            r = DATA_ROW + i
            ws.cell(r, 1).value = i + 1
            for j, v in enumerate(variables):
                ws.cell(r, 2 + j).value = hdr_formula(f"$A{r}", v)
            ws.cell(r, 9).value = f"=-LN(1-B{r})*L_OUT_MEDIAN_TRADITIONAL_TOKENS/LN(2)"
            ws.cell(r, 10).value = f"=-LN(1-B{r})*L_OUT_MEDIAN_TTS_TOKENS/LN(2)"
            ws.cell(r, 11).value = f"=_xlfn.NORM.S.INV(C{r})"
            ws.cell(r, 12).value = "=" + util.format(r=r)
            ws.cell(r, 13).value = "=" + pue.format(r=r)
            for j, lever in enumerate(("MODEL", "SERVING", "HARDWARE", "IMPROVED")):
                ws.cell(r, 14 + j).value = f"=_xlfn.LOGNORM.INV({col(5 + j)}{r},A_{lever}_MU,A_{lever}_SIGMA)"
            ws.cell(r, 18).value = f"=N{r}*O{r}*P{r}"

    def _simulation(self, regime: str) -> None:
        ws, st, lay = self.sheets[REGIME_SHEETS[regime]], self.styles, self.layout
        draws = self.sheets["Draws"].title
        lout_name = "l_out_traditional_tokens" if regime == "traditional" else "l_out_tts_tokens"
        lout_col, lout_range = _draw_letter(lout_name), self._draw_range(lout_name)
        for row, label in ((2, "lowest TPS of the sample"), (3, "highest TPS of the sample"), (4, "model"),
                           (5, "in_baseline")):
            put_text(ws, row, 1, label).font = st.bold
        ws.column_dimensions["A"].width = 24
        util_col, pue_col = _draw_letter("util_frac_of_p_max"), _draw_letter("pue")
        for k in range(lay.slots):
            c = 2 + k
            letter = col(c)
            fr = lay.fit_first_row + k

            def fit(column: str, fr: int = fr) -> str:
                return f"Fit!${column}${fr}"

            def tps_at(lout: str, fit=fit) -> str:
                return f"MIN(EXP({fit('S')}+{fit('J')}*LN({lout})),{fit('O')})"

            put(ws, 4, c, f'=IF({fit("A")}="","",{fit("A")})')
            put(ws, 5, c, f"={fit('T')}")
            ends = f"{tps_at(f'MIN({lout_range})')},{tps_at(f'MAX({lout_range})')}"
            put(ws, 2, c, f'=IF({letter}$4="","",MIN({ends}))')
            put(ws, 3, c, f'=IF({letter}$4="","",MAX({ends}))')
            ws.column_dimensions[letter].width = 16
            for i in range(lay.trials):
                r = DATA_ROW + i
                lout = f"{draws}!${lout_col}{r}"
                tps = tps_at(lout)
                power = (f'IF(PNODE_MODEL="linear_tps",{fit("R")}+(UTIL_LINEAR_MAX*{fit("Q")}-{fit("R")})*'
                         f'({tps}-{letter}$2)/({letter}$3-{letter}$2),{draws}!${util_col}{r}*{fit("Q")})')
                ws.cell(r, c).value = (f'=IF({letter}$4="","",{draws}!${pue_col}{r}/3.6*{power}*'
                                       f'IF(L_EFF="in_plus_out",L_IN_TOKENS+{lout},{lout})/{tps})')
        st.header_row(ws, DATA_ROW - 1, ["trial"])
        for i in range(lay.trials):
            ws.cell(DATA_ROW + i, 1).value = i + 1
        name = REGIME_LABELS[regime].upper()
        define(self.wb, f"ENERGY_{name}_WH", area(ws, DATA_ROW, 2, lay.last_row, 1 + lay.slots))
        define(self.wb, f"BASELINE_FLAGS_{name}", area(ws, 5, 2, 5, 1 + lay.slots))

    def _draw_range(self, name: str) -> str:
        """The whole column of one Draws variable, e.g. alpha_improved."""
        letter = _draw_letter(name)
        return f"Draws!${letter}${DATA_ROW}:${letter}${self.layout.last_row}"

    def _stat(self, regime: str, column: str | None, stat: float | None, alpha: str | None = None) -> str:
        """One statistic (mean when stat is None) of one model's column, or of the baseline mixture
        divided by the Draws column `alpha` if given (an ArrayText)."""
        name = REGIME_LABELS[regime].upper()
        if column is None:
            values = f"ENERGY_{name}_WH" if alpha is None else f"ENERGY_{name}_WH/{self._draw_range(alpha)}"
            values = f"IF(BASELINE_FLAGS_{name},{values})"
        else:
            sheet = REGIME_SHEETS[regime]
            values = f"{sheet}!${column}${DATA_ROW}:${column}${self.layout.last_row}"
        formula = f"=AVERAGE({values})" if stat is None else f"=_xlfn.PERCENTILE.INC({values},{stat})"
        return ArrayText(formula) if column is None else formula

    @staticmethod
    def _write(ws: Worksheet, row: int, column: int, formula: str):
        """Write a formula, as an array formula when it is ArrayText; returns the cell."""
        cell = ws.cell(row, column)
        if isinstance(formula, ArrayText):
            ws[cell.coordinate] = ArrayFormula(cell.coordinate, str(formula))
            return ws[cell.coordinate]
        cell.value = formula
        return cell

    def _summary(self) -> None:
        ws, st, lay = self.sheets["Summary"], self.styles, self.layout
        headers = ["model"]
        for regime in api.REGIMES:
            headers += [f"{REGIME_LABELS[regime]} {s} (Wh)" for s, _ in STAT_PERCENTILES]
        headers.append("TTS / traditional median")
        st.header_row(ws, 3, headers)
        ws.column_dimensions["A"].width = 34
        rows = [(f"=IF(Fit!$A${lay.fit_first_row + k}=\"\",\"\",Fit!$A${lay.fit_first_row + k})", col(2 + k))
                for k in range(lay.slots)] + [("Baseline (mixture of in_baseline models)", None)]
        for i, (label, sim_col) in enumerate(rows):
            r = 4 + i
            put(ws, r, 1, label)
            c = 2
            for regime in api.REGIMES:
                for stat_name, stat in STAT_PERCENTILES:
                    formula = self._stat(regime, sim_col, stat)
                    if sim_col is not None:  # an empty model slot shows nothing
                        formula = f'=IF($A{r}="","",{formula[1:]})'
                    cell = self._write(ws, r, c, formula)
                    if sim_col is None:
                        define(self.wb, f"Baseline_{REGIME_LABELS[regime]}_{stat_name.capitalize()}_Wh",
                               ref(ws, r, c))
                        cell.fill = st.result
                    cell.number_format = st.number_format
                    c += 1
            put(ws, r, c, f'=IF($A{r}="","",H{r}/B{r})').number_format = "0.00"
            if sim_col is None:
                define(self.wb, "Baseline_TTS_to_Traditional_Median_Ratio", ref(ws, r, c))

    def _interventions(self) -> None:
        ws, st = self.sheets["Interventions"], self.styles
        headers = ["lever", "alpha P5", "alpha P95"]
        for regime in api.REGIMES:
            headers += [f"{REGIME_LABELS[regime]} {s} (Wh)" for s, _ in STAT_PERCENTILES] + [
                f"{REGIME_LABELS[regime]} median reduction (x)"]
        st.header_row(ws, 3, headers)
        ws.column_dimensions["A"].width = 28
        for i, (label, alpha) in enumerate(LEVER_ROWS):
            r = 4 + i
            put_text(ws, r, 1, label)
            lever = alpha.removeprefix("alpha_").upper() if alpha else None
            if lever and lever != "COMBINED":
                put(ws, r, 2, f"=ALPHA_{lever}_P5")
                put(ws, r, 3, f"=ALPHA_{lever}_P95")
            c = 4
            for regime in api.REGIMES:
                first = c
                for _, stat in STAT_PERCENTILES:
                    self._write(ws, r, c, self._stat(regime, None, stat, alpha)).number_format = st.number_format
                    c += 1
                put(ws, r, c, f"=${col(first)}$4/{col(first)}{r}").number_format = "0.00"
                c += 1
        put_text(ws, 11, 1, "Each lever divides every query's energy by its own log-normal alpha (P5-P95 above); "
                            "'all three combined' multiplies the model, serving and hardware alphas (paper Sec. 3: "
                            "8-20x).").font = st.note

    def _fleet(self) -> None:
        ws, st = self.sheets["Fleet"], self.styles
        ws.column_dimensions["A"].width = 58
        ws.column_dimensions["B"].width = 18
        ws.column_dimensions["C"].width = 40
        rows = [
            ("P_max of the beta node (kW)", "=INDEX(NODE_P_MAX_KW,MATCH(BETA_NODE,NODE_NAME,0))", "Fleet_P_max_kW"),
            ("P_idle of the beta node (kW)", "=INDEX(NODE_P_IDLE_KW,MATCH(BETA_NODE,NODE_NAME,0))", "Fleet_P_idle_kW"),
            ("mean daily load f (sinusoid between min and max)", "=(LOAD_MIN_FRAC+LOAD_MAX_FRAC)/2", "Mean_Load_Frac"),
            ("node energy, sinusoidal load (kWh/day)",
             "=Fleet_P_idle_kW*24+(Fleet_P_max_kW-Fleet_P_idle_kW)*24*Mean_Load_Frac", "E_Node_Sin_kWh_per_day"),
            ("node energy, full load (kWh/day)", "=Fleet_P_max_kW*24", "E_Node_Uniform_kWh_per_day"),
            ("beta_util = (1/f) * E_sin / E_uniform",
             "=E_Node_Sin_kWh_per_day/E_Node_Uniform_kWh_per_day/Mean_Load_Frac", "Beta_Util"),
            ("beta = redundancy * beta_util * interconnect", "=NODE_REDUNDANCY*Beta_Util*INTERCONNECT_OVERHEAD",
             "Beta"),
            ("baseline mean, traditional (Wh/query)", self._stat("traditional", None, None), "Mean_Traditional_Wh"),
            ("baseline mean, test-time scaling (Wh/query)", self._stat("tts", None, None), "Mean_TTS_Wh"),
            ("baseline mean, traditional, improved alpha (Wh/query)",
             self._stat("traditional", None, None, "alpha_improved"), "Mean_Traditional_Improved_Wh"),
            ("baseline mean, test-time scaling, improved alpha (Wh/query)",
             self._stat("tts", None, None, "alpha_improved"), "Mean_TTS_Improved_Wh"),
            ("queries per day (input)", "=QUERIES_PER_DAY", None),
            ("share of test-time-scaling queries (input)", "=TTS_SHARE", None),
            ("all traditional (GWh/day)", "=Beta*QUERIES_PER_DAY*Mean_Traditional_Wh/1E9",
             "Fleet_Baseline_GWh_per_day"),
            ("all traditional, improved (GWh/day)", "=Beta*QUERIES_PER_DAY*Mean_Traditional_Improved_Wh/1E9",
             "Fleet_Baseline_Improved_GWh_per_day"),
            ("mix with the test-time-scaling share (GWh/day)",
             "=Beta*QUERIES_PER_DAY*((1-TTS_SHARE)*Mean_Traditional_Wh+TTS_SHARE*Mean_TTS_Wh)/1E9",
             "Fleet_Mixed_GWh_per_day"),
            ("mix, improved (GWh/day)", "=Beta*QUERIES_PER_DAY*((1-TTS_SHARE)*Mean_Traditional_Improved_Wh+"
             "TTS_SHARE*Mean_TTS_Improved_Wh)/1E9", "Fleet_Mixed_Improved_GWh_per_day"),
        ]
        st.header_row(ws, 3, ["quantity", "value", "defined name"])
        for i, (label, formula, name) in enumerate(rows):
            r = 4 + i
            put_text(ws, r, 1, label)
            cell = self._write(ws, r, 2, formula)
            cell.number_format = st.large_number_format if formula == "=QUERIES_PER_DAY" else st.number_format
            if name:
                define(self.wb, name, ref(ws, r, 2))
                put_text(ws, r, 3, name)
            if "GWh" in label:
                cell.fill = st.result
        self.fleet_rows = {name: 4 + i for i, (_, _, name) in enumerate(rows) if name}

    def _reproduction(self) -> None:
        ws, st = self.sheets["Reproduction"], self.styles
        st.header_row(ws, 3, ["quantity", "unit", "paper", "this workbook", "ratio", "source"])
        ws.column_dimensions["A"].width = 60
        ws.column_dimensions["F"].width = 60
        sources = {
            "llama405b_traditional_median_wh": self._model_stat_ref("Llama 3.1 405B", "traditional", "median"),
            "mixtral_traditional_median_wh": self._model_stat_ref("Mixtral 8x22B", "traditional", "median"),
            "baseline_traditional_median_wh": "Baseline_Traditional_Median_Wh",
            "baseline_traditional_p25_wh": "Baseline_Traditional_P25_Wh",
            "baseline_traditional_p75_wh": "Baseline_Traditional_P75_Wh",
            "baseline_tts_median_wh": "Baseline_TTS_Median_Wh",
            "baseline_tts_p25_wh": "Baseline_TTS_P25_Wh",
            "baseline_tts_p75_wh": "Baseline_TTS_P75_Wh",
            "tts_to_traditional_median_ratio": "Baseline_TTS_to_Traditional_Median_Ratio",
            "beta_util": "Beta_Util", "e_node_sin_kwh_per_day": "E_Node_Sin_kWh_per_day",
            "e_node_uniform_kwh_per_day": "E_Node_Uniform_kWh_per_day", "beta": "Beta",
            "fleet_baseline_gwh_per_day": "Fleet_Baseline_GWh_per_day",
            "fleet_mixed_gwh_per_day": "Fleet_Mixed_GWh_per_day",
            "fleet_mixed_improved_gwh_per_day": "Fleet_Mixed_Improved_GWh_per_day",
        }
        r = 4
        for key, figure in catalogue.paper_figures().items():
            if key not in sources:
                continue
            put_text(ws, r, 1, figure.quantity)
            put_text(ws, r, 2, figure.unit)
            ws.cell(r, 3).value = figure.paper_value
            put(ws, r, 4, f"={sources[key]}").number_format = st.number_format
            put(ws, r, 5, f"=D{r}/C{r}").number_format = "0.00"
            put_text(ws, r, 6, figure.source)
            r += 1
        put_text(ws, r + 1, 1, "The fleet rows use the Inputs' query volume and test-time share (paper: 1 billion and "
                               "10 %). The supplement's variants (S.III, S.IV) and the explanation of every gap: "
                               "run 'inferwatt reproduce'.").font = st.note

    def _model_stat_ref(self, model: str, regime: str, stat: str) -> str:
        """The Summary cell of a catalogue model's statistic (its slot is its catalogue position)."""
        k = list(catalogue.models()).index(model)
        column = 2 + [s for s, _ in STAT_PERCENTILES].index(stat) + (0 if regime == "traditional" else 6)
        return ref(self.sheets["Summary"], 4 + k, column)

    def _charts(self) -> None:
        ws, st, lay = self.sheets["Charts"], self.styles, self.layout
        summary, interventions, fleet = self.sheets["Summary"], self.sheets["Interventions"], self.sheets["Fleet"]

        def bar(title: str, y_title: str, anchor: str, log: bool = True) -> BarChart:
            chart = BarChart()
            chart.title, chart.y_axis.title = title, y_title
            chart.height, chart.width = 9, 18
            if log:
                chart.y_axis.scaling.logBase = 10
            ws.add_chart(chart, anchor)
            return chart

        last = 4 + lay.slots
        c1 = bar("Figure 1: energy per query by model (Wh): median, P25, P75", "Wh/query", "A3")
        for column in (2, 5, 6, 8, 11, 12):  # traditional and TTS median, P25, P75
            c1.add_data(Reference(summary, min_col=column, min_row=3, max_row=last), titles_from_data=True)
        c1.set_categories(Reference(summary, min_col=1, min_row=4, max_row=last))

        c2 = bar("Figure 2: baseline and efficiency levers, median Wh/query", "Wh/query", "L3")
        for column in (4, 11):
            c2.add_data(Reference(interventions, min_col=column, min_row=3, max_row=9), titles_from_data=True)
        c2.set_categories(Reference(interventions, min_col=1, min_row=4, max_row=9))

        c3 = bar("Figure 3: fleet energy (GWh/day)", "GWh/day", "A22", log=False)
        first = self.fleet_rows["Fleet_Baseline_GWh_per_day"]
        c3.add_data(Reference(fleet, min_col=2, min_row=first, max_row=first + 3), titles_from_data=False)
        c3.set_categories(Reference(fleet, min_col=1, min_row=first, max_row=first + 3))
        c3.legend = None

        # Histogram of baseline energy per query (traditional), log-spaced bins.
        bins = self.spec["histogram_bins"]
        lo, hi = self.spec["histogram_min_wh"], self.spec["histogram_max_wh"]
        top = 42
        st.header_row(ws, top, ["bin from (Wh)", "bin to (Wh)", "baseline queries, traditional",
                                "baseline queries, test-time scaling"])
        for i in range(bins):
            r = top + 1 + i
            ws.cell(r, 1).value = lo * (hi / lo) ** (i / bins)
            ws.cell(r, 2).value = lo * (hi / lo) ** ((i + 1) / bins)
            for c, name in ((3, "TRADITIONAL"), (4, "TTS")):
                put(ws, r, c, f"=SUMPRODUCT(BASELINE_FLAGS_{name}*(ENERGY_{name}_WH>=A{r})*(ENERGY_{name}_WH<B{r}))")
            for c in (1, 2):
                ws.cell(r, c).number_format = "0.000"
        hist = BarChart()
        hist.title, hist.y_axis.title, hist.x_axis.title = ("Histogram: baseline energy per query", "queries",
                                                            "Wh/query (bin start, log-spaced)")
        hist.height, hist.width = 9, 18
        hist.add_data(Reference(ws, min_col=3, max_col=4, min_row=top, max_row=top + bins), titles_from_data=True)
        hist.set_categories(Reference(ws, min_col=1, min_row=top + 1, max_row=top + bins))
        ws.add_chart(hist, "L22")


def _draw_letter(name: str) -> str:
    """Column letter of a Draws variable."""
    return col(DRAW_COLUMNS.index(name) + 1)


def build_standalone(path: Path, trials: int | None = None, seed: int | None = None) -> Path:
    """Write the standalone workbook atomically; trials and seed default to the declared defaults."""
    params = api.resolve_params({"n_trials": trials, "seed": seed})
    wb = StandaloneWorkbook(params["n_trials"], params["seed"]).build()
    return save_atomically(wb, path)
