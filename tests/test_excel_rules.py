"""Microsoft Excel's file rules, checked on the built workbook without any spreadsheet application.

LibreOffice and Gnumeric forgive what Excel does not (a defined name such as Z95 that is also a
cell, a function without its `_xlfn.` prefix); these tests read the file itself.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import re
import stat
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from xlsxwriter.worksheet import Worksheet as XlsxWriterWorksheet

import inferwatt_xl as iw
from inferwatt_xl import api, catalogue, scenarios
from inferwatt_xl.sensitivity import SensitivityTable
from inferwatt_xl.workbook import charts, excel, standalone
from inferwatt_xl.workbook.book import BULK_PRINTED_ROWS, Book
from inferwatt_xl.workbook.built import KEY_IMPACTS, EngineValues
from inferwatt_xl.workbook.excel import ExcelRuleError, add_prefixes, check_defined_name, check_formula
from inferwatt_xl.workbook.formulas import input_name
from inferwatt_xl.workbook.functions import build_functions_workbook
from inferwatt_xl.workbook.grid import Column, Grid, Table
from inferwatt_xl.workbook.sheets.inputs import FIXED_AT_BUILD
from inferwatt_xl.workbook.sheets.simulation import HEADS as SIM_HEADS
from inferwatt_xl.workbook.standalone import build_book, build_standalone, layout

TRIALS = 200
EMPTY_SENSITIVITY = SensitivityTable("baseline", "traditional", "median", "Wh/query", 1.0, [])


def placeholder_values(trials: int = 10, shipped: list | None = None) -> EngineValues:
    """Engine values of the right shape but no simulation (every stamped number 1.0, no stamped rows): for
    tests of the builder's layout and rules, which must not depend on the engine's numbers."""
    params = api.resolve_params({"n_trials": trials, "seed": 1})
    return EngineValues(trials, 1, params["preset"], params, api.shipped_benchmarks(params),
                        dict.fromkeys(catalogue.paper_figures(), 1.0), {}, [], [],
                        dict.fromkeys(("traditional", "tts"), EMPTY_SENSITIVITY),
                        {k.key: 1.0 for k in KEY_IMPACTS},
                        scenarios.default_scenarios() if shipped is None else shipped, trials, (), 1.0)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_standalone(tmp_path_factory.mktemp("rules") / "InferWatt.xlsx", trials=TRIALS, seed=1)


@pytest.fixture(scope="module")
def formulas(built) -> list[tuple[str, str]]:
    """(where, formula text) of every formula in the file."""
    wb = load_workbook(built)
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                text = getattr(cell.value, "text", cell.value)
                if isinstance(text, str) and text.startswith("=") and cell.data_type != "s":
                    out.append((f"{ws.title}!{cell.coordinate}", text))
    return out


# ---------------------------------------------------------------- the rules themselves, by hand


@pytest.mark.parametrize("name", ["Z95", "A1", "XFD1048576", "ab12", "R1C1", "R", "c", "R2", "C10", "r[1]c[-1]",
                                  "TRUE", "1abc", "has space", "a-b", "x" * 256, "LN", "Percentile.Inc"])
def test_names_excel_rejects_or_misreads_are_refused(name):
    with pytest.raises(ExcelRuleError):
        check_defined_name(name)


@pytest.mark.parametrize("name", ["Z_95", "PUE_P95", "Beta", "_x", "\\name", "a.b", "ABCD1", "Fleet_GWh_per_day"])
def test_valid_names_pass(name):
    check_defined_name(name)


def test_names_must_be_unique_ignoring_case():
    with pytest.raises(ExcelRuleError, match="differ only in case"):
        excel.check_defined_names(["Beta", "BETA"])


@pytest.mark.parametrize(("formula", "message"), [
    ("=NORM.S.INV(0.5)", "_xlfn.NORM.S.INV"),
    ("=_xlfn.IF(1,2,3)", "must not carry"),
    ("=FOO(1)", "not among"),
    ("=" + "+".join(["1"] * 5000), "characters"),
    ("=" + "ABS(" * 65 + "1" + ")" * 65, "nesting"),
    ("=SUM(" + ",".join(["1"] * 256) + ")", "arguments"),
    ("=ABS((1)", "unbalanced"),
    ("1+1", "start with"),
])
def test_formulas_breaking_an_excel_rule_are_refused(formula, message):
    with pytest.raises(ExcelRuleError, match=re.escape(message)):
        check_formula(formula, "test")


def test_prefixes_are_added_once_and_never_inside_text():
    text = '=IF(A1="NORM.S.INV(",PERCENTILE.INC(B1:B9,0.5),NORM.S.INV(0.9))'
    once = add_prefixes(text)
    assert once == '=IF(A1="NORM.S.INV(",_xlfn.PERCENTILE.INC(B1:B9,0.5),_xlfn.NORM.S.INV(0.9))'
    assert add_prefixes(once) == once


def test_the_prefix_list_agrees_with_xlsxwriter():
    """Every function we prefix is one XlsxWriter prefixes, and none we leave bare is."""
    source = inspect.getsource(XlsxWriterWorksheet._prepare_formula)
    theirs = {m.removeprefix("_xlws.") for m in re.findall(r'"_xlfn\.((?:_xlws\.)?[A-Z0-9.]+)\("', source)}
    assert len(theirs) > 100
    assert theirs >= excel.FUTURE_FUNCTIONS
    assert not excel.CLASSIC_FUNCTIONS & theirs


def test_fit_text_keeps_whole_pieces():
    assert excel.fit_text(["One.", "Two three.", "Four."], 15) == "One. Two three."
    with pytest.raises(ExcelRuleError):
        excel.fit_text(["much too long"], 5)


# ---------------------------------------------------------------- the template compiler


def small_grid(columns: list[Column]) -> tuple[Grid, Table]:
    grid = Grid({"pue_p95": "PUE_P95"})
    data = grid.add(Table("Data", "Data", [Column("x", "x"), Column("y", "y")], 3, 5))
    table = grid.add(Table("T", "Calc Sheet", columns, 6, 5))
    return grid, data if not columns else table


def test_templates_follow_columns_when_one_is_inserted():
    columns = [Column("a", "a"), Column("b", "b", "={a}*{Data.y}+{all.Data.x}*{p.pue_p95}")]
    grid, table = small_grid(columns)
    assert grid.compile(columns[1].formula, table, columns[1])(0) == "=A6*Data!$B3+Data!$A$3:$A$7*PUE_P95"
    inserted = [Column("new", "new"), *columns]
    grid2, table2 = small_grid(inserted)
    assert grid2.compile(inserted[2].formula, table2, inserted[2])(4) == "=B10*Data!$B7+Data!$A$3:$A$7*PUE_P95"
    assert table2.cell("b", 0, sheet=True, absolute=True) == "'Calc Sheet'!$C$6"


@pytest.mark.parametrize(("template", "message"), [
    ("={missing}", "no column 'missing'"), ("={p.nope}", "no declared parameter 'nope'"),
    ("={Nowhere.x}", "no table 'Nowhere'"), ("={a.b.c.d}", "not a placeholder")])
def test_unknown_references_fail_the_build_naming_them(template, message):
    column = Column("f", "f", template)
    grid, table = small_grid([Column("a", "a"), column])
    with pytest.raises(ExcelRuleError, match=re.escape(message)):
        grid.compile(template, table, column)


def test_renaming_a_parameter_fails_the_build_with_its_name(monkeypatch):
    params = dict(catalogue.parameters())
    params["pue_p95_renamed"] = dataclasses.replace(params.pop("pue_p95"), name="pue_p95_renamed")
    monkeypatch.setattr(catalogue, "parameters", lambda: params)
    values = placeholder_values()
    with pytest.raises(ExcelRuleError, match="no declared parameter 'pue_p95'"):
        build_book(values)


def test_laying_out_and_writing_the_workbook_runs_no_simulation(monkeypatch):
    """Compute, then lay out: every engine value is in EngineValues before any sheet is declared."""
    def refuse(*args, **kwargs):
        raise AssertionError("the layout ran the engine")

    values = placeholder_values()
    for name in ("simulate", "fleet", "fleet_runs", "hardware"):
        monkeypatch.setattr(iw.api, name, refuse)
    assert layout(values).grid.table("Draws").n_rows == values.trials
    assert build_book(values)["About"]["A1"].value


def test_renamed_models_build_from_the_catalogue(monkeypatch, tmp_path):
    """No model name is written in the builder: renaming one in the catalogue just works."""
    renames = {"Mixtral 8x22B": "Mixtral Renamed", "Llama 3.1 405B": "Llama Renamed"}
    models = {renames.get(k, k): catalogue.Model(renames.get(k, k), *list(m.__dict__.values())[1:])
              for k, m in catalogue.workbook_models().items()}
    b = catalogue.benchmarks()
    bench = catalogue.Benchmarks(b.model.copy(), b.input_tokens, b.output_tokens, b.tps_tokens_per_s, b.source)
    for old, new in renames.items():
        bench.model[bench.model == old] = new
    bench = catalogue.Benchmarks(bench.model.astype(object), *list(bench.__dict__.values())[1:])
    figures = {k: catalogue.PaperFigure(f.key, f.quantity, f.unit, f.paper_value, renames.get(f.model, f.model),
                                        f.source) for k, f in catalogue.paper_figures().items()}
    shipped = [scenarios.Scenario(sc.name, tuple((k, (renames.get(v[0], v[0]), v[1]) if isinstance(v, tuple) else v)
                                                 for k, v in sc.settings)) for sc in scenarios.default_scenarios()]
    monkeypatch.setattr(catalogue, "models", lambda: models)
    monkeypatch.setattr(catalogue, "workbook_models", lambda: models)
    monkeypatch.setattr(catalogue, "benchmarks", lambda paper_h100_rows="code": bench)
    monkeypatch.setattr(catalogue, "paper_figures", lambda: figures)
    path = build_book(placeholder_values(shipped=shipped))
    assert "Mixtral Renamed" in [c.value for row in path["Inputs"].iter_rows() for c in row]


# ---------------------------------------------------------------- the built file


def test_every_defined_name_is_valid_and_unique(built):
    names = list(load_workbook(built).defined_names)
    excel.check_defined_names(names)
    assert {"Baseline_Traditional_Median_Wh", "Baseline_TTS_Median_Wh", "Fleet_Baseline_GWh_per_day",
            "Fleet_Mixed_GWh_per_day", "Fleet_Mixed_Improved_GWh_per_day", "Beta", "PUE_P95", "SEED"} <= set(names)
    assert {input_name(p) for p in catalogue.parameters()} <= set(names)
    assert "TRIM_INPUT" in names  # TRIM is an Excel function: the trim input's name says INPUT


def test_every_formula_obeys_excel_rules_and_uses_only_defined_names(built, formulas):
    names = set(load_workbook(built).defined_names)
    seen = set()
    for where, text in formulas:
        check_formula(text, where)
        assert not excel.names_in(text) - names, (where, excel.names_in(text) - names)
        assert "[" not in text, f"external reference in {where}"
        seen |= excel.functions_in(text)
    assert {"_xlfn.PERCENTILE.INC", "_xlfn.LOGNORM.INV", "_xlfn.NORM.S.INV", "NORMSDIST"} <= seen
    with zipfile.ZipFile(built) as z:
        assert not [p for p in z.namelist() if "externalLink" in p or "vbaProject" in p]


def test_validation_prompts_fit_excel_whole_and_booleans_are_lists(built):
    wb = load_workbook(built)
    inputs = wb["Inputs"]
    validations = inputs.data_validations.dataValidation
    for dv in validations:
        for text, limit in ((dv.prompt, 255), (dv.error, 255), (dv.promptTitle, 32), (dv.errorTitle, 32)):
            assert text is None or len(text) <= limit
        if dv.prompt:
            assert dv.prompt.endswith(".")  # whole sentences, never cut mid-word
    validated = {str(c): dv for dv in validations for c in dv.sqref.ranges}
    for p in catalogue.parameters():
        cell = wb.defined_names[input_name(p)].attr_text.split("!")[1].replace("$", "")
        if p in FIXED_AT_BUILD:  # rows of a sheet: fixed when the workbook is built
            assert cell not in validated and inputs[cell].protection.locked is not False, p
        else:
            assert cell in validated, p
            assert inputs[cell].protection.locked is False
    region = validated[wb.defined_names["REGION"].attr_text.split("!")[1].replace("$", "")]
    assert region.type == "list" and region.formula1.startswith("=Regions!$A$")
    model_table = layout(placeholder_values(TRIALS)).grid.table("Model")
    for k in range(model_table.n_rows):
        dv = validated[model_table.cell("in_baseline", k)]
        assert dv.type == "list" and dv.formula1 == '"TRUE,FALSE"'


def test_key_results_are_numbers_without_a_calculation_engine(built):
    """A previewer, pandas or openpyxl(data_only=True) sees the engine's key results as numbers."""
    wb = load_workbook(built, data_only=True)
    values = {}
    for row in wb["About"].iter_rows():
        if isinstance(row[0].value, str) and isinstance(row[2].value, float):
            values[row[0].value] = row[2].value
    figures = catalogue.paper_figures()
    stats = iw.simulate("baseline", "traditional", n=TRIALS, seed=1).stats
    assert values[figures["baseline_traditional_median_wh"].quantity] == pytest.approx(stats["median"], rel=1e-12)
    assert values[figures["beta"].quantity] == pytest.approx(iw.beta().beta, rel=1e-12)
    fleet = iw.fleet(1e9, 0.1, n=TRIALS, seed=1).gwh_per_day
    assert values[figures["fleet_mixed_gwh_per_day"].quantity] == pytest.approx(fleet, rel=1e-12)
    from inferwatt_xl.impacts import impacts

    result = impacts("baseline", "traditional", TRIALS, 1)
    assert values["Baseline, traditional, median operational carbon per query"] == pytest.approx(
        result.stat("carbon_g", "median"), rel=1e-12)
    assert values["Baseline, traditional, median cost per 1,000 queries"] == pytest.approx(  # a price, not 0.0000
        1000 * result.stat("cost_usd", "median"), rel=1e-12)
    repro = layout(placeholder_values(TRIALS)).grid.table("Repro")
    for key in repro.rows:
        assert isinstance(wb[repro.sheet][repro.cell("built", key)].value, float), key
    assert wb[repro.sheet][repro.cell("built", "beta")].value == pytest.approx(iw.beta().beta, rel=1e-12)


