"""Speed of the full catalogue (issue 18): importing InferWatt and a first IW_MONTECARLO must stay as fast as
before (the catalogue's rows, the law and its cross-validation load only when a run needs them), and what the
first estimate costs.

Run: .venv/bin/python benchmarks/bench_catalogue.py [--against PATH]
PATH: a checkout of an earlier commit (e.g. git worktree add /tmp/before ef6a764); each fresh-process figure is
then measured for both trees in the same run, alternating, and printed with their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRESH = {  # what a new Python (a new Excel session) pays, measured inside the process
    "import inferwatt_xl.udf": "import time; t = time.perf_counter(); import inferwatt_xl.udf; "
                               "print(time.perf_counter() - t)",
    "first IW_MONTECARLO baseline, 10,000 draws": (
        "import time; import inferwatt_xl.udf as u; t = time.perf_counter(); "
        "r = u.IW_MONTECARLO('baseline', 'traditional', 10000, 1); assert not isinstance(r, str), r; "
        "print(time.perf_counter() - t)"),
}
FRESH_NEW = {  # only the new tree has these
    "first IW_STAT of an estimated model (law and cross-validation fitted)": (
        "import time; import inferwatt_xl.udf as u; u.IW_MONTECARLO('baseline', 'traditional', 10000, 1); "
        "t = time.perf_counter(); r = u.IW_STAT((('My 30B', 30.0),), 'energy_wh', 'median'); "
        "assert isinstance(r, float), r; print(time.perf_counter() - t)"),
    "inferwatt estimate-error (the whole cross-validation)": (
        "import time; t = time.perf_counter(); from inferwatt_xl import estimates; estimates.cross_validation(); "
        "print(time.perf_counter() - t)"),
}


def fresh(tree: Path, code: str) -> float:
    run = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})
    return float(run.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--against", type=Path, default=None)
    p.add_argument("--repeat", type=int, default=7)
    a = p.parse_args()
    for name, code in FRESH.items():
        ours, theirs = [], []
        for _ in range(a.repeat):  # alternating, so a busy moment hits both
            ours.append(fresh(ROOT, code))
            if a.against:
                theirs.append(fresh(a.against, code))
        line = f"{name:<60} {statistics.median(ours) * 1e3:8.1f} ms"
        if a.against:
            line += (f"   before {statistics.median(theirs) * 1e3:8.1f} ms   ratio "
                     f"{statistics.median(ours) / statistics.median(theirs):.2f}x")
        print(line)
    for name, code in FRESH_NEW.items():
        print(f"{name:<60} {statistics.median(fresh(ROOT, code) for _ in range(a.repeat)) * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
