"""The standalone workbook, recalculated by two independent spreadsheet engines (LibreOffice and
Gnumeric), against the Python engine. Cells are found by the builder's table layout, never by
literal letters, so the tests follow the layout when it changes.

The 10,000-trial parity is measured by benchmarks/bench_workbook.py; here a smaller build keeps
the suite fast while exercising every formula.
"""

from __future__ import annotations

import functools
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

import inferwatt_xl as iw
from inferwatt_xl import api, catalogue
from inferwatt_xl.errors import InputError
from inferwatt_xl.impacts import cost_basis
from inferwatt_xl.workbook import standalone
from inferwatt_xl.workbook.built import EngineValues
from inferwatt_xl.workbook.formulas import SHARE_ROWS
from inferwatt_xl.workbook.standalone import build_standalone

from .spreadsheets import ENGINES, recalculate

REL = 1e-9
SEED = 1
TRIALS = 1000
SMALL_TRIALS = 300
STATS = ("median", "mean", "p5", "p25", "p75", "p95")
MODELS = list(catalogue.workbook_models())
LEVERS = (("none", None), ("model", "model"), ("serving", "serving"), ("hardware", "hardware"),
          ("combined", "combined"), ("improved", "improved"))
ERRORS = ("#VALUE!", "#DIV/0!", "#NAME?", "#REF!", "#NUM!", "#N/A", "#NULL!", "Err:")


@functools.cache
def layout(trials: int = TRIALS):
    """The builder's tables for a build of `trials` trials: where every named column and row is."""
    return standalone.layout(EngineValues.compute(trials, SEED)).grid


class Book:
    """A recalculated workbook: values by defined name, or by table, column and row."""

    def __init__(self, path: Path, trials: int) -> None:
        self.wb = load_workbook(path, data_only=True)
        self.names = {name: dn.attr_text for name, dn in self.wb.defined_names.items()}
        self.grid = layout(trials)

    def name(self, name: str):
        sheet, cell = self.names[name].split("!")
        return self.wb[sheet.strip("'")][cell.replace("$", "")].value

    def cell(self, table: str, column: str, row: int | str):
        t = self.grid.table(table)
        return self.wb[t.sheet][t.cell(column, row)].value

    def column(self, table: str, column: str, n: int) -> np.ndarray:
        return np.array([self.cell(table, column, i) for i in range(n)], dtype=float)


def assert_close(got, expected, what: str) -> None:
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    rel = np.abs(got - expected) / np.maximum(np.abs(expected), 1e-300)
    assert rel.max() <= REL, f"{what}: largest relative difference {rel.max():.3g}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_standalone(tmp_path_factory.mktemp("built") / "InferWatt.xlsx", trials=TRIALS, seed=SEED)


@pytest.fixture(scope="module", params=ENGINES)
def book(request, built, tmp_path_factory) -> Book:
    """The build recalculated by each engine in turn."""
    out, _ = recalculate(built, tmp_path_factory.mktemp(request.param), request.param)
    return Book(out, TRIALS)


def baseline_stats_match(book: Book, n: int, seed: int, **overrides) -> None:
    for regime, label in (("traditional", "Traditional"), ("tts", "TTS")):
        stats = iw.simulate("baseline", regime, n=n, seed=seed, **overrides).stats
        for s in STATS:
            assert_close(book.name(f"Baseline_{label}_{s.capitalize()}_Wh"), stats[s], f"baseline {regime} {s}")


def test_summary_statistics_equal_the_engine(book):
    baseline_stats_match(book, TRIALS, SEED)
    for k, model in enumerate(MODELS):
        assert book.cell("Summary", "model", k) == model
        for regime in ("traditional", "tts"):
            stats = iw.simulate(model, regime, n=TRIALS, seed=SEED).stats
            for s in STATS:
                assert_close(book.cell("Summary", f"{regime}_{s}", k), stats[s], f"{model} {regime} {s}")


def test_every_draw_and_energy_equals_the_engine(book):
    trad = iw.simulate("baseline", "traditional", n=TRIALS, seed=SEED, lever="combined")
    tts = iw.simulate("baseline", "tts", n=TRIALS, seed=SEED)
    u = api.draw_uniforms(list(api.VARIABLE_IDS), TRIALS, SEED)
    for name in api.VARIABLE_IDS:
        assert_close(book.column("Draws", f"u_{name}", TRIALS), u[name], f"uniform {name}")
    assert_close(book.column("Draws", "l_out_traditional_tokens", TRIALS), trad.draws["l_out_tokens"], "L_out trad")
    assert_close(book.column("Draws", "l_out_tts_tokens", TRIALS), tts.draws["l_out_tokens"], "L_out tts")
    assert_close(book.column("Draws", "util_frac_of_p_max", TRIALS), trad.draws["util"], "P_node / P_max")
    assert_close(book.column("Draws", "pue", TRIALS), trad.draws["pue"], "PUE")
    assert_close(book.column("Draws", "alpha_combined", TRIALS), trad.draws["alpha"], "alpha combined")
    for lever in ("model", "serving", "hardware", "improved"):
        expected = iw.simulate("Llama 3.1 405B", n=TRIALS, seed=SEED, lever=lever).draws["alpha"]
        assert_close(book.column("Draws", f"alpha_{lever}", TRIALS), expected, f"alpha {lever}")
    for k, model in enumerate(MODELS):
        for sheet, regime in (("Sim_Traditional", "traditional"), ("Sim_TTS", "tts")):
            expected = iw.simulate(model, regime, n=TRIALS, seed=SEED).energy_wh
            assert_close(book.column(sheet, f"slot_{k + 1}", TRIALS), expected, f"energy {model} {regime}")


