"""The reproduction table of SPEC Sec. 2: the paper's figures beside ours, with gaps explained.

Every gap above 10 % is explained by measurement: the table is recomputed under
each alternative choice (sparse-model fit, P_node reading, PUE handling, baseline
membership, seed) and the note gives the ratio each alternative reaches.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from . import api, catalogue
from .sensitivity import sensitivity

GAP_TO_EXPLAIN = 0.10
REPRODUCTION_SEED = 1

# Alternatives to each default choice, re-run to measure what drives a gap.
ALTERNATIVES: dict[str, dict[str, object]] = {
    "sparse_strategy=pooled": {"sparse_strategy": "pooled"},
    "sparse_strategy=per_model": {"sparse_strategy": "per_model"},
    "pnode_reading=p5p95": {"pnode_reading": "p5p95"},
    "pnode_reading=median": {"pnode_reading": "median"},
    "pue_below_one=clip": {"pue_below_one": "clip"},
    "pue_below_one=keep": {"pue_below_one": "keep"},
    "tps_beyond_range=cap": {"tps_beyond_range": "cap"},
}
WITHOUT_DEEPSEEK = "baseline without DeepSeek-R1"
HELD_TPS_KEYS = ("baseline_tts_median_wh",)
OTHER_SEEDS = (2, 3, 4, 5, 6)


@dataclass(frozen=True)
class Choices:
    """One set of method choices under which every quantity of the table is computed."""

    overrides: tuple[tuple[str, object], ...] = ()
    baseline: tuple[str, ...] | None = None
    seed: int = REPRODUCTION_SEED


@cache
def _sim(choices: Choices, model: str, regime: str, lever: str | None = None,
         extra: tuple[tuple[str, object], ...] = ()) -> api.SimulationResult:
    models = choices.baseline if model == "baseline" and choices.baseline else model
    return api.simulate(models, regime, seed=choices.seed, lever=lever, **dict(choices.overrides), **dict(extra))


# The paper's fleet scenarios (Sec. 4): key, test-time-scaling share (none, or the declared default of
# 10 %), improved alpha; the volume is the declared default of 1 billion queries per day.
FLEET_SCENARIOS = (("fleet_baseline_gwh_per_day", False, False), ("fleet_mixed_gwh_per_day", True, False),
                   ("fleet_mixed_improved_gwh_per_day", True, True))


@cache
def _fleet(choices: Choices, mixed: bool, improved: bool) -> float:
    model = choices.baseline or "baseline"
    share = None if mixed else 0.0
    return api.fleet(None, share, improved, model=model, seed=choices.seed, **dict(choices.overrides)).gwh_per_day


def quantities(choices: Choices) -> dict[str, float]:
    """Every reproduced quantity, by the keys of data/paper_results.csv."""
    def median(model: str, regime: str, **extra: object) -> float:
        return _sim(choices, model, regime, extra=tuple(sorted(extra.items()))).stats["median"]

    def stat(model: str, regime: str, name: str) -> float:
        return _sim(choices, model, regime).stats[name]

    beta = api.beta(**dict(choices.overrides))
    fleet = {key: _fleet(choices, mixed, improved) for key, mixed, improved in FLEET_SCENARIOS}
    return {
        **{key: median(figure.model, "traditional") for key, figure in catalogue.paper_figures().items()
           if figure.model and key.endswith("_traditional_median_wh")},
        "baseline_traditional_median_wh": median("baseline", "traditional"),
        "baseline_traditional_p25_wh": stat("baseline", "traditional", "p25"),
        "baseline_traditional_p75_wh": stat("baseline", "traditional", "p75"),
        "baseline_tts_median_wh": median("baseline", "tts"),
        "baseline_tts_p25_wh": stat("baseline", "tts", "p25"),
        "baseline_tts_p75_wh": stat("baseline", "tts", "p75"),
        "tts_to_traditional_median_ratio": median("baseline", "tts") / median("baseline", "traditional"),
        "beta_util": beta.beta_util,
        "e_node_sin_kwh_per_day": beta.e_node_sin_kwh_per_day,
        "e_node_uniform_kwh_per_day": beta.e_node_uniform_kwh_per_day,
        "beta": beta.beta,
        **fleet,
        "s3_traditional_lin500_change": median("baseline", "traditional", l_eff="in_plus_out")
        / median("baseline", "traditional") - 1,
        "s3_tts_lin500_change": median("baseline", "tts", l_eff="in_plus_out") / median("baseline", "tts") - 1,
        "s4_traditional_change": median("baseline", "traditional", pnode_model="linear_tps")
        / median("baseline", "traditional") - 1,
        "s4_tts_change": median("baseline", "tts", pnode_model="linear_tps") / median("baseline", "tts") - 1,
    }


# External estimates the paper compares with (Sec. 2-4); ours is the model's median.
COMPARISONS = (
    ("ML.ENERGY leaderboard, Llama 3.1 405B (FP8-equivalent)", 0.548, "Llama 3.1 405B"),
    ("ML.ENERGY leaderboard, Mixtral 8x22B", 0.092, "Mixtral 8x22B"),
    ("AI Energy Score, Llama 3.1 70B (FP8-equivalent)", 0.86, "Llama 3.1 70B"),
    ("IEA, Mixtral 8x22B", 1.25, "Mixtral 8x22B"),
    ("IEA, DeepSeek-R1", 2.25, "DeepSeek-R1"),
    ("Web search (Google 2009)", 0.3, "baseline"),
)


@dataclass(frozen=True)
class Row:
    """One line of the reproduction table."""

    quantity: str
    unit: str
    paper: float
    ours: float
    ratio: float
    note: str


def _ratio(ours: float, paper: float) -> float:
    return ours / paper if paper else float("nan")


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def reproduction_table() -> list[Row]:
    """The table: each paper figure, ours with the default choices, the ratio and the explanation."""
    default = quantities(Choices())
    alternatives: dict[str, dict[str, float]] = {
        label: quantities(Choices(tuple(sorted(o.items())))) for label, o in ALTERNATIVES.items()}
    without = tuple(m for m in catalogue.baseline_models() if m != "DeepSeek-R1")
    alternatives[WITHOUT_DEEPSEEK] = quantities(Choices(baseline=without))
    seeds = [quantities(Choices(seed=s)) for s in OTHER_SEEDS]
    causes = _causes()

    rows = []
    for key, figure in catalogue.paper_figures().items():
        ours = default[key]
        ratio = _ratio(ours, figure.paper_value)
        note = f"source: {figure.source}"
        if abs(ratio - 1) > GAP_TO_EXPLAIN:
            seed_ratios = [_ratio(q[key], figure.paper_value) for q in seeds]
            measured = "; ".join(f"{label}: {_fmt(_ratio(q[key], figure.paper_value))}"
                                 for label, q in alternatives.items())
            best = min(alternatives, key=lambda k: abs(_ratio(alternatives[k][key], figure.paper_value) - 1))
            note = (f"gap {ratio - 1:+.0%}. {causes.get(key, causes['default'])} Ratio under each alternative "
                    f"({measured}); seeds {OTHER_SEEDS[0]}-{OTHER_SEEDS[-1]}: {_fmt(min(seed_ratios))}-"
                    f"{_fmt(max(seed_ratios))}. Closest: {best}. {note}")
        if key in HELD_TPS_KEYS:  # the paper's text on TPS past the training range, and its effect measured
            capped = alternatives["tps_beyond_range=cap"][key]
            note = (f"TPS is held past the longest benchmarked output (the paper's Sec. 2 text); capped only, "
                    f"ours would be {_fmt(capped)} ({ours / capped - 1:+.1%} from holding). {note}")
        rows.append(Row(figure.quantity, figure.unit, figure.paper_value, ours, ratio, note))
    rows += hardware_rows()
    for label, value, model in COMPARISONS:
        ours = _sim(Choices(), model, "traditional").stats["median"]
        rows.append(Row(f"Comparison: {label}", "Wh/query", value, ours, _ratio(ours, value),
                        f"external estimate the paper compares with (Sec. 2-3); ours is the {model} traditional "
                        "median; not expected to match"))
    return rows


# The paper's hardware lever (Sec. 3 iii): alpha 1.5-2.5 at P5-P95, whose geometric middle is the reference.
PAPER_HARDWARE_ALPHA = (1.5, 2.5)
HARDWARE_MODEL = "Llama 3.1 405B"  # the model of the MLPerf comparison the paper cites (2.8-3.4x TPS per GPU)


def hardware_rows() -> list[Row]:
    """The measured hardware lever beside the paper's assumed one, for Llama 3.1 405B on each newer node."""
    middle = (PAPER_HARDWARE_ALPHA[0] * PAPER_HARDWARE_ALPHA[1]) ** 0.5
    rows = []
    for r in api.hardware(HARDWARE_MODEL, seed=REPRODUCTION_SEED):
        if r.node == r.h100_node or r.alpha_vs_h100_traditional is None:
            continue
        rows.append(Row(
            f"Hardware: {r.model}, {r.node} ({r.precision}) vs {r.h100_node}, energy per query divided by", "x",
            middle, r.alpha_vs_h100_traditional, _ratio(r.alpha_vs_h100_traditional, middle),
            f"measured from NVIDIA TensorRT-LLM throughput tables (data/tps_benchmarks_trtllm.csv): traditional "
            f"median {r.alpha_vs_h100_traditional:.2f}x, test-time scaling {r.alpha_vs_h100_tts:.2f}x, TPS per GPU "
            f"{r.tps_per_gpu_vs_h100:.2f}x. Paper: alpha_hardware {PAPER_HARDWARE_ALPHA[0]}-"
            f"{PAPER_HARDWARE_ALPHA[1]} (Sec. 3 iii; 'paper' here is its geometric middle), and it cites MLPerf "
            "Inference v5.0: 2.8-3.4x TPS per GPU for B200 over H100 on Llama 3.1 405B. Node power from vendor "
            "data (data/nodes.csv); Blackwell rows are FP4, Hopper rows FP8."))
    return rows


