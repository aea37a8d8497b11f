"""The standalone workbook: the whole method in live formulas, no Python or add-in needed.

Each sheet is declared as tables of named columns (`grid.Table`) whose formulas are
templates that name what they refer to; `grid` turns names into letters and rows and
`xlsx.write_formula` checks every formula against Excel's rules. Layout text and sizes
come from workbook_templates/standalone.json; parameters, nodes, models and benchmarks
from the catalogue. User or data text is only ever written as text.

Formulas are written in forms that Excel, LibreOffice and Gnumeric evaluate alike:
no IF over arrays of different shapes, no array tricks inside SUMPRODUCT, NORMSDIST
rather than NORM.S.DIST, and no defined name that looks like a cell.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import Reference
from openpyxl.chart.error_bar import ErrorBars
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__, api, catalogue, reproduce
from ..errors import InputError
from ..method.energy import SECONDS_PER_HOUR_OVER_1000
from ..method.throughput import ROWS_FOR_OWN_OLS
from ..reproduce import TORNADO_ROWS
from ..sensitivity import ASSUMPTION_SWING, sensitivity
from . import impact_sheets
from .charts import CHART_FIRST_ROW, CHART_PAGE_ROWS, bar_chart, numbers, place_on_own_page, text_categories
from .excel import MAX_PROMPT_CHARS, MAX_TITLE_CHARS, ExcelRuleError, check_defined_names, fit_text
from .formulas import (
    FLEET_ARRAY_ROWS,
    FLEET_ROWS,
    PERCENTILES,
    PRICE_DRAW,
    PUE_DRAW,
    REGIMES,
    REGIMES_BY_SHEET,
    SHARE_ROWS,
    STATS,
    UTIL_DRAW,
    WUE_DRAW,
    audit_formula,
    baseline_mask,
    energy_block,
    energy_formula,
    hdr_template,
    input_name,
    lever_trim_end,
    share_formula,
    statistics_of,
    tps_of,
    trimmed_values,
    truthy,
)
from .grid import Column, Grid, Table
from .xlsx import (
    EXCEL_DEFAULT_WIDTH,
    Styles,
    define,
    fit_row_height,
    put_text,
    save_atomically,
    template,
    write_formula,
    write_table,
)

# Rows above each Sim sheet's slots for the authors' trimming: each model's P5 and P95, then P10 and P90 of
# the draws between them (method/trimming.py): a draw is kept when it lies within the second pair.
TRIM_HEADS = {"trim_lo1": "P5 of the draws (trimming, stage 1)", "trim_hi1": "P95 of the draws (trimming, stage 1)",
              "trim_lo2": "P10 of the stage-1 draws (kept from here)", "trim_hi2": "P90 of the stage-1 draws (kept to "
              "here)"}
LEVERS = (("none", "none (baseline)", None), ("model", "model", "alpha_model"),
          ("serving", "serving", "alpha_serving"), ("hardware", "hardware", "alpha_hardware"),
          ("combined", "all three combined (InferWatt's product of the three)", "alpha_combined"),
          ("improved", "improved (fleet scenario, alpha 1.5-3)", "alpha_improved"))
# The choices the workbook's formulas implement (per_model's minimum-norm fit is engine-only; the workbook's
# random numbers are HDR's).
WORKBOOK_CHOICES = {"sparse_strategy": ("max_tps_below_3_rows", "shared_slopes", "pooled"), "rng": ("hdr",)}
FIXED_AT_BUILD = {"n_trials": "fixed at build time (python build.py --trials N)",
                  "deployment_draws": "fixed at build time (rows of the Deployments sheet)",
                  "preset": "fixed at build time (python build.py --preset NAME); its values are the inputs here",
                  "paper_h100_rows": "fixed at build time (the rows of the Benchmarks sheet, which you can edit)",
                  "rng": "hdr in the workbook (rng = paper is the engine's exact reproduction of the authors' "
                         "scripts)"}
FREE_NODE_ROWS = 2  # empty rows on Inputs where a user adds a node of their own
BULK_SHEETS_PRINTED_ROWS = 50  # Draws and Sim_* print only their first trials, never thousands of pages
PRINTABLE_WIDTH_CHARS = 140  # column-width units that fit a landscape page at ~100 %
ONE_PAGE_WIDE = ("About", "Summary", "Impacts", "Capacity", "Charts")  # a reader's sheets print one page wide
CHARTS_ON_SHEET = 4  # the Charts sheet's four figures, one page area each (charts.place_on_own_page)
NUM = "0.0000"
WH = "0.0000"
SECONDS_PER_KWS = f"{SECONDS_PER_HOUR_OVER_1000:g}"  # Eq. 1's 3.6, turning Wh back into kW x s


class StandaloneWorkbook:
    """Declares the tables, then writes them sheet by sheet; `build()` returns the openpyxl Workbook."""

    def __init__(self, trials: int, seed: int, preset: str = catalogue.DEFAULT_PRESET) -> None:
        self.spec = template("standalone.json")
        self.styles = Styles(self.spec["styles"])
        self.trials, self.seed, self.preset = trials, seed, preset
        # every engine value stamped at build, and every input's value, under the preset
        self.overrides = {"preset": preset, "n_trials": trials}
        self.values = api.resolve_params({**self.overrides, "seed": seed})
        self.bench_rows = api.shipped_benchmarks(self.values)
        self.slots = self.spec["model_slots"]
        self.params = catalogue.parameters()
        self.models = list(catalogue.models().values())
        if len(self.models) > self.slots:
            raise ExcelRuleError(f"{len(self.models)} models in the catalogue, the template has {self.slots} slots")
        self.grid = Grid({p: input_name(p) for p in self.params})
        self.wb = Workbook()
        self.wb.remove(self.wb.active)
        self.sheets: dict[str, Worksheet] = {}
        for name, sheet in self.spec["sheets"].items():
            ws = self.wb.create_sheet(name)
            put_text(ws, 1, 1, sheet["title"]).font = self.styles.title
            self.sheets[name] = ws
        self.built = reproduce.quantities(reproduce.Choices(overrides=tuple(self.overrides.items()), seed=seed))
        self.repro_rows, self.text_code = reproduce.workbook_tables(self.overrides)
        self._declare()

    # ------------------------------------------------------------ the tables

    def _declare(self) -> None:
        """Every table of the workbook, by name; the writers below fill them in."""
        g, slots, n_bench = self.grid, self.slots, len(self.bench_rows.model)
        slot_range = range(1, slots + 1)
        g.add(Table("Param", "Inputs", [
            Column("group", "group", width=12), Column("name", "name", width=30),
            Column("label", "label", width=36), Column("unit", "unit", width=12),
            Column("value", "value", width=16), Column("default", "default", width=14),
            Column("allowed", "allowed", width=26), Column("description", "description", width=50),
            Column("source", "source", width=50)], 4, tuple(self.params)))
        nodes_first = g.table("Param").last_row + 4
        g.add(Table("Node", "Inputs", [
            Column("name", "name"), Column("gpus", "gpus"), Column("gpu", "gpu"),
            Column("p_max_kw", "P_max (kW)"), Column("p_idle_kw", "P_idle (kW)"), Column("source", "source")],
            nodes_first, len(catalogue.nodes()) + FREE_NODE_ROWS, first_col=2))
        g.add(Table("Model", "Inputs", [
            Column("slot", "slot"), Column("name", "name"), Column("node", "node"),
            Column("in_baseline", "in_baseline (TRUE/FALSE)"), Column("total_params_b", "total parameters (B)"),
            Column("source", "source")], g.table("Node").last_row + 4, slots))

        capacity = max(self.spec["benchmark_capacity"], n_bench + 50)
        blank = '{model}=""'
        # Benchmark rows are grouped by (model, node); a sparse group borrows the slopes of the rich groups
        # on the same GPU type (the engine's rule), so each row carries its node's GPU.
        same_group = "({all.Bench.model}={model})*({all.Bench.node}={node})"
        g.add(Table("Bench", "Benchmarks", [
            Column("model", "model", width=30), Column("node", "node", width=10),
            Column("precision", "precision", width=10), Column("input_tokens", "input tokens", width=13),
            Column("output_tokens", "output tokens", width=13),
            Column("tps_tokens_per_s", "throughput (output tokens/s)", width=16),
            Column("source", "source", width=60),
            Column("gpu", "GPU of the node", f'=IF({blank},"",IF(ISNA(MATCH({{node}},{{all.Node.name}},0)),"",'
                                            'INDEX({all.Node.gpu},MATCH({node},{all.Node.name},0))))'),
            Column("ln_input", "ln input", f"=IF({blank},0,LN({{input_tokens}}))"),
            Column("ln_output", "ln output", f"=IF({blank},0,LN({{output_tokens}}))"),
            Column("ln_tps", "ln TPS", f"=IF({blank},0,LN({{tps_tokens_per_s}}))"),
            Column("rows_of_model", "rows of this model on this node", f"=IF({blank},0,SUMPRODUCT({same_group}))"),
            Column("in_shared_fit", "in the shared-slope fit (1/0)",
                   f'=IF({blank},0,IF({{p.sparse_strategy}}="pooled",1,IF({{rows_of_model}}>={{p.min_rows_own_fit}},'
                   '1,0)))'),
            *[Column(f"dev_{v}", f"{v} minus the mean of its model on its node",
                     f"=IF({blank},0,{{{v}}}-SUMPRODUCT({same_group}*{{all.Bench.{v}}})/{{rows_of_model}})")
              for v in ("ln_input", "ln_output", "ln_tps")]],
            4, capacity))

        def own_sum(a: str, b: str) -> str:
            return f"=SUMPRODUCT({same_group}*{{all.Bench.dev_{a}}}*{{all.Bench.dev_{b}}})"

        def shared_sum(a: str, b: str) -> str:  # over the rich rows of this slot's GPU type
            return (f"=SUMPRODUCT({{all.Bench.in_shared_fit}}*({{all.Bench.gpu}}={{gpu}})*{{all.Bench.dev_{a}}}*"
                    f"{{all.Bench.dev_{b}}})")

        def model_mean(v: str) -> str:
            return f'=IF({{benchmark_rows}}=0,"",SUMPRODUCT({same_group}*{{all.Bench.{v}}})/{{benchmark_rows}})'

        def slopes(prefix: str) -> tuple[str, str]:
            det = f"({{{prefix}in_in}}*{{{prefix}out_out}}-{{{prefix}in_out}}^2)"
            return (f"({{{prefix}in_tps}}*{{{prefix}out_out}}-{{{prefix}out_tps}}*{{{prefix}in_out}})/{det}",
                    f"({{{prefix}out_tps}}*{{{prefix}in_in}}-{{{prefix}in_tps}}*{{{prefix}in_out}})/{det}")

        def node_lookup(column: str) -> str:
            return '=IF({model}="","",INDEX({all.Node.' + column + '},MATCH({node},{all.Node.name},0)))'

        own_b1, own_b2 = slopes("S_")
        shared_b1, shared_b2 = slopes("SH_")
        pairs = (("in_in", "ln_input", "ln_input"), ("out_out", "ln_output", "ln_output"),
                 ("in_out", "ln_input", "ln_output"), ("in_tps", "ln_input", "ln_tps"),
                 ("out_tps", "ln_output", "ln_tps"))
        g.add(Table("Fit", "Fit", [
            Column("model", "model", '=IF({Model.name}="","",{Model.name})', width=30),
            Column("node", "node", '=IF({model}="","",{Model.node})'),
            Column("gpu", "GPU", node_lookup("gpu")),
            Column("benchmark_rows", "benchmark rows (this model on this node)",
                   '=IF({model}="",0,SUMPRODUCT(' + same_group + '))'),
            Column("own_fit", "own fit", '=IF({model}="",FALSE,OR(AND({p.sparse_strategy}="shared_slopes",'
                                         '{benchmark_rows}>={p.min_rows_own_fit}),AND({p.sparse_strategy}='
                                         f'"max_tps_below_3_rows",{{benchmark_rows}}>={ROWS_FOR_OWN_OLS})))'),
            Column("constant_tps", "constant TPS (max_tps_below_3_rows, fewer rows)",
                   '=AND({model}<>"",{p.sparse_strategy}="max_tps_below_3_rows",NOT({own_fit}))'),
            *[Column(f"S_{k}", f"S_{k}", own_sum(a, b)) for k, a, b in pairs],
            *[Column(f"SH_{k}", f"shared S_{k} (same GPU)", shared_sum(a, b)) for k, a, b in pairs],
            Column("b1_ln_input", "b1 (ln input)",
                   '=IF({model}="","",IF({own_fit},' + own_b1 + ",IF({constant_tps},0," + shared_b1 + ")))", NUM),
            Column("b2_ln_output", "b2 (ln output)",
                   '=IF({model}="","",IF({own_fit},' + own_b2 + ",IF({constant_tps},0," + shared_b2 + ")))", NUM),
            Column("mean_ln_input", "mean ln input", model_mean("ln_input")),
            Column("mean_ln_output", "mean ln output", model_mean("ln_output")),
            Column("mean_ln_tps", "mean ln TPS", model_mean("ln_tps")),
            Column("b0", "b0", '=IF({benchmark_rows}=0,"",IF({constant_tps},LN({tps_max_tokens_per_s}),'
                               '{mean_ln_tps}-{b1_ln_input}*{mean_ln_input}-{b2_ln_output}*{mean_ln_output}))', NUM),
            Column("tps_max_tokens_per_s", "TPS_max (tokens/s)",
                   '=IF({benchmark_rows}=0,"",MAX(IF(' + same_group + '=1,{all.Bench.tps_tokens_per_s})))',
                   "0.0", array=True),
            Column("l_out_max_own", "longest own output (tokens)", '=IF({benchmark_rows}=0,"",MAX(IF('
                   + same_group + '=1,{all.Bench.output_tokens})))', "0", array=True),
            Column("l_out_max_shared", "longest output of the shared rows (tokens)",
                   '=IF({benchmark_rows}=0,"",MAX(IF({all.Bench.in_shared_fit}*({all.Bench.gpu}={gpu})=1,'
                   '{all.Bench.output_tokens})))', "0", array=True),
            Column("l_out_max_tokens", "end of training range (tokens)", '=IF({benchmark_rows}=0,"",IF({own_fit},'
                   '{l_out_max_own},MAX({l_out_max_own},{l_out_max_shared})))', "0"),
            Column("p_max_kw", "P_max (kW)", node_lookup("p_max_kw")),
            Column("p_idle_kw", "P_idle (kW)", node_lookup("p_idle_kw")),
            Column("gpus", "GPUs per node", node_lookup("gpus")),
            Column("ln_tps_at_l_in", "b0 + b1 ln L_in", '=IF({benchmark_rows}=0,"",{b0}+{b1_ln_input}*'
                                                        'LN({p.l_in_tokens}))', NUM),
            Column("in_baseline", "in baseline", '=AND({model}<>"",' + truthy("{Model.in_baseline}") + ")"),
            Column("method", "method", '=IF({model}="","",IF({own_fit},"own OLS",IF({constant_tps},"largest '
                                       'observed TPS (fewer than 3 rows)",IF({p.sparse_strategy}="pooled","pooled '
                                       'slopes","slopes of the data-rich models, own intercept"))))', width=44),
            Column("status", "status", '=IF({model}="","empty slot",IF(ISNA(MATCH({node},{all.Node.name},0)),'
                                       '"unknown node",IF({benchmark_rows}=0,"no benchmark rows for this model on '
                                       'this node",IF(ISNUMBER({b1_ln_input}),"ok","no data-rich model on this GPU '
                                       'to borrow slopes from"))))', width=34)],
            4, slots))

        # Distribution constants (one row): log-normal parameters of PUE and of each lever's alpha.
        consts = [Column("z_p95", "z of P95", "=NORM.S.INV(0.95)", NUM),
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
        g.add(Table("Const", "Draws", consts, 4, 1))

        uniforms = [Column(f"u_{v}", f"uniform {v}", hdr_template(api.VARIABLE_IDS[v]), "0.000000")
                    for v in api.VARIABLE_IDS]
        g.add(Table("Draws", "Draws", [
            Column("trial", "trial"), *uniforms,
            *[Column(f"l_out_{regime}_tokens", f"L_out {label} (tokens)", _rounded(
                f"-LN(1-{{u_l_out}})*{{p.l_out_median_{regime}_tokens}}/LN(2)"), "0.0")
              for regime, label in (("traditional", "traditional"), ("tts", "test-time scaling"))],
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
            Column("wue_l_per_kwh", "on-site WUE (L/kWh of IT energy)", WUE_DRAW, NUM)], 8, self.trials))

        for sheet, _, lout in REGIMES.values():
            energy = energy_formula(lout)
            # mean ln(Wh) of the baseline slots of a trial; IF is lazy, so an empty slot's "" is never LN'd
            terms = "+".join(f"IF({{headof.slot_{k}.in_baseline}},LN({{slot_{k}}}),0)" for k in slot_range)
            flags = "{n.BASELINE_FLAGS_" + REGIMES_BY_SHEET[sheet].upper() + "}"
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
                       NUM, 18)],
                12 + len(TRIM_HEADS) + 1, self.trials,
                head=("tps_low", "tps_high", "power_at_lowest_tps_kw", "power_per_tps_kw", "mean_ln_e", "p_max_kw",
                      "mean_node_s", "median_wh", *TRIM_HEADS, "model", "in_baseline")))

        # each slot's statistics are written as one array formula per row (_summary: slot_statistics)
        stat_columns = [Column(f"{regime}_{s}", f"{REGIMES[regime][1]} {s} (Wh)", number_format=WH)
                        for regime in REGIMES for s, _ in STATS]
        g.add(Table("Summary", "Summary", [
            Column("model", "model", '=IF({Fit.model}="","",{Fit.model})', width=34), *stat_columns,
            Column("ratio", "TTS / traditional median", '=IF({model}="","",{tts_median}/{traditional_median})', "0.00"),
            *[Column(f"{regime}_{side}", f"{REGIMES[regime][1]} median {label} (for error bars)",
                     '=IF({model}="","",' + expr + ")", WH)
              for regime in REGIMES for side, label, expr in (
                  ("minus", "- P25", f"{{{regime}_median}}-{{{regime}_p25}}"),
                  ("plus", "P75 -", f"{{{regime}_p75}}-{{{regime}_median}}"))]], 4, slots, head=("k",)))
        g.add(Table("Baseline", "Summary", [
            Column("model", "model"), *[replace(c, formula=None, array=False) for c in stat_columns],
            Column("ratio", "TTS / traditional median", "={tts_median}/{traditional_median}", "0.00")],
            g.table("Summary").last_row + 1, 2))

        lever_columns = [Column("lever", "lever", width=34), Column("alpha_p5", "alpha P5", number_format="0.00"),
                         Column("alpha_p95", "alpha P95", number_format="0.00")]
        for regime in REGIMES:
            lever_columns += [Column(f"{regime}_{s}", f"{REGIMES[regime][1]} {s} (Wh)", number_format=WH)
                              for s, _ in STATS]
            lever_columns.append(Column(f"{regime}_reduction", f"{REGIMES[regime][1]} median reduction (x)",
                                        f"={{Levers.{regime}_median[none]}}/{{{regime}_median}}", "0.00"))
            for end, q in (("lo", 0.05), ("hi", 0.95)):  # once per lever: the ends of its trimmed sample
                lever_columns.append(Column(
                    f"{regime}_trim_{end}", f"{REGIMES[regime][1]}: P{round(q * 100)} of the lever's trimmed sample "
                    "(trim = paper)", lambda i, regime=regime, q=q: _lever_trim_formula(regime, i, q), NUM,
                    array=True))
        g.add(Table("Levers", "Interventions", lever_columns, 4, tuple(k for k, _, _ in LEVERS)))

        g.add(Table("Fleet", "Fleet", [Column("quantity", "quantity", width=60),
                                       Column("value", "value", number_format=NUM, width=18),
                                       Column("name", "defined name", width=40)], 4, tuple(FLEET_ROWS)))
        figures = catalogue.paper_figures()
        keys = tuple(k for k in figures if k in REPRODUCTION_CELLS)
        built_header = f"engine at build ({self.trials:,} trials, seed {self.seed})"
        v1_reading = self.preset in ("paper_v1", "text_v1")  # the version this build's reading follows
        g.add(Table("Repro", "Reproduction", [
            Column("quantity", "quantity", width=58), Column("unit", "unit", width=10),
            Column("paper_v1", "paper v1 (arXiv 2025)", number_format="0.00##"),
            Column("paper_v2", "paper v2 (Joule 2026)", number_format="0.00##"),
            Column("live", "this workbook (live)", lambda i: "=" + self._live_ref(keys[i]), NUM, 16),
            Column("ratio", "ratio (live / paper " + ("v1" if v1_reading else "v2, else v1") + ")",
                   "={live}/{paper_v1}" if v1_reading else "={live}/IF(ISNUMBER({paper_v2}),{paper_v2},{paper_v1})",
                   "0.00"),
            Column("built", built_header, number_format=NUM, width=20),
            Column("check", "live = engine at build?", audit_formula("{live}", "{built}"), width=26),
            *[Column(f"reading_{k}", f"engine: {label}", number_format=NUM, width=14)
              for k, label in enumerate(reproduce.READINGS)],
            Column("note", "note", width=56), Column("source", "source", width=56)], 5, keys))
        g.add(Table("TextCode", "Reproduction", [
            Column("parameter", "parameter", width=58), Column("text_value", "v1 text", width=10),
            Column("code_value", "the authors' code", width=14),
            Column("traditional_median_wh", "traditional median (Wh)", number_format=NUM, width=14),
            Column("traditional_change", "change", number_format="+0.0%;-0.0%", width=14),
            Column("tts_median_wh", "test-time scaling median (Wh)", number_format=NUM, width=14),
            Column("tts_change", "change", number_format="+0.0%;-0.0%", width=14),
            Column("fleet_improved_gwh_per_day", "10 % TTS fleet, improved (GWh/day)", number_format=NUM, width=14),
            Column("fleet_change", "change", number_format="+0.0%;-0.0%", width=14),
            Column("source", "source of the text's value", width=56)],
            g.table("Repro").last_row + 5, len(self.text_code)))
        key_rows = tuple(k for k in KEY_RESULTS if k in figures)
        about_rows = len(self.spec["sheets"]["About"]["lines"]) + 2  # the text lines, a blank and the build line
        g.add(Table("Key", "About", [
            Column("quantity", "quantity", width=58), Column("unit", "unit", width=18),
            Column("built", built_header, number_format=NUM, width=16),
            Column("live", "live value", lambda i: "=" + self._live_ref(key_rows[i]), NUM, 16),
            Column("check", "live = engine at build?", audit_formula("{live}", "{built}"), width=24)],
            3 + about_rows + 3, key_rows))

        impact_sheets.declare(self)

        self.hardware = [r for m in self.models
                         for r in api.hardware(m.name, n=self.trials, seed=self.seed, preset=self.preset)]
        g.add(Table("Hardware", "Hardware", [
            Column("model", "model", width=30), Column("node", "node", width=10), Column("gpus", "GPUs"),
            Column("precision", "precision of the benchmark rows"),
            Column("traditional_median_wh", "traditional median (Wh/query)", number_format=WH, width=16),
            Column("tts_median_wh", "test-time-scaling median (Wh/query)", number_format=WH, width=16),
            Column("h100_node", "H100 reference node"),
            Column("alpha_vs_h100_traditional", "H100 energy / this node's, traditional (x)", number_format="0.00",
                   width=16),
            Column("alpha_vs_h100_tts", "H100 energy / this node's, test-time scaling (x)", number_format="0.00",
                   width=16),
            Column("tps_per_gpu_vs_h100", "TPS per GPU / H100's (x)", number_format="0.00", width=14)],
            5, len(self.hardware)))

        self.sensitivity = {regime: sensitivity("baseline", regime, n=self.trials, seed=self.seed, preset=self.preset)
                            for regime in REGIMES}
        width = len(SENSITIVITY_COLUMNS) + 1
        for k, regime in enumerate(REGIMES):
            g.add(Table(f"Sens_{regime}", "Sensitivity", [
                Column(name, header, number_format=fmt, width=w) for name, header, fmt, w in SENSITIVITY_COLUMNS],
                6, len(self.sensitivity[regime].moving), first_col=1 + k * width))

        below = max(g.table(f"Sens_{regime}").last_row for regime in REGIMES) + 30
        share_columns = [Column("input", "random input", width=34)]
        for regime in REGIMES:
            share_columns += [Column(f"live_{regime}", f"{REGIMES[regime][1]}: share of Var(ln E), live",
                                     share_formula(regime), "0.000%", 16, array=True),
                              Column(f"engine_{regime}", f"{REGIMES[regime][1]}: engine at build",
                                     number_format="0.000%", width=16)]
        g.add(Table("Shares", "Sensitivity", share_columns, below, tuple(SHARE_ROWS)))

        bins = self.spec["histogram_bins"]
        g.add(Table("Hist", "Charts", [
            Column("label", "energy per query (Wh)", width=16),
            Column("from_wh", "from (Wh)", number_format="0.000"), Column("to_wh", "to (Wh)", number_format=OPEN_TOP),
            *[Column(regime, f"baseline queries, {'traditional' if regime == 'traditional' else 'test-time scaling'}",
                     f"=SUM({baseline_mask(regime)}*({energy_block(regime)}>={{from_wh}})*"
                     f"({energy_block(regime)}<{{to_wh}}))", "0", 16, array=True)
              for regime in REGIMES]], CHART_FIRST_ROW + CHARTS_ON_SHEET * CHART_PAGE_ROWS + 1, bins + 2))

    # ------------------------------------------------------------ writing

    def build(self) -> Workbook:
        self._inputs()
        self._benchmarks()
        self._fit()
        self._draws()
        for regime in REGIMES:
            self._simulation(regime)
        self._summary()
        self._interventions()
        self._fleet()
        impact_sheets.write(self)
        self._hardware()
        self._sensitivity()
        self._shares()
        self._reproduction()
        self._charts()
        self._about()
        self._finish()
        return self.wb

    def write(self, key: str, values: dict[str, Sequence[object]] | None = None, header: bool = True) -> Table:
        """Table `key` on its sheet: headers, widths and formats, data columns from `values`, formula columns from
        their templates (the one way the sheet modules write a table)."""
        table = self.grid.table(key)
        write_table(self.sheets[table.sheet], self.grid, table, self.styles if header else None, values)
        return table

    def _inputs(self) -> None:
        ws, st, params = self.sheets["Inputs"], self.styles, list(self.params.values())
        put_text(ws, 2, 1, f"Built under preset {self.preset}: its values (data/presets.csv, with their sources) are "
                           "the inputs below. Another reading: python build.py --preset NAME (inferwatt, paper_v2, "
                           "paper_v1, text_v1).").font = st.note
        table = self.write("Param", {
            "group": [p.group for p in params], "name": [p.name for p in params],
            "label": [p.label for p in params], "unit": [p.unit for p in params],
            "value": [self.values[p.name] for p in params],
            "default": ["none (no sourced default)" if p.default is None else p.default for p in params],
            "allowed": [FIXED_AT_BUILD.get(p.name, _allowed(p)) for p in params],
            "description": [p.description for p in params], "source": [p.source for p in params]})
        for p in params:
            cell = ws[table.cell("value", p.name)]
            define(self.wb, input_name(p.name), table.cell("value", p.name, sheet=True, absolute=True))
            for column in ("description", "source"):
                ws[table.cell(column, p.name)].alignment = st.wrap
            fit_row_height(ws, table.row(p.name), table.first_col, table.first_col + len(table.columns) - 1)
            group_cell = ws[table.cell("group", p.name)]  # each group opens with its name as a heading
            first_of_group = p is params[0] or params[params.index(p) - 1].group != p.group
            group_cell.font = st.bold if first_of_group else st.faint
            if first_of_group:
                group_cell.fill = st.header
                for column in table.columns:
                    ws[table.cell(column.name, p.name)].border = st.group_top
            if p.name not in FIXED_AT_BUILD:
                st.as_input(cell)
                if p.kind == "region":
                    dv = impact_sheets.region_validation(self)
                    ws.add_data_validation(dv)
                    dv.add(cell.coordinate)
                else:
                    self._validation(ws, cell.coordinate, p)

        nodes = list(catalogue.nodes().values())
        node_table = self.grid.table("Node")
        put_text(ws, node_table.header_row - 1, 1, "Nodes").font = st.bold
        self.write("Node", {"name": [n.name for n in nodes], "gpus": [n.gpus for n in nodes],
                             "gpu": [n.gpu for n in nodes], "p_max_kw": [n.p_max_kw for n in nodes],
                             "p_idle_kw": [n.p_idle_kw for n in nodes], "source": [n.source for n in nodes]})
        for i, n in enumerate(nodes):
            if n.name in catalogue.NODE_POWER_PARAMETERS:  # the parameter's value when one is given (presets)
                write_formula(ws, node_table.row(i), node_table.column_number("p_max_kw"), _p_max_formula(n))
        for i in range(node_table.n_rows):
            for column in ("name", "gpus", "gpu", "p_max_kw", "p_idle_kw", "source"):
                st.as_input(ws[node_table.cell(column, i)])

        model_table = self.grid.table("Model")
        put_text(ws, model_table.header_row - 1, 1,
                 "Models (an empty slot takes a new model: add its benchmark rows too)").font = st.bold
        ms = self.models + [None] * (self.slots - len(self.models))
        self.write("Model", {"slot": list(range(1, self.slots + 1)), "name": [m.name if m else "" for m in ms],
                              "node": [m.node if m else "" for m in ms],
                              "in_baseline": [m.in_baseline if m else False for m in ms],
                              "total_params_b": [m.total_params_b if m else None for m in ms],
                              "source": [m.source if m else "" for m in ms]})
        node_list = DataValidation(type="list", formula1="=" + node_table.range("name"), allow_blank=True)
        flag_list = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=True)
        flag_list.error = "in_baseline must be TRUE or FALSE"
        flag_list.errorTitle, flag_list.showErrorMessage = "InferWatt input", True
        ws.add_data_validation(node_list)
        ws.add_data_validation(flag_list)
        for k in range(self.slots):
            for column in ("name", "node", "in_baseline", "total_params_b", "source"):
                st.as_input(ws[model_table.cell(column, k)])
            node_list.add(model_table.cell("node", k))
            flag_list.add(model_table.cell("in_baseline", k))
        ws.print_title_cols = "B:B"
        ws.print_title_rows = f"{table.header_row}:{table.header_row}"

    def _validation(self, ws: Worksheet, coordinate: str, p: catalogue.Parameter) -> None:
        """Excel's data validation of one input, with a prompt and error that fit Excel's limits whole."""
        choices = WORKBOOK_CHOICES.get(p.name, p.choices)
        if choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=False)
        else:
            kind = "whole" if p.kind == "integer" else "decimal"
            lo = p.lower[1] if p.lower else -1e300
            hi = p.upper[1] if p.upper else 1e300
            if p.lower and p.lower[0] == ">":
                lo = lo + (1 if kind == "whole" else 1e-12)
            dv = DataValidation(type=kind, operator="between", formula1=repr(lo), formula2=repr(hi),
                                allow_blank=p.default is None)
        allowed = _allowed(p)
        default = "none (no sourced default: give one)" if p.default is None else p.default
        dv.error = fit_text([f"{p.name} must be {allowed}.", f"Default: {default}."], MAX_PROMPT_CHARS)
        dv.errorTitle = "InferWatt input"
        dv.promptTitle = p.name if len(p.name) <= MAX_TITLE_CHARS else "InferWatt input"
        prompt = fit_text([f"{p.label} [{p.unit}].", f"Allowed: {allowed}.", f"Default: {default}.",
                           *_sentences(p.description)], MAX_PROMPT_CHARS)
        dv.prompt = prompt[:-1] + "." if prompt.endswith(";") else prompt  # the last whole clause ends the text
        dv.showErrorMessage = dv.showInputMessage = True
        ws.add_data_validation(dv)
        dv.add(coordinate)

    def _benchmarks(self) -> None:
        ws, st = self.sheets["Benchmarks"], self.styles
        b, models = self.bench_rows, catalogue.models()
        table = self.grid.table("Bench")
        put_text(ws, 2, 1, "Edit or append rows in the yellow columns; the helper columns (logs, and deviations "
                           "from each model's mean for the least-squares fit) follow.").font = st.note
        self.write("Bench", {"model": list(b.model), "node": list(b.nodes()),
                              "precision": list(b.precision) or [models[m].precision for m in b.model],
                              "input_tokens": [float(x) for x in b.input_tokens],
                              "output_tokens": [float(x) for x in b.output_tokens],
                              "tps_tokens_per_s": [float(x) for x in b.tps_tokens_per_s],
                              "source": list(b.source)})
        for i in range(table.n_rows):
            for column in ("model", "node", "precision", "input_tokens", "output_tokens", "tps_tokens_per_s",
                           "source"):
                cell = ws[table.cell(column, i)]
                cell.protection, cell.fill = Protection(locked=False), st.input

    def _fit(self) -> None:
        ws = self.sheets["Fit"]
        put_text(ws, 2, 1, "Shared slopes: least squares on deviations from the mean of each model on its node (a "
                           "fixed-effects fit), over the rows flagged in_shared_fit on Benchmarks whose node has "
                           "this slot's GPU").font = self.styles.note
        self.write("Fit")

    def _draws(self) -> None:
        ws = self.sheets["Draws"]
        put_text(ws, 2, 1, "Distribution constants from the Inputs; below, one row per trial, shared by all "
                           "models (common random numbers)").font = self.styles.note
        self.write("Const")
        table = self.write("Draws", {"trial": list(range(1, self.trials + 1))})
        ws.freeze_panes = ws.cell(table.first_row, 2)

    def _simulation(self, regime: str) -> None:
        sheet, label, lout = REGIMES[regime]
        ws, st, table = self.sheets[sheet], self.styles, self.grid.table(sheet)
        heads = {"tps_low": "lowest TPS of the sample", "tps_high": "highest TPS of the sample",
                 "power_at_lowest_tps_kw": "S.IV power at the lowest TPS (kW)",
                 "power_per_tps_kw": "S.IV power per token/s (kW)",
                 "mean_ln_e": "mean ln(Wh) over the trials with energy in every baseline model",
                 "p_max_kw": "P_max of the slot's node (kW)",
                 "mean_node_s": "mean node-seconds per query, 3.6 E / (PUE P_node)",
                 "median_wh": "median of every draw (Wh; the top3_by_median rule ranks these)",
                 **TRIM_HEADS, "model": "model",
                 "in_baseline": "in the baseline (declared, or one of the three highest medians)"}
        ends = ",".join(tps_of(f"{f}({{all.Draws.{lout}}})") for f in ("MIN", "MAX"))
        top3 = (f'AND({{head.model}}<>"",SUMPRODUCT(ISNUMBER({{n.MEDIAN_WH_{label.upper()}}})*'
                f'({{n.MEDIAN_WH_{label.upper()}}}>{{head.median_wh}}))<3)')
        kept = "({column}>={head.trim_lo1})*({column}<={head.trim_hi1})"
        templates = {"model": '=IF({Fit.model}="","",{Fit.model})',
                     "in_baseline": f'=IF({{p.baseline_rule}}="top3_by_median",{top3},{{Fit.in_baseline}})',
                     "median_wh": '=IF({head.model}="","",PERCENTILE.INC({column},0.5))',
                     "trim_lo1": '=IF({head.model}="","",PERCENTILE.INC({column},0.05))',
                     "trim_hi1": '=IF({head.model}="","",PERCENTILE.INC({column},0.95))',
                     "trim_lo2": '=IF({head.model}="","",PERCENTILE.INC(IF(' + kept + ',{column}),0.1))',
                     "trim_hi2": '=IF({head.model}="","",PERCENTILE.INC(IF(' + kept + ',{column}),0.9))',
                     "tps_low": f'=IF({{head.model}}="","",MIN({ends}))',
                     "tps_high": f'=IF({{head.model}}="","",MAX({ends}))',
                     # S.IV: P_idle at the lowest sampled TPS rising to util_linear_max * P_max at the highest
                     # (all at the high end when every sampled TPS is equal, as in the engine).
                     "power_at_lowest_tps_kw": '=IF({head.model}="","",IF({head.tps_high}={head.tps_low},'
                                               '{p.util_linear_max}*{Fit.p_max_kw},{Fit.p_idle_kw}))',
                     "power_per_tps_kw": '=IF({head.model}="","",IF({head.tps_high}={head.tps_low},0,'
                                         '({p.util_linear_max}*{Fit.p_max_kw}-{Fit.p_idle_kw})/'
                                         '({head.tps_high}-{head.tps_low})))',
                     "mean_ln_e": '=IF({head.model}="","",AVERAGE(IF({all.' + sheet + '.positive}=1,LN({column}))))',
                     "p_max_kw": '=IF({head.model}="","",{Fit.p_max_kw})',
                     "mean_node_s": '=IF({head.model}="","",IF({n.Node_Seconds_Known},AVERAGE(' + SECONDS_PER_KWS
                                    + '*{column}/({all.Draws.pue}*{all.Draws.util_frac_of_p_max}*{head.p_max_kw})),'
                                    '"n/a: pnode_model = linear_tps"))'}
        for key, text in heads.items():
            put_text(ws, table.head_row(key), 1, text).font = st.bold
            for k in range(1, self.slots + 1):
                column = table.column(f"slot_{k}")
                render = self.grid.compile(templates[key], table, column)
                write_formula(ws, table.head_row(key), table.column_number(column.name), render(0),
                              array=key in ("mean_ln_e", "mean_node_s", "trim_lo2", "trim_hi2", "in_baseline"))
        self.write(sheet, {"trial": list(range(1, self.trials + 1))})
        ws.column_dimensions["A"].width = 24
        ws.freeze_panes = ws.cell(table.first_row, 2)
        define(self.wb, f"ENERGY_{label.upper()}_WH", table.block("slot_1", f"slot_{self.slots}"))
        for name, key in (("BASELINE_FLAGS", "in_baseline"), ("MEAN_LN_E", "mean_ln_e"), ("P_MAX_KW", "p_max_kw"),
                          ("MEDIAN_WH", "median_wh"), ("TRIM_LO", "trim_lo2"), ("TRIM_HI", "trim_hi2")):
            define(self.wb, f"{name}_{label.upper()}", table.head_span(key, "slot_1", f"slot_{self.slots}"))

    def _summary(self) -> None:
        ws, summary = self.sheets["Summary"], self.grid.table("Summary")
        self.write("Summary")
        k_row = summary.head_row("k")  # the percentiles' k, above their columns, named PERCENTILE_K
        put_text(ws, k_row, 1, "percentile (k)").font = self.styles.note
        for s, q in STATS:
            if q is not None:
                ws.cell(k_row, summary.column_number(f"traditional_{s}")).value = q
        define(self.wb, "PERCENTILE_K", summary.head_span("k", f"traditional_{PERCENTILES[0]}",
                                                          f"traditional_{PERCENTILES[-1]}"))
        for k in range(self.slots):
            for regime in REGIMES:
                self._slot_statistics(ws, summary, k, regime)
        base = self.write("Baseline", {"model": ["Baseline (the mixture; statistics as trim says)",
                                                  "Baseline as the paper prints it (each model's draws trimmed to "
                                                  "P5-P95, then P10-P90, pooled)"]}, header=False)
        for regime in REGIMES:
            self._statistics_row(ws, base, 0, regime, None)
            self._statistics_row(ws, base, 1, regime, None, trimmed=True)
        for regime in REGIMES:
            for s, _ in STATS:
                define(self.wb, f"Baseline_{REGIMES[regime][1]}_{s.capitalize()}_Wh",
                       base.cell(f"{regime}_{s}", 0, sheet=True, absolute=True))
                define(self.wb, f"Baseline_{REGIMES[regime][1]}_Trimmed_{s.capitalize()}_Wh",
                       base.cell(f"{regime}_{s}", 1, sheet=True, absolute=True))
                ws[base.cell(f"{regime}_{s}", 0)].fill = self.styles.result
        define(self.wb, "Baseline_TTS_to_Traditional_Median_Ratio", base.cell("ratio", 0, sheet=True, absolute=True))

    def _slot_statistics(self, ws: Worksheet, table: Table, k: int, regime: str) -> None:
        """A model's six statistics in its Summary row: one multi-cell array formula for the five percentiles and
        one for the mean, of every draw or (trim = paper) of the model's trimmed draws."""
        sheet, slot = REGIMES[regime][0], f"slot_{k + 1}"
        column = f"{{all.{sheet}.{slot}}}"
        kept = (f"IF(({column}>={{headof.{sheet}.{slot}.trim_lo2}})*({column}<={{headof.{sheet}.{slot}.trim_hi2}}),"
                f"{column})")
        first, last = (table.column_number(f"{regime}_{s}") for s in (PERCENTILES[0], PERCENTILES[-1]))
        for pattern, start, end in (
                ("PERCENTILE.INC({values},{{n.PERCENTILE_K}})", first, last),
                ("AVERAGE({values})", table.column_number(f"{regime}_mean"), None)):
            of = pattern.format
            formula = (f'=IF({{model}}="","",IF({{p.trim}}="paper",{of(values=kept)},{of(values=column)}))')
            render = self.grid.compile(formula, table, table.column(f"{regime}_{PERCENTILES[0]}"))
            write_formula(ws, table.row(k), start, render(k), array=True, span_to=end)
            for c in range(start, (end or start) + 1):
                ws.cell(table.row(k), c).number_format = WH

    def _interventions(self) -> None:
        ws = self.sheets["Interventions"]
        table = self.grid.table("Levers")
        self.write("Levers", {"lever": [label for _, label, _ in LEVERS]})
        for key, _, alpha in LEVERS:
            lever = alpha.removeprefix("alpha_") if alpha else None
            if lever in api.ALPHA_LEVERS:
                for end in ("p5", "p95"):
                    column = table.column(f"alpha_{end}")
                    render = self.grid.compile(f"={{p.alpha_{lever}_{end}}}", table, column)
                    write_formula(ws, table.row(key), table.column_number(column.name), render(0))
            for regime in REGIMES:
                self._statistics_row(ws, table, key, regime, _lever_alpha(regime, key, alpha))
        note = ("Each lever divides every query's energy by its own log-normal alpha (P5-P95 above). 'All three "
                "combined' multiplies the model, serving and hardware alphas: InferWatt's reading of the paper's "
                "8-20x for combined levers (Sec. 3), not a scenario the paper defines.")
        put_text(ws, table.last_row + 2, 1, note).font = self.styles.note

    def _statistics_row(self, ws: Worksheet, table: Table, row: int | str, regime: str, alpha: str | None,
                        trimmed: bool = False) -> None:
        """The baseline's six statistics in one row: a multi-cell array formula for the five percentiles
        (evaluating the masked block once) and one for the mean; of every draw or (trim = paper) of the authors'
        trimmed sample, or `trimmed` always."""
        ends = (None if alpha is None or table.key != "Levers" else
                tuple(table.cell(f"{regime}_trim_{end}", row, sheet=False, absolute=True) for end in ("lo", "hi")))

        def formula(stat: str) -> str:
            if not trimmed:
                return statistics_of(regime, alpha, stat, ends)
            values = trimmed_values(regime, alpha)
            return f"=PERCENTILE.INC({values},{{n.PERCENTILE_K}})" if stat == "PERCENTILE" else f"=AVERAGE({values})"

        first, last = (table.column_number(f"{regime}_{s}") for s in (PERCENTILES[0], PERCENTILES[-1]))
        render = self.grid.compile(formula("PERCENTILE"), table, table.column(f"{regime}_{PERCENTILES[0]}"))
        write_formula(ws, table.row(row), first, render(0), array=True, span_to=last)
        mean = table.column(f"{regime}_mean")
        render = self.grid.compile(formula("MEAN"), table, mean)
        write_formula(ws, table.row(row), table.column_number(mean.name), render(0), array=True)
        for column in range(first, table.column_number(mean.name) + 1):
            ws.cell(table.row(row), column).number_format = WH

    def _fleet(self) -> None:
        ws, table = self.sheets["Fleet"], self.grid.table("Fleet")
        self.write("Fleet", {"quantity": [label for label, _, _ in FLEET_ROWS.values()],
                              "name": [name or "" for _, _, name in FLEET_ROWS.values()]})
        for key, (_, formula, name) in FLEET_ROWS.items():
            render = self.grid.compile(formula, table, table.column("value"))
            cell = write_formula(ws, table.row(key), table.column_number("value"), render(0),
                                 array=key in FLEET_ARRAY_ROWS)
            cell.number_format = "#,##0" if key == "queries" else NUM
            if name:
                define(self.wb, name, table.cell("value", key, sheet=True, absolute=True))
                if name.endswith("_GWh_per_day"):
                    cell.fill = self.styles.result

    def _hardware(self) -> None:
        """The engine's hardware comparison, stamped at build: a slot per node would be needed to make it live."""
        ws, rows = self.sheets["Hardware"], self.hardware
        put_text(ws, 2, 1, f"Computed by InferWatt's engine at build ({self.trials:,} trials, seed {self.seed}) from "
                           "the throughput rows on the Benchmarks sheet and the nodes on Inputs (same as inferwatt "
                           "hardware and =IW_HARDWARE()). To see one live, set a model slot's node on Inputs. "
                           "Blackwell rows are FP4, Hopper rows FP8; the paper's own hardware lever is alpha "
                           "1.5-2.5 (Sec. 3 iii).").font = self.styles.note
        self.write("Hardware", _columns_of(rows, self.grid.table("Hardware")))

    def _sensitivity(self) -> None:
        """The engine's sensitivity of the baseline medians, stamped at build, and their tornado charts."""
        ws, st = self.sheets["Sensitivity"], self.styles
        put_text(ws, 2, 1, f"Computed by InferWatt's engine at build ({self.trials:,} trials, seed {self.seed}), as "
                           "inferwatt sensitivity and =IW_SENSITIVITY() do: random inputs held at their P5 and P95 "
                           "(with their share of the variance of log energy and Spearman rank correlation), every "
                           f"numeric assumption swung by {ASSUMPTION_SWING:.0%} either way within its bounds, and "
                           "every choice switched; the same seed in every run. The variance shares are also live "
                           "below the charts; the rank correlations and swings are not: ranking 30,000 pooled draws "
                           "in formulas takes LibreOffice about 38 s per regime.").font = st.note
        ws["A2"].alignment = st.wrap
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(SENSITIVITY_COLUMNS))
        ws.row_dimensions[2].height = 45
        for regime in REGIMES:
            table, result = self.grid.table(f"Sens_{regime}"), self.sensitivity[regime]
            put_text(ws, 4, table.first_col, f"Baseline {REGIMES[regime][1]} median: {result.result:.4g} Wh/query "
                                             "(values as built)").font = st.bold
            rows = result.moving
            if result.still:
                put_text(ws, 5, table.first_col, "No effect over their ranges here (not in the table): "
                                                 + ", ".join(result.still)).font = st.note
            self.write(table.key, {**_columns_of(rows, table),
                                    "change_low": [r.result_low - result.result for r in rows],
                                    "change_high": [r.result_high - result.result for r in rows]})
            if not rows:
                continue
            chart = bar_chart(f"Tornado: baseline {REGIMES[regime][1]} median, change in Wh/query", "Wh/query",
                              log=False)
            chart.type, chart.overlap, chart.height, chart.width = "bar", 100, 12, 18
            top = min(TORNADO_ROWS, table.n_rows) - 1
            for column in ("change_low", "change_high"):
                chart.add_data(self._reference(table, column, last=top, header=True), titles_from_data=True)
            text_categories(chart, self._reference(table, "input", last=top))
            chart.x_axis.scaling.orientation = "maxMin"  # largest swing on top
            chart.x_axis.tickLblPos = "low"  # input names left of the bars, not across them
            ws.add_chart(chart, ws.cell(table.last_row + 3, table.first_col).coordinate)

    def _shares(self) -> None:
        """Variance shares of log energy of the baseline, live from the Sim sheets, beside the engine's."""
        ws, table = self.sheets["Sensitivity"], self.grid.table("Shares")
        put_text(ws, table.header_row - 1, 1, "Shares of the variance of ln(energy per query) of the baseline, "
                                              "live from the Draws and Sim sheets").font = self.styles.bold
        engine = {regime: {r.input: r.variance_share for r in self.sensitivity[regime].rows} for regime in REGIMES}
        self.write("Shares", {"input": [label for label, _ in SHARE_ROWS.values()],
                               **{f"engine_{regime}": [engine[regime].get(name, "") if name else ""
                                                       for _, name in SHARE_ROWS.values()] for regime in REGIMES}})

    def _reproduction(self) -> None:
        ws, table = self.sheets["Reproduction"], self.grid.table("Repro")
        figures, keys = catalogue.paper_figures(), table.rows
        rows = self.repro_rows
        readings = {f"reading_{k}": [rows[figures[key].quantity].readings.get(label) if figures[key].quantity in rows
                                     else None for key in keys] for k, label in enumerate(reproduce.READINGS)}
        put_text(ws, 2, 1, "Each published figure, v1 and v2, beside this workbook's live value, the engine's value "
                           "at build, and the engine under every reading of the paper (inferwatt reproduce); "
                           "paper_v1 / paper_v2 exact draw numpy's legacy stream as the authors' scripts do.").font \
            = self.styles.note
        self.write("Repro", {"quantity": [figures[k].quantity for k in keys], "unit": [figures[k].unit for k in keys],
                              "paper_v1": [figures[k].paper_value for k in keys],
                              "paper_v2": [figures[k].paper_v2_value for k in keys], **readings,
                              "note": [reproduce.KNOWN_DIFFERENCES.get(k, "") for k in keys],
                              "built": [self.built[k] for k in keys], "source": [figures[k].source for k in keys]})
        put_text(ws, table.last_row + 2, 1,
                 f"'engine at build' is InferWatt's Python engine at this workbook's inputs (preset {self.preset}, "
                 f"{self.trials:,} trials, seed {self.seed}): a plain number that previews and readers without a "
                 "calculation engine show. 'live' recalculates from the Inputs; the check says whether the two still "
                 "agree. S.III and S.IV are computed as the reading says (the code's L_out + L_in / 30 and "
                 "0.24 + 0.56 TPS / TPS_max; the v1 text's under text_v1).").font = self.styles.note
        text_code = self.grid.table("TextCode")
        put_text(ws, text_code.header_row - 2, 1, "Where the v1 text and the authors' code differ").font = \
            self.styles.bold
        put_text(ws, text_code.header_row - 1, 1, "Each parameter switched alone from the code's value to the "
                 f"text's, on paper_v2 (HDR, seed 42, {reproduce.HEADLINE_N:,} trials; engine values at build)."
                 ).font = self.styles.note
        self.write("TextCode", {
            "parameter": [t.parameter for t in self.text_code],
            "text_value": ["empty (computed)" if t.text_value is None else t.text_value for t in self.text_code],
            "code_value": [t.code_value for t in self.text_code],
            **{c: [getattr(t, c) for t in self.text_code] for c in (
                "traditional_median_wh", "traditional_change", "tts_median_wh", "tts_change",
                "fleet_improved_gwh_per_day", "fleet_change", "source")}})

    def _live_ref(self, key: str) -> str:
        """The workbook cell (or the template of the defined name) that computes a paper figure."""
        model = catalogue.paper_figures()[key].model
        if model:
            k = [m.name for m in self.models].index(model)
            return self.grid.table("Summary").cell("traditional_median", k, sheet=True, absolute=True)
        return f"{{n.{REPRODUCTION_CELLS[key]}}}"

    def _charts(self) -> None:
        ws, st = self.sheets["Charts"], self.styles
        hist = self.grid.table("Hist")
        lo, hi, bins = self.spec["histogram_min_wh"], self.spec["histogram_max_wh"], self.spec["histogram_bins"]
        edges = [0.0] + [lo * (hi / lo) ** (i / bins) for i in range(bins + 1)] + [1e308]
        labels = [f"< {lo:g}"] + [f"{edges[i]:.3g}-{edges[i + 1]:.3g}" for i in range(1, bins + 1)] + [f">= {hi:g}"]
        self.write("Hist", {"label": labels, "from_wh": edges[:-1], "to_wh": edges[1:]})
        total_row = hist.last_row + 1
        put_text(ws, total_row, 1, "all bins (every draw counted)").font = st.bold
        for regime in REGIMES:
            c = hist.column_number(regime)
            write_formula(ws, total_row, c, f"=SUM({hist.range(regime, sheet=False)})")
            count = self.grid.compile(f"=SUM({baseline_mask(regime)})", hist, hist.column(regime))(0)
            write_formula(ws, total_row + 1, c, count, array=True)
        put_text(ws, total_row + 1, 1, "baseline draws (trials x models)").font = st.bold

        summary, levers, fleet = (self.grid.table(k) for k in ("Summary", "Levers", "Fleet"))
        ref = self._reference

        c1 = bar_chart("Figure 1: energy per query by model, median with P25-P75 (Wh, log scale)", "Wh/query")
        for regime in REGIMES:
            c1.add_data(ref(summary, f"{regime}_median", header=True), titles_from_data=True)
            series = c1.series[-1]
            series.errBars = ErrorBars(errDir="y", errBarType="both", errValType="cust", noEndCap=False,
                                       plus=numbers(ref(summary, f"{regime}_plus")),
                                       minus=numbers(ref(summary, f"{regime}_minus")))
        text_categories(c1, ref(summary, "model"))
        place_on_own_page(ws, c1, 0)

        c2 = bar_chart("Figure 2: baseline and efficiency levers, median (Wh, log scale)", "Wh/query")
        for regime in REGIMES:
            c2.add_data(ref(levers, f"{regime}_median", header=True), titles_from_data=True)
        text_categories(c2, ref(levers, "lever"))
        place_on_own_page(ws, c2, 1)

        c3 = bar_chart("Figure 3: fleet energy (GWh/day)", "GWh/day", log=False)
        c3.add_data(ref(fleet, "value", "fleet_baseline", "fleet_mixed_improved"), titles_from_data=False)
        text_categories(c3, ref(fleet, "quantity", "fleet_baseline", "fleet_mixed_improved"))
        c3.legend = None
        place_on_own_page(ws, c3, 2)

        c4 = bar_chart("Histogram: baseline energy per query (every draw counted)", "queries", log=False)
        c4.x_axis.title = "Wh/query (log-spaced bins; first and last bins catch the tails)"
        for regime in REGIMES:
            c4.add_data(ref(hist, regime, header=True), titles_from_data=True)
        text_categories(c4, ref(hist, "label"))
        c4.y_axis.number_format = "#,##0"
        place_on_own_page(ws, c4, 3)
        put_text(ws, hist.header_row - 1, 1, "Histogram data").font = st.bold  # on the page after the charts

    def _reference(self, table: Table, column: str, first: int | str = 0, last: int | str | None = None,
                   header: bool = False) -> Reference:
        """A chart's reference to rows first..last of a table's column (from its header when asked)."""
        c = table.column_number(column)
        top = table.header_row if header else table.row(first)
        return Reference(self.sheets[table.sheet], min_col=c, max_col=c, min_row=top,
                         max_row=table.row(table.n_rows - 1 if last is None else last))

    def _about(self) -> None:
        ws, st = self.sheets["About"], self.styles
        # the text lines span the table below them
        widths = [c.width or EXCEL_DEFAULT_WIDTH for c in self.grid.table("Key").columns]
        lines = [*self.spec["sheets"]["About"]["lines"], "",
                 f"InferWatt version {__version__}; built under preset {self.preset} with {self.trials:,} trials, "
                 f"seed {self.seed}. Method: "
                 "Oviedo et al. 2025, arXiv 2509.20241. To change the number of trials, rebuild: python build.py "
                 "--trials N --seed S (the seed can also be changed on the Inputs sheet)."]
        for row, line in enumerate(lines, start=3):
            put_text(ws, row, 1, line).alignment = st.wrap
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
            ws.row_dimensions[row].height = 15 * max(1, math.ceil(len(line) / (sum(widths) * 0.9)))
        rows, figures = self.grid.table("Key").rows, catalogue.paper_figures()
        key = self.write("Key", {"quantity": [figures[k].quantity for k in rows],
                                  "unit": [figures[k].unit for k in rows], "built": [self.built[k] for k in rows]})
        put_text(ws, key.header_row - 1, 1, "Key results as built (plain numbers), beside their live values").font \
            = st.bold

    def _finish(self) -> None:
        """Names valid and defined, sheets protected, printing sized; raises if an Excel rule is broken."""
        names = list(self.wb.defined_names)
        check_defined_names(names)
        missing = self.grid.used_names - set(names)  # every name reaches a formula through a template
        if missing:
            raise ExcelRuleError(f"formulas use undefined names: {', '.join(sorted(missing))}")
        for ws in self.wb.worksheets:
            ws.protection.sheet = True  # no password: Review > Unprotect Sheet
            ws.page_setup.orientation = "landscape"
            ws.sheet_properties.pageSetUpPr.fitToPage = True
            ws.page_setup.fitToHeight = 0
            if ws.title in ("Draws", "Deployments", *(s for s, _, _ in REGIMES.values())):
                table = self.grid.table("Deploy" if ws.title == "Deployments" else ws.title)
                ws.print_area = f"A1:{table.letter(table.columns[-1].name)}{table.first_row + BULK_SHEETS_PRINTED_ROWS}"
                ws.print_title_rows = f"{table.header_row}:{table.header_row}"
            if ws.title == "Benchmarks":  # the data a reader checks, not the helper columns or empty rows
                bench = self.grid.table("Bench")
                last = bench.row(len(self.bench_rows.model) - 1)
                ws.print_area = f"A1:{bench.letter('source')}{last}"
                ws.print_title_rows = f"{bench.header_row}:{bench.header_row}"
            ws.page_setup.fitToWidth = (1 if ws.title in ONE_PAGE_WIDE else
                                        max(1, math.ceil(_used_width(ws) / PRINTABLE_WIDTH_CHARS)))


