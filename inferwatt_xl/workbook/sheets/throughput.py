"""Benchmarks and Fit: the throughput rows a user can edit, and each model slot's log-linear fit of them."""

from __future__ import annotations

from openpyxl.styles import Protection

from ... import catalogue
from ..book import Book
from ..built import EngineValues
from ..fitting import fit_columns
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

    g.add(Table("Fit", "Fit", fit_columns('=IF({Model.name}="","",{Model.name})', '=IF({model}="","",{Model.node})',
                                          '=AND({model}<>"",' + truthy("{Model.in_baseline}") + ")"), 4, slots))


def write(book: Book, values: EngineValues) -> None:
    ws, st = book.sheets["Benchmarks"], book.styles
    b, models = values.benchmarks, catalogue.workbook_models()
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
