"""A product's formulation: the INCI ingredient list, the live bacterial strains with
their counts, and the nutrients per serving, changed together and audited."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shop.backoffice.audit import changed_values, record_audit
from shop.catalogue.admin.errors import CatalogueError
from shop.catalogue.models import Ingredient, Nutrient, Product, Strain
from shop.extensions import db

MAX_INGREDIENTS = 200


def parse_ingredient_lines(text: str | None) -> list[tuple[str, str]]:
    """The INCI list typed one ingredient a line, 'INCI name | what it does', in order.
    Blank lines are skipped. CatalogueError lists every line that is wrong."""
    ingredients: list[tuple[str, str]] = []
    problems: list[str] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [" ".join(part.split()) for part in line.split("|")]
        if len(parts) > 2:
            problems.append(f"Line {number}: use one | between the name and what it does.")
            continue
        name, function = parts[0], parts[1] if len(parts) == 2 else ""
        if not name:
            problems.append(f"Line {number}: the INCI name is missing before the |.")
        elif len(name) > 200 or len(function) > 200:
            problems.append(f"Line {number}: keep the name and what it does to 200 characters.")
        else:
            ingredients.append((name, function))
    if len(ingredients) > MAX_INGREDIENTS:
        problems.append(f"List at most {MAX_INGREDIENTS} ingredients.")
    if problems:
        raise CatalogueError(" ".join(problems), "ingredients")
    return ingredients


def ingredient_lines(product: Product) -> str:
    return "\n".join(
        f"{i.inci_name} | {i.function}" if i.function else i.inci_name for i in product.ingredients
    )


@dataclass
class StrainData:
    genus: str
    species: str
    designation: str
    cfu_per_serving: int
    guaranteed_to_best_before: bool = True


@dataclass
class NutrientData:
    name: str
    amount: Decimal
    unit: str
    nrv_percent: int | None = None


def _ingredients_snapshot(items) -> list[str]:
    return [f"{name} | {function}" if function else name for name, function in items]


def _strains_snapshot(items) -> list[str]:
    return [
        " ".join(p for p in (s.genus, s.species, s.designation) if p)
        + f": {s.cfu_per_serving} CFU"
        + ("" if s.guaranteed_to_best_before else " (at manufacture)")
        for s in items
    ]


def _nutrients_snapshot(items) -> list[str]:
    return [
        f"{n.name}: {Decimal(n.amount).normalize():f} {n.unit}"
        + (f" ({n.nrv_percent}% NRV)" if n.nrv_percent is not None else "")
        for n in items
    ]


def formulation_snapshot(product: Product) -> dict:
    return {
        "ingredients": _ingredients_snapshot(
            (i.inci_name, i.function) for i in product.ingredients
        ),
        "strains": _strains_snapshot(product.strains),
        "nutrients": _nutrients_snapshot(product.nutrients),
    }


def set_formulation(
    product: Product,
    ingredients: list[tuple[str, str]],
    strains: list[StrainData],
    nutrients: list[NutrientData],
    actor,
    ip: str | None = None,
) -> bool:
    """Replace the parts of a product's formulation that changed, keeping the order
    given. False when nothing changed."""
    names = [n.name.lower() for n in nutrients]
    repeated = sorted({n.name for n in nutrients if names.count(n.name.lower()) > 1})
    if repeated:
        raise CatalogueError(f"List each nutrient once: {', '.join(repeated)}.", "nutrients")
    before = formulation_snapshot(product)
    wanted = {
        "ingredients": _ingredients_snapshot(ingredients),
        "strains": _strains_snapshot(strains),
        "nutrients": _nutrients_snapshot(nutrients),
    }
    old, new = changed_values(before, wanted)
    if not new:
        return False
    if "ingredients" in new:
        product.ingredients = []
        db.session.flush()
        product.ingredients = [
            Ingredient(position=i, inci_name=name, function=function)
            for i, (name, function) in enumerate(ingredients)
        ]
    if "strains" in new:
        product.strains = []
        db.session.flush()
        product.strains = [
            Strain(
                position=i,
                genus=s.genus,
                species=s.species,
                designation=s.designation,
                cfu_per_serving=s.cfu_per_serving,
                guaranteed_to_best_before=s.guaranteed_to_best_before,
            )
            for i, s in enumerate(strains)
        ]
    if "nutrients" in new:
        product.nutrients = []
        db.session.flush()  # the old rows go first: names are unique per product
        product.nutrients = [
            Nutrient(
                position=i, name=n.name, amount=n.amount, unit=n.unit, nrv_percent=n.nrv_percent
            )
            for i, n in enumerate(nutrients)
        ]
    db.session.flush()
    record_audit(
        actor,
        "product.formulation",
        "product",
        product.id,
        f"Changed the {', '.join(new)} of {product.name}",
        old,
        new,
        ip=ip,
    )
    return True
