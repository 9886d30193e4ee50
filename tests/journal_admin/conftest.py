"""Journal back-office fixtures: the admin `login` fixture, a small catalogue,
and helpers that fill in the article editor the way a browser does.
"""

from __future__ import annotations

import pytest

from tests.factories import ProductFactory, SkinConcernFactory, TagFactory, VariantFactory


@pytest.fixture
def editor(login):
    """Signed in as an editor."""
    return login("editor")


@pytest.fixture
def shelf(app):
    """Products to link to, a concern and a tag, by name: ids and slugs."""
    with app.app_context():
        cream = ProductFactory(slug="barrier-cream", name="Barrier Cream", variants=[])
        VariantFactory(product=cream, sku="BC-50", price_pence=2400, on_hand=30)
        sachets = ProductFactory(slug="synbiotic-sachets", name="Synbiotic Sachets", variants=[])
        VariantFactory(product=sachets, sku="SS-30", price_pence=2900, on_hand=40)
        balm = ProductFactory(slug="squalane-balm", name="Squalane Balm", variants=[])
        VariantFactory(product=balm, sku="SB-30", price_pence=1900, on_hand=0)
        old = ProductFactory(slug="old-serum", name="Old Serum", is_active=False)
        acne = SkinConcernFactory(slug="acne", name="Acne")
        rosacea = SkinConcernFactory(slug="rosacea", name="Rosacea")
        tag = TagFactory(slug="gut-skin-axis", name="Gut-skin axis")
        return {
            "cream": cream.id,
            "sachets": sachets.id,
            "balm": balm.id,
            "old": old.id,
            "acne": acne.id,
            "rosacea": rosacea.id,
            "tag": tag.id,
        }
