"""The report's figures as PNG (matplotlib): energy per query by model and lever, fleet energy, fleet cost and
carbon with their spread, tornado charts of a sensitivity table. The reproduction report and the command line
draw with these; the workbook draws its own native charts (workbook/charts.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import api
from .files import write_atomically

FLEET_LABELS = ("all traditional", "10 % test-time scaling", "10 % TTS, improved")


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

    return save_figure(path, draw)


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
    return save_figure(path, lambda axes: [draw_tornado(ax, t) for ax, t in zip(axes, tables, strict=True)],
                        panels=len(tables))


SCENARIO_PANELS = (("gwh_per_day", "#4C72B0"), ("nodes", "#8172B2"), ("cost_usd_per_day", "#DD8452"),
                   ("carbon_t_per_day", "#55A868"))


def write_scenarios(frame, path: Path, words: dict[str, str]) -> Path:
    """A comparison's energy, nodes, cost and carbon per day, one bar per scenario with its P5-P95 over
    deployments, the reference's value as a line (the frame of scenarios.compare; `words` names each quantity)."""
    names = list(dict.fromkeys(frame.scenario))

    def draw(axes) -> None:
        for ax, (quantity, color) in zip(axes, SCENARIO_PANELS, strict=True):
            rows = frame[frame.quantity == quantity].set_index("scenario").loc[names]
            y = np.arange(len(names))[::-1]
            ax.barh(y, rows.value, color=color, alpha=0.85, height=0.6)
            spread = rows.p5.notna().to_numpy()
            if spread.any():
                ax.errorbar(rows.value[spread], y[spread], xerr=[(rows.value - rows.p5)[spread],
                                                                   (rows.p95 - rows.value)[spread]],
                            fmt="none", ecolor="black", capsize=4, label="P5-P95 over deployments")
                ax.legend(fontsize=7, loc="lower right")
            ax.axvline(rows.value.iloc[0], color="black", linewidth=0.8, linestyle=":")
            ax.set_yticks(y, [n if len(n) <= 32 else n[:29] + "..." for n in names], fontsize=8)
            ax.set_xlabel(rows.unit.iloc[0])
            ax.xaxis.set_major_formatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 10 else f"{v:.3g}")
            ax.set_title(f"{words[quantity]} (dotted: the reference)", fontsize=10)

    return save_figure(path, draw, panels=4, columns=2)


def save_figure(path: Path, draw: Callable, panels: int = 2, columns: int | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = columns or panels
    rows = -(-panels // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(6 * columns + 2, 5 * rows), squeeze=False)
    draw(list(axes.flat))
    fig.tight_layout()
    try:
        return write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    finally:
        plt.close(fig)


def bars(ax, labels: list[str], results: list[api.SimulationResult], title: str) -> None:
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


def fleet_energy(axes, panels) -> None:
    """Fleet GWh/day bars per panel (title, labels, values), beside 1 B web searches at 0.3 Wh each."""
    for ax, (title, labels, values) in zip(axes, panels, strict=True):
        ax.bar(labels, values, color=["#4C72B0", "#55A868", "#C44E52"][: len(values)])
        ax.axhline(0.3, color="grey", linestyle="--", label="1 B web searches (0.3 Wh each)")
        for i, v in enumerate(values):
            ax.annotate(f"{v:.2f}", (i, v), ha="center", textcoords="offset points", xytext=(0, 3))
        ax.set_ylabel("energy (GWh/day, including beta)")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7)
