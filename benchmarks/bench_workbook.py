"""Build the default standalone workbook (10,000 trials), recalculate it in LibreOffice and in Gnumeric,
and report size, times, error cells and parity with the engine.

Run: .venv/bin/python benchmarks/bench_workbook.py
Targets (issue "The workbook, rebuilt for Excel", and issue 19 with its Scenarios sheet): file <= 15 MB,
build <= 20 s, full recalculation <= 60 s in each engine on 2 cores, parity <= 1e-9 relative, 0 error cells.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from openpyxl import load_workbook

import inferwatt_xl as iw
from inferwatt_xl import api, catalogue
from inferwatt_xl.workbook.built import EngineValues
from inferwatt_xl.workbook.sheets.scenarios import SHOWN as SCENARIO_ROWS
from inferwatt_xl.workbook.standalone import build_standalone, layout

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from spreadsheets import ENGINES, recalculate

ERRORS = ("#VALUE!", "#DIV/0!", "#NAME?", "#REF!", "#NUM!", "#N/A", "#NULL!", "Err:")
STATS = ("median", "mean", "p5", "p25", "p75", "p95")


def engine_results(n: int, seed: int) -> tuple[dict[tuple, float | np.ndarray], float]:
    """What the workbook computes, computed by the Python engine, and the seconds it took."""
    start = time.perf_counter()
    out: dict[tuple, float | np.ndarray] = {}
    for regime, label in (("traditional", "Traditional"), ("tts", "TTS")):
        stats = iw.simulate("baseline", regime, n=n, seed=seed).stats
        out.update({("name", f"Baseline_{label}_{s.capitalize()}_Wh"): stats[s] for s in STATS})
        for key, lever in (("none", None), ("model", "model"), ("serving", "serving"), ("hardware", "hardware"),
                           ("combined", "combined"), ("improved", "improved")):
            stats = iw.simulate("baseline", regime, n=n, seed=seed, lever=lever).stats
            out.update({("Levers", f"{regime}_{s}", key): stats[s] for s in STATS})
        for k, model in enumerate(catalogue.workbook_models()):
            sim = iw.simulate(model, regime, n=n, seed=seed)
            out.update({("Summary", f"{regime}_{s}", k): sim.stats[s] for s in STATS})
            out[("column", "Sim_Traditional" if regime == "traditional" else "Sim_TTS", f"slot_{k + 1}")] = \
                sim.energy_wh
    out[("name", "Beta")] = iw.beta().beta
    for name, share, improved in (("Fleet_Baseline_GWh_per_day", 0.0, False), ("Fleet_Mixed_GWh_per_day", 0.1,
                                  False), ("Fleet_Mixed_Improved_GWh_per_day", 0.1, True)):
        out[("name", name)] = iw.fleet(1e9, share, improved, n=n, seed=seed).gwh_per_day
    from inferwatt_xl.impacts import capacity, impacts

    for regime in ("traditional", "tts"):  # issue 9: per-query impacts and the fleet scenarios
        result = impacts("baseline", regime, n, seed)
        for measure, stats in result.stats.items():
            if stats is not None:
                out.update({("Impact", s, f"{regime}_{measure}"): stats[s] for s in STATS})
    for scenario, share, improved in (("baseline", 0.0, False), ("mixed", 0.1, False), ("mixed_improved", 0.1, True)):
        for key, value in capacity(1e9, share, improved, n=n, seed=seed).to_dict().items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in (
                    "queries_per_day", "tts_share", "beta"):
                out[("Cap", scenario, key)] = value
    shipped = EngineValues.compute(n, seed)  # issue 19: the Scenarios sheet's six columns
    names = [sc.name for sc in shipped.scenarios]
    for row in iw.comparison(shipped.scenarios, n=shipped.scenario_trials, seed=seed).rows:
        for suffix, value in (("", row[3]), ("_p5", row[4]), ("_p95", row[5])):
            if value is not None and row[1] + suffix in SCENARIO_ROWS:
                out[("ScenOut", f"s{names.index(row[0]) + 1}", row[1] + suffix)] = value
    sim = iw.simulate("baseline", "traditional", n=n, seed=seed)
    for column, key in (("l_out_traditional_tokens", "l_out_tokens"), ("util_frac_of_p_max", "util"),
                        ("pue", "pue")):
        out[("column", "Draws", column)] = sim.draws[key]
    return out, time.perf_counter() - start


def compare(path: Path, grid, expected: dict, n: int) -> tuple[int, float, int]:
    """(values compared, largest relative difference, error cells) of one recalculated copy."""
    wb = load_workbook(path, data_only=True)
    names = {k: d.attr_text for k, d in wb.defined_names.items()}
    errors = sum(isinstance(c.value, str) and c.value.startswith(ERRORS)
                 for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    got, want = [], []
    for key, value in expected.items():
        if key[0] == "name":
            sheet, cell = names[key[1]].split("!")
            got.append(wb[sheet.strip("'")][cell.replace("$", "")].value)
            want.append(value)
        elif key[0] == "column":
            table = grid.table(key[1])
            ws = wb[table.sheet]
            got += [ws[table.cell(key[2], i)].value for i in range(n)]
            want += list(value)
        else:
            table = grid.table(key[0])
            got.append(wb[table.sheet][table.cell(key[1], key[2])].value)
            want.append(value)
    got_a, want_a = np.array(got, dtype=float), np.array(want, dtype=float)
    # relative to the engine's value; where that is 0 (a draw rounded to 0 tokens has 0 Wh), to 1e-300
    return len(got), float(np.max(np.abs(got_a - want_a) / np.maximum(np.abs(want_a), 1e-300))), errors


def main() -> None:
    params = api.resolve_params()
    n, seed = params["n_trials"], params["seed"]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        path = build_standalone(Path(tmp) / "InferWatt.xlsx")
        build_s = time.perf_counter() - start
        expected, engine_s = engine_results(n, seed)
        grid = layout(EngineValues.compute(n, seed)).grid
        print(f"trials                          {n:,}")
        print(f"file size                       {path.stat().st_size / 1e6:.2f} MB   (target <= 15 MB)")
        print(f"build time                      {build_s:.1f} s    (target <= 20 s)")
        print(f"engine time for the same results {engine_s:.2f} s")
        for engine in ENGINES:
            out, seconds = recalculate(path, Path(tmp) / engine, engine)
            count, worst, errors = compare(out, grid, expected, n)
            print(f"{engine:<12} recalculation     {seconds:.1f} s   (target <= 60 s, includes start-up); "
                  f"spreadsheet / engine time {seconds / engine_s:.0f}x")
            print(f"{engine:<12} values compared   {count:,}; largest relative difference {worst:.2e}; "
                  f"error cells {errors}")


if __name__ == "__main__":
    main()
