"""The `inferwatt` command line: thin argparse faces over the API, each with --json."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from . import __version__, api, catalogue, estimates
from .errors import InferWattError, InputError
from .method.calibration import TEXT_SEPARATOR

INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C
TERMINATED = 143  # ... and by SIGTERM (128 + 15)
BROKEN_PIPE = 141  # ... and when the reader of its output goes away (128 + SIGPIPE 13)
LEVER_HELP = ("a lever dividing every query's energy: " + ", ".join(api.LEVERS) + " (combined is InferWatt's own: "
              "the product of model, serving and hardware; the paper does not define it)")


class Terminated(Exception):
    """SIGTERM, raised where the process is so that every write in progress removes its temporary files."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def _print(data: object, as_json: bool, text: str) -> None:
    """Text, or strict JSON: a NaN or infinity is a bug, never printed (the API raises first)."""
    print(json.dumps(data, indent=2, allow_nan=False) if as_json else text)


def _stats_text(result: api.SimulationResult) -> str:
    s = result.stats
    models = ", ".join(result.models)
    lines = [f"{models} | {result.regime} | n={result.n} seed={result.seed}" +
             (f" lever={result.lever}" if result.lever else "")]
    lines += [f"  {k:>6}: {s[k]:.4f} Wh/query" for k in api.STATISTICS]
    lines += [f"  calibrated to measurements: {m} on {result.nodes[m]}" for m in result.calibrated]
    lines += _caveat_lines({f"{m} on {result.nodes[m]}": cs for m, cs in result.caveats.items()})
    return "\n".join(lines)


def _nodes(values: list[str] | None) -> str | dict[str, str] | None:
    """--node NODE (every model) or --node MODEL=NODE, repeatable (each model its own)."""
    if not values:
        return None
    if len(values) == 1 and "=" not in values[0]:
        return values[0]
    pairs = [v.split("=", 1) for v in values]
    if any(len(p) != 2 for p in pairs):
        raise InputError("--node", values, "one NODE, or MODEL=NODE pairs")
    return {model.strip(): node.strip() for model, node in pairs}


def _declare_users_data(a: argparse.Namespace) -> None:
    """--models and --benchmarks of any subcommand that computes: the user's models and rows join the catalogue
    for this run (the preset's own H100 rows, then the user's, fitted together)."""
    if getattr(a, "models", None):
        catalogue.read_models_file(a.models)
    if getattr(a, "benchmarks", None):
        catalogue.register_benchmarks(catalogue.read_benchmarks_file(a.benchmarks))


def _overrides(a: argparse.Namespace) -> dict[str, object]:
    """--preset, --rng, --trim and --set NAME=VALUE of any subcommand that computes: one route to the parameters."""
    _declare_users_data(a)
    overrides: dict[str, object] = {}
    for pair in getattr(a, "set", None) or ():
        name, sep, value = pair.partition("=")
        if not sep:
            raise InputError("--set", pair, "NAME=VALUE with NAME a parameter (inferwatt params lists them)")
        if name.strip() in overrides:  # the last one would silently win
            raise InputError("--set", pair, f"each parameter once ({name.strip()} is set twice)")
        overrides[name.strip()] = catalogue.number_or_text(value.strip())
    named = {name: getattr(a, name, None) for name in ("preset", "rng", "trim", "seed")}
    if getattr(a, "n", None) is not None:  # a flag of its own wins over the same parameter in --set
        named["n_trials"] = api.check_n(a.n)
    out = {**overrides, **{k: v for k, v in named.items() if v is not None}}
    if getattr(a, "calibration", None):  # the posteriors of the file's measurements, beside any --set calibration=
        from . import calibration

        settings = {k: v for k, v in out.items() if k not in ("calibration", "n_trials", "seed")}
        calibrated = calibration.calibration_text(calibration.calibrate_all(a.calibration, headline=False,
                                                                            **settings))
        out["calibration"] = TEXT_SEPARATOR.join(t for t in (str(out.get("calibration") or ""), calibrated) if t)
    return out


