"""Scenarios side by side: named sets of overrides on a reference, run on the same draws.

A scenario is data: a name and the settings it changes (declared parameters, `node`, `lever`, `model`), on
top of the first scenario, the reference. Every scenario of a comparison draws the same trials and the same
deployments (common random numbers: one seed, one trial count), so a difference between two columns is the
scenario's own effect and not sampling noise. The same table comes out of the API (`compare`, a pandas
DataFrame), the command line (`inferwatt compare`), the Excel function IW_COMPARE and the workbook's
Scenarios sheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import api, catalogue
from . import vocabulary as vocab
from .errors import InputError
from .impacts import capacity

if TYPE_CHECKING:
    import pandas as pd

SETTINGS = ("node", "lever", "model")  # what a scenario may set besides a declared parameter
# The same for every scenario of a comparison, or the draws would not be shared.
SHARED = {"seed": "one seed for every scenario (common random numbers)",
          "n_trials": "one trial count for every scenario (scenario_trials)",
          "scenario_trials": "one trial count for every scenario (common random numbers)",
          "rng": "rng = hdr: the shared draws of common random numbers"}
FILE_COLUMNS = ("scenario", "parameter", "value")


@dataclass(frozen=True)
class Quantity:
    """One row of a comparison: what it is, its unit, and where its spread comes from."""

    key: str
    words: str
    unit: str
    spread: str  # "trials" (P5-P95 of the queries), "deployments" (two-level, over deployments) or ""


QUANTITIES = {q.key: q for q in (
    Quantity("wh_per_query_traditional", "energy per traditional query (median)", "Wh/query", "trials"),
    Quantity("wh_per_query_tts", "energy per test-time-scaling query (median)", "Wh/query", "trials"),
    Quantity("gwh_per_day", "energy per day", "GWh/day", "deployments"),
    Quantity("avg_facility_mw", "average facility power", "MW", "deployments"),
    Quantity("peak_facility_mw", "peak facility power", "MW", "deployments"),
    Quantity("nodes", "nodes", "nodes", ""),
    Quantity("gpus", "GPUs", "GPUs", ""),
    Quantity("cost_usd_per_day", "cost per day", "USD/day", "deployments"),
    Quantity("carbon_t_per_day", "carbon per day", "tCO2e/day", "deployments"),
    Quantity("water_m3_per_day", "water per day", "m3/day", "deployments"),
)}
FRAME_COLUMNS = ("scenario", "quantity", "unit", "value", "p5", "p95", "reference", "difference", "ratio")


@dataclass(frozen=True)
class Scenario:
    """A name and the settings it changes on top of the reference, in the order given."""

    name: str
    settings: tuple[tuple[str, object], ...] = ()


def _setting(name: object, value: object) -> tuple[str, object]:
    """One (parameter, value) checked on its own, so that a bad row is named before anything runs."""
    key = name.strip() if isinstance(name, str) else name
    declared = catalogue.parameters()
    if key in SHARED:
        raise InputError("parameter", name, SHARED[key] + "; set it for the whole comparison instead")
    if key not in declared and key not in SETTINGS:
        raise InputError("parameter", name,
                         "a parameter of data/parameters.csv (inferwatt params), or " + ", ".join(SETTINGS))
    text = value.strip() if isinstance(value, str) else value
    if key == "lever":
        return key, api.normalise_lever(text)
    if key == "node":
        if not isinstance(text, str) or not text:
            raise InputError("node", value, "a node name, or MODEL=NODE")
        model, sep, node = text.rpartition("=")
        node = catalogue.find_node(node, "node").name
        return key, (catalogue.find_model(model.strip(), "node").name, node) if sep else node
    if key == "model":
        api.resolve_models(text)  # a name, alias or "baseline" (raises naming what is allowed)
        return key, text
    if isinstance(text, str) and text and declared[key].kind in ("number", "integer"):
        text = catalogue.number_or_text(text)  # otherwise check() names the input and what is allowed
    if isinstance(text, str) and not text and key in catalogue.EMPTY_MEANS_COMPUTED:
        return key, ""
    return key, declared[key].check(text)


def scenarios_from_rows(rows: Iterable[Sequence[object]], where: str = "scenarios",
                        first_row: int = 1) -> list[Scenario]:
    """Scenarios from (scenario, parameter, value) rows, in the order their names first appear; a scenario with
    no setting is one row with an empty parameter. A row's error names where it is (rows from `first_row`)."""
    order: dict[str, list[tuple[str, object]]] = {}
    for i, row in enumerate(rows, start=first_row):
        name, parameter, value = [*row, None, None, None][:3]
        here = f"{where}, row {i}"
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in (name, parameter, value)):
            continue  # an empty row (a range with room for more)
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"{here}: scenario", name, "a scenario name")
        settings = order.setdefault(name.strip(), [])
        if parameter is None or (isinstance(parameter, str) and not parameter.strip()):
            continue
        try:
            key, checked = _setting(parameter, value)
        except InputError as err:
            raise InputError(f"{here}: {err.name}", err.value, err.allowed) from None
        same = [s for s in settings if s[0] == key and not (key == "node" and isinstance(checked, tuple)
                                                             and isinstance(s[1], tuple) and s[1][0] != checked[0])]
        if same:  # the later row would silently win
            raise InputError(f"{here}: parameter", parameter, f"each setting once per scenario ({name.strip()} "
                             f"sets {key} twice)")
        settings.append((key, checked))
    if not order:
        raise InputError(where, "no rows", "at least one scenario (the first is the reference)")
    return [Scenario(name, tuple(settings)) for name, settings in order.items()]


