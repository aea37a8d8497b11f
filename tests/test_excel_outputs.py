"""The Excel-functions workbook and the xlwings Lite folder that build.py writes."""

import json
import re
import subprocess
import sys

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

import inferwatt_xl as iw
from inferwatt_xl import udf
from inferwatt_xl.workbook.functions import EXAMPLES, build_functions_workbook, expected_text
from inferwatt_xl.workbook.lite import build_lite

CHECK_LITE = """
import json, sys
sys.path.insert(0, {folder!r})
import main
print(json.dumps({{
    "bundle": main._iw.__file__,
    "energy": main.IW_ENERGY("Llama 3.1 405B", 300.0, 0.7, 1.2),
    "tps": main.IW_TPS("mixtral", 500.0, 300.0),
    "mc": main.IW_MONTECARLO("baseline", "tts", 2000.0, 3.0),
    "fleet": main.IW_FLEET(1e9, 0.1, True, 1000.0, 1.0),
    "beta": main.IW_BETA(),
    "bad": main.IW_ENERGY("Llama 3.1 405B", -5.0, 0.7, 1.2),
    "version": main.IW_VERSION(),
}}))
"""


def test_lite_main_runs_in_plain_python_on_its_bundle_and_matches_the_engine(tmp_path):
    folder = build_lite(tmp_path / "xlwings-lite")
    assert (folder / "requirements.txt").read_text().split() == ["numpy", "scipy"]
    result = subprocess.run([sys.executable, "-c", CHECK_LITE.format(folder=str(folder))], capture_output=True,
                            text=True, check=True, cwd=tmp_path)
    out = json.loads(result.stdout)
    assert "inferwatt_xl_" in out["bundle"]  # imported from the bundle, not from the installed package
    assert out["energy"] == iw.energy_wh("Llama 3.1 405B", 300, 0.7, 1.2)
    assert out["tps"] == iw.tps("mixtral", 500, 300)
    assert dict(out["mc"][1:]) == iw.simulate("baseline", "tts", 2000, 3).stats
    assert out["fleet"] == iw.fleet(1e9, 0.1, True, n=1000, seed=1).gwh_per_day
    assert out["beta"] == iw.beta().beta
    assert out["bad"] == "#IW! Lout must be a number > 0 and <= 1e+07, got -5.0"
    assert out["version"] == iw.__version__


def test_functions_workbook_names_the_udf_module_and_uses_every_function(tmp_path):
    path = build_functions_workbook(tmp_path / "InferWatt-Functions.xlsx")
    wb = load_workbook(path)
    assert wb["xlwings.conf"]["A1"].value == "UDF Modules" and wb["xlwings.conf"]["B1"].value == "inferwatt_xl.udf"
    formulas = [_formula_text(c.value) for row in wb["Examples"].iter_rows() for c in row if c.data_type == "f"]
    for name in (f.__name__ for f in udf.EXCEL_FUNCTIONS):
        assert any(f.startswith(f"={name}(") for f in formulas), name
    assert all('"' not in f for f in formulas)  # arguments come from cells, never text inside a formula
    assert "Import Functions" in " ".join(c.value for c in wb["Instructions"]["A"] if c.value)
    assert "#NAME?" in wb["Examples"]["A2"].value  # what to do when the add-in is not loaded, first thing


def _formula_text(value) -> str:
    return getattr(value, "text", value)


def _as_xlwings_passes(ws, ref: str):
    """A cell's value, numbers as floats; a one-row or one-column range as a flat list; else a list of rows."""
    def value(cell):
        v = cell.value
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    if ":" not in ref:
        return value(ws[ref])
    rows = [[value(c) for c in row] for row in ws[ref]]
    if len(rows) == 1 or len(rows[0]) == 1:
        return [v for row in rows for v in row]
    return rows


def test_every_example_gives_the_expected_value_printed_beside_it(tmp_path):
    """Each live formula of the Examples sheet, read from the file, called through the real function with the
    values its references hold (as the add-in passes them): the result is the expected text beside it, and a
    table result's array range is exactly the table's size."""
    ws = load_workbook(build_functions_workbook(tmp_path / "InferWatt-Functions.xlsx"))["Examples"]
    header = next(c.row for c in ws["A"] if c.value == "function")
    checked = 0
    for row in range(header + 1, ws.max_row + 1):
        shown, live = ws.cell(row, 2).value, ws.cell(row + 1, 2)
        if ws.cell(row, 2).data_type != "s" or not str(shown).startswith("=IW_"):  # the formula shown as text
            continue
        assert _formula_text(live.value) == shown
        name, args = re.fullmatch(r"=(IW_\w+)\((.*)\)", shown).groups()
        passed = [_as_xlwings_passes(ws, a) if re.fullmatch(r"[A-Z]+\d+(:[A-Z]+\d+)?", a) else float(a)
                  for a in filter(None, args.split(","))]
        got = getattr(udf, name)(*passed)
        assert expected_text(got) == ws.cell(row, 3).value, shown
        bad = ws.cell(row, 1).value == "a bad argument"
        assert (isinstance(got, str) and got.startswith("#IW!")) == bad, (shown, got)
        if isinstance(got, list):
            cols = max(len(r) if isinstance(r, list) else 1 for r in got)
            assert live.value.ref == f"B{row + 1}:{get_column_letter(1 + cols)}{row + len(got)}", shown
        checked += 1
    assert checked == len(EXAMPLES)


def test_lite_main_is_the_same_bytes_at_any_time(monkeypatch):
    import time

    from inferwatt_xl.workbook.lite import main_py

    first = main_py()
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 86_400 * 400)
    assert main_py() == first


def test_build_script_reports_ctrl_c_in_one_line(monkeypatch, capsys, tmp_path):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("build", Path(__file__).resolve().parent.parent / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "build_all", interrupted)
    assert build.main(["--out-dir", str(tmp_path)]) == 130
    assert capsys.readouterr().err == "build.py: interrupted\n"