def test_charts_keep_their_axes_and_readable_formats(built):
    with zipfile.ZipFile(built) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 10  # Figures 1-3, the histogram, two tornadoes, fleet cost and carbon, the scenarios' two
    for xml in charts:
        kept = re.findall(r'<(?:c:)?delete val="0"\s*/>', xml)
        assert len(kept) == 2, "both axes kept (Excel hides axes without delete=0)"
        assert 'formatCode="0.0000"' not in xml
        assert re.search(r"<(?:c:)?cat><(?:c:)?strRef>", xml), "text categories as a string reference"
        assert not re.search(r"<(?:c:)?cat><(?:c:)?numRef>", xml)
    with_bars = [xml for xml in charts if re.search(r"<(?:c:)?errBars>", xml)]
    assert len(with_bars) == 5  # Figure 1's P25-P75; the fleet cost and carbon charts' and the scenarios' P5-P95
    assert sum("'Capacity'!" in xml for xml in with_bars) == 2
    assert sum("'Scenarios'!" in xml for xml in with_bars) == 2


def test_printing_is_bounded_and_legible(built):
    wb = load_workbook(built)
    for name in ("Draws", "Sim_Traditional", "Sim_TTS"):
        area = wb[name].print_area
        last_row = int(re.findall(r"\$?(\d+)$", area if isinstance(area, str) else area[0])[0])
        assert last_row <= len(SIM_HEADS) + 4 + BULK_PRINTED_ROWS, name  # title, note, heads, header, 50 trials
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth >= 1
    about = wb["About"]
    assert all(about.row_dimensions[r].height for r in range(3, 8))