def test_beta_fleet_and_interventions_equal_the_engine(book):
    beta = iw.beta()
    assert_close(book.name("Beta"), beta.beta, "beta")
    assert_close(book.name("Beta_Util"), beta.beta_util, "beta_util")
    assert_close(book.name("Beta_Util"), 1.076, "beta_util")  # fixed in the authors' 1B scripts
    # S.V's node energies with the code's 10.2 kW node: 2.7 x 24 + (10.2 - 2.7) x 24 x 0.75, and 10.2 x 24
    assert_close(book.name("E_Node_Sin_kWh_per_day"), 199.8, "E_sin")
    assert_close(book.name("E_Node_Uniform_kWh_per_day"), 244.8, "E_uniform")
    for name, share, improved in (("Fleet_Baseline_GWh_per_day", 0.0, False),
                                  ("Fleet_Baseline_Improved_GWh_per_day", 0.0, True),
                                  ("Fleet_Mixed_GWh_per_day", 0.1, False),
                                  ("Fleet_Mixed_Improved_GWh_per_day", 0.1, True)):
        assert_close(book.name(name), iw.fleet(1e9, share, improved, n=TRIALS, seed=SEED).gwh_per_day, name)
    for key, lever in LEVERS:
        for regime in ("traditional", "tts"):
            stats = iw.simulate("baseline", regime, n=TRIALS, seed=SEED, lever=lever).stats
            for s in STATS:
                assert_close(book.cell("Levers", f"{regime}_{s}", key), stats[s], f"lever {lever} {regime} {s}")


def test_fit_sheet_equals_the_engine_fit(book):
    fits = iw.throughput_fits()
    for k, model in enumerate(MODELS):
        fit = fits[(model, catalogue.models()[model].node)]
        assert book.cell("Fit", "model", k) == model and book.cell("Fit", "benchmark_rows", k) == fit.rows
        got = [book.cell("Fit", c, k) for c in ("b1_ln_input", "b2_ln_output", "b0", "tps_max_tokens_per_s")]
        assert_close(got, [fit.b1_log_lin, fit.b2_log_lout, fit.b0, fit.tps_max], f"fit of {model}")
        assert book.cell("Fit", "status", k) == "ok"


def test_no_cell_anywhere_evaluates_to_an_error(book):
    bad = [(ws.title, c.coordinate, c.value) for ws in book.wb.worksheets for row in ws.iter_rows() for c in row
           if isinstance(c.value, str) and c.value.startswith(ERRORS)]
    assert bad == []


def test_histogram_counts_every_baseline_draw(book):
    hist = book.grid.table("Hist")
    n_baseline = len(catalogue.baseline_models())
    for regime in ("traditional", "tts"):
        counts = book.column("Hist", regime, hist.n_rows)
        energy = iw.simulate("baseline", regime, n=TRIALS, seed=SEED).energy_wh
        edges = [book.cell("Hist", "from_wh", i) for i in range(hist.n_rows)] + [book.cell("Hist", "to_wh", -1
                                                                                       + hist.n_rows)]
        expected, _ = np.histogram(energy, bins=np.array(edges, dtype=float))
        assert counts.sum() == TRIALS * n_baseline
        assert counts.tolist() == expected.tolist()


def test_variance_shares_are_live_and_equal_the_engine(book):
    shares = book.grid.table("Shares")
    for regime in ("traditional", "tts"):
        engine = {r.input: r.variance_share for r in iw.sensitivity("baseline", regime, n=TRIALS, seed=SEED).rows}
        for key in ("pue", "node_power", "output_length", "model", "interaction"):
            name = SHARE_ROWS[key][1]
            assert_close(book.cell("Shares", f"live_{regime}", key), engine[name], f"{regime} share of {name}")
        assert book.cell("Shares", f"live_{regime}", "sum") == pytest.approx(1.0, abs=0.03)
        assert shares.n_rows == len(SHARE_ROWS)


def test_key_results_are_audited_against_the_build(book):
    """Untouched, every live key result equals the engine's number stamped at build time."""
    for table in ("Repro", "Key", "KeyImpacts"):
        for key in book.grid.table(table).rows:
            assert book.cell(table, "check", key) == "yes", (table, key)


# ---------------------------------------------------------------- live: edit, recalculate, compare


def edit_and_recalculate(src: Path, folder: Path, edits, engine: str) -> Book:
    wb = load_workbook(src)
    edits(wb)
    folder.mkdir(parents=True, exist_ok=True)
    edited = folder / "edited.xlsx"
    wb.save(edited)
    out, _ = recalculate(edited, folder / engine, engine)
    return Book(out, SMALL_TRIALS)


def set_input(wb, name: str, value) -> None:
    sheet, cell = wb.defined_names[name].attr_text.split("!")
    wb[sheet.strip("'")][cell.replace("$", "")].value = value


@pytest.fixture(scope="module")
def small_book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    return build_standalone(folder / "small.xlsx", trials=SMALL_TRIALS, seed=SEED), folder


@pytest.mark.parametrize("engine", ENGINES)
def test_live_inputs_recalculate_like_the_engine(small_book, engine):
    path, folder = small_book

    def edits(wb):
        set_input(wb, "PUE_P95", 1.8)
        set_input(wb, "QUERIES_PER_DAY", 2.5e9)
        set_input(wb, "TTS_SHARE", 0.25)

    book = edit_and_recalculate(path, folder / "inputs", edits, engine)
    baseline_stats_match(book, SMALL_TRIALS, SEED, pue_p95=1.8)
    for name, improved in (("Fleet_Mixed_GWh_per_day", False), ("Fleet_Mixed_Improved_GWh_per_day", True)):
        expected = iw.fleet(2.5e9, 0.25, improved, n=SMALL_TRIALS, seed=SEED, pue_p95=1.8).gwh_per_day
        assert_close(book.name(name), expected, name)
    assert book.cell("Repro", "check", "baseline_traditional_median_wh").startswith("no")


