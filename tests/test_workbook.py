"""The standalone workbook, recalculated by a real spreadsheet engine (LibreOffice) against the Python engine."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula

import inferwatt_xl as iw
from inferwatt_xl import api, catalogue
from inferwatt_xl.errors import InputError
from inferwatt_xl.workbook import standalone
from inferwatt_xl.workbook.standalone import DATA_ROW, build_standalone

from .libreoffice import recalculate

REL = 1e-9
SEED = 1
SMALL_TRIALS = 300
STATS = ("median", "mean", "p5", "p25", "p75", "p95")
MODELS = list(catalogue.models())


class Book:
    """A recalculated workbook: values by defined name or by sheet and cell."""

    def __init__(self, path: Path) -> None:
        self.wb = load_workbook(path, data_only=True)
        self.names = {name: dn.attr_text for name, dn in self.wb.defined_names.items()}

    def name(self, name: str):
        sheet, cell = self.names[name].split("!")
        return self.wb[sheet.strip("'")][cell.replace("$", "")].value

    def column(self, sheet: str, column: int, n: int) -> np.ndarray:
        ws = self.wb[sheet]
        return np.array([ws.cell(DATA_ROW + i, column).value for i in range(n)], dtype=float)


def assert_close(got, expected, what: str) -> None:
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    rel = np.abs(got - expected) / np.maximum(np.abs(expected), 1e-300)
    assert rel.max() <= REL, f"{what}: largest relative difference {rel.max():.3g}"


@pytest.fixture(scope="module")
def default_book(tmp_path_factory):
    """The default build (10,000 trials, seed 1), recalculated by LibreOffice."""
    folder = tmp_path_factory.mktemp("default")
    path = build_standalone(folder / "InferWatt.xlsx")
    out, _ = recalculate(path, folder / "recalculated")
    return path, Book(out)


def baseline_stats_match(book: Book, n: int, seed: int, **overrides) -> None:
    for regime, label in (("traditional", "Traditional"), ("tts", "TTS")):
        stats = iw.simulate("baseline", regime, n=n, seed=seed, **overrides).stats
        for s in STATS:
            assert_close(book.name(f"Baseline_{label}_{s.capitalize()}_Wh"), stats[s], f"baseline {regime} {s}")


def test_summary_statistics_equal_the_engine(default_book):
    _, book = default_book
    n = api.resolve_params()["n_trials"]
    baseline_stats_match(book, n, SEED)
    ws = book.wb["Summary"]
    for k, model in enumerate(MODELS):
        assert ws.cell(4 + k, 1).value == model
        for offset, regime in ((0, "traditional"), (6, "tts")):
            stats = iw.simulate(model, regime, n=n, seed=SEED).stats
            for j, s in enumerate(STATS):
                assert_close(ws.cell(4 + k, 2 + offset + j).value, stats[s], f"{model} {regime} {s}")


def test_first_100_draws_and_energies_equal_the_engine(default_book):
    _, book = default_book
    draws = iw.simulate("baseline", "traditional", n=100, seed=SEED, lever="combined")
    tts = iw.simulate("baseline", "tts", n=100, seed=SEED)
    u = api.draw_uniforms(list(api.VARIABLE_IDS), 100, SEED)
    for j, name in enumerate(("l_out", "util", "pue", "alpha_model", "alpha_serving", "alpha_hardware",
                              "alpha_improved")):
        assert_close(book.column("Draws", 2 + j, 100), u[name], f"uniform {name}")
    assert_close(book.column("Draws", 9, 100), draws.draws["l_out_tokens"], "L_out traditional")
    assert_close(book.column("Draws", 10, 100), tts.draws["l_out_tokens"], "L_out test-time scaling")
    assert_close(book.column("Draws", 12, 100), draws.draws["util"], "P_node / P_max")
    assert_close(book.column("Draws", 13, 100), draws.draws["pue"], "PUE")
    assert_close(book.column("Draws", 18, 100), draws.draws["alpha"], "alpha combined")
    for lever, column in (("model", 14), ("serving", 15), ("hardware", 16), ("improved", 17)):
        expected = iw.simulate("Llama 3.1 405B", n=100, seed=SEED, lever=lever).draws["alpha"]
        assert_close(book.column("Draws", column, 100), expected, f"alpha {lever}")
    for k, model in enumerate(MODELS):
        for sheet, regime in (("Sim_Traditional", "traditional"), ("Sim_TTS", "tts")):
            expected = iw.simulate(model, regime, n=100, seed=SEED).energy_wh
            assert_close(book.column(sheet, 2 + k, 100), expected, f"energy {model} {regime}")


def test_beta_fleet_and_interventions_equal_the_engine(default_book):
    _, book = default_book
    n = api.resolve_params()["n_trials"]
    beta = iw.beta()
    assert_close(book.name("Beta"), beta.beta, "beta")
    assert_close(book.name("Beta_Util"), beta.beta_util, "beta_util")
    assert_close(book.name("E_Node_Sin_kWh_per_day"), 219.6, "E_sin")
    for name, share, improved in (("Fleet_Baseline_GWh_per_day", 0.0, False),
                                  ("Fleet_Baseline_Improved_GWh_per_day", 0.0, True),
                                  ("Fleet_Mixed_GWh_per_day", 0.1, False),
                                  ("Fleet_Mixed_Improved_GWh_per_day", 0.1, True)):
        assert_close(book.name(name), iw.fleet(1e9, share, improved, n=n, seed=SEED).gwh_per_day, name)
    ws = book.wb["Interventions"]
    for i, lever in enumerate((None, "model", "serving", "hardware", "combined", "improved")):
        for offset, regime in ((4, "traditional"), (11, "tts")):
            stats = iw.simulate("baseline", regime, n=n, seed=SEED, lever=lever).stats
            for j, s in enumerate(STATS):
                assert_close(ws.cell(4 + i, offset + j).value, stats[s], f"lever {lever} {regime} {s}")


def test_fit_sheet_equals_the_engine_fit(default_book):
    _, book = default_book
    ws = book.wb["Fit"]
    fits = iw.throughput_fits()
    for k, model in enumerate(MODELS):
        r = 10 + k
        fit = fits[model]
        assert ws.cell(r, 1).value == model and ws.cell(r, 2).value == fit.rows
        assert_close([ws.cell(r, c).value for c in (9, 10, 14, 15)],
                     [fit.b1_log_lin, fit.b2_log_lout, fit.b0, fit.tps_max], f"fit of {model}")
        assert ws.cell(r, 22).value == "ok"


ERRORS = ("#VALUE!", "#DIV/0!", "#NAME?", "#REF!", "#NUM!", "#N/A", "Err:")


def test_no_formula_evaluates_to_an_error(default_book):
    _, book = default_book
    for sheet in ("Fit", "Summary", "Interventions", "Fleet", "Reproduction", "Charts", "Sim_Traditional", "Draws"):
        ws = book.wb[sheet]
        for row in ws.iter_rows(max_row=min(ws.max_row, 300)):
            for cell in row:
                assert not (isinstance(cell.value, str) and cell.value.startswith(ERRORS)), (sheet, cell.coordinate)


def test_size_and_structure(default_book):
    path, _ = default_book
    assert path.stat().st_size <= 15e6
    wb = load_workbook(path)
    assert wb.sheetnames == ["About", "Inputs", "Benchmarks", "Fit", "Draws", "Sim_Traditional", "Sim_TTS", "Summary",
                             "Interventions", "Fleet", "Reproduction", "Charts"]
    names = set(wb.defined_names)
    assert {"Baseline_Traditional_Median_Wh", "Baseline_TTS_Median_Wh", "Fleet_Baseline_GWh_per_day",
            "Fleet_Mixed_GWh_per_day", "Fleet_Mixed_Improved_GWh_per_day", "Beta", "PUE_P95", "SEED"} <= names
    assert {p.upper() for p in catalogue.parameters()} <= names
    inputs = wb["Inputs"]
    validated = {str(c) for dv in inputs.data_validations.dataValidation for c in dv.sqref.ranges}
    for p in catalogue.parameters():
        if p != "n_trials":
            cell = wb.defined_names[p.upper()].attr_text.split("!")[1].replace("$", "")
            assert cell in validated, p
            assert inputs[cell].protection.locked is False
    for ws in wb.worksheets:
        assert ws.protection.sheet and not ws.protection.password
    assert len(wb["Charts"]._charts) == 4


# Functions of Excel 2010 and later need the _xlfn. prefix in the file; the rest used here are older.
PLAIN_FUNCTIONS = {"IF", "MOD", "LN", "EXP", "MIN", "MAX", "SUMPRODUCT", "INDEX", "MATCH", "AND", "AVERAGE", "ISNA"}
PREFIXED_FUNCTIONS = {"_xlfn.NORM.S.INV", "_xlfn.NORM.S.DIST", "_xlfn.LOGNORM.INV", "_xlfn.PERCENTILE.INC"}


def test_every_function_is_known_and_prefixed_and_nothing_links_out(default_book):
    path, _ = default_book
    wb = load_workbook(path)
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows(max_row=DATA_ROW + 2):
            for cell in row:
                text = cell.value.text if isinstance(cell.value, ArrayFormula) else cell.value
                if isinstance(text, str) and text.startswith("="):
                    seen |= set(re.findall(r"((?:_xlfn\.)?[A-Z][A-Z0-9.]*)\(", text))
                    assert "[" not in text, f"external reference in {ws.title}!{cell.coordinate}"
    assert seen <= PLAIN_FUNCTIONS | PREFIXED_FUNCTIONS, seen - PLAIN_FUNCTIONS - PREFIXED_FUNCTIONS
    with zipfile.ZipFile(path) as z:
        parts = z.namelist()
    assert not [p for p in parts if "externalLink" in p or "vbaProject" in p]


# ---------------------------------------------------------------- live: edit, recalculate, compare


def edit_and_recalculate(src: Path, folder: Path, edits) -> Book:
    wb = load_workbook(src)
    edits(wb)
    folder.mkdir(parents=True, exist_ok=True)
    edited = folder / "edited.xlsx"
    wb.save(edited)
    out, _ = recalculate(edited, folder / "recalculated")
    return Book(out)


def set_input(wb, name: str, value) -> None:
    sheet, cell = wb.defined_names[name].attr_text.split("!")
    wb[sheet.strip("'")][cell.replace("$", "")].value = value


@pytest.fixture(scope="module")
def small_book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    return build_standalone(folder / "small.xlsx", trials=SMALL_TRIALS, seed=SEED), folder


def test_live_inputs_recalculate_like_the_engine(small_book):
    path, folder = small_book

    def edits(wb):
        set_input(wb, "PUE_P95", 1.6)
        set_input(wb, "QUERIES_PER_DAY", 2.5e9)
        set_input(wb, "TTS_SHARE", 0.25)

    book = edit_and_recalculate(path, folder / "inputs", edits)
    baseline_stats_match(book, SMALL_TRIALS, SEED, pue_p95=1.6)
    for name, improved in (("Fleet_Mixed_GWh_per_day", False), ("Fleet_Mixed_Improved_GWh_per_day", True)):
        expected = iw.fleet(2.5e9, 0.25, improved, n=SMALL_TRIALS, seed=SEED, pue_p95=1.6).gwh_per_day
        assert_close(book.name(name), expected, name)


def test_live_choices_recalculate_like_the_engine(small_book):
    path, folder = small_book
    choices = {"pnode_reading": "median", "pue_below_one": "clip", "l_eff": "in_plus_out",
               "pnode_model": "linear_tps", "sparse_strategy": "pooled", "l_in_tokens": 1000.0,
               "node_redundancy": 1.2}

    def edits(wb):
        for name, value in choices.items():
            set_input(wb, name.upper(), value)
        set_input(wb, "SEED", 7)

    book = edit_and_recalculate(path, folder / "choices", edits)
    baseline_stats_match(book, SMALL_TRIALS, 7, **choices)
    assert_close(book.name("Beta"), iw.beta(node_redundancy=1.2).beta, "beta")


NEW_ROWS = [("My Model", 500.0, 2000.0, 9000.0), ("My Model", 5000.0, 500.0, 1500.0), ("My Model", 1000.0, 1000.0,
            6000.0), ("Llama 3.1 405B", 750.0, 750.0, 3300.0)]


def test_appended_benchmarks_refit_live_like_the_engine(small_book):
    path, folder = small_book
    first_free = 4 + len(catalogue.benchmarks().model)

    def edits(wb):
        ws = wb["Benchmarks"]
        for i, (model, lin, lout, rate) in enumerate(NEW_ROWS):
            ws.cell(first_free + i, 1).value = model
            ws.cell(first_free + i, 4).value = lin
            ws.cell(first_free + i, 5).value = lout
            ws.cell(first_free + i, 6).value = rate
        inputs = wb["Inputs"]
        slot = next(r for r in range(1, inputs.max_row + 1) if inputs.cell(r, 1).value == 6
                    and inputs.cell(r - 1, 1).value == 5)
        inputs.cell(slot, 2).value = "My Model"
        inputs.cell(slot, 3).value = "8xH100"

    book = edit_and_recalculate(path, folder / "benchmarks", edits)
    b = catalogue.benchmarks()
    rows = [(m, lin, lout, rate) for m, lin, lout, rate in zip(b.model, b.input_tokens, b.output_tokens,
                                                               b.tps_tokens_per_s, strict=True)] + NEW_ROWS
    data = catalogue.Benchmarks(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]),
                                np.array([r[2] for r in rows]), np.array([r[3] for r in rows]), ("",) * len(rows))
    fits = iw.throughput_fits(benchmarks=data)
    ws = book.wb["Fit"]
    for k, model in enumerate([*MODELS, "My Model"]):
        fit = fits[model]
        assert ws.cell(10 + k, 1).value == model
        assert_close([ws.cell(10 + k, c).value for c in (9, 10, 14, 15)],
                     [fit.b1_log_lin, fit.b2_log_lout, fit.b0, fit.tps_max], f"refit of {model}")


# ---------------------------------------------------------------- safety


INJECTION = '=HYPERLINK("http://x","y")'


def test_text_from_data_is_written_as_text_never_as_formula(tmp_path, monkeypatch):
    models = dict(catalogue.models())
    evil = catalogue.Model(INJECTION, (), 1, 1, "dense", "8xH100", "FP8", False, "+cmd|' /C calc'!A0")
    monkeypatch.setattr(catalogue, "models", lambda: {**models, INJECTION: evil})
    b = catalogue.benchmarks()
    monkeypatch.setattr(catalogue, "benchmarks", lambda: catalogue.Benchmarks(
        np.append(b.model, INJECTION), np.append(b.input_tokens, 500.0), np.append(b.output_tokens, 500.0),
        np.append(b.tps_tokens_per_s, 1000.0), (*b.source, "@SUM(1+1)")))
    path = build_standalone(tmp_path / "evil.xlsx", trials=50)
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "HYPERLINK" in xml and not re.search(r"<f>[^<]*HYPERLINK", xml)  # stored as a string, in no formula
    assert not re.search(r"<f>[^<]*@SUM", xml) and not re.search(r"<f>[^<]*cmd\|", xml)
    out, _ = recalculate(path, tmp_path / "recalculated")
    book = Book(out)
    inputs = book.wb["Inputs"]
    texts = {c.value for row in inputs.iter_rows() for c in row if isinstance(c.value, str)}
    assert INJECTION in texts and "+cmd|' /C calc'!A0" in texts
    fit_names = [book.wb["Fit"].cell(10 + k, 1).value for k in range(7)]
    assert INJECTION in fit_names
    assert "@SUM(1+1)" in [c.value for c in book.wb["Benchmarks"]["G"]]


def test_write_is_atomic_and_bad_paths_are_clear_errors(tmp_path, monkeypatch):
    target = tmp_path / "InferWatt.xlsx"
    target.write_bytes(b"previous")

    def failing_save(self, filename):
        Path(filename).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(standalone.Workbook, "save", failing_save)
    with pytest.raises(InputError, match="output path must be a writable file"):
        build_standalone(target, trials=10)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["InferWatt.xlsx"]
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    with pytest.raises(InputError, match="output path must be a writable location"):
        build_standalone(blocker / "InferWatt.xlsx", trials=10)


def test_build_script_reports_bad_input_in_one_line(tmp_path, capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("build", Path(__file__).resolve().parent.parent / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert build.main(["--trials", "0", "--out", str(tmp_path / "x.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "n_trials must be a whole number >= 1" in err and "Traceback" not in err
    assert not (tmp_path / "x.xlsx").exists()
