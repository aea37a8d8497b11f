"""Money, carbon, water and capacity: the API behind `inferwatt impacts`, `capacity`, IW_STAT and IW_CAPACITY.

Per query, every measure comes from the same trials as the energy, so their percentiles are consistent;
per fleet, the point estimates are beta x N x per-query means and the P5-P95 is the two-level spread
of api.fleet. Computed here once; the faces only format.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from . import api, catalogue
from .errors import InputError
from .measures import HARDWARE_INPUTS, Trials
from .measures import MEASURES as MEASURE_DECLARATIONS
from .method import impacts as imp
from .method.fleet import WH_PER_GWH, mean_load_frac

if TYPE_CHECKING:
    import pandas as pd

MEASURES = tuple(MEASURE_DECLARATIONS)  # measures.py declares each: unit, words, needed inputs, per-trial values
MEASURE_UNITS = {k: m.unit for k, m in MEASURE_DECLARATIONS.items()}
MEASURE_WORDS = {k: m.words for k, m in MEASURE_DECLARATIONS.items()}
# The inputs without a sourced default that a measure needs (cost adds hardware only when it is given).
NEEDED_INPUTS = {k: m.needs for k, m in MEASURE_DECLARATIONS.items() if m.needs}
TOKENS_PER_MILLION = 1e6


# What a cost is made of, said beside every cost (the workbook's formula says the same from these texts).
COST_WITH_HARDWARE = "electricity and amortised hardware"
COST_ELECTRICITY_ONLY = "electricity only: no hardware price given"
PRICE_DEFAULT_BASIS = "electricity at US industrial prices (EIA 2023), in USD"
PRICE_GIVEN_BASIS = "electricity at the price given, in USD"
PRICE_PARAMETERS = ("price_usd_per_kwh_median", "price_usd_per_kwh_p5", "price_usd_per_kwh_p95")
US_REGIONS = ("USA",)


def hardware_given(params: Mapping[str, object]) -> bool:
    """Whether a node's price and lifetime are both given (neither has a sourced default)."""
    return all(params[k] is not None for k in HARDWARE_INPUTS)


def cost_basis(params: Mapping[str, object], region: str) -> str:
    """What the cost covers and at which electricity price: 'electricity only' when no hardware price is given,
    and a warning when US prices are applied to another region's query."""
    parts = [COST_WITH_HARDWARE if hardware_given(params) else COST_ELECTRICITY_ONLY]
    defaults = catalogue.defaults()
    if all(params[k] == defaults[k] for k in PRICE_PARAMETERS):
        parts.append(PRICE_DEFAULT_BASIS + ("" if region in US_REGIONS else
                                            f", applied to {catalogue.find_region(region).name}"))
    else:
        parts.append(PRICE_GIVEN_BASIS)
    return "; ".join(parts)


def regions() -> list[catalogue.Region]:
    """Every region of data/regions.csv with its carbon and water intensity and their sources."""
    return list(catalogue.regions().values())


@dataclass(frozen=True)
class Intensities:
    """The grid figures a run used: the region's, or the user's overrides; None where none is known."""

    region: str
    carbon_intensity_g_per_kwh: float
    water_intensity_l_per_kwh: float | None

    @classmethod
    def of(cls, params: Mapping[str, object]) -> Intensities:
        region = catalogue.find_region(params["region"])
        carbon = params["carbon_intensity_g_per_kwh"]
        water = params["water_intensity_l_per_kwh"]
        return cls(region.code, region.carbon_intensity_g_per_kwh if carbon is None else carbon,
                   region.water_intensity_l_per_kwh if water is None else water)


def missing_inputs(params: Mapping[str, object], intensities: Intensities) -> list[str]:
    """Inputs without a value that some measure needs (no default without a source)."""
    known = {**params, "water_intensity_l_per_kwh": intensities.water_intensity_l_per_kwh}
    return [name for names in NEEDED_INPUTS.values() for name in names if known[name] is None]


