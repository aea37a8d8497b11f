"""Every engine value the standalone workbook stamps at build, computed once, before any sheet is laid out.

The sheets show these beside their live formulas (the 'engine at build' columns, the Hardware and Sensitivity
tables, the key results on About); laying out a sheet runs no simulation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import api, catalogue, reproduce, scenarios
from ..calibration import Measurement, example_measurements
from ..impacts import CAPACITY_UNITS, CAPACITY_WORDS, MEASURE_WORDS, CapacityResult, ImpactsResult, capacity, impacts
from ..sensitivity import SensitivityTable, sensitivity
from ..vocabulary import FLEET_SCENARIOS
from .formulas import CAPACITY_NAMES, NAMED_MEASURES, REGIMES

# A query's cost is a few millionths of a dollar: shown per 1,000 queries, where it reads as a price.
PER_THOUSAND = 1000


@dataclass(frozen=True)
class KeyImpact:
    """A result beyond the paper on the About sheet: its words, unit, the defined name that computes it live,
    a factor on that name's value, and how the engine's value is read from its per-query and fleet results."""

    key: str
    quantity: str
    unit: str
    name: str
    scale: int
    engine: Callable[[dict[str, ImpactsResult], CapacityResult], float]


def _key_impacts() -> tuple[KeyImpact, ...]:
    out = []
    for regime in REGIMES:
        regime_text, short = REGIMES[regime].words, REGIMES[regime].short
        for measure, unit in NAMED_MEASURES.items():
            def engine(per_query: dict[str, ImpactsResult], _: CapacityResult, regime: str = regime,
                       measure: str = measure) -> float:
                return per_query[regime].stat(measure, "median")

            words, name = MEASURE_WORDS[measure], f"Baseline_{short}_Median_{unit}"
            if unit == "USD":
                out.append(KeyImpact(f"{regime}_{measure}", f"Baseline, {regime_text}, median {words} per 1,000 "
                                     "queries", "USD/1,000 queries", name, PER_THOUSAND, engine))
            else:
                out.append(KeyImpact(f"{regime}_{measure}", f"Baseline, {regime_text}, median {words} per query",
                                     unit, name, 1, engine))
    mixed_name = FLEET_SCENARIOS["mixed"].name
    for key in ("nodes", "cost_usd_per_day", "carbon_t_per_day", "water_m3_per_day"):
        out.append(KeyImpact(f"fleet_{key}", f"1 B queries/day, 10 % test-time scaling: {CAPACITY_WORDS[key]}",
                             CAPACITY_UNITS[key], f"Fleet_{mixed_name}_{CAPACITY_NAMES[key]}", 1,
                             lambda _, mixed, key=key: float(getattr(mixed, key))))
    for q in ("p5", "p95"):
        out.append(KeyImpact(f"fleet_gwh_{q}", f"1 B queries/day, 10 % test-time scaling: energy, {q.upper()} over "
                             "deployments", "GWh/day", f"Fleet_{mixed_name}_{CAPACITY_NAMES[f'gwh_per_day_{q}']}", 1,
                             lambda _, mixed, q=q: mixed.spread["gwh_per_day"][q]))
    return tuple(out)


KEY_IMPACTS = _key_impacts()


@dataclass(frozen=True)
class EngineValues:
    """The inputs' values under the preset, the shipped benchmark rows, and every engine result the sheets stamp."""

    trials: int
    seed: int
    preset: str
    params: dict[str, object]
    benchmarks: catalogue.Benchmarks
    quantities: dict[str, float]  # the paper's figures by key (reproduce.quantities)
    reproduction: dict[str, reproduce.Row]  # the Reproduction table's rows by quantity
    text_code: list[reproduce.TextCodeRow]
    hardware: list[api.HardwareRow]
    sensitivity: dict[str, SensitivityTable]  # regime -> the baseline median's sensitivity
    key_impacts: dict[str, float]  # KeyImpact.key -> the engine's value, scaled as shown
    scenarios: list[scenarios.Scenario]  # the Scenarios sheet's columns as shipped (data/scenarios.csv)
    scenario_trials: int  # the trials of each scenario there: scenario_trials, at most the build's trials
    measurements: tuple[Measurement, ...]  # the Calibration sheet's rows as shipped (data/measurements_example.csv)
    throughput_log_sd: float  # the calibration's prior sd of ln(throughput factor), from the shipped fits

    @classmethod
    def compute(cls, trials: int, seed: int, preset: str = catalogue.DEFAULT_PRESET) -> EngineValues:
        overrides = {"preset": preset, "n_trials": trials}
        params = api.resolve_params({**overrides, "seed": seed})
        reproduction, text_code = reproduce.workbook_tables(overrides)
        per_query = {regime: impacts("baseline", regime, trials, seed, preset=preset) for regime in REGIMES}
        mixed = capacity(None, None, n=trials, seed=seed, preset=preset)
        return cls(
            trials, seed, preset, params, api.shipped_benchmarks(params),
            reproduce.quantities(reproduce.Choices(overrides=tuple(overrides.items()), seed=seed)),
            reproduction, text_code,
            [r for m in catalogue.workbook_models()
             for r in api.hardware(m, n=trials, seed=seed, nodes=catalogue.workbook_nodes(), preset=preset)],
            {regime: sensitivity("baseline", regime, n=trials, seed=seed, preset=preset) for regime in REGIMES},
            {k.key: k.engine(per_query, mixed) * k.scale for k in KEY_IMPACTS},
            scenarios.default_scenarios(), min(params["scenario_trials"], trials),
            tuple(m for m in example_measurements() if m.model in catalogue.workbook_models()),
            api.throughput_log_sd(params))