def _lever_alpha(regime: str, key: str, alpha: str | None) -> str | None:
    """The Draws column a lever divides by (the improved scenario has its own for test-time scaling)."""
    return "alpha_improved_tts" if regime == "tts" and key == "improved" else alpha


def _lever_trim_formula(regime: str, row: int, q: float) -> str:
    key, _, alpha = LEVERS[row]
    alpha = _lever_alpha(regime, key, alpha)
    if alpha is None:
        return '=""'
    return f'=IF({{p.trim}}="paper",{lever_trim_end(regime, alpha, q)},"")'


def _rounded(expression: str) -> str:
    """A drawn L_out, rounded to whole tokens when l_out_rounding = nearest (the authors' np.round)."""
    return f'=IF({{p.l_out_rounding}}="nearest",ROUND({expression},0),{expression})'


def _p_max_formula(node: catalogue.Node) -> str:
    """P_max of one of the paper's H100 nodes: the parameter's value when one is given, else data/nodes.csv's."""
    param = catalogue.NODE_POWER_PARAMETERS[node.name]
    return f"=IF(ISNUMBER({input_name(param)}),{input_name(param)},{node.p_max_kw!r})"


def _columns_of(rows: Sequence[object], table: Table) -> dict[str, list[object]]:
    """The values of a table's columns read from the same-named fields of dataclass rows (None as an empty
    cell); columns the rows have no field for are left to the caller."""
    return {c.name: ["" if getattr(r, c.name) is None else getattr(r, c.name) for r in rows]
            for c in table.columns if rows and hasattr(rows[0], c.name)}