@pytest.mark.parametrize("engine", ENGINES)
def test_live_choices_recalculate_like_the_engine(small_book, engine):
    path, folder = small_book
    choices = {"pnode_reading": "median", "pue_below_one": "clip", "l_eff": "in_plus_out",
               "pnode_model": "linear_tps", "sparse_strategy": "pooled", "l_in_tokens": 1000.0,
               "node_redundancy": 1.2, "tps_beyond_range": "cap"}

    def edits(wb):
        for name, value in choices.items():
            set_input(wb, name.upper(), value)
        set_input(wb, "SEED", 7)

    book = edit_and_recalculate(path, folder / "choices", edits, engine)
    baseline_stats_match(book, SMALL_TRIALS, 7, **choices)
    assert_close(book.name("Beta"), iw.beta(node_redundancy=1.2).beta, "beta")


@pytest.mark.parametrize("engine", ENGINES)
def test_in_baseline_typed_as_1_or_text_counts_as_true(small_book, engine):
    """In Excel 1=TRUE is FALSE: the workbook reads 1 and "TRUE" as true, as a user means them."""
    path, folder = small_book
    models = layout(SMALL_TRIALS).table("Model")
    mixtral = MODELS.index("Mixtral 8x22B")
    llama70 = MODELS.index("Llama 3.1 70B")

    def edits(wb):
        ws = wb[models.sheet]
        ws[models.cell("in_baseline", mixtral)].value = 1
        ws[models.cell("in_baseline", llama70)].value = "true"

    book = edit_and_recalculate(path, folder / f"flags-{engine}", edits, engine)
    mixture = [*catalogue.baseline_models(), "Mixtral 8x22B", "Llama 3.1 70B"]
    expected = iw.simulate(mixture, "traditional", n=SMALL_TRIALS, seed=SEED).stats["median"]
    assert_close(book.name("Baseline_Traditional_Median_Wh"), expected, "baseline with two more models")


NEW_ROWS = [("My Model", 500.0, 2000.0, 9000.0), ("My Model", 5000.0, 500.0, 1500.0), ("My Model", 1000.0, 1000.0,
            6000.0), ("Llama 3.1 405B", 750.0, 750.0, 3300.0)]


@pytest.mark.parametrize("engine", ENGINES)
def test_appended_benchmarks_refit_live_like_the_engine(small_book, engine):
    path, folder = small_book
    grid = layout(SMALL_TRIALS)
    bench, models = grid.table("Bench"), grid.table("Model")
    first_free = len(catalogue.benchmarks().model)

    def edits(wb):
        ws = wb[bench.sheet]
        for i, (model, lin, lout, rate) in enumerate(NEW_ROWS):
            for column, value in (("model", model), ("node", "8xH100"), ("input_tokens", lin),
                                  ("output_tokens", lout), ("tps_tokens_per_s", rate)):
                ws[bench.cell(column, first_free + i)].value = value
        inputs = wb[models.sheet]
        inputs[models.cell("name", len(MODELS))].value = "My Model"
        inputs[models.cell("node", len(MODELS))].value = "8xH100"

    book = edit_and_recalculate(path, folder / f"benchmarks-{engine}", edits, engine)
    b = catalogue.benchmarks()
    rows = list(zip(b.model, b.input_tokens, b.output_tokens, b.tps_tokens_per_s, strict=True)) + NEW_ROWS
    data = catalogue.Benchmarks(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]),
                                np.array([r[2] for r in rows]), np.array([r[3] for r in rows]), ("",) * len(rows),
                                np.array([*b.nodes(), *["8xH100"] * len(NEW_ROWS)]))
    fits = iw.throughput_fits(benchmarks=data)
    for k, model in enumerate([*MODELS, "My Model"]):
        fit = fits[(model, catalogue.models()[model].node if model in catalogue.models() else "8xH100")]
        assert book.cell("Fit", "model", k) == model
        got = [book.cell("Fit", c, k) for c in ("b1_ln_input", "b2_ln_output", "b0", "tps_max_tokens_per_s")]
        assert_close(got, [fit.b1_log_lin, fit.b2_log_lout, fit.b0, fit.tps_max], f"refit of {model}")


# ---------------------------------------------------------------- safety


INJECTION = '=HYPERLINK("http://x","y")'


