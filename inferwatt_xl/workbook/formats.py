"""Number formats for people, chosen by unit: declared once in workbook_templates/standalone.json."""

from __future__ import annotations

from .xlsx import template

GENERAL = "General"


def number_format(unit: str) -> str:
    """The format of a value in `unit` (thousands separators for money per day and for counts, millionths for a
    query's money); a unit the template does not list keeps the template's default number format."""
    formats = template("standalone.json")["formats_by_unit"]
    return formats.get(unit, template("standalone.json")["styles"]["number_format"])