def _causes() -> dict[str, str]:
    """Measured causes of the gaps, in words, with the numbers behind them."""
    trad = _sim(Choices(), "baseline", "traditional")
    tts = _sim(Choices(), "baseline", "tts")
    per_model = {m: float(np.median(e)) for m, e in trad.energy_by_model_wh.items()}
    fit = api.throughput_fits()[("DeepSeek-R1", catalogue.models()["DeepSeek-R1"].node)]
    node = catalogue.nodes()[catalogue.models()["DeepSeek-R1"].node]
    params = api.resolve_params()
    pue_median = api.default_configuration()["pue"]
    l_out = params["l_out_median_traditional_tokens"]
    floor = api.energy_wh("DeepSeek-R1", l_out, params["util_median"], pue_median, tps_tokens_per_s=fit.tps_max)
    s3 = _sim(Choices(), "baseline", "traditional", extra=(("l_eff", "in_plus_out"),))
    token_ratio = {regime: float(np.median(sim.draws["l_out_tokens"] + sim.params["l_in_tokens"])
                                 / np.median(sim.draws["l_out_tokens"]))
                   for regime, sim in (("traditional", s3), ("tts", tts))}
    anchors = ("We anchor P_idle and 0.9 P_max at each model's lowest and highest sampled TPS (the paper does not "
               "say where); with exponential L_out the lowest TPS belongs to queries of a few tokens, so most "
               "traditional queries sit well below 0.9 P_max while long test-time-scaling queries sit at the plateau.")
    medians = ", ".join(f"{m} {v:.3f}" for m, v in per_model.items())
    llama = catalogue.models()["Llama 3.1 405B"]
    llama_tps = api.tps(llama.name, params["l_in_tokens"], l_out)
    deepseek_tps = api.tps("DeepSeek-R1", params["l_in_tokens"], l_out)
    power_ratio = node.p_max_kw / catalogue.nodes()[llama.node].p_max_kw
    deepseek = (f"Per-model traditional medians (Wh): {medians}. DeepSeek-R1's benchmark data lift the baseline, "
                f"not its number of rows: at {l_out:.0f} output tokens its throughput is "
                f"{deepseek_tps / llama_tps:.2f}x Llama 3.1 405B's on {power_ratio:.2f}x the power ({node.p_max_kw} "
                f"kW), and even at its plateau of {fit.tps_max:.0f} tokens/s a {l_out:.0f}-token query at "
                f"{params['util_median']} P_max and PUE {pue_median:.2f} costs {floor:.2f} Wh (Eq. 1 at TPS_max). "
                "No sparse-model fit changes that; removing DeepSeek-R1 from the mixture does.")
    tts_tail = (f"The test-time-scaling spread comes from the same mixture: DeepSeek-R1's TTS median is "
                f"{np.median(tts.energy_by_model_wh['DeepSeek-R1']):.2f} Wh, widening the IQR.")
    return {
        "default": deepseek,
        "baseline_tts_p25_wh": tts_tail, "baseline_tts_p75_wh": tts_tail,
        "s4_traditional_change": anchors,
        "s4_tts_change": anchors,
        "s3_tts_lin500_change": "Adding 500 input tokens to a 5,000-token median raises L_eff "
        f"{token_ratio['tts']:.2f}x and Eq. 1 is linear in L_eff, so about +10 % follows from the arithmetic; "
        "the paper's ~1 % implies input "
        "tokens weighted less than output tokens (it does not say how).",
        "tts_to_traditional_median_ratio": "The ratio's denominator is the baseline traditional median, raised by "
        f"DeepSeek-R1 (traditional median {per_model['DeepSeek-R1']:.2f} Wh, see the baseline row).",
        "s3_traditional_lin500_change": "With L_eff = L_in + L_out the median tokens per query rise "
        f"{token_ratio['traditional']:.2f}x (500 + 300 against 300), and Eq. 1 is linear in L_eff: a ~10 % change "
        "cannot follow from Eq. 1 with TPS in "
        "output tokens/s; the paper's S.III must weigh input tokens differently (it does not say how).",
    }