def test_text_from_data_is_written_as_text_never_as_formula(tmp_path, monkeypatch, request):
    models = dict(catalogue.workbook_models())
    evil = catalogue.Model(INJECTION, (), 1, 1, "dense", "8xH100", "FP8", False, "+cmd|' /C calc'!A0")
    monkeypatch.setattr(catalogue, "models", lambda: {**models, INJECTION: evil})
    monkeypatch.setattr(catalogue, "workbook_models", lambda: {**models, INJECTION: evil})
    monkeypatch.setattr(catalogue, "_model_index", lambda: {catalogue._key(n): n for n in [*models, INJECTION]})
    b = catalogue.benchmarks()
    monkeypatch.setattr(catalogue, "benchmarks", lambda paper_h100_rows="code": catalogue.Benchmarks(
        np.append(b.model, INJECTION), np.append(b.input_tokens, 500.0), np.append(b.output_tokens, 500.0),
        np.append(b.tps_tokens_per_s, 1000.0), (*b.source, "@SUM(1+1)"), np.append(b.nodes(), "8xH100"),
        (*b.precision, "FP8")))
    api.clear_caches()
    request.addfinalizer(api.clear_caches)
    path = build_standalone(tmp_path / "evil.xlsx", trials=50)
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")
                      or n == "xl/sharedStrings.xml")  # the texts are in the shared-strings table
    assert "HYPERLINK" in xml and not re.search(r"<f>[^<]*HYPERLINK", xml)  # stored as a string, in no formula
    assert not re.search(r"<f>[^<]*@SUM", xml) and not re.search(r"<f>[^<]*cmd\|", xml)
    out, _ = recalculate(path, tmp_path / "recalculated")
    book = Book(out, 50)
    texts = {c.value for row in book.wb["Inputs"].iter_rows() for c in row if isinstance(c.value, str)}
    assert INJECTION in texts and "+cmd|' /C calc'!A0" in texts
    assert INJECTION in [book.cell("Fit", "model", k) for k in range(7)]
    assert "@SUM(1+1)" in [c.value for row in book.wb["Benchmarks"].iter_rows() for c in row]


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


@pytest.mark.parametrize("engine", ENGINES)
def test_a_slot_moved_to_another_node_recalculates_like_the_engine(small_book, engine):
    """Llama 3.1 405B moved to 8xB200 on Inputs: its fit uses the B200 rows, its power the B200 node."""
    path, folder = small_book
    models = layout(SMALL_TRIALS).table("Model")
    llama = MODELS.index("Llama 3.1 405B")

    def edits(wb):
        wb[models.sheet][models.cell("node", llama)].value = "8xB200"

    book = edit_and_recalculate(path, folder / f"node-{engine}", edits, engine)
    for regime in ("traditional", "tts"):
        stats = iw.simulate("Llama 3.1 405B", regime, n=SMALL_TRIALS, seed=SEED, node="8xB200").stats
        for s in STATS:
            assert_close(book.cell("Summary", f"{regime}_{s}", llama), stats[s], f"405B on B200 {regime} {s}")
    mixture = iw.simulate("baseline", "tts", n=SMALL_TRIALS, seed=SEED, node={"Llama 3.1 405B": "8xB200"}).stats
    assert_close(book.name("Baseline_TTS_Median_Wh"), mixture["median"], "baseline with 405B on B200")


# ---------------------------------------------------------------- money, carbon, water, capacity (issue 9)


def impacts_and_capacity_match(book: Book, n: int, seed: int, queries: float = 1e9, tts_share: float = 0.1,
                               **overrides) -> None:
    """Every per-query statistic and every numeric fleet row (point and P5/P50/P95) equals the engine's."""
    from inferwatt_xl.impacts import capacity, impacts

    for regime in ("traditional", "tts"):
        result = impacts("baseline", regime, n, seed, **overrides)
        for measure, stats in result.stats.items():
            for s in STATS:
                got = book.cell("Impact", s, f"{regime}_{measure}")
                if stats is None:
                    assert got in (None, ""), (regime, measure, s, got)
                else:
                    assert_close(got, stats[s], f"{regime} {measure} {s}")
        assert_close(book.cell("PerToken", "value", regime), result.cost_usd_per_million_output_tokens,
                     f"{regime} cost per million output tokens")
    cap = book.grid.table("Cap")
    for scenario, share, improved in (("baseline", 0.0, False), ("mixed", tts_share, False),
                                      ("mixed_improved", tts_share, True)):
        expected = capacity(queries, share, improved, n=n, seed=seed, **overrides).to_dict()
        for key in cap.rows:
            if key in expected:
                got = book.cell("Cap", scenario, key)
                if expected[key] is None:
                    assert got in (None, ""), (scenario, key, got)
                else:
                    assert_close(got, expected[key], f"{scenario} {key}")


def test_impacts_and_capacity_equal_the_engine(book):
    impacts_and_capacity_match(book, TRIALS, SEED)
    assert_close(book.name("Fleet_Nodes"), book.cell("Cap", "mixed", "nodes"), "Fleet_Nodes")
    assert book.name("Region_Name") == "World"
    assert book.name("Cost_Basis") == cost_basis(catalogue.defaults(), "WORLD")  # the engine's words, live
    assert book.cell("Impact", "status", "traditional_hardware_usd").startswith("needs hardware_usd_per_node")
    assert book.cell("Cap", "mixed_improved", "nodes") < book.cell("Cap", "mixed", "nodes")  # throughput frees nodes


@pytest.mark.parametrize("engine", ENGINES)
def test_live_region_price_and_hardware_recalculate_like_the_engine(small_book, engine):
    path, folder = small_book
    overrides = {"region": "USA", "hardware_usd_per_node": 350_000.0, "hardware_lifetime_years": 5.0,
                 "price_usd_per_kwh_median": 0.09, "wue_l_per_kwh_p95": 1.2, "pue_p95": 1.5}

    def edits(wb):
        for name, value in overrides.items():
            set_input(wb, name.upper(), value)
        set_input(wb, "QUERIES_PER_DAY", 5e8)
        set_input(wb, "TTS_SHARE", 0.2)

    book = edit_and_recalculate(path, folder / f"impacts-{engine}", edits, engine)
    impacts_and_capacity_match(book, SMALL_TRIALS, SEED, 5e8, 0.2, **overrides)
    assert book.name("Carbon_Intensity_Used_g_per_kWh") == 383.55  # United States, data/regions.csv
    assert book.name("Cost_Basis") == cost_basis({**catalogue.defaults(), **overrides}, "USA")