def _allowed(p: catalogue.Parameter) -> str:
    choices = WORKBOOK_CHOICES.get(p.name, p.choices)
    return "one of " + ", ".join(choices) if choices else p.allowed


def _sentences(text: str) -> list[str]:
    """Text split after each full stop or semicolon, so a prompt can keep whole sentences."""
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch in ".;" and (i + 1 == len(text) or text[i + 1] == " "):
            out.append(text[start:i + 1].strip())
            start = i + 1
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def _used_width(ws: Worksheet) -> float:
    """Sum of the widths of the columns a sheet uses, in Excel's character units."""
    total = 0.0
    for i in range(1, ws.max_column + 1):
        width = ws.column_dimensions[get_column_letter(i)].width
        total += width if width else EXCEL_DEFAULT_WIDTH
    return total


# Sensitivity sheet columns: name, header with unit, number format, width.
# The last histogram bin has no upper bound (a huge number in the cell): shown in words, not as ###.
OPEN_TOP = '[>=1E+100]"no limit";0.000'
SENSITIVITY_COLUMNS = (
    ("input", "input", None, 34), ("kind", "kind", None, 11), ("low", "low value", "0.####", 12),
    ("high", "high value", "0.####", 12), ("result_low", "median at low (Wh)", WH, 12),
    ("result_high", "median at high (Wh)", WH, 12), ("change_low", "change at low (Wh)", WH, 12),
    ("change_high", "change at high (Wh)", WH, 12), ("swing", "swing (Wh)", WH, 10),
    ("variance_share", "share of Var(ln E)", "0.0%", 10), ("rank_correlation", "rank correlation", "0.00", 10))

