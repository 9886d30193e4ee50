"""Arbitrary input at every public form and query parameter: never a 500, never a change
to data that isn't the sender's."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop.cart.models import CartLine
from shop.extensions import db
from tests.factories import ArticleFactory, ProductFactory, VariantFactory

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
values = st.one_of(
    st.text(max_size=300),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", "0", "-1", "1e9", "NaN", "%00", "\x00", "../..", "<script>", "' OR 1=1"]),
)


@pytest.fixture
def shop(app):
    """A product, an article, and another shopper's basket that must never change."""
    with app.app_context():
        product = ProductFactory(slug="cream", variants=[])
        variant_id = VariantFactory(product=product, on_hand=50).id
        ArticleFactory(slug="story")
    other = app.test_client()
    other.post("/cart/add", data={"variant_id": variant_id, "quantity": 3})
    return {"variant_id": variant_id}


def other_basket(app) -> list[tuple[int, int]]:
    with app.app_context():
        return sorted(
            (line.variant_id, line.quantity) for line in db.session.scalars(db.select(CartLine))
        )


GET_PAGES = [
    ("/shop", ("q", "concern", "free_from", "sort", "page")),
    ("/shop/cream", ("q", "page")),
    ("/products/cream", ("variant",)),
    ("/journal", ("concern", "tag", "page")),
    ("/journal/story", ("x",)),
    ("/checkout/success", ("session_id",)),
    ("/checkout/cancel", ("order",)),
    ("/newsletter", ("source",)),
]


@pytest.mark.parametrize(("path", "params"), GET_PAGES, ids=[p for p, _ in GET_PAGES])
def test_query_parameters_never_break_a_page(app, shop, path, params):
    client = app.test_client()

    @FUZZ
    @given(st.dictionaries(st.sampled_from(params), values, max_size=len(params)))
    def check(query):
        response = client.get(path, query_string=query)
        assert response.status_code < 500, (path, query)

    check()


@FUZZ
@given(segment=values)
def test_path_segments_never_break_a_page(app, shop, segment):
    client = app.test_client()
    for prefix in (
        "/products/",
        "/shop/",
        "/journal/",
        "/orders/",
        "/newsletter/confirm/",
        "/newsletter/unsubscribe/",
        "/checkout/demo/",
    ):
        response = client.get(
            prefix + segment.replace("/", "_").replace("?", "_").replace("#", "_")
        )
        assert response.status_code < 500, (prefix, segment)


POST_FORMS = [
    ("/cart/add", ("variant_id", "quantity", "next", "price")),
    ("/cart/update", ("line_id", "quantity")),
    ("/cart/remove", ("line_id",)),
    ("/cart/shipping", ("shipping",)),
    ("/checkout", ("email",)),
    ("/theme", ("theme", "next")),
    ("/newsletter", ("email", "topics", "source", "website", "started")),
    ("/admin/login", ("email", "password", "next")),
    ("/newsletter/unsubscribe/not-a-token", ("List-Unsubscribe",)),
]


@pytest.mark.parametrize(("path", "fields"), POST_FORMS, ids=[p for p, _ in POST_FORMS])
def test_forms_never_break_and_never_touch_other_baskets(app, shop, path, fields):
    before = other_basket(app)
    client = app.test_client()

    @FUZZ
    @given(st.dictionaries(st.sampled_from(fields), values, max_size=len(fields)))
    def check(form):
        response = client.post(path, data=form)
        assert response.status_code < 500, (path, form)
        json_response = client.post(path, data=form, headers={"Accept": "application/json"})
        assert json_response.status_code < 500, (path, form)

    check()
    # The other shopper's basket is exactly as it was (this client may have made its own).
    with app.app_context():
        lines = sorted(
            (line.variant_id, line.quantity)
            for line in db.session.scalars(db.select(CartLine).where(CartLine.cart_id == 1))
        )
    assert lines == before


@pytest.mark.parametrize(("path", "fields"), POST_FORMS, ids=[p for p, _ in POST_FORMS])
@pytest.mark.parametrize("value", ["\x00", "a\x00b@example.com"])
def test_nul_characters_in_any_form_field_are_refused_cleanly(app, shop, path, fields, value):
    """PostgreSQL cannot store NUL: a form carrying one is answered, never a 500 (found
    on PostgreSQL by the random cases above; checked here every run)."""
    client = app.test_client()
    for encoding in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for field in fields:
            response = client.post(path, data={field: value}, content_type=encoding)
            assert response.status_code < 500, (path, field, encoding)
        response = client.post(path, data=dict.fromkeys(fields, value), content_type=encoding)
        assert response.status_code < 500, (path, "every field", encoding)