@pytest.mark.parametrize("engine", ENGINES)
def test_the_improved_fleet_frees_nodes_only_when_its_lever_raises_throughput(small_book, engine):
    """lever_effect live: throughput (the default) divides the improved fleet's node-seconds by its alpha;
    energy_only gives it the nodes of the mix without the lever. Both as the engine, GWh the same."""
    path, folder = small_book
    book = edit_and_recalculate(path, folder / f"lever-{engine}", lambda wb: set_input(wb, "LEVER_EFFECT",
                                                                                       "energy_only"), engine)
    impacts_and_capacity_match(book, SMALL_TRIALS, SEED, lever_effect="energy_only")
    assert book.cell("Cap", "mixed_improved", "nodes") == book.cell("Cap", "mixed", "nodes")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_region_without_water_data_leaves_water_empty_not_wrong(small_book, engine):
    path, folder = small_book

    def edits(wb):
        set_input(wb, "REGION", "COL")
        set_input(wb, "CARBON_INTENSITY_G_PER_KWH", 100.0)

    book = edit_and_recalculate(path, folder / f"water-{engine}", edits, engine)
    impacts_and_capacity_match(book, SMALL_TRIALS, SEED, region="COL", carbon_intensity_g_per_kwh=100.0)
    assert book.cell("Impact", "status", "tts_water_ml") == "needs water_intensity_l_per_kwh"
    assert book.name("Cost_Basis") == cost_basis(catalogue.defaults(), "COL")
    bad = [(ws.title, c.coordinate) for ws in book.wb.worksheets for row in ws.iter_rows() for c in row
           if isinstance(c.value, str) and c.value.startswith(ERRORS)]
    assert bad == []


@pytest.mark.parametrize("engine", ENGINES)
def test_node_seconds_under_linear_tps_say_what_is_missing_not_a_wrong_number(small_book, engine):
    """The workbook derives node-seconds from Eq. 1 with P_node drawn (pnode_model = independent); under S.IV
    nodes and hardware say so, while energy, electricity, carbon and water stay live and equal the engine."""
    path, folder = small_book
    overrides = {"pnode_model": "linear_tps", "hardware_usd_per_node": 300_000.0, "hardware_lifetime_years": 4.0}

    def edits(wb):
        for name, value in overrides.items():
            set_input(wb, name.upper(), value)

    book = edit_and_recalculate(path, folder / f"linear-{engine}", edits, engine)
    from inferwatt_xl.impacts import capacity, impacts

    for scenario in ("baseline", "mixed", "mixed_improved"):
        for key in ("nodes", "gpus", "cost_usd_per_day"):
            assert book.cell("Cap", scenario, key).startswith("needs pnode_model = independent"), (scenario, key)
    assert book.cell("Impact", "status", "tts_hardware_usd").startswith("needs pnode_model = independent")
    result = impacts("baseline", "tts", SMALL_TRIALS, SEED, **overrides)
    for measure in ("energy_wh", "electricity_usd", "carbon_g", "water_ml"):
        for s in STATS:
            assert_close(book.cell("Impact", s, f"tts_{measure}"), result.stats[measure][s], f"{measure} {s}")
    expected = capacity(1e9, 0.1, n=SMALL_TRIALS, seed=SEED, **overrides)
    for key in ("gwh_per_day", "electricity_usd_per_day", "carbon_t_per_day", "water_m3_per_day"):
        assert_close(book.cell("Cap", "mixed", key), getattr(expected, key), key)
    bad = [(ws.title, c.coordinate) for ws in book.wb.worksheets for row in ws.iter_rows() for c in row
           if isinstance(c.value, str) and c.value.startswith(ERRORS)]
    assert bad == []


# ---------------------------------------------------------------- presets (issue 15)


@pytest.fixture(scope="module", params=[(p, e) for p in ("paper_v2", "text_v1") for e in ENGINES],
                ids=lambda pe: f"{pe[0]}-{pe[1]}")
def preset_book(request, tmp_path_factory):
    """A workbook built under a preset (its own seed: 42 under paper_v2), recalculated by each engine."""
    preset, engine = request.param
    folder = tmp_path_factory.mktemp(f"{preset}-{engine}")
    path = build_standalone(folder / "InferWatt.xlsx", trials=SMALL_TRIALS, preset=preset)
    out, _ = recalculate(path, folder / "recalculated", engine)
    return preset, Book(out, SMALL_TRIALS)


