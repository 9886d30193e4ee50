"""Catalogue back-office fixtures: shelves to put products on, and an editor signed in.

The `login` fixture comes from tests/helpers/staff.py, the helpers from
tests/helpers/catalogue_admin.py.
"""

from __future__ import annotations

import pytest

from shop.extensions import db
from tests.factories import (
    CategoryFactory,
    FreeFromFlagFactory,
    ProductFactory,
    SkinConcernFactory,
    VariantFactory,
)


@pytest.fixture
def shelves(app) -> dict[str, int]:
    """Skincare (moisturisers, cleansers) and supplements (capsules), two concerns and
    two free-from flags; their ids by slug."""
    with app.app_context():
        skincare = CategoryFactory(slug="skincare", name="Skincare", position=0)
        supplements = CategoryFactory(slug="supplements", name="Supplements", position=1)
        made = [
            skincare,
            supplements,
            CategoryFactory(slug="moisturisers", name="Moisturisers", parent=skincare),
            CategoryFactory(slug="cleansers", name="Cleansers", parent=skincare),
            CategoryFactory(slug="capsules", name="Capsules", parent=supplements),
            SkinConcernFactory(slug="acne", name="Acne"),
            SkinConcernFactory(slug="rosacea", name="Rosacea"),
            FreeFromFlagFactory(slug="vegan", label="Vegan"),
            FreeFromFlagFactory(slug="fragrance-free", label="Fragrance-free"),
        ]
        return {obj.slug: obj.id for obj in made}


@pytest.fixture
def editor(login):
    """An editor, signed in on `client`."""
    return login("editor")


@pytest.fixture
def cream(app, shelves) -> int:
    """An active moisturiser with two sizes (BC-50 £24.00, BC-100 £39.00); its id."""
    from shop.catalogue.models import Category

    with app.app_context():
        product = ProductFactory(
            slug="barrier-cream",
            name="Barrier Cream",
            short_description="A rich cream for dry skin.",
            category=db.session.get(Category, shelves["moisturisers"]),
            variants=[],
        )
        VariantFactory(
            product=product, sku="BC-50", size_label="50 ml", price_pence=2400, on_hand=10
        )
        VariantFactory(
            product=product,
            sku="BC-100",
            size_label="100 ml",
            price_pence=3900,
            on_hand=4,
            position=1,
        )
        return product.id
