"""A model's throughput fit on a node as spreadsheet columns: the Fit sheet's, and each scenario's own copy
(a scenario may serve a model on another node)."""

from __future__ import annotations

from ..method.throughput import ROWS_FOR_OWN_OLS
from .grid import Column

NUM = "0.0000"
# Benchmark rows are grouped by (model, node); a sparse group borrows the slopes of the rich groups on the same
# GPU type (the engine's rule), so each Bench row carries its node's GPU.
SAME_GROUP = "({all.Bench.model}={model})*({all.Bench.node}={node})"


def fit_columns(model: str, node: str, in_baseline: str) -> list[Column]:
    """The columns of one (model, node) fit per row, from the formulas of the row's model, node and baseline
    flag (the Fit sheet reads the Inputs' model slots; a scenario its own nodes)."""
    same_group = SAME_GROUP

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
    return [
        Column("model", "model", model, width=30),
        Column("node", "node", node),
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
        Column("in_baseline", "in baseline", in_baseline),
        Column("method", "method", '=IF({model}="","",IF({own_fit},"own OLS",IF({constant_tps},"largest '
                                   'observed TPS (fewer than 3 rows)",IF({p.sparse_strategy}="pooled","pooled '
                                   'slopes","slopes of the data-rich models, own intercept"))))', width=44),
        Column("status", "status", '=IF({model}="","empty slot",IF(ISNA(MATCH({node},{all.Node.name},0)),'
                                   '"unknown node",IF({benchmark_rows}=0,"no benchmark rows for this model on '
                                   'this node",IF(ISNUMBER({b1_ln_input}),"ok","no data-rich model on this GPU '
                                   'to borrow slopes from"))))', width=34)]