def cmd_simulate(a: argparse.Namespace) -> None:
    overrides = {k: v for k, v in (("l_in_tokens", a.lin), ("pnode_reading", a.pnode_reading),
                                   ("pue_below_one", a.pue_below_one), ("sparse_strategy", a.sparse_strategy),
                                   ("l_eff", a.l_eff), ("pnode_model", a.pnode_model)) if v is not None}
    overrides = {**_overrides(a), **overrides}
    result = api.simulate(a.model, a.regime, lever=a.lever, l_out_median_tokens=a.lout_median,
                          node=_nodes(a.node), **overrides)
    _print(result.to_dict(), a.json, _stats_text(result))


def cmd_tps(a: argparse.Namespace) -> None:
    value = api.tps(a.model, a.lin, a.lout, a.sparse_strategy, node=a.node, **_overrides(a))
    _print({"model": catalogue.find_model(a.model).name, "lin": a.lin, "lout": a.lout, "tps": value}, a.json,
           f"{value:.1f} tokens/s")


def cmd_energy(a: argparse.Namespace) -> None:
    overrides = _overrides(a)
    default = api.default_configuration(**overrides)
    util = default["util"] if a.util is None else a.util
    pue = default["pue"] if a.pue is None else a.pue
    value = api.energy_wh(a.model, a.lout, util, pue, a.lin, node=a.node, **overrides)
    _print({"model": catalogue.find_model(a.model).name, "energy_wh": value}, a.json, f"{value:.4f} Wh/query")


def _labels(keys: Iterable[str], words: Mapping[str, str], units: Mapping[str, str]) -> tuple[dict[str, str], int]:
    """Each quantity in words with its unit, and the width of a column that holds the longest."""
    label = {k: f"{words[k]} ({units[k]})" for k in keys}
    return label, max(map(len, label.values())) + 2


def cmd_fleet(a: argparse.Namespace) -> None:
    overrides = _overrides(a)
    result = api.fleet(a.queries, a.tts_share, a.improved, model=a.model or "baseline", node=_nodes(a.node),
                       lever=a.lever, **overrides)
    _print(result.to_dict(), a.json, "\n".join([
        f"{result.gwh_per_day:.3f} GWh/day (beta {result.beta:.4f}); P5-P95 {result.gwh_per_day_p5:.3f}-"
        f"{result.gwh_per_day_p95:.3f} over deployments", *_caveat_lines(result.caveats)]))


def _caveat_lines(caveats: Mapping[str, Iterable[str]]) -> list[str]:
    """What a result is to be read with, one line each (flagged rows, estimates, closed models)."""
    return [f"  caveat, {m}: {c}" for m, cs in caveats.items() for c in cs]


def _impact_overrides(a: argparse.Namespace) -> dict[str, object]:
    """--region, --price-usd-per-kwh (a fixed price), the intensities, hardware, and the common options."""
    overrides = _overrides(a)
    if a.price_usd_per_kwh is not None:
        price = catalogue.parameters()["price_usd_per_kwh_median"].check(a.price_usd_per_kwh, "--price-usd-per-kwh")
        overrides.update({f"price_usd_per_kwh_{q}": price for q in ("p5", "median", "p95")})
    named = {"region": a.region, "carbon_intensity_g_per_kwh": a.carbon_intensity_g_per_kwh,
             "water_intensity_l_per_kwh": a.water_intensity_l_per_kwh,
             "hardware_usd_per_node": a.hardware_usd_per_node, "hardware_lifetime_years": a.hardware_lifetime_years}
    return {**overrides, **{k: v for k, v in named.items() if v is not None}}


def output_path(option: str, value: str | None, suffix: str) -> Path | None:
    """An output file's path, checked before any work: the right extension, not a folder, in a folder that exists
    and can be written (the write itself is atomic)."""
    if value is None:
        return None
    path = Path(value)
    allowed = f"a {suffix} file in an existing, writable folder"  # said before the work, not after it
    if not value.strip() or path.suffix.lower() != suffix or path.is_dir():
        raise InputError(option, value, allowed)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InputError(option, value, allowed)
    if path.exists() and not path.stat().st_mode & 0o222:  # read-only: not replaced behind the user's back
        raise InputError(option, value, "a file that is not read-only (it would be replaced)")
    return path


