"""The one CSV writer every export uses (admin reports, flags, ``export_leads``,
``funnel_report --format csv``).

Two rules (DESIGN.md "Exports are safe to open"):
- UTF-8 with a byte-order mark, so Excel on Chinese Windows does not read the file as GBK;
- a cell a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
  carriage return: the OWASP CSV-injection rule) gets a leading apostrophe and stays text.
  Lead names, keywords and campaign names come from the public, so any of them can be hostile.

Numbers (int, float, Decimal) are written as they are: a negative figure is data, not a
formula, and quoting it would turn it into text in the spreadsheet.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, TextIO

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value: Any) -> Any:
    """The value as it may go into a cell: None → "", hostile text → "'" + text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def row_safe(row: Iterable[Any]) -> list[Any]:
    return [cell_safe(value) for value in row]


class _Line:
    """A file-like object whose ``write`` hands back the line (for streaming responses)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    *,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    headings: Mapping[str, str] | None = None,
    lineterminator: str = "\r\n",
) -> Iterator[str]:
    """The CSV text line by line, the BOM in front of the header (for streamed responses)."""
    headings = headings or {}
    writer = csv.writer(_Line(), lineterminator=lineterminator)
    yield BOM + writer.writerow(row_safe(headings.get(c, c) for c in columns))
    for row in rows:
        yield writer.writerow(row_safe(row.get(c) for c in columns))


def csv_write(
    stream: TextIO,
    *,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    headings: Mapping[str, str] | None = None,
) -> int:
    """Write the BOM, a header and ``rows`` (dicts) to ``stream`` one whole line per
    ``write`` call (a management command's stdout appends a newline to anything else);
    returns the number of data rows."""
    count = -1
    for line in csv_lines(columns=columns, rows=rows, headings=headings, lineterminator="\n"):
        stream.write(line)
        count += 1
    return count
