"""Workbook generators: the standalone formula workbook, the Excel-functions workbook, xlwings Lite."""

from __future__ import annotations

from pathlib import Path

from .functions import build_functions_workbook
from .lite import build_lite
from .standalone import build_standalone


def build_all(out_dir: Path, trials: int | None = None, seed: int | None = None,
              preset: str | None = None) -> list[Path]:
    """Everything `python build.py` writes, in out_dir."""
    out_dir = Path(out_dir)
    return [build_standalone(out_dir / "InferWatt.xlsx", trials, seed, preset),
            build_functions_workbook(out_dir / "InferWatt-Functions.xlsx"),
            build_lite(out_dir / "xlwings-lite")]