def test_a_workbook_built_under_a_preset_equals_the_engine_under_it(preset_book):
    """Every statistic (per model, the baseline as trim says, the paper's trimmed baseline beside it), every lever,
    beta and the fleet, under paper_v2 (trimmed statistics, the top-3 rule, seed 42) and text_v1."""
    preset, book = preset_book
    run = {"n": SMALL_TRIALS, "preset": preset}
    assert book.cell("Param", "value", "preset") == preset
    for regime, label in (("traditional", "Traditional"), ("tts", "TTS")):
        sim = iw.simulate("baseline", regime, **run)
        for s in STATS:
            assert_close(book.name(f"Baseline_{label}_{s.capitalize()}_Wh"), sim.stats[s], f"{regime} {s}")
            assert_close(book.name(f"Baseline_{label}_Trimmed_{s.capitalize()}_Wh"), sim.trimmed_stats[s],
                         f"{regime} trimmed {s}")
        for k, model in enumerate(MODELS):
            stats = iw.simulate(model, regime, **run).stats
            for s in STATS:
                assert_close(book.cell("Summary", f"{regime}_{s}", k), stats[s], f"{model} {regime} {s}")
        for key, lever in LEVERS:
            stats = iw.simulate("baseline", regime, lever=lever, **run).stats
            for s in STATS:
                assert_close(book.cell("Levers", f"{regime}_{s}", key), stats[s], f"lever {lever} {regime} {s}")
    assert_close(book.name("Beta"), iw.beta(preset=preset).beta, "beta")
    for name, share, improved in (("Fleet_Baseline_GWh_per_day", 0.0, False),
                                  ("Fleet_Mixed_GWh_per_day", 0.1, False),
                                  ("Fleet_Mixed_Improved_GWh_per_day", 0.1, True)):
        assert_close(book.name(name), iw.fleet(1e9, share, improved, **run).gwh_per_day, name)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_top3_rule_and_trimming_are_live(small_book, engine):
    """Switched on in a default workbook: the three highest medians form the baseline, statistics are trimmed;
    with the nodes' P_max set so, another three win (ranked live)."""
    path, folder = small_book

    def edits(wb):
        set_input(wb, "BASELINE_RULE", "top3_by_median")
        set_input(wb, "TRIM_INPUT", "paper")
        set_input(wb, "P_MAX_8XH100_KW", 30.0)
        set_input(wb, "P_MAX_10XH100_KW", 3.4)

    book = edit_and_recalculate(path, folder / f"top3-{engine}", edits, engine)
    run = {"n": SMALL_TRIALS, "seed": SEED, "baseline_rule": "top3_by_median", "trim": "paper",
           "p_max_8xh100_kw": 30.0, "p_max_10xh100_kw": 3.4}
    sim = iw.simulate("baseline", "traditional", **run)
    assert "Llama 3.1 70B" in sim.models and "DeepSeek-R1" not in sim.models  # 70B outranks R1 on 3.4 kW
    for s in STATS:
        assert_close(book.name(f"Baseline_Traditional_{s.capitalize()}_Wh"), sim.stats[s], f"top3 {s}")


@pytest.mark.parametrize("engine", ENGINES)
def test_the_codes_supplement_readings_recalculate_like_the_engine(small_book, engine):
    """S.III and S.IV as the authors' code computes them (L_out + L_in / 30; P_node / P_max = 0.24 + 0.56 TPS /
    TPS_max), live."""
    path, folder = small_book

    def edits(wb):
        set_input(wb, "L_EFF", "out_plus_in_over_30")
        set_input(wb, "PNODE_MODEL", "proportional_tps")

    book = edit_and_recalculate(path, folder / f"code-supplement-{engine}", edits, engine)
    baseline_stats_match(book, SMALL_TRIALS, SEED, l_eff="out_plus_in_over_30", pnode_model="proportional_tps")


EXCEL_DEFAULT_WIDTH = 8.43  # characters of '0' in Calibri 11, where a column sets no width


def shown(value: float, number_format: str) -> str:
    """A number as Excel shows it under the workbook's formats (fixed and optional decimals, thousands
    separators, percentages, scientific, General, a [>=x] condition with a text section): enough to know how
    many characters the cell needs."""
    sections = number_format.split(";")
    condition = re.match(r"\[>=([^\]]+)\](.*)", sections[0])
    if condition:
        fmt = condition.group(2) if value >= float(condition.group(1)) else sections[1]
    else:
        fmt = sections[0 if value >= 0 else min(1, len(sections) - 1)]
    if fmt.startswith('"'):
        return fmt.strip('"')
    if fmt in ("General", ""):
        return f"{value:.10g}"
    places = fmt.split(".")[1].rstrip("%").split("E")[0] if "." in fmt else ""
    if "E" in fmt:
        return f"{value:.{len(places)}E}"
    if "%" in fmt:
        return f"{'+' if fmt.startswith('+') and value >= 0 else ''}{value * 100:.{len(places)}f}%"
    text = f"{value:{',' if ',' in fmt else ''}.{len(places)}f}"
    optional = places.count("#")
    if optional:  # '#' places show only when not zero; the point stays (Excel shows '800000000.')
        whole, _, fraction = text.partition(".")
        fraction = fraction[:len(places) - optional] + fraction[len(places) - optional:].rstrip("0")
        text = f"{whole}.{fraction}"
    return text


def test_every_number_fits_its_column(built, book):
    """No cell of the recalculated workbook would show ### in Excel: each number, formatted as the cell says,
    is no wider than its column (widths and formats read from the file)."""
    layout_wb = load_workbook(built)
    narrow = []
    for ws in book.wb.worksheets:
        source = layout_wb[ws.title]
        widths = {letter: (d.width if d.customWidth else EXCEL_DEFAULT_WIDTH)
                  for letter, d in source.column_dimensions.items()}
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, float | int) and not isinstance(cell.value, bool):
                    text = shown(float(cell.value), source[cell.coordinate].number_format)
                    if len(text) > widths.get(cell.column_letter, EXCEL_DEFAULT_WIDTH):
                        narrow.append(f"{ws.title}!{cell.coordinate} {text}")
    assert narrow == [], f"{len(narrow)} cells too narrow, e.g. {narrow[:8]}"


@pytest.mark.parametrize(("value", "fmt", "text"), [
    (203353.1398, "#,##0", "203,353"), (0.30841, "0.0000", "0.3084"), (4.228e-05, "0.000E+00", "4.228E-05"),
    (0.0123, "+0.0%;-0.0%", "+1.2%"), (-0.0123, "+0.0%;-0.0%", "-1.2%"), (1.5, "General", "1.5"),
    (64.83, "#,##0.0", "64.8"), (2.861e-05, "0.000000", "0.000029"), (8e8, "0.####", "800000000."),
    (349.50979947525406, "0.####", "349.5098"), (0.25, "0.00##", "0.25"), (1e308, '[>=1E+100]"no limit";0.000',
                                                                           "no limit"),
    (50.0, '[>=1E+100]"no limit";0.000', "50.000")])
