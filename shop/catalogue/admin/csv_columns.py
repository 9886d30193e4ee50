"""The catalogue's CSV columns, in one table that drives the export, the import and its
dry run: for each column, what it holds (a product's or a size's attribute, or a size's
stock), how a cell is read (with the rule the forms use, where a form has the field),
how a value is written back (the export, and the dry run's before and after), and
what a new product or size gets when the column is left out.

One row per size; a product's columns repeat on each of its sizes' rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from shop.catalogue.admin import rules
from shop.catalogue.admin.errors import CatalogueError
from shop.catalogue.admin.key_facts import parse_highlights
from shop.catalogue.models import DEFAULT_MAX_PER_ORDER, MAX_PER_ORDER_CEILING, Category
from shop.money import format_pounds


class Level(StrEnum):
    PRODUCT = "product"  # an attribute of the product
    SIZE = "size"  # an attribute of the size (Variant)
    STOCK = "stock"  # the size's units on hand: changed as a stock adjustment


@dataclass(frozen=True)
class Lookups:
    """What reading a cell may need from the database, loaded once per file."""

    categories: dict[str, Category]  # by slug
    parents: set[int]  # ids of categories that hold others


def _nothing(value: object) -> object:
    return value


NO_DEFAULT = object()


@dataclass(frozen=True)
class Column:
    """One column of the file. `read` turns a (trimmed) cell into the attribute's value
    or raises CatalogueError; `write` turns a value into its cell; `keep` is the value
    as compared and kept in the audit log. A new product or size without the column
    gets `new_default`, or is refused with `needed_for_new`."""

    name: str
    level: Level
    attribute: str
    write: Callable[[object], str]
    read: Callable[[str, Lookups], object] | None = None  # None: the row's key
    keep: Callable[[object], object] = _nothing
    new_default: object = NO_DEFAULT
    needed_for_new: str | None = None

    @property
    def is_key(self) -> bool:
        return self.read is None

    def shown(self, value: object) -> str:
        """The value as the dry run shows it before and after a change."""
        return "—" if value is None else self.write(value)


# Readers of cells that only the file has (the forms use checkboxes and number fields) --

_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def parse_yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise CatalogueError("use yes or no.")


def parse_count(text: str, what: str) -> int:
    """A whole number of at least 0 ('1,200' is fine), named `what` in refusals."""
    cleaned = text.replace(",", "").replace(" ", "")
    if not cleaned:
        raise CatalogueError(f"enter the {what} as a whole number.")
    if not re.fullmatch(r"-?\d{1,9}", cleaned):
        raise CatalogueError(f"enter the {what} as a whole number, like 12.")
    number = int(cleaned)
    if number < 0:
        raise CatalogueError(f"the {what} cannot be negative.")
    return number


def parse_max_per_order(text: str) -> int:
    """The most of one size an order may hold; empty means the usual number (the
    product form's rule: DEFAULT_MAX_PER_ORDER, and 1 to MAX_PER_ORDER_CEILING)."""
    if not text.strip():
        return DEFAULT_MAX_PER_ORDER
    rule = f"use a whole number from 1 to {MAX_PER_ORDER_CEILING}, like {DEFAULT_MAX_PER_ORDER}."
    try:
        number = parse_count(text, "most per order")
    except CatalogueError as exc:
        raise CatalogueError(rule) from exc
    if not 1 <= number <= MAX_PER_ORDER_CEILING:
        raise CatalogueError(rule)
    return number


def _leaf_category(slug: str, lookups: Lookups) -> Category:
    """The category a product goes in: one the shop has, without sub-categories."""
    category = lookups.categories.get(slug)
    if category is None:
        raise CatalogueError(f"there is no category “{slug}”. Use the slug of one the shop has.")
    if category.id in lookups.parents:
        raise CatalogueError(
            f"“{category.slug}” holds other categories; use one of its sub-categories."
        )
    return category


def _cell(read: Callable[[str], object]) -> Callable[[str, Lookups], object]:
    """A reader that needs nothing but the cell."""
    return lambda cell, _lookups: read(cell)


def _optional_price(cell: str) -> int | None:
    return rules.parse_price(cell) if cell else None


def highlights_cell(highlights: str) -> str:
    """A product's highlights (one a line) in one cell, separated by " | "."""
    return " | ".join(line for line in highlights.splitlines() if line.strip())


def parse_highlights_cell(cell: str) -> str:
    """Highlights from a cell ("2% niacinamide | 10 mg zinc"), as the product keeps them:
    one a line, held to the Key facts page's rules."""
    return "\n".join(parse_highlights(cell.replace("|", "\n")))


def _slug_of(category: Category | None) -> str | None:
    return category.slug if category is not None else None


# The table, in the file's order ------------------------------------------------------------

TABLE: tuple[Column, ...] = (
    Column("product_slug", Level.PRODUCT, "slug", str),
    Column(
        "product_name",
        Level.PRODUCT,
        "name",
        str,
        _cell(rules.PRODUCT_NAME.check),
        needed_for_new="a new product needs a name.",
    ),
    Column(
        "category_slug",
        Level.PRODUCT,
        "category",
        lambda category: category.slug,
        _leaf_category,
        keep=_slug_of,
        needed_for_new="a new product needs a category.",
    ),
    Column(
        "product_active", Level.PRODUCT, "is_active", yes_no, _cell(parse_yes_no), new_default=False
    ),
    Column(
        "short_description",
        Level.PRODUCT,
        "short_description",
        str,
        _cell(rules.SHORT_DESCRIPTION.check),
        new_default="",
    ),
    Column(
        "highlights",
        Level.PRODUCT,
        "highlights",
        highlights_cell,
        _cell(parse_highlights_cell),
        new_default="",
    ),
    Column(
        "texture",
        Level.PRODUCT,
        "texture",
        str,
        _cell(rules.TEXTURE.check),
        new_default="",
    ),
    Column(
        "time_to_results",
        Level.PRODUCT,
        "time_to_results",
        str,
        _cell(rules.TIME_TO_RESULTS.check),
        new_default="",
    ),
    Column(
        "max_per_order",
        Level.PRODUCT,
        "max_per_order",
        str,
        _cell(parse_max_per_order),
        new_default=DEFAULT_MAX_PER_ORDER,
    ),
    Column("sku", Level.SIZE, "sku", str),
    Column(
        "size_label",
        Level.SIZE,
        "size_label",
        str,
        _cell(rules.SIZE_LABEL.check),
        needed_for_new="a new size needs its size, like “50 ml”.",
    ),
    Column(
        "price",
        Level.SIZE,
        "price_pence",
        format_pounds,
        _cell(rules.parse_price),
        needed_for_new="a new size needs a price.",
    ),
    Column(
        "compare_at_price",
        Level.SIZE,
        "compare_at_pence",
        format_pounds,
        _cell(_optional_price),
        new_default=None,
    ),
    Column(
        "on_hand",
        Level.STOCK,
        "on_hand",
        str,
        _cell(lambda cell: parse_count(cell, "number on hand")),
    ),
    Column(
        "weight_grams",
        Level.SIZE,
        "weight_grams",
        str,
        _cell(lambda cell: parse_count(cell or "0", "weight in grams")),
        new_default=0,
    ),
    Column(
        "variant_active", Level.SIZE, "is_active", yes_no, _cell(parse_yes_no), new_default=True
    ),
)

COLUMNS = tuple(column.name for column in TABLE)
REQUIRED_COLUMNS = tuple(column.name for column in TABLE if column.is_key)
PRODUCT_COLUMNS = tuple(c for c in TABLE if c.level is Level.PRODUCT and not c.is_key)
SIZE_COLUMNS = tuple(c for c in TABLE if c.level is Level.SIZE and not c.is_key)
STOCK_COLUMN = next(c for c in TABLE if c.level is Level.STOCK)
# Every column that says something about a size (a row with any needs the size's SKU).
SIZE_DETAILS = tuple(c.name for c in TABLE if c.level is not Level.PRODUCT and not c.is_key)


def product_cells(product) -> list[str]:
    """The product's cells of an exported row."""
    return [c.write(getattr(product, c.attribute)) for c in TABLE if c.level is Level.PRODUCT]


def size_cells(variant) -> list[str]:
    """The size's cells of an exported row (empty ones for a product without sizes)."""
    columns = [c for c in TABLE if c.level is not Level.PRODUCT]
    if variant is None:
        return [""] * len(columns)
    return [c.write(getattr(variant, c.attribute)) for c in columns]


def snapshot(columns: tuple[Column, ...], entity) -> dict:
    """What the audit log keeps of `entity`'s values in `columns`."""
    return {c.attribute: c.keep(getattr(entity, c.attribute)) for c in columns}