# ---------------------------------------------------------------- output


def to_markdown(rows: list[Row]) -> str:
    """The table as GitHub Markdown."""
    lines = ["| quantity | unit | paper | ours | ratio | note |", "|---|---|---|---|---|---|"]
    for r in rows:
        note = r.note.replace("|", "/")
        lines.append(f"| {r.quantity} | {r.unit} | {_fmt(r.paper)} | {_fmt(r.ours)} | {r.ratio:.2f} | {note} |")
    return "\n".join(lines) + "\n"


def to_csv(rows: list[Row]) -> str:
    """The table as CSV with the JSON keys as header."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["quantity", "unit", "paper", "ours", "ratio", "note"])
    for r in rows:
        writer.writerow([r.quantity, r.unit, r.paper, r.ours, r.ratio, r.note])
    return out.getvalue()


def write_outputs(rows: list[Row], out_dir: Path) -> list[Path]:
    """Markdown, CSV and the paper's three figures redrawn from our numbers."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (("reproduction.md", to_markdown(rows)), ("reproduction.csv", to_csv(rows))):
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    for name, draw in (("figure1_models.png", _figure1), ("figure2_interventions.png", _figure2),
                       ("figure3_fleet.png", _figure3)):
        written.append(_save_figure(out_dir / name, draw))
    tables = [sensitivity("baseline", regime, seed=REPRODUCTION_SEED) for regime in api.REGIMES]
    written.append(write_tornado(tables, out_dir / "tornado_baseline_medians.png"))
    written.append(write_fleet_costs(fleet_scenarios(), out_dir / "fleet_cost_carbon.png"))
    return written


