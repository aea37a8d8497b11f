"""The parts of an openpyxl package put in the form Excel expects: schema order where openpyxl 3.1 writes
children out of it, and a shared-strings table instead of inline strings.

openpyxl writes a font's children as name, family, color, sz and a chart's error bars as minus, plus; the
Office Open XML schema (ECMA-376, CT_Font and CT_ErrBars) requires another order, and Excel answers such
a file with a repair prompt. It also writes every text cell as an inline string, which Excel moves into a
shared-strings table on the next save, so a file opened and closed unedited would be rewritten. Each fix
here is a pure function of a part's bytes, applied when the package is copied (xlsx.save_atomically).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CHART_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
SHARED_STRINGS_PART = "xl/sharedStrings.xml"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SHARED_STRINGS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"

# ECMA-376 Part 1, sml.xsd CT_Font and dml-chart.xsd CT_ErrBars: the order their children must come in.
FONT_ORDER = ("b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz", "color",
              "name", "family", "charset", "scheme")
ERROR_BARS_ORDER = ("errDir", "errBarType", "errValType", "noEndCap", "plus", "minus", "val", "spPr", "extLst")

# openpyxl's inline string cell: <c r=".." s=".." t="inlineStr"><is><t>text</t></is></c> (text XML-escaped)
_INLINE = re.compile(rb'<c ([^>]*?)t="inlineStr"><is><t(?: xml:space="preserve")?>([^<]*)</t></is></c>')
_EMPTY_INLINE = re.compile(rb'<c ([^>]*?) ?t="inlineStr"(?:/>|></c>)')  # an empty text cell: no value at all


def _in_order(root: etree._Element, parent_tag: str, order: tuple[str, ...]) -> None:
    """Sort the children of every `parent_tag` element by the schema's sequence (stable for equal names)."""
    rank = {name: i for i, name in enumerate(order)}
    for parent in root.iter(parent_tag):
        children = list(parent)
        children.sort(key=lambda child: rank.get(etree.QName(child).localname, len(order)))
        parent[:] = children


def _reordered(data: bytes, parent_tag: str, order: tuple[str, ...]) -> bytes:
    root = etree.fromstring(data)
    _in_order(root, parent_tag, order)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def fonts_in_schema_order(styles_xml: bytes) -> bytes:
    return _reordered(styles_xml, f"{{{MAIN_NS}}}font", FONT_ORDER)


def error_bars_in_schema_order(chart_xml: bytes) -> bytes:
    return _reordered(chart_xml, f"{{{CHART_NS}}}errBars", ERROR_BARS_ORDER)


class SharedStrings:
    """One table of the package's distinct texts, in order of first use; sheets refer to them by index."""

    def __init__(self) -> None:
        self.index: dict[bytes, int] = {}
        self.uses = 0

    def _ref(self, attributes: bytes, text: bytes) -> bytes:
        self.uses += 1
        i = self.index.setdefault(text, len(self.index))
        return b'<c ' + attributes + b't="s"><v>' + str(i).encode() + b"</v></c>"

    def sheet(self, sheet_xml: bytes) -> bytes:
        """The sheet with each inline string replaced by a reference into this table."""
        sheet_xml = _INLINE.sub(lambda m: self._ref(m.group(1), m.group(2)), sheet_xml)
        sheet_xml = _EMPTY_INLINE.sub(rb"<c \1/>", sheet_xml)
        if b't="inlineStr"' in sheet_xml:
            raise ValueError("an inline string of a form not expected from openpyxl (rich text?)")
        return sheet_xml

    def part(self) -> bytes:
        items = b"".join(b'<si><t xml:space="preserve">' + text + b"</t></si>" for text in self.index)
        return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<sst xmlns="' + MAIN_NS.encode() + b'" count="' + str(self.uses).encode()
                + b'" uniqueCount="' + str(len(self.index)).encode() + b'">' + items + b"</sst>")


def _with_shared_strings_declared(name: str, data: bytes) -> bytes:
    """[Content_Types].xml and the workbook's relationships gain the shared-strings part."""
    if name == "[Content_Types].xml" and SHARED_STRINGS_TYPE.encode() not in data:
        return data.replace(b"</Types>", b'<Override PartName="/' + SHARED_STRINGS_PART.encode()
                            + b'" ContentType="' + SHARED_STRINGS_TYPE.encode() + b'"/></Types>')
    if name == "xl/_rels/workbook.xml.rels" and SHARED_STRINGS_REL.encode() not in data:
        return data.replace(b"</Relationships>", b'<Relationship Type="' + SHARED_STRINGS_REL.encode()
                            + b'" Target="sharedStrings.xml" Id="rIdSharedStrings"/></Relationships>')
    return data


def excel_ready(parts: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Every part of an openpyxl package, put in schema order and with its texts in a shared-strings table;
    the table is added after the sheets (the order of the other parts is kept)."""
    strings = SharedStrings()
    out = []
    for name, data in parts:
        if name.startswith("xl/charts/chart") and name.endswith(".xml"):
            data = error_bars_in_schema_order(data)
        elif name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
            data = strings.sheet(data)
        elif name == "xl/styles.xml":
            data = fonts_in_schema_order(data)
        out.append((name, data))
    if not strings.index:
        return out
    if any(name == SHARED_STRINGS_PART for name, _ in out):
        raise ValueError("the package has a shared-strings table already")
    return [(name, _with_shared_strings_declared(name, data)) for name, data in out] + [
        (SHARED_STRINGS_PART, strings.part())]