def test_same_inputs_give_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    a = build_standalone(tmp_path / "a.xlsx", trials=20).read_bytes()
    b = build_standalone(tmp_path / "b.xlsx", trials=20).read_bytes()
    assert a == b
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    c = build_standalone(tmp_path / "c.xlsx", trials=20)
    with zipfile.ZipFile(c) as z:
        assert "2023-11-14T22:13:20Z" in z.read("docProps/core.xml").decode()


def test_files_get_the_users_umask_and_stale_temps_are_cleared(tmp_path):
    stale = tmp_path / ".w.xlsx.abc.tmp"
    stale.write_bytes(b"left by a killed build")
    os.utime(stale, (0, 0))
    old = os.umask(0o022)
    try:
        path = build_standalone(tmp_path / "w.xlsx", trials=5)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert not stale.exists()


def test_build_uses_the_declared_default_trials_and_seed(tmp_path):
    path = build_standalone(tmp_path / "d.xlsx", trials=5)
    wb = load_workbook(path)
    seed_ref = wb.defined_names["SEED"].attr_text.split("!")
    assert wb[seed_ref[0]][seed_ref[1].replace("$", "")].value == api.resolve_params()["seed"]


def test_text_longer_than_a_cell_is_refused_not_cut():
    from openpyxl import Workbook

    from inferwatt_xl.workbook.xlsx import put_text

    ws = Workbook().active
    assert put_text(ws, 1, 1, "x" * excel.MAX_CELL_CHARS).value == "x" * excel.MAX_CELL_CHARS
    with pytest.raises(ExcelRuleError, match="an Excel cell holds 32,767"):
        put_text(ws, 1, 2, "x" * (excel.MAX_CELL_CHARS + 1))