FLEET_LABELS = ("all traditional", "10 % test-time scaling", "10 % TTS, improved")


def fleet_scenarios(queries_per_day: float | None = None, tts_share: float | None = None, n: int | None = None,
                    seed: api.Seed = REPRODUCTION_SEED, **options: object) -> list:
    """The paper's three fleet scenarios (Sec. 4) as capacity results: all traditional, the mix, the mix
    improved (the mix's share is the paper's 10 % unless given)."""
    from .impacts import capacity

    return [capacity(queries_per_day, 0.0 if not mixed else tts_share, improved, n=n, seed=seed, **options)
            for _, mixed, improved in FLEET_SCENARIOS]


def write_fleet_costs(results: list, path: Path) -> Path:
    """Cost and carbon per day of fleet scenarios, the point estimate with its two-level P5-P95 bars."""
    labels = [label if r.tts_share in (0.0, 0.1) else label.replace("10 %", f"{r.tts_share:.0%}")
              for label, r in zip(FLEET_LABELS, results, strict=True)]

    def draw(axes) -> None:
        for ax, (column, unit, color) in zip(axes, (("cost_usd_per_day", "USD/day", "#4C72B0"),
                                                    ("carbon_t_per_day", "tCO2e/day", "#55A868")), strict=True):
            values = np.array([getattr(r, column) for r in results])
            low = values - [r.spread[column]["p5"] for r in results]
            high = np.array([r.spread[column]["p95"] for r in results]) - values
            x = np.arange(len(results))
            ax.bar(x, values, color=color, alpha=0.85)
            ax.errorbar(x, values, yerr=[low, high], fmt="none", ecolor="black", capsize=6,
                        label="P5-P95 over deployments (two-level)")
            for xi, v in zip(x, values, strict=True):
                ax.annotate(f"{v:,.0f}", (xi, v), ha="center", textcoords="offset points", xytext=(14, 3),
                            fontsize=8)
            ax.set_xticks(x, labels, fontsize=8)
            ax.set_ylabel(unit)
            ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
            ax.set_title(f"{unit.split('/')[0]} per day, {results[0].queries_per_day:,.0f} queries/day, "
                         f"region {results[0].region}", fontsize=10)
            ax.legend(fontsize=7)

    return _save_figure(path, draw)


TORNADO_ROWS = 12