# Paper figures the workbook computes: key of data/paper_results.csv -> defined name of the live value
# (figures about one model are found by the model named in paper_results.csv).
REPRODUCTION_CELLS = {
    "llama405b_traditional_median_wh": "", "mixtral_traditional_median_wh": "",
    "baseline_traditional_median_wh": "Baseline_Traditional_Median_Wh",
    "baseline_traditional_p25_wh": "Baseline_Traditional_P25_Wh",
    "baseline_traditional_p75_wh": "Baseline_Traditional_P75_Wh",
    "baseline_tts_median_wh": "Baseline_TTS_Median_Wh", "baseline_tts_p25_wh": "Baseline_TTS_P25_Wh",
    "baseline_tts_p75_wh": "Baseline_TTS_P75_Wh",
    "tts_to_traditional_median_ratio": "Baseline_TTS_to_Traditional_Median_Ratio",
    "beta_util": "Beta_Util", "e_node_sin_kwh_per_day": "E_Node_Sin_kWh_per_day",
    "e_node_uniform_kwh_per_day": "E_Node_Uniform_kWh_per_day", "beta": "Beta",
    "fleet_baseline_gwh_per_day": "Fleet_Baseline_GWh_per_day", "fleet_mixed_gwh_per_day": "Fleet_Mixed_GWh_per_day",
    "fleet_mixed_improved_gwh_per_day": "Fleet_Mixed_Improved_GWh_per_day",
}
KEY_RESULTS = ("baseline_traditional_median_wh", "baseline_traditional_p25_wh", "baseline_traditional_p75_wh",
               "baseline_tts_median_wh", "baseline_tts_p25_wh", "baseline_tts_p75_wh", "beta",
               "fleet_baseline_gwh_per_day", "fleet_mixed_gwh_per_day", "fleet_mixed_improved_gwh_per_day")


