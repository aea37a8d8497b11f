"""Build the default standalone workbook, recalculate it in LibreOffice, and report size, times and parity.

Run: .venv/bin/python benchmarks/bench_workbook.py   (targets from issue 4: <= 15 MB, build <= 20 s,
full LibreOffice recalculation <= 60 s on 2 cores; parity within 1e-9 relative)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from openpyxl import load_workbook

import inferwatt_xl as iw
from inferwatt_xl import api
from inferwatt_xl.workbook.standalone import DATA_ROW, build_standalone

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from libreoffice import recalculate


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        path = build_standalone(Path(tmp) / "InferWatt.xlsx")
        build_s = time.perf_counter() - start
        out, recalc_s = recalculate(path, Path(tmp) / "out")
        wb = load_workbook(out, data_only=True)
        names = {n: d.attr_text for n, d in wb.defined_names.items()}

        def value(name: str) -> float:
            sheet, cell = names[name].split("!")
            return wb[sheet.strip("'")][cell.replace("$", "")].value

        n, seed = api.resolve_params()["n_trials"], api.resolve_params()["seed"]
        pairs = []
        for regime, label in (("traditional", "Traditional"), ("tts", "TTS")):
            stats = iw.simulate("baseline", regime, n=n, seed=seed).stats
            pairs += [(value(f"Baseline_{label}_{k.capitalize()}_Wh"), v) for k, v in stats.items()]
        pairs.append((value("Beta"), iw.beta().beta))
        for name, share, improved in (("Fleet_Baseline_GWh_per_day", 0.0, False), ("Fleet_Mixed_GWh_per_day", 0.1,
                                      False), ("Fleet_Mixed_Improved_GWh_per_day", 0.1, True)):
            pairs.append((value(name), iw.fleet(1e9, share, improved, n=n, seed=seed).gwh_per_day))
        sim = iw.simulate("baseline", "traditional", n=n, seed=seed)
        draws = wb["Draws"]
        for column, expected in ((9, sim.draws["l_out_tokens"]), (12, sim.draws["util"]), (13, sim.draws["pue"])):
            got = [draws.cell(DATA_ROW + i, column).value for i in range(n)]
            pairs += list(zip(got, expected, strict=True))
        got, expected = np.array(pairs, dtype=float).T
        worst = float(np.max(np.abs(got - expected) / np.abs(expected)))
        print(f"trials                         {n:,}")
        print(f"file size                      {path.stat().st_size / 1e6:.2f} MB   (target <= 15 MB)")
        print(f"build time                     {build_s:.1f} s    (target <= 20 s)")
        print(f"LibreOffice recalculation      {recalc_s:.1f} s   (target <= 60 s, includes start-up)")
        print(f"values compared                {len(pairs):,} (baseline statistics, beta, fleet, all draws of "
              "L_out, P_node/P_max, PUE)")
        print(f"largest relative difference    {worst:.2e}")


if __name__ == "__main__":
    main()
