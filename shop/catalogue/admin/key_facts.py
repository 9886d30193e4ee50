"""A product's key facts as staff edit them: the highlights shown near the price, its
texture or format, how long until most people see a change, its questions and answers,
and the products staff pair with it for "Often bought with". Changed together and
audited, like the formulation."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from shop.backoffice.audit import changed_values, record_audit
from shop.catalogue.admin.errors import CatalogueError
from shop.catalogue.models import MAX_HIGHLIGHTS, Product, ProductPairing, ProductQuestion
from shop.extensions import db

HIGHLIGHT_MAX_LENGTH = 60
MAX_QUESTIONS = 12
MAX_PAIRINGS = 8


def parse_highlights(text: str | None) -> list[str]:
    """Highlights typed one a line; blank lines skipped. At most MAX_HIGHLIGHTS, each
    short enough to read at a glance. CatalogueError says what is wrong."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > MAX_HIGHLIGHTS:
        raise CatalogueError(
            f"Keep to {MAX_HIGHLIGHTS} highlights, one a line: a glance takes in no more.",
            "highlights",
        )
    long = [line for line in lines if len(line) > HIGHLIGHT_MAX_LENGTH]
    if long:
        raise CatalogueError(
            f"Keep each highlight to {HIGHLIGHT_MAX_LENGTH} characters, like “2% niacinamide”: "
            f"“{long[0][:40]}…” is longer.",
            "highlights",
        )
    return lines


def parse_paired_slugs(text: str | None) -> list[str]:
    """Product slugs typed one a line or separated by commas, in order, each once."""
    slugs: list[str] = []
    for part in (text or "").replace(",", "\n").splitlines():
        slug = part.strip().lower()
        if slug and slug not in slugs:
            slugs.append(slug)
    if len(slugs) > MAX_PAIRINGS:
        raise CatalogueError(f"Pair at most {MAX_PAIRINGS} products.", "paired")
    return slugs


@dataclass
class QuestionData:
    question: str
    answer: str


@dataclass
class KeyFactsData:
    highlights: list[str] = field(default_factory=list)
    texture: str = ""
    time_to_results: str = ""
    questions: list[QuestionData] = field(default_factory=list)
    paired_slugs: list[str] = field(default_factory=list)


def key_facts_snapshot(product: Product) -> dict:
    """What the audit log keeps of a product's key facts."""
    return {
        "highlights": product.highlight_list,
        "texture": product.texture,
        "time_to_results": product.time_to_results,
        "questions": [[q.question, q.answer] for q in product.questions],
        "paired": [p.paired_product.slug for p in product.pairings],
    }


def _paired_products(product: Product, slugs: list[str]) -> list[Product]:
    if not slugs:
        return []
    if product.slug in slugs:
        raise CatalogueError("A product cannot be paired with itself.", "paired")
    found = {p.slug: p for p in db.session.scalars(select(Product).where(Product.slug.in_(slugs)))}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise CatalogueError(
            f"There is no product with the slug {', '.join(missing)}. Use the slug of "
            "a product the shop has (its address after /products/).",
            "paired",
        )
    return [found[slug] for slug in slugs]


def set_key_facts(product: Product, data: KeyFactsData, actor, ip: str | None = None) -> bool:
    """Replace a product's key facts with `data`, keeping the order given. False when
    nothing changed."""
    if len(data.questions) > MAX_QUESTIONS:
        raise CatalogueError(f"Keep to {MAX_QUESTIONS} questions.", "questions")
    paired = _paired_products(product, data.paired_slugs)
    before = key_facts_snapshot(product)
    wanted = {
        "highlights": list(data.highlights),
        "texture": data.texture,
        "time_to_results": data.time_to_results,
        "questions": [[q.question, q.answer] for q in data.questions],
        "paired": [p.slug for p in paired],
    }
    old, new = changed_values(before, wanted)
    if not new:
        return False
    product.highlights = "\n".join(data.highlights)
    product.texture = data.texture
    product.time_to_results = data.time_to_results
    if "questions" in new:
        product.questions = []
        db.session.flush()
        product.questions = [
            ProductQuestion(position=i, question=q.question, answer=q.answer)
            for i, q in enumerate(data.questions)
        ]
    if "paired" in new:
        product.pairings = []
        db.session.flush()  # the old rows go first: a pair is unique per product
        product.pairings = [
            ProductPairing(position=i, paired_product_id=other.id, paired_product=other)
            for i, other in enumerate(paired)
        ]
    db.session.flush()
    record_audit(
        actor,
        "product.key_facts",
        "product",
        product.id,
        f"Changed the {', '.join(new).replace('_', ' ')} of {product.name}",
        old,
        new,
        ip=ip,
    )
    return True
