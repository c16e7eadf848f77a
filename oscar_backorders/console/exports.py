"""CSV the plugin writes, safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets, so a product title or a customer-typed name can
run a formula on the merchant's machine (CSV injection). Following OWASP's rule, such text cells
are prefixed with a single quote, which spreadsheets show as text. Numbers (``int``, ``Decimal``,
``float``) are written as they are, so negative figures stay numeric.

Written here rather than with ``defusedcsv``: that library leaves cells starting with a tab or a
carriage return as they are and rewrites ``|`` inside cells, so it meets neither half of the rule.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from numbers import Number
from typing import Any

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value``, with a leading ``'`` if it is text a spreadsheet would run as a formula."""
    if value is None or isinstance(value, Number):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write_rows(stream: Any, rows: Iterable[Iterable[Any]]) -> None:
    """Write ``rows`` as CSV to ``stream`` (a file or an ``HttpResponse``), every cell made safe."""
    writer = csv.writer(stream)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