def cmd_impacts(a: argparse.Namespace) -> None:
    from .impacts import MEASURE_UNITS, MEASURE_WORDS, MEASURES, impacts

    result = impacts(a.model, a.regime, lever=a.lever, node=_nodes(a.node), **_impact_overrides(a))
    data = result.to_dict()
    label, width = _labels(MEASURES, MEASURE_WORDS, MEASURE_UNITS)
    lines = [f"{', '.join(result.simulation.models)} | {result.simulation.regime} | region {data['region']} "
             f"({data['carbon_intensity_g_per_kwh']:g} gCO2e/kWh)", "  " + " " * width +
             "".join(f"{k:>12}" for k in api.STATISTICS)]
    lines += [f"  {label[m]:<{width}}" + "".join(f"{data[m][k]:>12.4g}" for k in api.STATISTICS) if data[m] else
              f"  {label[m]:<{width}} missing" for m in MEASURES]
    lines += [f"  cost: {result.cost_basis}",
              f"  cost per million output tokens: {data['cost_usd_per_million_output_tokens']:.4g} USD",
              *(f"  note: {n}" for n in data["notes"]), *_caveat_lines(data["caveats"])]
    _print(data, a.json, "\n".join(lines))


def cmd_capacity(a: argparse.Namespace) -> None:
    from .impacts import CAPACITY_WORDS, SPREAD_COLUMNS, SPREAD_UNITS, capacity

    out = output_path("--out", a.out, ".png")
    overrides = _impact_overrides(a)
    r = capacity(a.queries, a.tts_share, a.improved, model=a.model or "baseline", node=_nodes(a.node), lever=a.lever,
                 **overrides)
    if a.out:
        from . import figures, reproduce

        scenarios = reproduce.fleet_scenarios(a.queries, a.tts_share, node=_nodes(a.node), **overrides)
        print(f"wrote {figures.write_fleet_costs(scenarios, out)}", file=sys.stderr)
    data = r.to_dict()
    label, width = _labels(SPREAD_COLUMNS, CAPACITY_WORDS, SPREAD_UNITS)
    lines = [f"{r.queries_per_day:,.0f} queries/day, {r.tts_share:.0%} test-time scaling, region {r.region}"
             + (f", lever {r.lever}" if r.lever else ""),
             f"  nodes {r.nodes:,} ({r.gpus:,} GPUs); peak IT power {r.peak_it_mw:.1f} MW; beta {r.beta:.4f}"
             + ("" if not r.lever else "; the lever's alpha divides node-seconds too (lever_effect = throughput)"
                if r.nodes_follow_lever else "; nodes as without the lever (lever_effect = energy_only)"),
             f"  {'':<{width}}{'value':>14}{'P5':>14}{'P50':>14}{'P95':>14}"]
    lines += [f"  {label[c]:<{width}}" + "".join(f"{data[k]:>14.4g}" if data[k] is not None else f"{'missing':>14}"
                                           for k in (c, f"{c}_p5", f"{c}_p50", f"{c}_p95")) for c in SPREAD_COLUMNS]
    lines += [f"  cost: {r.cost_basis}", f"  {r.spread_note}",
              *(f"  missing: {m} (no sourced default)" for m in r.missing), *_caveat_lines(r.caveats)]
    _print(data, a.json, "\n".join(lines))


def cmd_compare(a: argparse.Namespace) -> None:
    from . import scenarios

    out = output_path("--out", a.out, ".png")
    overrides = _overrides(a)
    n = overrides.pop("n_trials", None)  # --n: the trials of every scenario
    result = scenarios.comparison(a.scenarios, n=n, **overrides)
    words = {k: q.words for k, q in scenarios.QUANTITIES.items()}
    if a.out:
        from . import figures

        print(f"wrote {figures.write_scenarios(result.to_frame(), out, words)}", file=sys.stderr)
    names = list(dict.fromkeys(row[0] for row in result.rows))
    label, width = _labels(scenarios.QUANTITIES, words, {k: q.unit for k, q in scenarios.QUANTITIES.items()})
    lines = [f"{len(names)} scenarios, {result.n:,} trials each, seed {result.seed} (common random "
             f"numbers); reference: {names[0]}",
             f"  {'':<{width}}{'value':>12}{'P5':>12}{'P95':>12}{'difference':>12}{'ratio':>8}"]
    for name in names:
        lines.append(name)
        for _, quantity, _, value, p5, p95, _, difference, ratio in (r for r in result.rows if r[0] == name):
            cells = [f"{'':>12}" if v is None else f"{v:>12,.0f}" if abs(v) >= 1000 else f"{v:>12.4g}"
                     for v in (value, p5, p95, difference)]
            lines.append(f"  {label[quantity]:<{width}}" + "".join(cells)
                         + (f"{ratio:>8.3f}" if ratio is not None else f"{'':>8}"))
    lines += ["P5-P95: over the trials for a query, over deployments (two-level) for a day; nodes have none.",
              *(f"{name}: cost {note['cost_basis']}" for name, note in result.notes.items() if name == names[0])]
    _print(result.to_dict(), a.json, "\n".join(lines))


