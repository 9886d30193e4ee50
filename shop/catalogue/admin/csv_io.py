"""Products and sizes as CSV files: the export, and reading an uploaded file.

The columns are the table in `csv_columns`. One row per size (a product without sizes
gets one row with the size columns empty). An uploaded file may leave out any column
but `product_slug` and `sku`; `csv_import` works out and makes what it changes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from shop.backoffice.exports import cell_text
from shop.catalogue.admin.csv_columns import COLUMNS, REQUIRED_COLUMNS, product_cells, size_cells
from shop.catalogue.models import Product
from shop.extensions import db

CSV_MAX_BYTES = 2 * 1024 * 1024


class CsvFileError(ValueError):
    """A file the import cannot read at all; the message says why."""


# Export ------------------------------------------------------------------------------------


def export_rows() -> Iterable[list[str]]:
    """The header, then one row per size of every product (archived ones too), by name."""
    yield list(COLUMNS)
    stmt = (
        select(Product)
        .order_by(Product.name, Product.id)
        .options(joinedload(Product.category), selectinload(Product.variants))
    )
    for product in db.session.scalars(stmt):
        cells = product_cells(product)
        for variant in product.variants or [None]:
            yield cells + size_cells(variant)


# Reading a file ----------------------------------------------------------------------------


@dataclass
class CsvRow:
    number: int  # as a spreadsheet numbers it: the header is row 1
    values: dict[str, str]
    problem: str | None = None


@dataclass
class CsvFile:
    columns: list[str]
    rows: list[CsvRow]
    text: str  # the file as read, to carry from the preview to Apply


def _plural(count: int) -> str:
    return "s" if count > 1 else ""


def _read_header(header: list[str] | None) -> list[str]:
    """The file's column names, lower-cased, or CsvFileError saying what is wrong."""
    if header is None or not any(cell.strip() for cell in header):
        raise CsvFileError("The file is empty: it needs a row of column names first.")
    columns = [cell.strip().lower() for cell in header]
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        raise CsvFileError(
            f"Unknown column{_plural(len(unknown))}: "
            f"{', '.join(repr(name) for name in unknown)}. "
            f"The columns are: {', '.join(COLUMNS)}."
        )
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise CsvFileError(f"These columns appear twice: {', '.join(repeated)}.")
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise CsvFileError(
            f"The file needs the column{_plural(len(missing))} {' and '.join(missing)}."
        )
    return columns


def _read_row(number: int, cells: list[str], columns: list[str]) -> CsvRow:
    problem = None
    if len(cells) > len(columns):
        problem = (
            f"The row has {len(cells)} cells but there are only {len(columns)} "
            "columns. Check for a stray comma."
        )
    cells = cells + [""] * (len(columns) - len(cells))
    values = {name: cell_text(cell) for name, cell in zip(columns, cells, strict=False)}
    return CsvRow(number, values, problem)


def _decode(data: bytes) -> str:
    if len(data) > CSV_MAX_BYTES:
        raise CsvFileError("The file is larger than 2 MB. Split it into smaller files.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvFileError(
            "The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”."
        ) from exc
    if "\x00" in text:
        raise CsvFileError("That is not a CSV file. Save it from your spreadsheet as CSV.")
    return text


def read_csv(data: bytes) -> CsvFile:
    """Rows of an uploaded CSV file (UTF-8, with or without a BOM; any line endings),
    or CsvFileError for a file that cannot be imported at all."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        columns = _read_header(next(reader, None))
        rows = [
            _read_row(number, cells, columns)
            for number, cells in enumerate(reader, start=2)
            if any(cell.strip() for cell in cells)
        ]
    except csv.Error as exc:
        raise CsvFileError(
            f"The file is not valid CSV near line {reader.line_num}: {exc}."
        ) from exc
    if not rows:
        raise CsvFileError("The file has column names but no rows to import.")
    return CsvFile(columns, rows, text)
