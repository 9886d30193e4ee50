"""The text shop search looks in, one lower-cased column per product.

`Product.search_text` holds a product's name, descriptions, INCI names and strain
names, lower-cased, so a search is one LIKE per word on one column (with a trigram
index on PostgreSQL) instead of a case-insensitive match over five columns and two
other tables. It is rebuilt before every flush that changes any of them, whoever
makes the change: the back office, the CSV import, the demo seed, the benchmark
catalogue or a test factory. Only statements that bypass the ORM unit of work (a
Core or bulk UPDATE of these tables) must call `refresh_search_text` themselves.
The app factory turns the flush listener on (`keep_search_text_current`).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, attributes
from sqlalchemy.util import IdentitySet

from shop.catalogue.models import Ingredient, Product, Strain

# What a product's search text is made of, and which changes to a part of it matter.
PRODUCT_FIELDS = ("name", "short_description", "long_description", "ingredients", "strains")
PART_FIELDS = {
    Ingredient: ("inci_name", "product", "product_id"),
    Strain: ("genus", "species", "designation", "product", "product_id"),
}


def search_text_of(product: Product, ingredients, strains) -> str:
    """A product's search text: one part a line, lower-cased in Python so that letters
    beyond ASCII match the same way on SQLite and PostgreSQL."""
    parts = [product.name, product.short_description, product.long_description]
    parts += [ingredient.inci_name for ingredient in ingredients]
    parts += [strain.full_name for strain in strains]
    return "\n".join(part for part in parts if part).lower()


def product_search_text(product: Product) -> str:
    """What `product.search_text` should hold, from the product as it stands."""
    return search_text_of(product, product.ingredients, product.strains)


def refresh_search_text(product: Product, ingredients=None, strains=None) -> None:
    """Bring `product.search_text` up to date (no change, so no UPDATE, when it is)."""
    if ingredients is None:
        ingredients = product.ingredients
    if strains is None:
        strains = product.strains
    text = search_text_of(product, ingredients, strains)
    if "search_text" in inspect(product).unloaded or product.search_text != text:
        product.search_text = text


# Keeping it current on every flush --------------------------------------------------


def _history(obj, name: str) -> attributes.History:
    return attributes.get_history(obj, name, attributes.PASSIVE_NO_INITIALIZE)


def _changed(obj, fields) -> bool:
    return any(_history(obj, name).has_changes() for name in fields)


def _owner_after_flush(session: Session, part) -> Product | None:
    """The product an ingredient or strain belongs to once the session is flushed."""
    moved = _history(part, "product")
    if moved.added:  # the relationship was set (None: taken off its product)
        return moved.added[0]
    if part.product_id is None:
        return None
    return session.get(Product, part.product_id)


def _owner_before_flush(session: Session, part) -> Product | None:
    """The product the database has an ingredient or strain under, if any."""
    if inspect(part).key is None:
        return None
    moved = _history(part, "product_id")
    product_id = moved.deleted[0] if moved.deleted else part.product_id
    return session.get(Product, product_id) if product_id is not None else None


def _refresh_on_flush(session: Session) -> None:
    """Refresh the search text of every product a flush of `session` changes: its own
    searched fields, or which ingredients and strains it has, or what they are called."""
    new, dirty, deleted = session.new, session.dirty, session.deleted
    products = IdentitySet(obj for obj in new if isinstance(obj, Product))
    products.update(
        obj for obj in dirty if isinstance(obj, Product) and _changed(obj, PRODUCT_FIELDS)
    )
    # Changed parts, by the product they will belong to: a part written by its
    # product id alone is not in that product's collection yet.
    arriving: dict[int, list] = defaultdict(list)
    for part in [*new, *dirty, *deleted]:
        fields = PART_FIELDS.get(type(part))
        if fields is None or (part in dirty and not _changed(part, fields)):
            continue
        for owner in (
            _owner_before_flush(session, part),
            *(_history(part, "product").deleted or ()),
        ):
            if owner is not None:
                products.add(owner)
        owner = _owner_after_flush(session, part)
        if owner is not None and part not in deleted:
            products.add(owner)
            arriving[id(owner)].append(part)

    for product in products:
        if product in deleted:
            continue
        kept = {}
        for name, kind in (("ingredients", Ingredient), ("strains", Strain)):
            parts = list(getattr(product, name))
            parts += [p for p in arriving[id(product)] if isinstance(p, kind) and p not in parts]
            kept[name] = [
                part
                for part in parts
                if part not in deleted and _owner_after_flush(session, part) is product
            ]
        refresh_search_text(product, kept["ingredients"], kept["strains"])


def _keep_search_text_current(session: Session, flush_context, instances) -> None:
    _refresh_on_flush(session)


def keep_search_text_current() -> None:
    """Rebuild search text before every flush, from any writer (the app factory calls
    this once; calling it again changes nothing)."""
    if not event.contains(Session, "before_flush", _keep_search_text_current):
        event.listen(Session, "before_flush", _keep_search_text_current)
