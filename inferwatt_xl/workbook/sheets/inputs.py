"""Inputs: every declared parameter with its unit, allowed values and source; the nodes; the model slots."""

from __future__ import annotations

from openpyxl.worksheet.datavalidation import DataValidation

from ... import catalogue
from ..book import Book
from ..built import EngineValues
from ..excel import MAX_PROMPT_CHARS, MAX_TITLE_CHARS, ExcelRuleError, fit_text
from ..formulas import input_name
from ..grid import Column, Table
from ..xlsx import fit_row_height

# The choices the workbook's formulas implement (per_model's minimum-norm fit is engine-only; the workbook's
# random numbers are HDR's).
WORKBOOK_CHOICES = {"sparse_strategy": ("max_tps_below_3_rows", "shared_slopes", "pooled"), "rng": ("hdr",)}
FIXED_AT_BUILD = {"n_trials": "fixed at build time (python build.py --trials N)",
                  "deployment_draws": "fixed at build time (rows of the Deployments sheet)",
                  "scenario_trials": "fixed at build time (rows of Sim_Scenarios: the first trials of Draws)",
                  "preset": "fixed at build time (python build.py --preset NAME); its values are the inputs here",
                  "paper_h100_rows": "fixed at build time (the rows of the Benchmarks sheet, which you can edit)",
                  "calibration": "live on the Calibration sheet (this text is the engine's form of it)",
                  "rng": "hdr in the workbook (rng = paper is the engine's exact reproduction of the authors' "
                         "scripts)"}
FREE_NODE_ROWS = 2  # empty rows on Inputs where a user adds a node of their own
NODE_COLUMNS = tuple(name for name, c in catalogue.NODE_COLUMNS.items() if c.header)  # the Nodes table's
MODEL_INPUTS = ("name", "node", "in_baseline", "total_params_b", "source")


def declare(book: Book, values: EngineValues) -> None:
    g, slots = book.grid, book.spec["model_slots"]
    if len(catalogue.workbook_models()) > slots:
        raise ExcelRuleError(f"{len(catalogue.workbook_models())} models in data/models.csv, the template has {slots} "
                             "slots")
    g.add(Table("Param", "Inputs", [
        Column("group", "group", width=12), Column("name", "name", width=30),
        Column("label", "label", width=36), Column("unit", "unit", width=12),
        Column("value", "value", width=16), Column("default", "default", width=14),
        Column("allowed", "allowed", width=26), Column("description", "description", width=50),
        Column("source", "source", width=50)], book.first_row(gap=0), tuple(catalogue.parameters())))
    g.add(Table("Node", "Inputs", [Column(name, c.header) for name, c in catalogue.NODE_COLUMNS.items() if c.header],
        book.first_row(1, below="Param"), len(catalogue.workbook_nodes()) + FREE_NODE_ROWS, first_col=2))
    g.add(Table("Model", "Inputs", [
        Column("slot", "slot"), Column("name", "name"), Column("node", "node"),
        Column("in_baseline", "in_baseline (TRUE/FALSE)"), Column("total_params_b", "total parameters (B)"),
        Column("source", "source")], book.first_row(1, below="Node"), slots))


def write(book: Book, values: EngineValues) -> None:
    _parameters(book, values)
    _nodes(book)
    _models(book)


def _parameters(book: Book, values: EngineValues) -> None:
    ws, st, params = book.sheets["Inputs"], book.styles, list(catalogue.parameters().values())
    book.note("Inputs", f"Built under preset {values.preset}: its values (data/presets.csv, with their sources) are "
                        "the inputs below. Another reading: python build.py --preset NAME (inferwatt, paper_v2, "
                        "paper_v1, text_v1).")
    table = book.write("Param", {
        "group": [p.group for p in params], "name": [p.name for p in params],
        "label": [p.label for p in params], "unit": [p.unit for p in params],
        "value": [values.params[p.name] for p in params],
        "default": ["none (no sourced default)" if p.default is None else p.default for p in params],
        "allowed": [FIXED_AT_BUILD.get(p.name, _allowed(p)) for p in params],
        "description": [p.description for p in params], "source": [p.source for p in params]})
    for p in params:
        cell = ws[table.cell("value", p.name)]
        book.define(input_name(p.name), table.cell("value", p.name, sheet=True, absolute=True))
        for column in ("description", "source"):
            ws[table.cell(column, p.name)].alignment = st.wrap
        fit_row_height(ws, table.row(p.name), table.first_col, table.first_col + len(table.columns) - 1)
        group_cell = ws[table.cell("group", p.name)]  # each group opens with its name as a heading
        first_of_group = p is params[0] or params[params.index(p) - 1].group != p.group
        group_cell.font = st.bold if first_of_group else st.faint
        if first_of_group:
            group_cell.fill = st.header
            for column in table.columns:
                ws[table.cell(column.name, p.name)].border = st.group_top
        if p.name not in FIXED_AT_BUILD:
            st.as_input(cell)
            dv = _region_validation(book) if p.kind == "region" else _validation(p)
            ws.add_data_validation(dv)
            dv.add(cell.coordinate)
    ws.print_title_cols = "B:B"
    ws.print_title_rows = f"{table.header_row}:{table.header_row}"


