"""Workbook generators: the standalone formula workbook, the Excel-functions workbook, xlwings Lite."""

from __future__ import annotations

from pathlib import Path

from .standalone import build_standalone


def build_all(out_dir: Path, trials: int | None = None, seed: int | None = None) -> list[Path]:
    """Everything `python build.py` writes, in out_dir."""
    out_dir = Path(out_dir)
    return [build_standalone(out_dir / "InferWatt.xlsx", trials, seed)]
