"""Build the workbooks from the embedded defaults: python build.py [--preset P] [--trials N] [--seed S] [--out PATH]."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from inferwatt_xl.cli import output_path, run_reporting_errors
from inferwatt_xl.workbook import build_all
from inferwatt_xl.workbook.standalone import build_standalone


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--trials", type=int, default=None, help="Monte Carlo trials (rows of formulas), default 10000")
    p.add_argument("--seed", type=int, default=None, help="HDR seed, default the preset's (1; 42 for paper_v1/v2)")
    p.add_argument("--preset", default=None, help="the reading of the paper the standalone workbook is built under: "
                                                  "inferwatt (default), paper_v2, paper_v1 or text_v1")
    p.add_argument("--out", default=None, help="write only the standalone workbook, to this path")
    p.add_argument("--out-dir", default="dist", help="folder for all outputs (default dist/)")
    a = p.parse_args(argv)
    start = time.perf_counter()
    paths: list[Path] = []

    def build() -> None:
        if a.out is not None:
            output_path("--out", a.out, ".xlsx")
        paths.extend([build_standalone(Path(a.out), a.trials, a.seed, a.preset)] if a.out else
                     build_all(Path(a.out_dir), a.trials, a.seed, a.preset))

    code = run_reporting_errors("build.py", build)
    if code:
        return code
    for path in paths:
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)" if path.is_file() else f"wrote {path}/")
    print(f"built in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
