"""Two builds of the standalone workbook, compared by what a reader and a spreadsheet engine see.

    python scripts/compare_workbooks.py BEFORE.xlsx AFTER.xlsx

A refactor of the builder should change nothing a reader sees; byte identity is too strict a test for
that (openpyxl numbers its styles in the order cells first use them). This lists every difference in
cell values and formulas, number formats, fonts, fills, locking, widths, heights, merges, defined names,
data validations, print settings and the charts' XML; exit 1 when there is one.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.worksheet.formula import ArrayFormula


def _value(cell: object) -> object:
    value = cell.value
    return ("array", value.ref, value.text) if isinstance(value, ArrayFormula) else value


def _sheet(ws: object) -> dict[str, object]:
    cells = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and not c.has_style:
                continue
            cells[c.coordinate] = (_value(c), c.number_format, c.font.b, c.fill.fgColor.rgb if c.fill else None,
                                   c.protection.locked, c.alignment.wrap_text)
    return {
        "cells": cells,
        "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.width},
        "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "validations": sorted((str(v.sqref), v.type, v.formula1, v.formula2, v.prompt, v.error)
                              for v in ws.data_validations.dataValidation),
        "print": (ws.print_area, ws.print_title_rows, ws.print_title_cols, ws.page_setup.fitToWidth,
                  ws.page_setup.fitToHeight, ws.freeze_panes, sorted(b.id for b in ws.row_breaks.brk)),
    }


def differences(before: Path, after: Path, limit: int = 40) -> list[str]:
    out: list[str] = []
    a, b = openpyxl.load_workbook(before), openpyxl.load_workbook(after)
    if a.sheetnames != b.sheetnames:
        out.append(f"sheets: {a.sheetnames} -> {b.sheetnames}")
    names_a = {k: v.attr_text for k, v in a.defined_names.items()}
    names_b = {k: v.attr_text for k, v in b.defined_names.items()}
    for k in sorted(set(names_a) | set(names_b)):
        if names_a.get(k) != names_b.get(k):
            out.append(f"defined name {k}: {names_a.get(k)} -> {names_b.get(k)}")
    for title in a.sheetnames:
        if title not in b.sheetnames:
            continue
        sa, sb = _sheet(a[title]), _sheet(b[title])
        for part in sa:
            if part == "cells":
                for ref in sorted(set(sa["cells"]) | set(sb["cells"])):
                    if sa["cells"].get(ref) != sb["cells"].get(ref):
                        out.append(f"{title}!{ref}: {sa['cells'].get(ref)} -> {sb['cells'].get(ref)}")
            elif sa[part] != sb[part]:
                out.append(f"{title} {part}: {sa[part]} -> {sb[part]}")
    with zipfile.ZipFile(before) as za, zipfile.ZipFile(after) as zb:
        charts_a = sorted(n for n in za.namelist() if n.startswith("xl/charts/"))
        charts_b = sorted(n for n in zb.namelist() if n.startswith("xl/charts/"))
        if charts_a != charts_b:
            out.append(f"chart parts: {charts_a} -> {charts_b}")
        for name in set(charts_a) & set(charts_b):
            if za.read(name) != zb.read(name):
                out.append(f"{name} differs")
        drawings = sorted(n for n in za.namelist() if n.startswith("xl/drawings/"))
        for name in drawings:
            if name in zb.namelist() and za.read(name) != zb.read(name):
                out.append(f"{name} differs")
    return out[:limit] + ([f"... and {len(out) - limit} more"] if len(out) > limit else [])


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    found = differences(Path(argv[0]), Path(argv[1]))
    print("\n".join(found) if found else "no difference a reader or an engine sees")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
