"""Reproduction: each published figure, v1 and v2, beside the workbook's live value, the engine's at build and
the engine under every reading of the paper; and where the v1 text and the authors' code differ."""

from __future__ import annotations

from ... import catalogue, reproduce
from ..book import Book
from ..built import EngineValues
from ..formulas import audit_formula
from ..grid import Column, Table

NUM = "0.0000"
CHANGE = "+0.0%;-0.0%"
# Paper figures the workbook computes: key of data/paper_results.csv -> defined name of the live value
# (figures about one model, with no name here, are found by the model named in paper_results.csv).
REPRODUCTION_CELLS = {
    "llama405b_traditional_median_wh": "", "mixtral_traditional_median_wh": "",
    "baseline_traditional_median_wh": "Baseline_Traditional_Median_Wh",
    "baseline_traditional_p25_wh": "Baseline_Traditional_P25_Wh",
    "baseline_traditional_p75_wh": "Baseline_Traditional_P75_Wh",
    "baseline_tts_median_wh": "Baseline_TTS_Median_Wh", "baseline_tts_p25_wh": "Baseline_TTS_P25_Wh",
    "baseline_tts_p75_wh": "Baseline_TTS_P75_Wh",
    "tts_to_traditional_median_ratio": "Baseline_TTS_to_Traditional_Median_Ratio",
    "beta_util": "Beta_Util", "e_node_sin_kwh_per_day": "E_Node_Sin_kWh_per_day",
    "e_node_uniform_kwh_per_day": "E_Node_Uniform_kWh_per_day", "beta": "Beta",
    "fleet_baseline_gwh_per_day": "Fleet_Baseline_GWh_per_day", "fleet_mixed_gwh_per_day": "Fleet_Mixed_GWh_per_day",
    "fleet_mixed_improved_gwh_per_day": "Fleet_Mixed_Improved_GWh_per_day",
}


def built_header(values: EngineValues) -> str:
    return f"engine at build ({values.trials:,} trials, seed {values.seed})"


def live_reference(book: Book, key: str) -> str:
    """The workbook cell (or the template of the defined name) that computes a paper figure."""
    model = catalogue.paper_figures()[key].model
    if model:
        k = list(catalogue.workbook_models()).index(model)
        return book.grid.table("Summary").cell("traditional_median", k, sheet=True, absolute=True)
    return f"{{n.{REPRODUCTION_CELLS[key]}}}"


def declare(book: Book, values: EngineValues) -> None:
    g, figures = book.grid, catalogue.paper_figures()
    keys = tuple(k for k in figures if k in REPRODUCTION_CELLS)
    v1_reading = values.preset in ("paper_v1", "text_v1")  # the version this build's reading follows
    g.add(Table("Repro", "Reproduction", [
        Column("quantity", "quantity", width=58), Column("unit", "unit", width=10),
        Column("paper_v1", "paper v1 (arXiv 2025)", number_format="0.00##"),
        Column("paper_v2", "paper v2 (Joule 2026)", number_format="0.00##"),
        Column("live", "this workbook (live)", lambda i: "=" + live_reference(book, keys[i]), NUM, 16),
        Column("ratio", "ratio (live / paper " + ("v1" if v1_reading else "v2, else v1") + ")",
               "={live}/{paper_v1}" if v1_reading else "={live}/IF(ISNUMBER({paper_v2}),{paper_v2},{paper_v1})",
               "0.00"),
        Column("built", built_header(values), number_format=NUM, width=20),
        Column("check", "live = engine at build?", audit_formula("{live}", "{built}"), width=26),
        *[Column(f"reading_{k}", f"engine: {label}", number_format=NUM, width=14)
          for k, label in enumerate(reproduce.READINGS)],
        Column("note", "note", width=56), Column("source", "source", width=56)], book.first_row(1), keys))
    g.add(Table("TextCode", "Reproduction", [
        Column("parameter", "parameter", width=58), Column("text_value", "v1 text", width=10),
        Column("code_value", "the authors' code", width=14),
        Column("traditional_median_wh", "traditional median (Wh)", number_format=NUM, width=14),
        Column("traditional_change", "change", number_format=CHANGE, width=14),
        Column("tts_median_wh", "test-time scaling median (Wh)", number_format=NUM, width=14),
        Column("tts_change", "change", number_format=CHANGE, width=14),
        Column("fleet_improved_gwh_per_day", "10 % TTS fleet, improved (GWh/day)", number_format=NUM, width=14),
        Column("fleet_change", "change", number_format=CHANGE, width=14),
        Column("source", "source of the text's value", width=56)],
        book.first_row(2, below="Repro"), len(values.text_code)))


def write(book: Book, values: EngineValues) -> None:
    table = book.grid.table("Repro")
    figures, keys, rows = catalogue.paper_figures(), table.rows, values.reproduction
    readings = {f"reading_{k}": [rows[figures[key].quantity].readings.get(label) if figures[key].quantity in rows
                                 else None for key in keys] for k, label in enumerate(reproduce.READINGS)}
    book.note("Reproduction", "Each published figure, v1 and v2, beside this workbook's live value, the engine's "
                              "value at build, and the engine under every reading of the paper (inferwatt "
                              "reproduce); paper_v1 / paper_v2 exact draw numpy's legacy stream as the authors' "
                              "scripts do.")
    book.note("Reproduction", f"'engine at build' is InferWatt's Python engine at this workbook's inputs (preset "
                              f"{values.preset}, {values.trials:,} trials, seed {values.seed}): a plain number that "
                              "previews and readers without a calculation engine show. 'live' recalculates from the "
                              "Inputs; the check says whether the two still agree. S.III and S.IV are computed as the "
                              "reading says (the code's L_out + L_in / 30 and 0.24 + 0.56 TPS / TPS_max; the v1 text's "
                              "under text_v1).", row=table.header_row - 1)
    book.write("Repro", {"quantity": [figures[k].quantity for k in keys], "unit": [figures[k].unit for k in keys],
                         "paper_v1": [figures[k].paper_value for k in keys],
                         "paper_v2": [figures[k].paper_v2_value for k in keys], **readings,
                         "note": [reproduce.KNOWN_DIFFERENCES.get(k, "") for k in keys],
                         "built": [values.quantities[k] for k in keys], "source": [figures[k].source for k in keys]})
    book.heading("TextCode", "Where the v1 text and the authors' code differ",
                 "Each parameter switched alone from the code's value to the text's, on paper_v2 (HDR, seed 42, "
                 f"{reproduce.HEADLINE_N:,} trials; engine values at build).")
    text_code = values.text_code
    book.write("TextCode", {
        "parameter": [t.parameter for t in text_code],
        "text_value": ["empty (computed)" if t.text_value is None else t.text_value for t in text_code],
        "code_value": [t.code_value for t in text_code],
        **{c: [getattr(t, c) for t in text_code] for c in (
            "traditional_median_wh", "traditional_change", "tts_median_wh", "tts_change",
            "fleet_improved_gwh_per_day", "fleet_change", "source")}})