def cmd_regions(a: argparse.Namespace) -> None:
    from .impacts import regions

    rows = [r.to_dict() for r in regions()]
    _print(rows, a.json, "\n".join(
        f"{r['code']:<6} {r['name']:<16} {r['carbon_intensity_g_per_kwh']:>7g} gCO2e/kWh "
        f"({r['carbon_year'] or 'year n/a'}), water "
        + (f"{r['water_intensity_l_per_kwh']:g} L/kWh" if r["water_intensity_l_per_kwh"] is not None else "none")
        + f"; {r['carbon_source']}" for r in rows))


def cmd_beta(a: argparse.Namespace) -> None:
    b = api.beta(**_overrides(a))
    _print(b.__dict__, a.json, f"beta = {b.beta:.4f} (beta_util {b.beta_util:.4f}; "
                               f"{b.e_node_sin_kwh_per_day:.1f} / {b.e_node_uniform_kwh_per_day:.1f} kWh/day)")


def cmd_hardware(a: argparse.Namespace) -> None:
    rows = api.hardware(a.model, **_overrides(a))

    def ratio(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}x"

    text = "\n".join(f"{r.node:<8} {r.precision:<4} traditional {r.traditional_median_wh:.4f} Wh "
                     f"({ratio(r.alpha_vs_h100_traditional)} vs H100), test-time scaling {r.tts_median_wh:.3f} Wh "
                     f"({ratio(r.alpha_vs_h100_tts)}); TPS per GPU {ratio(r.tps_per_gpu_vs_h100)}" for r in rows)
    _print([r.to_dict() for r in rows], a.json, text)


def cmd_sensitivity(a: argparse.Namespace) -> None:
    from . import figures
    from .sensitivity import SensitivityRow, sensitivity

    out = output_path("--out", a.out, ".png")
    table = sensitivity(a.model, a.regime, a.target, lever=a.lever, **_overrides(a))
    if out:
        print(f"wrote {figures.write_tornado([table], out)}", file=sys.stderr)

    def share(r: SensitivityRow) -> str:
        return "" if r.variance_share is None else f"  variance share {r.variance_share:.1%}"

    text = [f"{table.target} = {table.result:.4g} {table.unit}; inputs by swing:"]
    text += [f"  {r.input} [{r.kind}] {_rounded(r.low)} -> {_rounded(r.high)}: {r.result_low:.4g} to "
             f"{r.result_high:.4g}{share(r)}" for r in table.moving]
    if table.still:
        text.append(f"  no effect over their ranges here: {', '.join(table.still)}")
    _print(table.to_dicts(), a.json, "\n".join(text))