# Memory a build holds per trial (openpyxl keeps every cell): measured with /usr/bin/time -v on python build.py
# --trials 2000 and 6000 (maximum resident 448 and 662 MB: 54 kB per trial over about 340 MB).
BUILD_BYTES_PER_TRIAL, BUILD_BASE_BYTES = 54_000, 340e6
EXCEL_MAX_ROWS = 1_048_576


def check_memory_for(trials: int) -> None:
    """Refuse, before any work, a build that this machine cannot hold or that Excel cannot open."""
    rows = EXCEL_MAX_ROWS - 20  # the Sim sheets' head rows above the trials
    try:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not on Linux: only Excel's limit is checked
        available = math.inf
    fits = min(rows, int((0.8 * available - BUILD_BASE_BYTES) / BUILD_BYTES_PER_TRIAL))
    if trials > fits:
        why = (f"Excel's {EXCEL_MAX_ROWS:,} rows" if fits == rows else f"the {available / 1e9:.1f} GB of memory "
               f"free here (about {BUILD_BYTES_PER_TRIAL / 1e3:.0f} kB per trial)")
        raise InputError("trials", trials, f"at most {max(fits, 0):,} for a workbook: {why}")


def build_standalone(path: Path, trials: int | None = None, seed: int | None = None,
                     preset: str | None = None) -> Path:
    """Write the standalone workbook atomically under a preset; trials and seed default to the preset's."""
    params = api.resolve_params({"preset": preset, "n_trials": trials, "seed": seed})
    check_memory_for(params["n_trials"])
    wb = StandaloneWorkbook(params["n_trials"], params["seed"], params["preset"]).build()
    return save_atomically(wb, path)
