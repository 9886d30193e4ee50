"""Copying a product to start a similar one."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, or_, select

from shop.backoffice.audit import record_audit
from shop.catalogue.admin.addresses import free_slug
from shop.catalogue.admin.pictures import new_image_stem
from shop.catalogue.admin.products import product_snapshot
from shop.catalogue.images import image_path, remove_files
from shop.catalogue.models import (
    Ingredient,
    Nutrient,
    Product,
    ProductImage,
    ProductPairing,
    ProductQuestion,
    Strain,
    Variant,
)
from shop.extensions import db


def _free_sku(base: str, taken: set[str]) -> str:
    """`base` or `base2`, `base3`... whichever no size uses (compared without case)."""
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{base}{number}"
    taken.add(candidate.lower())
    return candidate


@dataclass
class Duplicate:
    product: Product
    new_files: list[Path]  # remove these if the commit fails


def duplicate_product(original: Product, actor, media_root: str | Path, ip=None) -> Duplicate:
    """Copy a product to start a similar one: slug '<slug>-copy', archived, every SKU
    suffixed '-COPY', no stock, the same formulation and key facts, and copies of its
    pictures."""
    slug = free_slug(f"{original.slug}-copy")
    copy = Product(
        slug=slug,
        name=f"{original.name} (copy)"[:200],
        short_description=original.short_description,
        long_description=original.long_description,
        how_to_use=original.how_to_use,
        warnings=original.warnings,
        serving_size=original.serving_size,
        category_id=original.category_id,
        is_active=False,
        featured_rank=None,
        max_per_order=original.max_per_order,
        highlights=original.highlights,
        texture=original.texture,
        time_to_results=original.time_to_results,
    )
    copy.concerns = list(original.concerns)
    copy.questions = [
        ProductQuestion(position=q.position, question=q.question, answer=q.answer)
        for q in original.questions
    ]
    copy.pairings = [
        ProductPairing(position=p.position, paired_product_id=p.paired_product_id)
        for p in original.pairings
    ]
    copy.free_from = list(original.free_from)
    bases = {v.id: f"{v.sku[:57]}-COPY" for v in original.variants}
    taken: set[str] = set()
    if bases:
        similar = or_(*[func.lower(Variant.sku).like(f"{b.lower()}%") for b in bases.values()])
        taken = {sku.lower() for sku in db.session.scalars(select(Variant.sku).where(similar))}
    copy.variants = [
        Variant(
            sku=_free_sku(bases[v.id], taken),
            size_label=v.size_label,
            price_pence=v.price_pence,
            compare_at_pence=v.compare_at_pence,
            currency=v.currency,
            on_hand=0,
            reserved=0,
            weight_grams=v.weight_grams,
            position=v.position,
            is_active=v.is_active,
        )
        for v in original.variants
    ]
    copy.ingredients = [
        Ingredient(position=i.position, inci_name=i.inci_name, function=i.function)
        for i in original.ingredients
    ]
    copy.strains = [
        Strain(
            position=s.position,
            genus=s.genus,
            species=s.species,
            designation=s.designation,
            cfu_per_serving=s.cfu_per_serving,
            guaranteed_to_best_before=s.guaranteed_to_best_before,
        )
        for s in original.strains
    ]
    copy.nutrients = [
        Nutrient(
            position=n.position,
            name=n.name,
            amount=n.amount,
            unit=n.unit,
            nrv_percent=n.nrv_percent,
        )
        for n in original.nutrients
    ]
    new_files: list[Path] = []
    try:
        for image in original.images:
            stem = new_image_stem(slug)
            copied = []
            for width in image.width_list:
                source = image_path(media_root, image.stem, width)
                if not source.is_file():
                    break
                target = image_path(media_root, stem, width)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                copied.append(target)
            new_files.extend(copied)
            if len(copied) == len(image.width_list):
                copy.images.append(
                    ProductImage(
                        stem=stem,
                        widths=image.widths,
                        width=image.width,
                        height=image.height,
                        alt_text=image.alt_text,
                        position=image.position,
                    )
                )
        db.session.add(copy)
        db.session.flush()
    except Exception:
        remove_files(new_files)
        raise
    after = product_snapshot(copy) | {
        "copied_from": original.slug,
        "skus": [v.sku for v in copy.variants],
    }
    record_audit(
        actor,
        "product.duplicate",
        "product",
        copy.id,
        f"Copied {original.name} to {copy.name}",
        None,
        after,
        ip=ip,
    )
    return Duplicate(copy, new_files)