def read_scenarios(path: str | Path) -> list[Scenario]:
    """A scenario file: a CSV with the columns scenario, parameter, value (others, such as source, are kept out)."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as err:
        raise InputError("scenarios file", str(path), f"a readable CSV file ({err.strerror})") from None
    rows = catalogue.csv_rows(file.name, FILE_COLUMNS, data)
    return scenarios_from_rows(((r["scenario"], r["parameter"], r["value"]) for r in rows), file.name, 2)


def default_scenarios() -> list[Scenario]:
    """The shipped six (data/scenarios.csv, each row with its source): the paper's three fleets, then the mixed
    fleet on B200, with the serving lever and on Germany's grid."""
    rows = catalogue.csv_rows("scenarios.csv", (*FILE_COLUMNS, "source"))
    return scenarios_from_rows(((r["scenario"], r["parameter"], r["value"]) for r in rows), "scenarios.csv", 2)


def as_scenarios(scenarios: object) -> list[Scenario]:
    """What the API accepts: Scenario objects, a path to a scenario file, {name: {parameter: value}} (a node
    mapping as {model: node}), or (scenario, parameter, value) rows; None: the shipped six."""
    if scenarios is None:
        return default_scenarios()
    if isinstance(scenarios, (str, Path)):
        return read_scenarios(scenarios)
    if isinstance(scenarios, Mapping):
        rows = []
        for name, settings in scenarios.items():
            if not isinstance(settings, Mapping):
                raise InputError(f"scenario {name!r}", settings, "a mapping of parameter names to values")
            rows += [(name, None, None)] if not settings else []
            for key, value in settings.items():
                pairs = value.items() if key == "node" and isinstance(value, Mapping) else [(None, value)]
                rows += [(name, key, value if model is None else f"{model}={value}") for model, value in pairs]
        return scenarios_from_rows(rows, "scenarios")
    items = list(scenarios) if isinstance(scenarios, (list, tuple)) else None
    if items and all(isinstance(s, Scenario) for s in items):
        return items
    if items and all(isinstance(r, (list, tuple)) for r in items):
        return scenarios_from_rows(items, "scenarios")
    raise InputError("scenarios", scenarios, "Scenario objects, a scenario CSV file, {name: {parameter: value}} or "
                                             "(scenario, parameter, value) rows")


@dataclass(frozen=True)
class Run:
    """What one scenario runs with: the reference's settings, then its own."""

    name: str
    overrides: dict[str, object]
    node: str | dict[str, str] | None
    lever: str | None
    model: object

    @classmethod
    def of(cls, scenario: Scenario, reference: Scenario, common: Mapping[str, object]) -> Run:
        overrides: dict[str, object] = dict(common)
        lever, model, every, per_model = None, "baseline", None, {}
        for key, value in (*reference.settings, *(() if scenario is reference else scenario.settings)):
            if key == "node" and isinstance(value, tuple):
                per_model[value[0]] = value[1]
            elif key == "node":
                every, per_model = value, {}
            elif key == "lever":
                lever = value
            elif key == "model":
                model = value
            else:
                overrides[key] = value
        if per_model:
            names = api.resolve_models(model, api.resolve_params(overrides))
            for name, node in per_model.items():
                if name not in names:  # it would be ignored: the run does not serve that model
                    raise InputError("node", f"{name}={node}",
                                     "a node for a model of the scenario: " + ", ".join(names))
            node: str | dict[str, str] | None = {m: per_model.get(m, every) for m in names
                                                  if per_model.get(m, every) is not None}
        else:
            node = every
        return cls(scenario.name, overrides, node, lever, model)


