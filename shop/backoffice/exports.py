"""CSV downloads from the back office: rows streamed to the browser, every cell made
safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from flask import Response, current_app

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection):
# such a cell is written with a ' in front, which a spreadsheet shows as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> str:
    """`value` as a CSV cell: None empty, times in ISO 8601, and text that a
    spreadsheet would run as a formula kept as text."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def cell_text(cell: str) -> str:
    """What `spreadsheet_cell` wrote, read back from a cell: trimmed, without the ' it
    put in front of a formula-like value."""
    cell = cell.strip()
    if cell.startswith("'") and cell[1:].startswith(FORMULA_START):
        return cell[1:]
    return cell


def csv_text(rows: Iterable[Iterable[object]], *, bom: bool = False) -> Iterator[str]:
    """`rows` (the header first) as CSV text, a row at a time, with Windows line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        yield "\ufeff"
    for row in rows:
        writer.writerow([spreadsheet_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_response(rows: Iterable[Iterable[object]], filename: str, *, bom: bool = False):
    """A CSV download of `rows`, streamed as they are read: a generator of rows may
    query the database as it goes (it runs in an application context of its own, made
    when the download starts, so a response nobody reads leaves nothing open).
    `bom` starts the file with a byte-order mark, which makes spreadsheets read it as
    UTF-8."""
    app = current_app._get_current_object()

    def download() -> Iterator[str]:
        with app.app_context():
            yield from csv_text(rows, bom=bom)

    return Response(
        download(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
