"""Scenarios side by side (issue 19): `inferwatt compare` of the shipped six, end to end (a new process), and
IW_COMPARE of six scenarios cold (memo and draw caches cleared, modules loaded) and cached.

Run: .venv/bin/python benchmarks/bench_compare.py
Targets: compare of six <= 2 s; IW_COMPARE cold <= 50 ms.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from inferwatt_xl import catalogue, udf

# The shipped six as a range of cells (data/scenarios.csv without its sources), as xlwings passes it.
ROWS = [["scenario", "parameter", "value"], *([r["scenario"], r["parameter"], catalogue.number_or_text(r["value"])]
                                             for r in catalogue.csv_rows("scenarios.csv", ("scenario", "parameter",
                                                                                          "value")))]


def main() -> None:
    cli = Path(sys.executable).with_name("inferwatt")
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([str(cli), "compare", "--json"], check=True, capture_output=True)
        runs.append(time.perf_counter() - start)
    print(f"inferwatt compare (six, new process)   median {statistics.median(runs):.2f} s   (target <= 2 s)")
    udf.IW_COMPARE(ROWS)  # modules and data loaded, as in a workbook after its first call
    cold = []
    for _ in range(5):
        udf.clear_memo()
        start = time.perf_counter()
        out = udf.IW_COMPARE(ROWS)
        cold.append(time.perf_counter() - start)
    assert isinstance(out, list) and len(out) == 61, out  # a header and 6 scenarios x 10 quantities
    start = time.perf_counter()
    udf.IW_COMPARE(ROWS)
    cached = time.perf_counter() - start
    print(f"IW_COMPARE of six, cold                median {statistics.median(cold) * 1e3:.1f} ms (target <= 50 ms)")
    print(f"IW_COMPARE of six, cached              {cached * 1e6:.0f} us; cold / cached "
          f"{statistics.median(cold) / cached:.0f}x")


if __name__ == "__main__":
    main()
