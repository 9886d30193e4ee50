"""Shop search looks in one lower-cased text per product, kept current whoever changes
the product, its ingredients or its strains."""

import pytest
from sqlalchemy import select, text

from shop.catalogue.models import Ingredient, Product, Strain
from shop.catalogue.search_text import product_search_text
from shop.catalogue.services import ListingFilters, _search_condition, listing_statement
from shop.extensions import db
from tests.factories import IngredientFactory, ProductFactory, StrainFactory
from tests.helpers import card_names
from tests.helpers.database import POSTGRES_URL


def search(client, query: str) -> list[str]:
    response = client.get("/shop", query_string={"q": query})
    assert response.status_code == 200
    return card_names(response)


def stored_search_text(app, product_id: int) -> str:
    with app.app_context():
        return db.session.scalar(db.select(Product.search_text).where(Product.id == product_id))


@pytest.fixture
def serum(app) -> int:
    """A serum with two ingredients and two strains, made by the test factories; its id."""
    with app.app_context():
        product = ProductFactory(
            slug="calm-serum",
            name="Calm Sérum",
            short_description="For REACTIVE skin.",
            long_description="Soothes in minutes.\n\nWorks with 5_000 live cultures.",
        )
        IngredientFactory(product=product, position=0, inci_name="Aqua")
        IngredientFactory(product=product, position=1, inci_name="Ceramide NP")
        StrainFactory(product=product, position=0, genus="Bifidobacterium", species="longum")
        StrainFactory(
            product=product,
            position=1,
            genus="Lacticaseibacillus",
            species="rhamnosus",
            designation="GG",
        )
        ProductFactory(slug="plain-balm", name="Plain Balm", short_description="100% balm.")
        return product.id


def test_the_search_text_holds_every_searched_part_lower_cased(app, serum):
    assert stored_search_text(app, serum) == (
        "calm sérum\nfor reactive skin.\nsoothes in minutes.\n\nworks with 5_000 live cultures."
        "\naqua\nceramide np\nbifidobacterium longum lr-32\nlacticaseibacillus rhamnosus gg"
    )


@pytest.mark.parametrize(
    "query",
    [
        "calm",  # name
        "Reactive",  # short description
        "MINUTES",  # long description
        "ceramide",  # INCI name
        "CERAMIDE np",  # every word must match, in any case
        "bifidobacterium",  # strain genus
        "Rhamnosus",  # strain species
        "lr-32",  # strain designation
        "SÉRUM",  # letters beyond ASCII, in any case, on either database
        "sérum",
    ],
)
def test_search_finds_every_part_in_any_case(client, serum, query):
    assert search(client, query) == ["Calm Sérum"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("5_000", ["Calm Sérum"]),
        ("5_0", ["Calm Sérum"]),
        ("5x000", []),  # _ is not "any character"
        ("%", ["Plain Balm"]),  # % is not "anything"
        ("100%", ["Plain Balm"]),
        ("0%b", []),
        ("\\", []),
    ],
)
def test_like_wildcards_in_the_query_are_literal(client, serum, query, expected):
    assert search(client, query) == expected


def test_a_word_that_spans_two_parts_matches_nothing(client, serum):
    assert search(client, "aquaceramide") == []
    assert search(client, "gg") == ["Calm Sérum"]


def test_the_search_text_follows_changes_made_through_the_session(app, client, serum):
    with app.app_context():
        ceramide = db.session.scalar(db.select(Ingredient).filter_by(inci_name="Ceramide NP"))
        ceramide.inci_name = "Niacinamide"
        strain = db.session.scalar(db.select(Strain).filter_by(genus="Bifidobacterium"))
        db.session.delete(strain)
        db.session.commit()
    assert search(client, "niacinamide") == ["Calm Sérum"]
    assert search(client, "ceramide") == []
    assert search(client, "bifidobacterium") == []
    assert search(client, "rhamnosus") == ["Calm Sérum"]

    with app.app_context():
        product = db.session.get(Product, serum)
        product.ingredients.append(Ingredient(position=2, inci_name="Panthenol"))
        product.strains = []
        product.long_description = "Rewritten."
        db.session.commit()
    assert search(client, "panthenol") == ["Calm Sérum"]
    assert search(client, "rhamnosus") == []
    assert search(client, "minutes") == []
    assert search(client, "rewritten") == ["Calm Sérum"]

    with app.app_context():
        # An ingredient written by its product id alone, without the relationship.
        db.session.add(Ingredient(product_id=serum, position=3, inci_name="Squalane"))
        db.session.commit()
    assert search(client, "squalane") == ["Calm Sérum"]
    with app.app_context():
        product = db.session.get(Product, serum)
        assert product.search_text == product_search_text(product)


def test_an_ingredient_moved_to_another_product_moves_in_search(app, client, serum):
    with app.app_context():
        balm = db.session.scalar(db.select(Product).filter_by(slug="plain-balm"))
        ceramide = db.session.scalar(db.select(Ingredient).filter_by(inci_name="Ceramide NP"))
        ceramide.product = balm
        db.session.commit()
    assert search(client, "ceramide") == ["Plain Balm"]


def test_a_change_elsewhere_leaves_the_product_row_alone(app, serum, count_queries):
    with app.app_context():
        product = db.session.get(Product, serum)
        updated_at = product.updated_at
        product.variants[0].on_hand = 3
        product.ingredients[0].function = "Solvent"
        with count_queries() as statements:
            db.session.commit()
        assert not [s for s in statements if s.startswith("UPDATE product ")]
    with app.app_context():
        assert db.session.get(Product, serum).updated_at == updated_at


def explain(stmt) -> str:
    """PostgreSQL's plan for a statement, with its parameters bound as the shop binds them."""
    compiled = stmt.compile(dialect=db.engine.dialect)
    connection = db.session.connection()
    rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
    return "\n".join(row[0] for row in rows)


@pytest.mark.skipif(not POSTGRES_URL, reason="set TEST_DATABASE_URL to check PostgreSQL")
def test_postgresql_serves_search_from_the_trigram_index(app, serum):
    with app.app_context():
        definition = db.session.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_product_search_text_trgm'")
        )
        assert "USING gin (search_text gin_trgm_ops)" in definition

        # The whole listing statement of a search is one the database accepts...
        listing = listing_statement(ListingFilters(q="Ceramide reactive"), None)
        assert "search_text" in explain(listing)
        # ...and its search condition can be served from the index. A few rows make
        # reading the table cheapest, so that is ruled out to see the index is usable.
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        words = select(Product.id).where(*(_search_condition(w) for w in ("Ceramide", "REACTIVE")))
        plan = explain(words)
        db.session.rollback()
        assert "ix_product_search_text_trgm" in plan, plan
