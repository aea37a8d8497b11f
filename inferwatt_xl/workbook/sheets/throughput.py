"""Benchmarks and Fit: the throughput rows a user can edit, and each model slot's log-linear fit of them."""

from __future__ import annotations

from openpyxl.styles import Protection

from ... import catalogue
from ...method.throughput import ROWS_FOR_OWN_OLS
from ..book import Book
from ..built import EngineValues
from ..formulas import truthy
from ..grid import Column, Table

NUM = "0.0000"
BENCHMARK_ROWS_TO_ADD = 50  # empty rows below the shipped ones, however many ship
BENCH_INPUTS = ("model", "node", "precision", "input_tokens", "output_tokens", "tps_tokens_per_s", "source")


def declare(book: Book, values: EngineValues) -> None:
    g, slots, n_bench = book.grid, book.spec["model_slots"], len(values.benchmarks.model)
    capacity = max(book.spec["benchmark_capacity"], n_bench + BENCHMARK_ROWS_TO_ADD)
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

def write(book: Book, values: EngineValues) -> None:
    ws, st = book.sheets["Benchmarks"], book.styles
    b, models = values.benchmarks, catalogue.models()
    book.note("Benchmarks", "Edit or append rows in the yellow columns; the helper columns (logs, and deviations "
                            "from each model's mean for the least-squares fit) follow.")
    table = book.write("Bench", {"model": list(b.model), "node": list(b.nodes()),
                                 "precision": list(b.precision) or [models[m].precision for m in b.model],
                                 "input_tokens": [float(x) for x in b.input_tokens],
                                 "output_tokens": [float(x) for x in b.output_tokens],
                                 "tps_tokens_per_s": [float(x) for x in b.tps_tokens_per_s],
                                 "source": list(b.source)})
    for i in range(table.n_rows):
        for column in BENCH_INPUTS:
            cell = ws[table.cell(column, i)]
            cell.protection, cell.fill = Protection(locked=False), st.input
    book.print_rows("Bench", table.row(len(b.model) - 1), "source")  # the data a reader checks, not the helpers
    book.note("Fit", "Shared slopes: least squares on deviations from the mean of each model on its node (a fixed-"
                     "effects fit), over the rows flagged in_shared_fit on Benchmarks whose node has this slot's GPU")
    book.write("Fit")
