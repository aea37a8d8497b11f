"""Workbook generators: the standalone formula workbook, the Excel-functions workbook, xlwings Lite."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..files import clear_stale_temps
from .functions import build_functions_workbook
from .lite import build_lite
from .standalone import build_standalone

OUTPUTS = ("InferWatt.xlsx", "InferWatt-Functions.xlsx", "xlwings-lite")


def build_all(out_dir: Path, trials: int | None = None, seed: int | None = None,
              preset: str | None = None) -> list[Path]:
    """Everything `python build.py` writes, in out_dir, replaced as one set: all three are built in a staging
    folder beside them first, so a failure or an interruption leaves the earlier set as it was."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    clear_stale_temps(out_dir, "build")  # a killed build's staging folder (its PID is in the name)
    staging = out_dir / f".build.{os.getpid()}.staging.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        build_standalone(staging / OUTPUTS[0], trials, seed, preset)
        build_functions_workbook(staging / OUTPUTS[1])
        build_lite(staging / OUTPUTS[2])
        for name in OUTPUTS:  # the set is complete: each output replaces its predecessor
            target = out_dir / name
            if target.is_dir() and not target.is_symlink():
                old = out_dir / f".build.{os.getpid()}.{name}.old.tmp"
                os.replace(target, old)
                os.replace(staging / name, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(staging / name, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / name for name in OUTPUTS]