def test_a_build_the_machine_cannot_hold_is_refused_before_any_work(monkeypatch, tmp_path):
    from inferwatt_xl.errors import InputError

    monkeypatch.setattr(standalone.os, "sysconf", lambda name: {"SC_AVPHYS_PAGES": 250_000, "SC_PAGE_SIZE": 4096}[name])
    # 250,000 pages of 4 kB = 1.024 GB free: (0.8 x 1.024 GB - 340 MB) / 54 kB = 8,874 trials
    with pytest.raises(InputError, match=r"trials must be at most 8,874 for a workbook: the 1.0 GB of memory free"):
        build_standalone(tmp_path / "big.xlsx", trials=10_000)
    assert not list(tmp_path.iterdir())
    monkeypatch.setattr(standalone.os, "sysconf", lambda name: {"SC_AVPHYS_PAGES": 10**9, "SC_PAGE_SIZE": 4096}[name])
    with pytest.raises(InputError, match="at most 1,048,556 for a workbook: Excel's 1,048,576 rows"):
        standalone.check_memory_for(1_000_000 + 48_557)


def test_a_killed_writers_temp_files_are_removed_at_once_and_a_live_ones_kept(tmp_path):
    import subprocess
    import sys

    from openpyxl import Workbook

    from inferwatt_xl.workbook.xlsx import save_atomically

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()  # a process that has ended
    killed = tmp_path / f".w.xlsx.{dead}.abc123.tmp"
    live = tmp_path / f".w.xlsx.{os.getpid()}.def456.tmp"
    for temp in (killed, live):
        temp.write_bytes(b"partial")
    save_atomically(Workbook(), tmp_path / "w.xlsx")
    assert not killed.exists() and live.exists()