def _nodes(book: Book) -> None:
    ws, nodes, table = book.sheets["Inputs"], list(catalogue.workbook_nodes().values()), book.grid.table("Node")
    book.heading("Node", "Nodes")
    book.write("Node", {c: [getattr(n, c) for n in nodes] for c in NODE_COLUMNS})
    for i, n in enumerate(nodes):
        if n.name in catalogue.NODE_POWER_PARAMETERS:  # the parameter's value when one is given (presets)
            param = input_name(catalogue.NODE_POWER_PARAMETERS[n.name])
            book.formula(table, "p_max_kw", f"=IF(ISNUMBER({param}),{param},{n.p_max_kw!r})", i)
    for i in range(table.n_rows):
        for column in NODE_COLUMNS:
            book.styles.as_input(ws[table.cell(column, i)])


def _models(book: Book) -> None:
    ws, table, slots = book.sheets["Inputs"], book.grid.table("Model"), book.spec["model_slots"]
    book.heading("Model", "Models (an empty slot takes a new model: add its benchmark rows too)")
    ms = [*catalogue.workbook_models().values()] + [None] * (slots - len(catalogue.workbook_models()))
    book.write("Model", {"slot": list(range(1, slots + 1)), "name": [m.name if m else "" for m in ms],
                         "node": [m.node if m else "" for m in ms],
                         "in_baseline": [m.in_baseline if m else False for m in ms],
                         "total_params_b": [m.total_params_b if m else None for m in ms],
                         "source": [m.source if m else "" for m in ms]})
    node_list = DataValidation(type="list", formula1="=" + book.grid.table("Node").range("name"), allow_blank=True)
    flag_list = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=True)
    flag_list.error = "in_baseline must be TRUE or FALSE"
    flag_list.errorTitle, flag_list.showErrorMessage = "InferWatt input", True
    ws.add_data_validation(node_list)
    ws.add_data_validation(flag_list)
    for k in range(slots):
        for column in MODEL_INPUTS:
            book.styles.as_input(ws[table.cell(column, k)])
        node_list.add(table.cell("node", k))
        flag_list.add(table.cell("in_baseline", k))


def _validation(p: catalogue.Parameter) -> DataValidation:
    """Excel's data validation of one input, with a prompt and error that fit Excel's limits whole."""
    choices = WORKBOOK_CHOICES.get(p.name, p.choices)
    if choices:
        dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=False)
    else:
        kind = "whole" if p.kind == "integer" else "decimal"
        lo = p.lower[1] if p.lower else -1e300
        hi = p.upper[1] if p.upper else 1e300
        if p.lower and p.lower[0] == ">":
            lo = lo + (1 if kind == "whole" else 1e-12)
        dv = DataValidation(type=kind, operator="between", formula1=repr(lo), formula2=repr(hi),
                            allow_blank=p.default is None)
    allowed = _allowed(p)
    default = "none (no sourced default: give one)" if p.default is None else p.default
    dv.error = fit_text([f"{p.name} must be {allowed}.", f"Default: {default}."], MAX_PROMPT_CHARS)
    dv.errorTitle = "InferWatt input"
    dv.promptTitle = p.name if len(p.name) <= MAX_TITLE_CHARS else "InferWatt input"
    prompt = fit_text([f"{p.label} [{p.unit}].", f"Allowed: {allowed}.", f"Default: {default}.",
                       *_sentences(p.description)], MAX_PROMPT_CHARS)
    dv.prompt = prompt[:-1] + "." if prompt.endswith(";") else prompt  # the last whole clause ends the text
    dv.showErrorMessage = dv.showInputMessage = True
    return dv


def _region_validation(book: Book) -> DataValidation:
    """The Inputs cell of `region` takes a code of the Regions sheet."""
    dv = DataValidation(type="list", formula1="=" + book.grid.table("Region").range("code"), allow_blank=False)
    dv.error, dv.errorTitle = "region must be a code of the Regions sheet", "InferWatt input"
    dv.prompt, dv.promptTitle = "A code of the Regions sheet, e.g. USA, DEU, WORLD.", "region"
    dv.showErrorMessage = dv.showInputMessage = True
    return dv


def _allowed(p: catalogue.Parameter) -> str:
    choices = WORKBOOK_CHOICES.get(p.name, p.choices)
    return "one of " + ", ".join(choices) if choices else p.allowed


def _sentences(text: str) -> list[str]:
    """Text split after each full stop or semicolon, so a prompt can keep whole sentences."""
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch in ".;" and (i + 1 == len(text) or text[i + 1] == " "):
            out.append(text[start:i + 1].strip())
            start = i + 1
    if text[start:].strip():
        out.append(text[start:].strip())
    return out