def _rounded(value: object) -> str:
    """A number as a reader takes it in (four significant digits); text as it is. JSON keeps every digit."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def cmd_models(a: argparse.Namespace) -> None:
    _declare_users_data(a)
    rows = api.model_table()
    _print(rows, a.json, "\n".join(
        f"{m['name']} ({m['total_params_b']:g}B, {m['active_params_b']:g}B active, {m['precision']}; own node "
        f"{m['node']}): benchmarked on {', '.join(f'{k} ({v})' for k, v in m['benchmark_rows'].items()) or 'none'}"
        f"; estimated on the other nodes" for m in rows))


def cmd_nodes(a: argparse.Namespace) -> None:
    rows = api.node_table()
    _print(rows, a.json, "\n".join(f"{r['name']}: {r['gpus']} x {r['gpu']} ({r['generation']}), P_max "
                                   f"{r['p_max_kw']} kW, P_idle {r['p_idle_kw']} kW; {r['source']}" for r in rows))


def cmd_estimate_error(a: argparse.Namespace) -> None:
    rows = [s.__dict__ for s in estimates.cross_validation()]
    _print(rows, a.json, "leave-one-architecture-out error of the throughput estimate, |log(predicted/published)|:\n"
           + "\n".join(f"  {r['generation']:<18} {r['rows']:>4} rows, {r['models']:>2} models: median "
                       f"{r['median_abs_log_error']:.3f}, P90 {r['p90_abs_log_error']:.3f}; inside P5-P95 "
                       f"{r['share_inside_p5_p95']:.1%} (drawn sd {r['log_sd']:.3f})" for r in rows))


def cmd_params(a: argparse.Namespace) -> None:
    rows = [{**p.__dict__, "allowed": p.allowed} for p in catalogue.parameters().values()]
    def default(value: object) -> object:
        return "none (no sourced default: give one)" if value is None else value

    _print(rows, a.json, "\n".join(f"{r['name']} = {default(r['default'])} [{r['unit']}]  ({r['allowed']}); "
                                   f"{r['source']}" for r in rows))


def cmd_reproduce(a: argparse.Namespace) -> None:
    from . import reproduce

    rows = reproduce.reproduction_table(**_overrides(a))
    if a.out:
        for path in reproduce.write_outputs(rows, Path(a.out)):
            print(f"wrote {path}", file=sys.stderr)
    text_code = reproduce.text_vs_code()
    _print({"figures": [r.__dict__ for r in rows], "text_vs_code": [t.to_dict() for t in text_code],
            "data_caveats": reproduce.data_caveats()}, a.json,
           reproduce.to_markdown(rows, text_code))


def cmd_calibrate(a: argparse.Namespace) -> None:
    from . import calibration

    overrides = _overrides(a)
    rows = calibration.read_measurements(a.measured)
    if a.model:
        model = catalogue.find_model(a.model, "--model").name
        node = api.resolve_node(model, a.node)
        rows = [m for m in rows if (m.model, m.node) == (model, node)]
        if not rows:
            raise InputError("--model", a.model, f"a model and node with rows in {a.measured} ({model} on {node} "
                                                 "has none)")
    results = calibration.calibrate_all(rows, **overrides)
    text = calibration.calibration_text(results)
    _print({"calibrations": [r.to_dict() for r in results], "calibration": text}, a.json,
           "\n\n".join(_calibration_text(r) for r in results) +
           f"\n\nUse it: --calibration {a.measured} on any subcommand, or --set calibration='{text}'")


def _calibration_text(r: object) -> str:
    lines = [f"{r.name} on {r.node}: {len(r.rows)} measurement(s)",
             f"  {'factor':<38}{'prior median (P5-P95)':>28}{'posterior median (P5-P95)':>32}"]
    for f in r.factors:
        after = _range(f.posterior_median, f.posterior_p5, f.posterior_p95) if f.informed else "unchanged"
        lines.append(f"  {f.words:<38}{_range(f.prior_median, f.prior_p5, f.prior_p95):>28}{after:>32}")
    lines.append("  measurements: value | prior median | posterior median | z prior | z others")
    for row in r.rows:
        z_others = "" if row.z_others is None else f"{row.z_others:+.2f}"
        lines.append(f"  {row.where}: {row.quantity} ({row.boundary}) {row.value:.4g} {row.unit} | "
                     f"{row.prior_median:.4g} | {row.posterior_median:.4g} | {row.z_prior:+.2f} | {z_others}")
    for h in r.headline:
        lines.append(f"  median Wh/query, {h['regime']}: {h['median_wh_before']:.4f} before, "
                     f"{h['median_wh_after']:.4f} after (x{h['ratio']:.3f})")
    lines += [f"  warning: {w}" for w in r.warnings]
    return "\n".join(lines)


def _range(median: float, p5: float, p95: float) -> str:
    return f"{median:.3f} ({p5:.3f}-{p95:.3f})"


def cmd_build(a: argparse.Namespace) -> None:
    from .workbook import build_all

    paths = build_all(Path(a.out_dir), trials=a.trials, seed=a.seed, preset=a.preset)
    _print({"written": [str(p) for p in paths]}, a.json, "\n".join(f"wrote {p}" for p in paths))


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line (no usage block), exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    """The argument parser (all subcommands)."""
    p = _Parser(prog="inferwatt", description="Energy of LLM inference per query and per fleet "
                                "(Oviedo et al., arXiv 2509.20241).")
    p.add_argument("--version", action="version", version=f"inferwatt {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add(name: str, func, help_text: str, computes: bool = False) -> argparse.ArgumentParser:
        s = sub.add_parser(name, help=help_text, description=help_text)
        s.add_argument("--json", action="store_true", help="print JSON")
        s.set_defaults(func=func)
        if computes:
            s.add_argument("--preset", default=None, help="a reading of the paper (data/presets.csv): inferwatt "
                           "(default), paper_v2, paper_v1 or text_v1")
            s.add_argument("--rng", default=None, help="hdr (default; shared with the workbook) or paper (the "
                                                       "authors' legacy numpy stream: simulate, fleet, reproduce)")
            s.add_argument("--trim", default=None, help="none (default: statistics of all draws) or paper (the "
                                                        "authors' trimmed draws)")
            s.add_argument("--models", default=None, metavar="FILE",
                           help="CSV of your own models (the columns of data/models.csv; name and total_params_b "
                                "are enough: without benchmark rows the throughput is estimated from them)")
            s.add_argument("--benchmarks", default=None, metavar="FILE",
                           help="CSV of your own throughput rows, fitted with the shipped ones (the columns of "
                                "data/tps_benchmarks.csv)")
            s.add_argument("--calibration", default=None, metavar="FILE",
                           help="measurements (or a telemetry log) to calibrate the models they name before the "
                                "run (inferwatt calibrate shows what moved)")
            if name not in ("impacts", "capacity"):  # those two add --set with their other options
                s.add_argument("--set", action="append", default=None, metavar="NAME=VALUE",
                               help="any parameter of inferwatt params (repeatable)")
        return s

    s = add("simulate", cmd_simulate, "Monte Carlo statistics of Wh per query", computes=True)
    s.add_argument("--model", default="baseline", help="model name, alias, or 'baseline' (the >200B mixture)")
    s.add_argument("--regime", default="traditional", help="traditional or tts (test-time scaling)")
    s.add_argument("--n", type=int, default=None, help="trials (default 10000)")
    s.add_argument("--seed", type=int, default=None, help="HDR seed (default 1)")
    s.add_argument("--lin", type=float, default=None, help="input tokens (default 500)")
    s.add_argument("--lout-median", type=float, default=None, help="median output tokens (default: the regime's)")
    s.add_argument("--lever", default=None, help=LEVER_HELP)
    s.add_argument("--pnode-reading", default=None, help="split (default), p5p95 or median")
    s.add_argument("--pnode-model", default=None, help="independent (default) or linear_tps (S.IV)")
    s.add_argument("--pue-below-one", default=None, help="truncate (default), clip or keep")
    s.add_argument("--sparse-strategy", default=None, help="shared_slopes (default), pooled or per_model")
    s.add_argument("--l-eff", default=None, help="out (default) or in_plus_out (S.III)")
    s.add_argument("--node", action="append", default=None,
                   help="a node for every model, or MODEL=NODE (repeatable); default: each model's own node")

    s = add("tps", cmd_tps, "fitted throughput in output tokens/s", computes=True)
    s.add_argument("--model", required=True)
    s.add_argument("--lin", type=float, default=500.0)
    s.add_argument("--lout", type=float, required=True)
    s.add_argument("--sparse-strategy", default=None)
    s.add_argument("--node", default=None, help="node (default: the model's own)")

    s = add("energy", cmd_energy, "Wh of one query of one configuration (Eq. 1)", computes=True)
    s.add_argument("--model", required=True)
    s.add_argument("--lout", type=float, required=True, help="output tokens")
    s.add_argument("--util", type=float, default=None, help="P_node / P_max (default: the median, 0.7)")
    s.add_argument("--pue", type=float, default=None, help="PUE (default: the median of its range, 1.212)")
    s.add_argument("--lin", type=float, default=None)
    s.add_argument("--node", default=None, help="node (default: the model's own)")

    def fleet_options(s: argparse.ArgumentParser) -> None:
        s.add_argument("--queries", type=float, default=None, help="queries per day (default 1e9)")
        s.add_argument("--tts-share", type=float, default=None, help="share of test-time-scaling queries (default "
                                                                     "0.1)")
        s.add_argument("--improved", action="store_true", help="apply the improved scenario's alpha (1.5-3x)")
        s.add_argument("--model", action="append", default=None,
                       help="the fleet's model (repeatable: an equal mix; default: the baseline mixture)")
        s.add_argument("--lever", default=None, help=LEVER_HELP + "; the nodes follow it when lever_effect = "
                                                     "throughput")

    s = add("fleet", cmd_fleet, "GWh/day of a fleet, including beta", computes=True)
    fleet_options(s)
    s.add_argument("--node", action="append", default=None,
                   help="a node for every model, or MODEL=NODE (repeatable); default: each model's own node")
    s.add_argument("--n", type=int, default=None)
    s.add_argument("--seed", type=int, default=None)

    def impact_options(s: argparse.ArgumentParser) -> None:
        s.add_argument("--region", default=None, help="grid region code (default WORLD; inferwatt regions)")
        s.add_argument("--price-usd-per-kwh", type=float, default=None,
                       help="a fixed electricity price (default: the EIA 2023 industrial range, drawn)")
        s.add_argument("--carbon-intensity-g-per-kwh", type=float, default=None, help="overrides the region's")
        s.add_argument("--water-intensity-l-per-kwh", type=float, default=None, help="overrides the region's")
        s.add_argument("--hardware-usd-per-node", type=float, default=None, help="node price (no default)")
        s.add_argument("--hardware-lifetime-years", type=float, default=None, help="amortisation (no default)")
        s.add_argument("--set", action="append", default=None, metavar="NAME=VALUE",
                       help="any parameter of inferwatt params (repeatable)")
        s.add_argument("--node", action="append", default=None,
                       help="a node for every model, or MODEL=NODE (repeatable); default: each model's own node")
        s.add_argument("--n", type=int, default=None)
        s.add_argument("--seed", type=int, default=None)

    s = add("impacts", cmd_impacts, "energy, cost, carbon and water per query (percentiles from the same trials)",
            computes=True)
    s.add_argument("--model", default="baseline")
    s.add_argument("--regime", default="traditional")
    s.add_argument("--lever", default=None, help=LEVER_HELP)
    impact_options(s)

    s = add("capacity", cmd_capacity, "what a fleet needs: nodes, GPUs, MW, GWh, cost, carbon and water per day, "
                                      "with a two-level P5-P95 over deployments", computes=True)
    fleet_options(s)
    impact_options(s)
    s.add_argument("--out", default=None, help="PNG of cost and carbon per day of the three fleet scenarios (all "
                                               "traditional, the mix, the mix improved) with P5-P95 bars")

    s = add("compare", cmd_compare, "scenarios side by side on the same draws: energy, power, nodes, cost, carbon "
                                    "and water, each scenario's difference from the first", computes=True)
    s.add_argument("scenarios", nargs="?", default=None, help="CSV with the columns scenario,parameter,value (the "
                   "first scenario is the reference); default: the shipped six (data/scenarios.csv)")
    s.add_argument("--n", type=int, default=None, help="trials of every scenario (default: scenario_trials, 1000)")
    s.add_argument("--seed", type=int, default=None)
    s.add_argument("--out", default=None, help="PNG of energy, nodes, cost and carbon per day of every scenario")

    add("regions", cmd_regions, "grid regions: carbon and water intensity of electricity, with year and source")

    s = add("sensitivity", cmd_sensitivity, "what drives a result: every random input, assumption and choice, "
                                            "sorted by swing (a tornado PNG with --out)", computes=True)
    s.add_argument("--model", default="baseline")
    s.add_argument("--regime", default="traditional")
    s.add_argument("--target", default="median", help="median or mean Wh/query, or fleet GWh/day")
    s.add_argument("--lever", default=None, help=LEVER_HELP)
    s.add_argument("--n", type=int, default=None)
    s.add_argument("--seed", type=int, default=None)
    s.add_argument("--out", default=None, help="PNG file for the tornado chart")

    add("beta", cmd_beta, "the fleet factor beta (Supplement S.V)", computes=True)
    s = add("models", cmd_models, "the model catalogue: each model's nodes with benchmark rows (elsewhere its "
                                  "throughput is estimated)")
    s.add_argument("--models", default=None, metavar="FILE", help="your own models, listed with the catalogue's")
    s.add_argument("--benchmarks", default=None, metavar="FILE", help="your own throughput rows")
    add("nodes", cmd_nodes, "the serving nodes: GPUs, P_max and P_idle in kW, the GPU's data sheet, sources")
    add("estimate-error", cmd_estimate_error, "cross-validated error of the throughput estimate for a model "
                                              "without benchmark rows, per GPU generation")
    s = add("hardware", cmd_hardware, "the measured hardware lever: median Wh/query of a model on every node with "
                                      "throughput data, and the ratio to H100", computes=True)
    s.add_argument("--model", required=True)
    s.add_argument("--n", type=int, default=None)
    s.add_argument("--seed", type=int, default=None)
    s = add("calibrate", cmd_calibrate, "update the method's throughput, node power and PUE with your measurements: "
                                        "prior and posterior, each row's fit, the headline before and after",
            computes=True)
    s.add_argument("--measured", required=True, metavar="FILE", help="CSV with the columns model,node,quantity,value,"
                   "l_in_tokens,l_out_tokens,boundary,rel_uncertainty,source (quantity: wh_per_query, tokens_per_s "
                   "or node_kw; boundary: gpu, node or facility), or a telemetry log with the columns model,node,"
                   "timestamp_s,power_w,input_tokens,output_tokens,requests,boundary,source")
    s.add_argument("--model", default=None, help="calibrate this model only (default: every model of the file)")
    s.add_argument("--node", default=None, help="with --model: its node (default: the model's own)")
    s.add_argument("--n", type=int, default=None, help="trials of the before and after runs")
    s.add_argument("--seed", type=int, default=None)
    add("params", cmd_params, "every parameter with unit, default, range and source")
    s = add("reproduce", cmd_reproduce, "the paper's figures beside ours, with every gap explained", computes=True)
    s.add_argument("--out", default=None, help="folder for reproduction.md, .csv and the figures")
    s = add("build", cmd_build, "write the workbooks and the xlwings Lite folder")
    s.add_argument("--preset", default=None, help="the preset the standalone workbook is built under (default "
                                                  "inferwatt)")
    s.add_argument("--out-dir", default="dist")
    s.add_argument("--trials", type=int, default=None)
    s.add_argument("--seed", type=int, default=None)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: InferWatt's own errors become one line on stderr and exit code 2."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a bad command line (already reported in one line)
        return int(stop.code or 0)
    try:
        return run_reporting_errors("inferwatt", lambda: args.func(args))
    finally:  # --models and --benchmarks hold for one command
        catalogue.forget_user_models()
        catalogue.forget_user_benchmarks()


def run_reporting_errors(prog: str, call: Callable[[], object]) -> int:
    """Run `call`; InferWatt's errors and file-system faults become one line and exit code 2, Ctrl-C one
    line and 130 (outputs are renamed into place only when complete, so nothing is left half-written)."""
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread: SIGTERM keeps its handler
        previous = None
    swallowed: list[object] = []
    default_hook = sys.unraisablehook

    def unraisable(info: object) -> None:  # SIGTERM during a weakref or __del__ callback: Python ignores the raise
        if isinstance(getattr(info, "exc_value", None), Terminated):
            swallowed.append(info)
        else:
            default_hook(info)

    sys.unraisablehook = unraisable
    try:
        call()
        sys.stdout.flush()  # inside: a reader gone shows here, not as Python's message at exit
        if swallowed:  # the work went on to its end (every write is atomic): still a terminated run
            raise Terminated
    except Terminated:
        print(f"{prog}: terminated", file=sys.stderr)
        return TERMINATED
    except InferWattError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader stopped reading (| head): end quietly, as coreutils do
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE
    except OSError as err:  # a path that cannot be read or written
        print(f"{prog}: error: {err.filename or ''}: {err.strerror or err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return INTERRUPTED
    finally:
        sys.unraisablehook = default_hook
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