@dataclass
class ImpactsResult:
    """Per-query energy, cost, carbon and water of one Monte Carlo run, with what was missing."""

    simulation: api.SimulationResult = field(repr=False)
    intensities: Intensities
    missing: list[str]
    compute: dict[str, Callable[[], np.ndarray]] = field(repr=False)  # measure -> its pooled per-trial values
    _arrays: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _stats: dict[str, dict[str, float] | None] = field(default_factory=dict, repr=False)

    def values(self, measure: str) -> np.ndarray | None:
        """A measure's per-trial values (pooled like `energy_wh`), computed when first asked; None if an
        input is missing. A single statistic in a cell should not pay for the draws of every measure."""
        if measure not in self._arrays and measure in self.compute:
            self._arrays[measure] = self.compute[measure]()
        return self._arrays.get(measure)

    @property
    def per_query(self) -> dict[str, np.ndarray]:
        """Every measure that has its inputs: its per-trial values."""
        return {m: self.values(m) for m in MEASURES if m in self.compute}

    def measure_stats(self, measure: str) -> dict[str, float] | None:
        """{median, mean, p5, p25, p75, p95} of one measure (computed when first asked), None if an input is
        missing."""
        if measure not in self._stats:
            values = self.values(measure)
            self._stats[measure] = None if values is None else {
                k: api.finite(v, f"{k} {measure}") for k, v in api.summarise(values).items()}
        return self._stats[measure]

    @property
    def stats(self) -> dict[str, dict[str, float] | None]:
        """measure -> {median, mean, p5, p25, p75, p95}, or None where an input is missing."""
        return {m: self.measure_stats(m) for m in MEASURES}

    @property
    def nbytes(self) -> int:
        """Memory held by the per-trial arrays (the Excel functions' memo is bounded by it)."""
        sim = self.simulation
        draws = [a for d in sim.draws.values() for a in (d.values() if isinstance(d, dict) else (d,))]
        arrays = [*draws, *sim.energy_by_model_wh.values(), sim.energy_wh]  # per model where calibrated
        measures = len(self.compute) + 2  # each measure's values when computed, and the price and WUE draws
        return sum(a.nbytes for a in arrays) + measures * sim.energy_wh.nbytes

    def stat(self, measure: object, stat: object) -> float:
        """One number: `measure` (MEASURES) at `stat` (median, mean, p5, p25, p75, p95)."""
        key = measure.strip().lower() if isinstance(measure, str) else measure
        if key not in MEASURES:
            raise InputError("measure", measure, "one of " + ", ".join(MEASURES))
        which = stat.strip().lower() if isinstance(stat, str) else stat
        if which not in api.STATISTICS:
            raise InputError("stat", stat, "one of " + ", ".join(api.STATISTICS))
        values = self.measure_stats(key)
        if values is None:
            name = self.needs(key)[0]
            raise InputError(name, "no value", f"given to compute {key} (no sourced default exists): "
                                               f"{catalogue.parameters()[name].allowed}")
        return values[which]

    def needs(self, measure: str) -> list[str]:
        """The missing inputs a measure needs (empty if it was computed)."""
        return [] if measure in self.compute else [m for m in self.missing if m in NEEDED_INPUTS.get(measure, ())]

    @property
    def cost_usd_per_million_output_tokens(self) -> float:
        """The mean cost per query over the mean output tokens, per million tokens."""
        l_out = self.simulation.draws["l_out_tokens"]  # shared by the models: its mean is the pooled mean
        return api.finite(float(np.mean(self.values("cost_usd")) / np.mean(l_out) * TOKENS_PER_MILLION),
                          "cost per token")

    @property
    def cost_basis(self) -> str:
        return cost_basis(self.simulation.params, self.intensities.region)

    @property
    def notes(self) -> list[str]:
        """What each measure without its inputs says of itself."""
        return [m.missing.format(region=self.intensities.region) for m in MEASURE_DECLARATIONS.values()
                if m.missing and m.name not in self.compute]

    def to_frame(self) -> pd.DataFrame:
        """Measures as rows (unit and six statistics; NaN where an input is missing)."""
        return api.statistics_frame(self.stats, MEASURE_UNITS)

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of `inferwatt impacts`."""
        sim = self.simulation
        return {"model": sim.models[0] if len(sim.models) == 1 else sim.models, "regime": sim.regime,
                "region": self.intensities.region, "n": sim.n, "seed": sim.seed, "lever": sim.lever,
                **{m: self.stats[m] for m in MEASURES},
                "cost_usd_per_million_output_tokens": self.cost_usd_per_million_output_tokens,
                "carbon_intensity_g_per_kwh": self.intensities.carbon_intensity_g_per_kwh,
                "water_intensity_l_per_kwh": self.intensities.water_intensity_l_per_kwh,
                "cost_basis": self.cost_basis, "missing": self.missing, "notes": self.notes,
                "caveats": {m: list(c) for m, c in sim.caveats.items()}}


def impacts(model: str | Iterable[str] = "baseline", regime: str = "traditional", n: int | None = None,
            seed: api.Seed = None, *, lever: str | None = None, node: str | Mapping[str, str] | None = None,
            benchmarks: catalogue.Benchmarks | None = None, **overrides: object) -> ImpactsResult:
    """Energy, cost, carbon and water per query, from one Monte Carlo (each trial also draws a price and
    a WUE). `region=` and every other parameter of data/parameters.csv go in `overrides`."""
    params = api.resolve_params(overrides)
    api.require_hdr(params, "cost, carbon and water")
    seed = params["seed"] if seed is None else seed
    sim = api.simulate(model, regime, n, seed, lever=lever, node=node, benchmarks=benchmarks, **overrides)
    return _impacts_of(sim, params, seed)


def _impacts_of(sim: api.SimulationResult, params: Mapping[str, object], seed: api.Seed) -> ImpactsResult:
    intensities = Intensities.of(params)
    missing = missing_inputs(params, intensities)
    uniforms: dict[str, np.ndarray] = {}

    def draws(name: str) -> Callable[[], np.ndarray]:  # the trial's price or WUE, drawn when a measure needs it
        def draw() -> np.ndarray:
            if name not in uniforms:
                uniforms.update(api.draw_uniforms((name,), sim.n, seed))
            return sim.pooled(api.draws_of(name, uniforms[name], params))
        return draw

    result: ImpactsResult | None = None
    trials = Trials(sim.energy_wh, lambda: sim.pooled(sim.draws["pue"]), draws("price"), draws("wue"),
                    lambda: np.concatenate([sim.node_seconds_by_model[m] for m in sim.models]), params,
                    intensities.carbon_intensity_g_per_kwh, intensities.water_intensity_l_per_kwh,
                    lambda name: result.values(name), lambda name: name in result.compute)
    compute = {name: (lambda m=m: m.per_trial(trials)) for name, m in MEASURE_DECLARATIONS.items()
               if not set(m.needs) & set(missing)}
    result = ImpactsResult(sim, intensities, missing, compute)
    return result


# ---------------------------------------------------------------- capacity

SPREAD_UNITS = {"gwh_per_day": "GWh/day", "avg_facility_mw": "MW", "peak_facility_mw": "MW",
                "cost_usd_per_day": "USD/day", "carbon_t_per_day": "tCO2e/day", "water_m3_per_day": "m3/day"}
SPREAD_COLUMNS = tuple(SPREAD_UNITS)
# Every fleet quantity in words, with its unit (the faces label and format by these).
CAPACITY_WORDS = {"nodes": "nodes", "gpus": "GPUs", "gwh_per_day": "energy",
                  "avg_facility_mw": "average facility power", "peak_facility_mw": "peak facility power",
                  "cost_usd_per_day": "cost",
                  "carbon_t_per_day": "operational carbon", "water_m3_per_day": "water"}
CAPACITY_UNITS = {"nodes": "nodes", "gpus": "GPUs", **SPREAD_UNITS}


@dataclass(frozen=True)
class CapacityResult:
    """A fleet's energy, power, nodes, cost, carbon and water per day, with their two-level P5/P50/P95."""

    queries_per_day: float
    tts_share: float
    improved: bool
    region: str
    nodes: int
    gpus: int
    nodes_by_model: dict[str, int]
    gwh_per_day: float
    twh_per_year: float
    avg_facility_mw: float
    peak_facility_mw: float
    peak_it_mw: float
    cost_usd_per_day: float  # electricity, plus hardware when its price and lifetime are given
    electricity_usd_per_day: float
    hardware_usd_per_day: float | None
    cost_usd_per_year: float
    carbon_t_per_day: float
    water_m3_per_day: float | None
    spread: dict[str, dict[str, float] | None]  # column -> {p5, p50, p95}
    beta: float
    missing: list[str]
    cost_basis: str  # what the costs cover and at which electricity price (cost_basis())
    lever: str | None = None  # the lever every query is served with (improved: the improved scenario)
    nodes_follow_lever: bool = False  # whether the lever's alpha divided node-seconds too (lever_effect)
    spread_note: str = api.FLEET_SPREAD
    caveats: dict[str, list[str]] = field(default_factory=dict)  # per model: flagged rows, estimates

    def to_frame(self) -> pd.DataFrame:
        """The JSON shape of `inferwatt capacity` as a one-row DataFrame."""
        return api.one_row_frame(self.to_dict())

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of `inferwatt capacity`: flat `<column>_p5/_p50/_p95` beside the point values."""
        out = {k: v for k, v in self.__dict__.items() if k != "spread"}
        for column, values in self.spread.items():
            for q in ("p5", "p50", "p95"):
                out[f"{column}_{q}"] = None if values is None else values[q]
        return out


def capacity(queries_per_day: float | None = None, tts_share: float | None = None, improved: bool = False,
             model: str | Iterable[str] = "baseline", n: int | None = None, seed: api.Seed = None,
             node: str | Mapping[str, str] | None = None, *, lever: str | None = None,
             **overrides: object) -> CapacityResult:
    """What a fleet of `queries_per_day` needs and costs: nodes and GPUs (node-seconds per query, S.V's
    load profile and redundancy), facility MW, GWh, USD, tCO2e and m3 of water per day."""
    runs = api.fleet_runs(queries_per_day, tts_share, improved, model, n, seed, node, lever=lever, **overrides)
    params = runs.params
    api.require_hdr(params, "capacity")
    per_regime = {regime: _impacts_of(sim, params, runs.seed) for regime, sim in runs.simulations.items()}
    intensities = next(iter(per_regime.values())).intensities

    def day_total(measure: str) -> float:
        return float(runs.per_day(runs.mix(lambda sim: float(np.mean(per_regime[sim.regime].values(measure))))))

    load_f = mean_load_frac(params["load_min_frac"], params["load_max_frac"])
    sims = list(runs.simulations.values())
    nodes_by_model = {}
    for name in sims[0].models:
        seconds = runs.mix(lambda sim, name=name: float(np.mean(sim.node_seconds_by_model[name])))
        share = 1 / len(sims[0].models)  # the mixture serves its models equally (the paper's baseline)
        nodes_by_model[name] = math.ceil(imp.nodes_needed(runs.queries_per_day * share, seconds, load_f,
                                                          params["node_redundancy"]))
    node_specs = {name: api.node_spec(sims[0].nodes[name], params) for name in nodes_by_model}
    beta_node = api.node_spec(params["beta_node"], params)
    peak_ratio = imp.peak_to_mean_power(beta_node.p_max_kw, beta_node.p_idle_kw, load_f, params["load_max_frac"])

    gwh = day_total("energy_wh") / WH_PER_GWH
    it_gwh = float(runs.per_day(runs.mix(lambda sim: float(np.mean(sim.energy_wh / sim.pooled(sim.draws["pue"]))))
                                )) / WH_PER_GWH
    hardware = (imp.hardware_usd_per_day(sum(nodes_by_model.values()), params["hardware_usd_per_node"],
                                         params["hardware_lifetime_years"])
                if hardware_given(params) else None)
    electricity = day_total("electricity_usd")
    water = day_total("water_ml") / imp.ML_PER_M3 if intensities.water_intensity_l_per_kwh is not None else None

    # Two-level: per deployment, its PUE / alpha times the mix's energy at PUE 1, its price, its WUE.
    d = runs.deployments
    facility_wh = runs.per_day(runs.deployment_base_wh)  # per deployment, Wh/day
    deployment = {"gwh_per_day": facility_wh / WH_PER_GWH,
                  "avg_facility_mw": imp.average_mw(facility_wh / WH_PER_GWH),
                  "peak_facility_mw": imp.average_mw(facility_wh / WH_PER_GWH) * peak_ratio,
                  "cost_usd_per_day": imp.electricity_cost_usd(facility_wh, d["price"]) + (hardware or 0.0),
                  "carbon_t_per_day": imp.carbon_g(facility_wh, intensities.carbon_intensity_g_per_kwh) / imp.G_PER_T,
                  "water_m3_per_day": (imp.water_ml(facility_wh, runs.deployment_pue, d["wue"],
                                                    intensities.water_intensity_l_per_kwh) / imp.ML_PER_M3
                                       if water is not None else None)}
    spread = {column: None if values is None else dict(zip(("p5", "p50", "p95"),
                                                           (float(x) for x in np.percentile(values, [5, 50, 95])),
                                                           strict=True))
              for column, values in deployment.items()}
    avg_mw = float(imp.average_mw(gwh))
    result = CapacityResult(
        runs.queries_per_day, runs.shares["tts"], runs.lever == "improved", intensities.region,
        sum(nodes_by_model.values()),
        sum(count * node_specs[name].gpus for name, count in nodes_by_model.items()), nodes_by_model,
        gwh, imp.twh_per_year(gwh), avg_mw, avg_mw * peak_ratio, float(imp.average_mw(it_gwh)) * peak_ratio,
        electricity + (hardware or 0.0), electricity, hardware, (electricity + (hardware or 0.0)) * imp.DAYS_PER_YEAR,
        day_total("carbon_g") / imp.G_PER_T, water, spread, runs.beta, missing_inputs(params, intensities),
        cost_basis(params, intensities.region), runs.lever, sims[0].nodes_follow_lever, caveats=runs.caveats)
    for name, value in result.to_dict().items():
        if isinstance(value, float):
            api.finite(value, name)
    return result
