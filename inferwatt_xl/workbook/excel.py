"""Microsoft Excel's own file rules, checked without any spreadsheet application.

LibreOffice and Gnumeric forgive things Excel does not (a defined name that looks like a
cell, a missing `_xlfn.` prefix), so the builder checks every formula and name against
Excel's documented rules before it writes the file, and the fast tests check the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import InferWattError

# Excel's limits (support.microsoft.com, "Excel specifications and limits").
MAX_FORMULA_CHARS = 8192
MAX_NESTING = 64
MAX_ARGUMENTS = 255
MAX_NAME_CHARS = 255
MAX_PROMPT_CHARS = 255  # data-validation input and error messages
MAX_TITLE_CHARS = 32  # data-validation titles
MAX_CELL_CHARS = 32767

# Functions the workbook may use that every Excel since 2007 knows without a prefix.
CLASSIC_FUNCTIONS = frozenset({
    "ABS", "AND", "AVERAGE", "CHOOSE", "COUNT", "COUNTIF", "EXP", "IF", "INDEX", "ISLOGICAL", "ISNA", "ISNUMBER",
    "ISTEXT", "LN", "MATCH", "MAX", "MIN", "MOD", "N", "NORMSDIST", "NOT", "OR", "ROUND", "ROUNDUP", "SQRT", "SUM",
    "SUMPRODUCT", "TRIM", "UPPER",
    "VARP",
})
# Functions introduced in Excel 2010 or later: the file must spell them `_xlfn.NAME`, or Excel and
# LibreOffice show #NAME?. A fast test checks this list against XlsxWriter's.
FUTURE_FUNCTIONS = frozenset({"LOGNORM.INV", "NORM.S.INV", "PERCENTILE.INC"})
FUNCTIONS = CLASSIC_FUNCTIONS | FUTURE_FUNCTIONS

_STRING = re.compile(r'"(?:[^"]|"")*"')
_CALL = re.compile(r"(?<![\w.])((?:_xlfn\.)?[A-Za-z][A-Za-z0-9.]*)\(")
_NAME_TOKEN = re.compile(r"(?<![\w.!$'\"])([A-Za-z_\\][A-Za-z0-9_.\\]*)(?![\w.(!])")
_CELL = re.compile(r"(?<![\w.$])\$?[A-Za-z]{1,3}\$?[0-9]+(?![\w.(])")
_A1 = re.compile(r"^\$?[A-Za-z]{1,3}\$?[0-9]+$")
_R1C1 = re.compile(r"^[Rr]([0-9]+|\[-?[0-9]+\])?([Cc]([0-9]+|\[-?[0-9]+\])?)?$|^[Cc]([0-9]+|\[-?[0-9]+\])?$")
_NAME_CHARS = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.\\]*$")


class ExcelRuleError(InferWattError):
    """The builder produced something Microsoft Excel would reject or misread."""


def _without_strings(formula: str) -> str:
    """The formula with its string literals blanked, so text is never read as a function or name."""
    return _STRING.sub('""', formula)


def add_prefixes(formula: str) -> str:
    """Spell every function introduced in Excel 2010 or later as `_xlfn.NAME` (idempotent)."""
    parts = re.split(r'("(?:[^"]|"")*")', formula)
    for i in range(0, len(parts), 2):  # even parts are outside string literals
        parts[i] = _CALL.sub(lambda m: ("_xlfn." + m.group(1) if m.group(1).upper() in FUTURE_FUNCTIONS
                                        else m.group(1)) + "(", parts[i])
    return "".join(parts)


def functions_in(formula: str) -> set[str]:
    """The functions a formula calls, as spelled in the file (with any `_xlfn.` prefix)."""
    return set(_CALL.findall(_without_strings(formula)))


def names_in(formula: str) -> set[str]:
    """Identifiers in a formula that are not functions, cells, sheets or booleans: defined names."""
    text = _without_strings(formula)
    text = re.sub(r"'[^']*'!|[A-Za-z_][A-Za-z0-9_]*!", "", text)  # sheet prefixes
    text = _CELL.sub(" ", text)  # cell references such as B$5 or $M$6
    found = set()
    for token in _NAME_TOKEN.findall(text):
        if _A1.match(token) or token.upper() in ("TRUE", "FALSE"):
            continue
        found.add(token)
    return found


def check_formula(formula: str, where: str) -> None:
    """Raise ExcelRuleError if a formula breaks an Excel rule: length, nesting, arguments, functions."""
    if not formula.startswith("="):
        raise ExcelRuleError(f"{where}: a formula must start with '=', got {formula[:40]!r}")
    if len(formula) > MAX_FORMULA_CHARS:
        raise ExcelRuleError(f"{where}: formula of {len(formula)} characters, Excel allows {MAX_FORMULA_CHARS}")
    for name in functions_in(formula):
        bare = name.removeprefix("_xlfn.")
        if bare.upper() not in FUNCTIONS:
            raise ExcelRuleError(f"{where}: {bare} is not among the functions the workbook may use")
        if bare.upper() in FUTURE_FUNCTIONS and not name.startswith("_xlfn."):
            raise ExcelRuleError(f"{where}: {bare} is newer than Excel 2007 and must be written _xlfn.{bare}")
        if bare.upper() not in FUTURE_FUNCTIONS and name.startswith("_xlfn."):
            raise ExcelRuleError(f"{where}: {bare} must not carry the _xlfn. prefix")
    depth, deepest, args = 0, 0, [0]
    for ch in _without_strings(formula):
        if ch == "(":
            depth += 1
            deepest = max(deepest, depth)
            args.append(1)
        elif ch == ")":
            if depth == 0:
                raise ExcelRuleError(f"{where}: unbalanced parentheses")
            depth -= 1
            args.pop()
        elif ch == "," and depth > 0:
            args[-1] += 1
            if args[-1] > MAX_ARGUMENTS:
                raise ExcelRuleError(f"{where}: more than {MAX_ARGUMENTS} arguments in one call")
    if depth != 0:
        raise ExcelRuleError(f"{where}: unbalanced parentheses")
    if deepest > MAX_NESTING:
        raise ExcelRuleError(f"{where}: nesting of {deepest} levels, Excel allows {MAX_NESTING}")


def looks_like_reference(text: str) -> bool:
    """True if Excel could read `text` as a cell reference in A1 or R1C1 style."""
    return bool(_A1.match(text) or _R1C1.match(text))


def check_defined_name(name: str) -> None:
    """Raise ExcelRuleError unless Excel accepts `name` as a defined name and reads it as that name."""
    if not 1 <= len(name) <= MAX_NAME_CHARS or not _NAME_CHARS.match(name):
        raise ExcelRuleError(f"defined name {name!r}: Excel allows 1-{MAX_NAME_CHARS} characters, a letter, "
                             "underscore or backslash first, then letters, digits, underscores or periods")
    if looks_like_reference(name):
        raise ExcelRuleError(f"defined name {name!r} is also a cell reference: Excel rejects it or reads the cell")
    if name.upper() in ("TRUE", "FALSE") or name.upper() in FUNCTIONS:
        raise ExcelRuleError(f"defined name {name!r} is a boolean or function name")


def check_defined_names(names: Iterable[str]) -> None:
    """Every name valid, and unique ignoring case (Excel's names are case-insensitive)."""
    seen: dict[str, str] = {}
    for name in names:
        check_defined_name(name)
        if name.upper() in seen:
            raise ExcelRuleError(f"defined names {seen[name.upper()]!r} and {name!r} differ only in case")
        seen[name.upper()] = name


def fit_text(pieces: Iterable[str], limit: int, separator: str = " ") -> str:
    """Whole pieces (sentences, clauses) joined while they fit in `limit` characters: never cut mid-word.

    The first piece must fit on its own; a piece that would overflow is left out with all after it.
    """
    pieces = list(pieces)
    out = ""
    for piece in pieces:
        candidate = f"{out}{separator}{piece}" if out else piece
        if len(candidate) > limit:
            break
        out = candidate
    if not out:
        raise ExcelRuleError(f"text {pieces[0] if pieces else ''!r} does not fit in {limit} characters")
    return out
