"""What would change the answer: the sensitivity of a headline result to every input (API layer).

Two kinds of uncertainty, in one table sorted by swing:
- random inputs of the simulation (aleatory): each one's share of the variance of log energy, its
  Spearman rank correlation with the energy, and the result with that input held at its P5 and P95
  while the rest vary;
- assumptions (epistemic): every numeric parameter swung by ASSUMPTION_SWING either way (within its
  declared bounds and order), and every choice switched to each alternative.
Every re-run uses the same seed (common random numbers), so a swing is the effect of the input alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from . import api, catalogue
from .errors import InputError
from .method.sensitivity import log_variance_shares, rank_correlation

ASSUMPTION_SWING = 0.20  # each numeric parameter is swung to its default x (1 -/+ 0.20), within its bounds
TARGETS = ("median", "mean", "fleet")
# Assumptions are the parameters of kind number and choice; integers (trials, seed, rows for an own fit)
# and the node of beta are settings, not assumptions about the world.
ASSUMPTION_KINDS = ("number", "choice")
# Inputs that do not change the energy (price, carbon, water, hardware; how measurements are read): swinging them
# would only add zero rows.
NOT_ENERGY_GROUPS = ("impacts", "calibration")  # calibration: read when calibrating, not by a run
FIXED_WHEN_CALIBRATED = ("pnode_model",)  # a calibrated run draws its node power: the S.IV choices do not apply
NOT_SWUNG = ("rng",)  # the random generator is no assumption: switching it redraws every number


@dataclass(frozen=True)
class SensitivityRow:
    """One input swung between two values, and the result at each."""

    input: str
    kind: str  # random | assumption | choice
    low: float | str
    high: float | str
    result_low: float
    result_high: float
    swing: float
    variance_share: float | None = None
    rank_correlation: float | None = None

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SensitivityTable:
    """The rows, largest swing first, and the result they swing around."""

    model: str | list[str]
    regime: str
    target: str
    unit: str
    result: float
    rows: list[SensitivityRow]

    def to_dicts(self) -> list[dict[str, object]]:
        return [r.to_dict() for r in self.rows]

    @property
    def moving(self) -> list[SensitivityRow]:
        """The rows that move the result (a reader's table); the others are listed apart (`still`)."""
        return [r for r in self.rows if r.result_low != r.result_high]

    @property
    def still(self) -> list[str]:
        """The inputs that do not move the result over their ranges at these values."""
        return [r.input for r in self.rows if r.result_low == r.result_high]


def sensitivity(model: str | Iterable[str] = "baseline", regime: str = "traditional", target: str = "median",
                n: int | None = None, seed: api.Seed = None, *, lever: str | None = None,
                **overrides: object) -> SensitivityTable:
    """Sensitivity of the median or mean Wh/query (or the fleet's GWh/day) to every input."""
    if not isinstance(target, str) or target.strip().lower() not in TARGETS:
        raise InputError("target", target, "one of " + ", ".join(repr(t) for t in TARGETS))
    target = target.strip().lower()
    regime = api.normalise_regime(regime)
    params = api.resolve_params(api.with_calibrated(model, None, overrides)[2])  # a calibrated model's included
    api.require_hdr(params, "sensitivity")
    n = params["n_trials"] if n is None else api.check_n(n)
    seed = params["seed"] if seed is None else seed

    def result(**changed: object) -> float:
        merged = {**overrides, **changed}
        if target == "fleet":
            return api.fleet(n=n, seed=seed, model=model, **merged).gwh_per_day
        return api.simulate(model, regime, n, seed, lever=lever, **merged).stats[target]

    if target == "fleet":
        base, rows = result(), []
    else:  # the base run is also the sample the random inputs are read from
        sim = api.simulate(model, regime, n, seed, lever=lever, **overrides)
        base, rows = sim.stats[target], _random_rows(sim, target, lever)
    rows += _assumption_rows(params, result, base)
    rows.sort(key=lambda r: r.swing, reverse=True)
    names = api.resolve_models(model)
    unit = "GWh/day" if target == "fleet" else "Wh/query"
    return SensitivityTable(names[0] if len(names) == 1 else names, regime, target, unit, base, rows)


def _random_rows(sim: api.SimulationResult, target: str, lever: str | None) -> list[SensitivityRow]:
    names, d, params = sim.models, sim.draws, sim.params
    energy = np.vstack([sim.energy_by_model_wh[m] for m in names])  # (models, trials)

    def stat(values: np.ndarray) -> float:
        return api.summarise(np.ravel(values))[target]

    # ln E = ln PUE + ln util - ln alpha + (model and output length), each term independent of the others:
    # input name -> (draws, power of the input in E)
    def by_model(draw: api.Draw) -> np.ndarray:  # (models, trials): a calibrated model draws its own factors
        return np.vstack([api.model_draw(draw, m) for m in names])

    inputs = {"PUE": (by_model(d["pue"]), 1.0)}
    independent_power = params["pnode_model"] == "independent"
    if independent_power:
        inputs["node power (P_node / P_max)"] = (by_model(d["util"]), 1.0)
    if lever:
        inputs[f"alpha ({lever} lever)"] = (by_model(d["alpha"]), -1.0)
    if isinstance(d["tps_factor"], dict) and all(np.ptp(d["tps_factor"][m]) > 0 for m in names):  # each drawn
        estimated = [m for m in names if api.fit_for(m, sim.nodes[m], params, sim.benchmarks).log_sd > 0]
        why = " and ".join(w for w, ms in (("calibrated", sim.calibrated), ("estimated", estimated))
                           if any(m in ms for m in names))  # a posterior, or an estimate's measured error
        inputs[f"throughput factor ({why})"] = (by_model(d["tps_factor"]), -1.0)
    # ln E of trials with energy in every model: a draw rounded to 0 output tokens (l_out_rounding) has none
    positive = (energy > 0).all(axis=0)
    log_terms = {name: power * np.log(values[:, positive]) for name, (values, power) in inputs.items()}
    log_energy = np.log(energy[:, positive])
    shares = log_variance_shares(log_energy, log_terms, log_energy - sum(log_terms.values()))

    rows = []
    pooled = np.ravel(energy)
    for name, (values, power) in inputs.items():
        lo, hi = np.percentile(values, [5, 95])
        at = [stat(energy * (v / values) ** power) for v in (lo, hi)]
        rows.append(_row(name, "random", float(lo), float(hi), at[0], at[1], shares[name],
                         rank_correlation(np.ravel(values), pooled)))

    l_lo, l_hi = np.percentile(d["l_out_tokens"], [5, 95])
    at_length = []
    for length in (l_lo, l_hi):
        fixed = api.energy_by_model(sim.nodes, params, np.full(sim.n, length), d["util"], d["pue"], d["alpha"],
                                    sim.benchmarks, d["tps_factor"])
        at_length.append(stat(np.vstack([fixed[m] for m in names])))
    rows.append(_row("output length (L_out)" + ("" if independent_power else ", and P_node through TPS (S.IV)"),
                     "random", float(l_lo), float(l_hi), at_length[0], at_length[1], shares["output length"],
                     rank_correlation(np.tile(d["l_out_tokens"], len(names)), pooled)))
    if len(names) > 1:
        per_model = {m: stat(sim.energy_by_model_wh[m]) for m in names}
        low, high = min(per_model, key=per_model.get), max(per_model, key=per_model.get)
        rows.append(_row("model (in the mixture)", "random", low, high, per_model[low], per_model[high],
                         shares["model"], None))
        rows.append(_row("model x output length (interaction)", "random", "", "", sim.stats[target],
                         sim.stats[target], shares["model x output length"], None))
    return rows


def _assumption_rows(params: Mapping[str, object], result, base: float) -> list[SensitivityRow]:
    rows = []
    declared = catalogue.parameters()
    for name, p in declared.items():
        if p.kind not in ASSUMPTION_KINDS or p.group in NOT_ENERGY_GROUPS or params[name] is None or name in NOT_SWUNG \
                or (params["calibration"] and name in FIXED_WHEN_CALIBRATED):
            continue  # (an empty value, such as a node's P_max taken from data/nodes.csv, has nothing to swing)
        if p.kind == "choice":
            for alternative in p.choices:
                if alternative != params[name]:
                    rows.append(_row(name, "choice", str(params[name]), alternative, base,
                                     result(**{name: alternative}), None, None))
            continue
        lo, hi = _swung(name, params)
        rows.append(_row(name, "assumption", lo, hi, result(**{name: lo}), result(**{name: hi}), None, None))
    return rows


def _swung(name: str, params: Mapping[str, object]) -> tuple[float, float]:
    """The parameter's default times (1 -/+ ASSUMPTION_SWING), inside its declared bounds and its order."""
    p = catalogue.parameters()[name]
    value = float(params[name])
    lo, hi = value * (1 - ASSUMPTION_SWING), value * (1 + ASSUMPTION_SWING)
    if p.lower:
        lo = max(lo, p.lower[1]) if p.lower[0] == ">=" else max(lo, np.nextafter(p.lower[1], np.inf))
    if p.upper:
        hi = min(hi, p.upper[1]) if p.upper[0] == "<=" else min(hi, np.nextafter(p.upper[1], -np.inf))
    for ordered in api.ORDERED_PARAMETERS:
        if name in ordered:
            i = ordered.index(name)
            if i > 0:
                lo = max(lo, float(params[ordered[i - 1]]))
            if i < len(ordered) - 1:
                hi = min(hi, float(params[ordered[i + 1]]))
    return float(f"{lo:.12g}"), float(f"{hi:.12g}")  # 0.56, not 0.5599999999999999


def _row(name: str, kind: str, low: object, high: object, result_low: float, result_high: float,
         share: float | None, correlation: float | None) -> SensitivityRow:
    return SensitivityRow(name, kind, low, high, float(result_low), float(result_high),
                          abs(float(result_high) - float(result_low)), share, correlation)