def test_the_width_checks_formatting_by_hand(value, fmt, text):
    assert shown(value, fmt) == text


# ---------------------------------------------------------------- the Scenarios sheet (issue 19)


def scenarios_match(book: Book, definitions, n: int, seed: int, **overrides) -> None:
    """Every shown value of every scenario column equals scenarios.comparison of the same definitions."""
    out = book.grid.table("ScenOut")
    names = list(dict.fromkeys(row[0] for row in iw.comparison(definitions, n=n, seed=seed, **overrides).rows))
    for row in iw.comparison(definitions, n=n, seed=seed, **overrides).rows:
        column = f"s{names.index(row[0]) + 1}"
        assert book.cell("ScenOut", column, "status") == "ok", row[0]
        for key, value in ((row[1], row[3]), (f"{row[1]}_p5", row[4]), (f"{row[1]}_p95", row[5]),
                           (f"{row[1]}_difference", row[7]), (f"{row[1]}_ratio", row[8])):
            if key not in out.rows:
                continue
            got = book.cell("ScenOut", column, key)
            if value is None:
                assert got in (None, ""), f"{row[0]} {key}: {got!r} where the engine has none"
            else:
                assert_close(got, value, f"{row[0]} {key}")


def test_the_scenarios_sheet_equals_the_engine(book):
    shipped = EngineValues.compute(TRIALS, SEED)
    scenarios_match(book, shipped.scenarios, shipped.scenario_trials, SEED)
    # the shared draws: Germany's column differs from the reference in carbon and water only
    names = [s.name for s in shipped.scenarios]
    germany, reference = f"s{names.index(next(n for n in names if n.startswith('Germany'))) + 1}", "s1"
    assert book.cell("ScenOut", germany, "gwh_per_day") == book.cell("ScenOut", reference, "gwh_per_day")
    assert book.cell("ScenOut", germany, "carbon_t_per_day_ratio") < 1


@pytest.mark.parametrize("engine", ENGINES)
def test_scenario_columns_a_reader_edits_recalculate_like_the_engine(small_book, engine):
    """A reader's own six: every kind of setting typed into the yellow cells, the reference's Inputs changed too."""
    path, folder = small_book
    grid = layout(SMALL_TRIALS)
    settings, nodes = grid.table("ScenIn"), grid.table("ScenNodeIn")
    slot = {m: i for i, m in enumerate(MODELS)}
    typed = {
        "s1": {"name": "today", "tts_share": 0.2, "pue_p95": 1.5},
        "s2": {"name": "H200, hardware priced", "hardware_usd_per_node": 3e5, "hardware_lifetime_years": 5,
               "lever": "none", "tts_share": None, "node": {"Llama 3.1 405B": "8xH200", "DeepSeek-R1": "8xH200"}},
        "s3": {"name": "model lever, France", "lever": "Model", "region": "FRA"},
        "s4": {"name": "cheap power, more queries", "price_usd_per_kwh_p5": 0.03, "price_usd_per_kwh_median": 0.04,
               "price_usd_per_kwh_p95": 0.05, "queries_per_day": 3e9},
        "s5": {"name": "combined levers", "lever": "combined", "pue_p5": 1.1},
        "s6": {"name": "improved on GB200", "lever": "improved", "node": {"Llama 3.1 405B": "4xGB200"}},
    }

    def edits(wb):
        ws = wb[settings.sheet]
        for column, cells in typed.items():
            for key in settings.rows:
                ws[settings.cell(column, key)].value = cells.get(key)
            for i in range(nodes.n_rows):
                ws[nodes.cell(column, i)].value = None
            for model, node in cells.get("node", {}).items():
                ws[nodes.cell(column, slot[model])].value = node

    book = edit_and_recalculate(path, folder / "scenarios", edits, engine)
    definitions = {cells["name"]: {k: v for k, v in cells.items() if k != "name" and v is not None}
                   for cells in typed.values()}
    scenarios_match(book, definitions, SMALL_TRIALS, SEED)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_scenario_the_sheet_cannot_compute_says_why_not_a_number(small_book, engine):
    path, folder = small_book
    grid = layout(SMALL_TRIALS)
    settings, nodes = grid.table("ScenIn"), grid.table("ScenNodeIn")

    def edits(wb):
        ws = wb[settings.sheet]
        ws[settings.cell("s2", "lever")].value = "faster"
        ws[settings.cell("s3", "region")].value = "Atlantis"
        ws[nodes.cell("s4", MODELS.index("Llama-3.1 Nemotron Ultra 253B"))].value = "8xB200"

    book = edit_and_recalculate(path, folder / "bad_scenarios", edits, engine)
    assert book.cell("ScenOut", "s2", "status").startswith("unknown lever")
    assert book.cell("ScenOut", "s3", "status").startswith("unknown region")
    assert book.cell("ScenOut", "s4", "status").startswith("a model has no throughput fit")
    for column in ("s2", "s4"):  # never a number where the sheet cannot compute one
        assert not isinstance(book.cell("ScenOut", column, "gwh_per_day"), float)


# ---------------------------------------------------------------- calibration (issue 20)