def test_sigterm_during_a_write_leaves_no_file_behind(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    marker, target = tmp_path / "writing", tmp_path / "book.xlsx"
    script = f"""
import sys, time
from pathlib import Path
from openpyxl import Workbook
from inferwatt_xl import cli
from inferwatt_xl.workbook import xlsx
def slow(src, dst):
    Path(dst).write_bytes(b"partial")
    Path({str(marker)!r}).write_text("now")
    time.sleep(30)
xlsx._reproducible = slow
sys.exit(cli.run_reporting_errors("test", lambda: xlsx.save_atomically(Workbook(), Path({str(target)!r}))))
"""
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    for _ in range(200):
        if marker.exists():
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143 and err == "test: terminated\n"
    assert [p.name for p in tmp_path.iterdir()] == ["writing"]  # no target, no temporary file


def test_the_three_outputs_are_replaced_as_one_set(tmp_path, monkeypatch):
    """A build that fails after the first output leaves the earlier set whole, and no staging folder behind."""
    from inferwatt_xl import workbook

    for name in workbook.OUTPUTS[:2]:
        (tmp_path / name).write_bytes(b"earlier")
    (tmp_path / workbook.OUTPUTS[2]).mkdir()
    (tmp_path / workbook.OUTPUTS[2] / "main.py").write_text("earlier")

    def broken(path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(workbook, "build_functions_workbook", broken)
    with pytest.raises(OSError):
        workbook.build_all(tmp_path, trials=20)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(workbook.OUTPUTS)
    assert (tmp_path / workbook.OUTPUTS[0]).read_bytes() == b"earlier"
    assert (tmp_path / workbook.OUTPUTS[2] / "main.py").read_text() == "earlier"
    monkeypatch.undo()
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    (tmp_path / f".build.{dead}.staging.tmp").mkdir()  # what a killed build left
    paths = workbook.build_all(tmp_path, trials=20)
    assert [p.name for p in paths] == list(workbook.OUTPUTS) and (paths[2] / "main.py").read_text() != "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(workbook.OUTPUTS)


# ---------------------------------------------------------------- the Office Open XML schemas (openxml-audit)


def _audit(path: Path):
    from openxml_audit import FileFormat, OpenXmlValidator
    from openxml_audit.verdict import AppPrediction, predict

    result = OpenXmlValidator(file_format=FileFormat.MICROSOFT_365, max_errors=0).validate(str(path))
    findings = [f"{e.severity.name} {e.part_uri} {e.path}: {e.description}" for e in result.errors]
    return findings, predict(result).prediction is AppPrediction.OPENS_CLEAN


def test_the_standalone_workbook_passes_the_schemas_and_excels_compatibility_rules(built):
    """Every part against ECMA-376 (a port of Microsoft's Open XML SDK validator) and its Excel repair and
    rewrite rules: no error, no warning (an inline string would make Excel rewrite the file on save)."""
    findings, clean = _audit(built)
    assert findings == [] and clean


def test_the_functions_workbook_passes_the_schemas(tmp_path):
    findings, clean = _audit(build_functions_workbook(tmp_path / "InferWatt-Functions.xlsx"))
    assert findings == [] and clean


def test_texts_moved_to_shared_strings_read_back_as_the_same_text(tmp_path):
    """package.excel_ready: each text cell keeps its text (escapes, spaces, formula-like text stays text) and an
    empty text cell stays empty; repeated texts share one entry."""
    from openpyxl import Workbook

    from inferwatt_xl.workbook.xlsx import put, put_text, save_atomically

    texts = ["plain", "  two spaces  ", "a < b & c > d", "=cmd|' /C calc'!A0", "\u00e9t\u00e9 \u2264 5 \u00b0C",
             "plain", "line\nbreak"]
    wb = Workbook()
    for i, text in enumerate(texts, start=1):
        put_text(wb.active, i, 1, text)
    put_text(wb.active, 1, 2, "")
    put(wb.active, 2, 2, 3.5)
    path = save_atomically(wb, tmp_path / "texts.xlsx")
    back = load_workbook(path).active
    assert [back.cell(i, 1).value for i in range(1, len(texts) + 1)] == texts
    assert all(back.cell(i, 1).data_type == "s" for i in range(1, len(texts) + 1))
    assert back.cell(1, 2).value is None and back.cell(2, 2).value == 3.5
    with zipfile.ZipFile(path) as z:
        table = z.read("xl/sharedStrings.xml").decode()
        assert 'uniqueCount="6"' in table and 'count="7"' in table and "inlineStr" not in z.read(
            "xl/worksheets/sheet1.xml").decode()


EMU_PER_ROW = 190_500  # a 15 pt row in EMU (12,700 per point)


def test_pages_print_whole_charts_and_a_readers_sheets_one_page_wide(built):
    """Read from the file: About, Summary, Impacts, Capacity and Charts fit one page wide; on Charts and
    Capacity every chart starts a page area of its own and no page break cuts through it."""
    wb = load_workbook(built)
    for title in Book().spec["one_page_wide"]:
        assert wb[title].page_setup.fitToWidth == 1 and wb[title].sheet_properties.pageSetUpPr.fitToPage, title
    for title, count in (("Charts", 4), ("Capacity", 2)):
        ws = wb[title]
        breaks = sorted({b.id for b in ws.row_breaks.brk})
        assert len(ws._charts) == count
        for chart in ws._charts:
            first = chart.anchor._from.row + 1  # 1-based row of the chart's top edge
            last = first + -(-chart.anchor.ext.height // EMU_PER_ROW) - 1
            assert not [b for b in breaks if first <= b < last], (title, first, last, breaks)  # not cut
            assert first - 1 in breaks or first == charts.CHART_FIRST_ROW, (title, first, breaks)  # opens a page
            assert any(last <= b <= first - 1 + charts.CHART_PAGE_ROWS for b in breaks), (title, last, breaks)