def draw_tornado(ax, table) -> None:
    """A tornado chart of a sensitivity table: each input's result at its low and high value."""
    rows = [r for r in table.rows if r.swing > 0][:TORNADO_ROWS][::-1]
    def value(v: object) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    labels = [f"{r.input} ({value(r.low)} / {value(r.high)})" if r.kind != "random" else r.input for r in rows]
    labels = [label if len(label) <= 60 else label[:57] + "..." for label in labels]
    y = np.arange(len(rows))
    for values, color, name in (([r.result_low for r in rows], "#4472C4", "input low"),
                                ([r.result_high for r in rows], "#ED7D31", "input high")):
        ax.barh(y, np.array(values) - table.result, left=table.result, color=color, label=name, height=0.6)
    ax.axvline(table.result, color="black", linewidth=0.8)
    ax.set_yticks(y, labels, fontsize=7)
    model = table.model if isinstance(table.model, str) else "baseline mixture"
    ax.set_title(f"{model}, {table.regime}: {table.target} {table.unit} = {table.result:.3g}", fontsize=9)
    ax.set_xlabel(f"{table.target} ({table.unit})")
    ax.legend(fontsize=7, loc="lower right")


def write_tornado(tables: list, path: Path) -> Path:
    """Tornado charts side by side, as one PNG."""
    return _save_figure(path, lambda axes: [draw_tornado(ax, t) for ax, t in zip(axes, tables, strict=True)],
                        panels=len(tables))


def _save_figure(path: Path, draw: Callable, panels: int = 2) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, panels, figsize=(6 * panels + 2, 5), squeeze=False)
    draw(list(axes[0]))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _bars(ax, labels: list[str], results: list[api.SimulationResult], title: str) -> None:
    """Median bars with IQR error bars and P5-P95 whiskers, log scale (as the paper's figures)."""
    stats = [r.stats for r in results]
    x = np.arange(len(labels))
    med = np.array([s["median"] for s in stats])
    ax.bar(x, med, color="#4C72B0", alpha=0.8, label="median")
    ax.errorbar(x, med, yerr=[med - [s["p25"] for s in stats], [s["p75"] for s in stats] - med], fmt="none",
                ecolor="black", capsize=6, label="IQR (P25-P75)")
    ax.errorbar(x, med, yerr=[med - [s["p5"] for s in stats], [s["p95"] for s in stats] - med], fmt="none",
                ecolor="grey", capsize=3, alpha=0.6, label="P5-P95")
    for xi, m in zip(x, med, strict=True):
        ax.annotate(f"{m:.2f}", (xi, m), textcoords="offset points", xytext=(8, 4), fontsize=8)
    ax.set_xticks(x, labels, rotation=20, ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("energy per query (Wh)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7)


def _figure1(axes) -> None:
    names = list(catalogue.models())
    for ax, regime, title in zip(axes, api.REGIMES, ("a) traditional (median 300 output tokens)",
                                                     "b) test-time scaling (median 5,000 output tokens)"), strict=True):
        _bars(ax, names, [_sim(Choices(), m, regime) for m in names], title)


def _figure2(axes) -> None:
    levers = [None, "model", "serving", "hardware", "combined"]
    labels = ["baseline", "model 1.5-10x", "serving 1.5-5x", "hardware 1.5-2.5x", "all three combined"]
    for ax, regime in zip(axes, api.REGIMES, strict=True):
        _bars(ax, labels, [_sim(Choices(), "baseline", regime, lv) for lv in levers],
              f"Baseline (>200B) and efficiency levers, {regime}")


def _figure3(axes) -> None:
    base, mixed, mixed_improved = (_fleet(Choices(), mix, imp) for _, mix, imp in FLEET_SCENARIOS)
    panels = (("a) 1 B traditional queries/day", ["baseline", "improved (alpha 1.5-3)"],
               [base, _fleet(Choices(), False, True)]),
              ("b) 1 B queries/day with 10 % test-time scaling", ["traditional", "10 % TTS", "10 % TTS, improved"],
               [base, mixed, mixed_improved]))
    for ax, (title, labels, values) in zip(axes, panels, strict=True):
        ax.bar(labels, values, color=["#4C72B0", "#55A868", "#C44E52"][: len(values)])
        ax.axhline(0.3, color="grey", linestyle="--", label="1 B web searches (0.3 Wh each)")
        for i, v in enumerate(values):
            ax.annotate(f"{v:.2f}", (i, v), ha="center", textcoords="offset points", xytext=(0, 3))
        ax.set_ylabel("energy (GWh/day, including beta)")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7)