def calibration_matches(book: Book, model: str, rows: list[dict], n: int, seed: int) -> str:
    """The Calibration sheet's posterior, each row's fit and its text equal the engine's calibrate; returns the
    engine's calibration text."""
    result = iw.calibrate(model, rows, n=n, seed=seed)
    for f in result.factors:
        assert book.cell("CalFactors", "informed", f.factor) == f.informed, f.factor
        for column in ("prior_median", "prior_p5", "prior_p95", "posterior_median", "posterior_p5", "posterior_p95"):
            assert_close(book.cell("CalFactors", column, f.factor), getattr(f, column), f"{f.factor} {column}")
    for i, r in enumerate(result.rows):
        assert book.cell("CalRows", "row_status", i) == "ok"
        for column in ("prior_median", "posterior_median", "z_prior", "z_others"):
            expected = getattr(r, column)
            got = book.cell("CalRows", column, i)
            if expected is None:
                assert got in (None, ""), column
            else:
                assert_close(got, expected, f"row {i} {column}")
    text = book.cell("CalSet", "value", "calibration_text")
    (posterior,) = api.calibrations({"calibration": text}).values()
    (expected,) = api.calibrations({"calibration": result.calibration}).values()
    assert_close(posterior.posterior.mean, expected.posterior.mean, "the sheet's text: mean")
    assert_close(posterior.posterior.cov, expected.posterior.cov, "the sheet's text: covariance")
    return result.calibration


def test_the_calibration_sheet_equals_the_engine_and_is_off_as_shipped(book):
    from inferwatt_xl.calibration import example_measurements

    calibration_matches(book, "Llama 3.1 405B", example_measurements(), TRIALS, SEED)
    assert book.name("Calibration_Active") is False
    assert book.cell("CalSet", "value", "status") == "ok"
    before = iw.simulate("Llama 3.1 405B", n=TRIALS, seed=SEED).stats["median"]
    assert_close(book.cell("CalOut", "median_before_traditional", "slot"), before, "before")
    assert_close(book.cell("CalOut", "median_after_traditional", "slot"), before, "after = before while off")


READER_MEASUREMENTS = {  # a reader's own: GPU-only energy and a facility power reading of DeepSeek-R1
    "DeepSeek-R1": [{"quantity": "wh_per_query", "value": 0.9, "l_in_tokens": 800, "l_out_tokens": 1000,
                     "boundary": "gpu", "rel_uncertainty": 0.05, "source": "a reader's GPU meter"},
                    {"quantity": "node_kw", "value": 11.5, "l_in_tokens": None, "l_out_tokens": None,
                     "boundary": "facility", "rel_uncertainty": None, "source": "a reader's facility meter"}]}


@pytest.mark.parametrize("case", ["shipped", "reader"])
@pytest.mark.parametrize("engine", ENGINES)
def test_calibration_switched_on_moves_every_result_like_the_engine(small_book, engine, case):
    from inferwatt_xl.calibration import MEASUREMENT_COLUMNS, example_measurements

    path, folder = small_book
    grid = layout(SMALL_TRIALS)
    settings, table = grid.table("CalSet"), grid.table("CalRows")
    if case == "shipped":
        model = "Llama 3.1 405B"
        rows = [{c: getattr(m, c) for c in MEASUREMENT_COLUMNS} for m in example_measurements()]
    else:
        (model, rows), = READER_MEASUREMENTS.items()

    def edits(wb):
        ws = wb[settings.sheet]
        ws[settings.cell("value", "on")].value = True
        ws[settings.cell("value", "model")].value = model
        if case == "reader":
            for i in range(table.n_rows):
                for column in ("quantity", "value", "l_in_tokens", "l_out_tokens", "boundary", "rel_uncertainty",
                               "source"):
                    ws[table.cell(column, i)].value = rows[i][column] if i < len(rows) else None

    book = edit_and_recalculate(path, folder / f"calibrated_{case}", edits, engine)
    node = catalogue.models()[model].node
    text = calibration_matches(book, model, [{**r, "model": model, "node": node} for r in rows], SMALL_TRIALS, SEED)
    assert book.name("Calibration_Active") is True
    baseline_stats_match(book, SMALL_TRIALS, SEED, calibration=text)
    for k, name in enumerate(MODELS):
        for regime in ("traditional", "tts"):
            stats = iw.simulate(name, regime, n=SMALL_TRIALS, seed=SEED, calibration=text).stats
            assert_close(book.cell("Summary", f"{regime}_median", k), stats["median"], f"{name} {regime}")
    impacts_and_capacity_match(book, SMALL_TRIALS, SEED, calibration=text)
    after = iw.simulate(model, n=SMALL_TRIALS, seed=SEED, calibration=text).stats["median"]
    assert_close(book.cell("CalOut", "median_after_traditional", "slot"), after, "after")
    errors = [c.coordinate for ws in book.wb.worksheets for row in ws.iter_rows() for c in row
              if isinstance(c.value, str) and c.value.startswith(ERRORS)]
    assert not errors, errors[:5]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_bad_measurement_row_says_why_and_changes_nothing(small_book, engine):
    path, folder = small_book
    grid = layout(SMALL_TRIALS)
    settings, table = grid.table("CalSet"), grid.table("CalRows")

    def edits(wb):
        ws = wb[settings.sheet]
        ws[settings.cell("value", "on")].value = True
        ws[table.cell("quantity", 3)].value = "watts"
        ws[table.cell("value", 3)].value = 5
        ws[table.cell("quantity", 4)].value = "node_kw"
        ws[table.cell("value", 4)].value = -1
        ws[table.cell("boundary", 4)].value = "node"

    book = edit_and_recalculate(path, folder / "bad_calibration", edits, engine)
    assert book.cell("CalRows", "row_status", 3) == "unknown quantity"
    assert book.cell("CalRows", "row_status", 4) == "value must be > 0"
    assert book.cell("CalSet", "value", "status").startswith("a measurement row has an error")
    assert book.name("Calibration_Active") is False
    baseline_stats_match(book, SMALL_TRIALS, SEED)  # the uncalibrated numbers, not a half-calibrated one