@dataclass(frozen=True)
class Comparison:
    """Scenarios side by side: one row per scenario and quantity (FRAME_COLUMNS), and what they ran with."""

    rows: tuple[tuple[object, ...], ...]
    n: int
    seed: int
    reference: str
    notes: dict[str, dict[str, object]]  # per scenario: nodes by model, lever, region, cost basis, missing inputs

    def to_frame(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame (a missing value is NaN), what they ran with in `.attrs`."""
        import pandas as pd  # only here: the Excel function and the command line need no pandas

        frame = pd.DataFrame([[float("nan") if v is None else v for v in row] for row in self.rows],
                             columns=FRAME_COLUMNS)
        frame.attrs.update({"n": self.n, "seed": self.seed, "reference": self.reference, "notes": self.notes,
                            "spread": {k: q.spread for k, q in QUANTITIES.items()}})
        return frame

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of `inferwatt compare`: the run's identity, one record per scenario and quantity (a
        missing value is null), and each scenario's notes."""
        return {"reference": self.reference, "n": self.n, "seed": self.seed,
                "spread": {k: q.spread for k, q in QUANTITIES.items()},
                "rows": [dict(zip(FRAME_COLUMNS, row, strict=True)) for row in self.rows], "notes": self.notes}


def compare(scenarios: object = None, n: int | None = None, seed: int | None = None,
            **overrides: object) -> pd.DataFrame:
    """Every scenario's energy per query, fleet energy, power, nodes, cost, carbon and water, with their P5-P95
    and their difference from the first scenario (the reference), as a pandas DataFrame: one row per scenario
    and quantity (`comparison` gives the same without pandas)."""
    return comparison(scenarios, n, seed, **overrides).to_frame()


def comparison(scenarios: object = None, n: int | None = None, seed: int | None = None,
               **overrides: object) -> Comparison:
    """Run every scenario on the same trials and deployments (`seed`, and `n` trials, by default the parameter
    scenario_trials); `overrides` hold for every scenario, under each scenario's own settings."""
    items = as_scenarios(scenarios)
    names = [s.name for s in items]
    if len(set(names)) != len(names):
        raise InputError("scenarios", names, "each scenario name once")
    if "n_trials" in overrides:  # it would not be what the scenarios run
        raise InputError("compare argument", "n_trials", "n or scenario_trials (every scenario runs that many)")
    params = api.resolve_params(overrides)
    n = params["scenario_trials"] if n is None else api.check_n(n)
    # an int, never a numpy Generator: a generator would give each scenario other draws
    seed = params["seed"] if seed is None else catalogue.parameters()["seed"].check(seed)
    measured: dict[str, dict[str, tuple]] = {}
    notes: dict[str, dict[str, object]] = {}
    for scenario in items:
        try:
            run = Run.of(scenario, items[0], overrides)
            measured[scenario.name], notes[scenario.name] = _measure(run, n, seed)
        except InputError as err:
            raise InputError(f"scenario {scenario.name!r}: {err.name}", err.value, err.allowed) from None
    reference = measured[names[0]]
    rows = []
    for name in names:
        for key, q in QUANTITIES.items():
            value, p5, p95 = measured[name][key]
            ref = reference[key][0]
            known = value is not None and ref is not None
            rows.append((name, key, q.unit, value, p5, p95, ref, value - ref if known else None,
                         value / ref if known and ref != 0 else None))
    return Comparison(tuple(rows), n, seed, names[0], notes)


def _measure(run: Run, n: int, seed: int) -> tuple[dict[str, tuple], dict[str, object]]:
    """One scenario's quantities (value, P5, P95) and what a reader must know beside them."""
    kwargs = {"model": run.model, "n": n, "seed": seed, "node": run.node, "lever": run.lever, **run.overrides}
    result = capacity(**kwargs)
    values: dict[str, tuple] = {}
    for regime in vocab.REGIMES:
        sim = api.simulate(run.model, regime, n, seed, lever=run.lever, node=run.node, **run.overrides)
        stats = api.summarise(sim.energy_wh)  # every draw, as the fleet's totals use them
        values[f"wh_per_query_{regime}"] = (stats["median"], stats["p5"], stats["p95"])
    for key, q in QUANTITIES.items():
        if q.spread == "trials":
            continue
        value = getattr(result, key)
        spread = result.spread.get(key) if q.spread else None
        values[key] = (value, *((spread["p5"], spread["p95"]) if spread else (None, None)))
    return values, {"nodes_by_model": result.nodes_by_model, "lever": result.lever, "region": result.region,
                    "cost_basis": result.cost_basis, "missing": result.missing,
                    "nodes_follow_lever": result.nodes_follow_lever}

