"""Collections read with statements built once per process (shop.loading)."""

from sqlalchemy import inspect

from shop.catalogue.models import Product
from shop.extensions import db
from shop.journal.models import Article
from shop.loading import collection_statement, load_collection
from tests.factories import (
    ArticleFactory,
    ProductFactory,
    ProductImageFactory,
    ReferenceFactory,
    SkinConcernFactory,
)


def test_a_collection_is_read_in_its_relationships_order_and_set_as_loaded(app):
    with app.app_context():
        late, early = SkinConcernFactory(position=9), SkinConcernFactory(position=1)
        product = ProductFactory(concerns=[late, early])
        ProductImageFactory(product=product, position=2, stem="products/second")
        ProductImageFactory(product=product, position=0, stem="products/first")
        ProductFactory(concerns=[late])  # another product's rows stay out
        article = ArticleFactory()
        ReferenceFactory(article=article, position=1, citation="Second.")
        ReferenceFactory(article=article, position=0, citation="First.")
        ids = product.id, article.id, early.id, late.id
        db.session.remove()

        product = db.session.get(Product, ids[0])
        assert [c.id for c in load_collection(product, "concerns")] == [ids[2], ids[3]]
        images = load_collection(product, "images")
        assert [i.stem for i in images] == ["products/first", "products/second"]
        article = db.session.get(Article, ids[1])
        assert [r.citation for r in load_collection(article, "references")] == [
            "First.",
            "Second.",
        ]
        for obj, name in ((product, "concerns"), (product, "images"), (article, "references")):
            assert name not in inspect(obj).unloaded
            # Built once per process: the same statement object, so the same cache key.
            assert collection_statement(type(obj), name) is collection_statement(type(obj), name)
