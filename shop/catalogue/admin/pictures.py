"""A product's pictures: checking an upload, saving it in the shop's sizes, describing
it for people who cannot see it, ordering and removing pictures (all audited). Files
are written before the commit; each function says which to remove if it fails."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from shop.backoffice.audit import record_audit
from shop.catalogue.admin.errors import CatalogueError
from shop.catalogue.images import (
    PictureError,
    PictureProblem,
    decode_upload,
    image_path,
    remove_files,
    save_image_sizes,
)
from shop.catalogue.models import Product, ProductImage
from shop.extensions import db

IMAGE_MAX_BYTES = 8 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000
IMAGE_MAX_SIDE = 12_000
IMAGE_RULES = "a JPEG, PNG or WebP photo, up to 8 MB and 40 megapixels"
# Pillow refuses to open anything larger than twice this, and warns above it (the
# warning is a refusal in decode_upload): a small file can hold a huge picture.
Image.MAX_IMAGE_PIXELS = IMAGE_MAX_PIXELS


class ProductImageError(CatalogueError):
    """An upload that is not a usable product picture; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "image")


def _shown_name(filename: str | None) -> str:
    name = " ".join((filename or "").replace("\\", "/").rsplit("/", 1)[-1].split())
    return f"“{name[:80]}”" if name else "That file"


def read_product_image(stream, filename: str | None = None) -> Image.Image:
    """The picture in an uploaded file, checked by its content and fully decoded, or
    ProductImageError. The file name and the type the browser claims mean nothing:
    only JPEG, PNG and WebP are opened at all, never SVG."""
    shown = _shown_name(filename)
    data = stream.read(IMAGE_MAX_BYTES + 1)
    if not data:
        raise ProductImageError(f"{shown} is empty. Choose {IMAGE_RULES}.")
    if len(data) > IMAGE_MAX_BYTES:
        raise ProductImageError(f"{shown} is larger than 8 MB. Save a smaller copy and try again.")
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) or b"<svg" in head:
        raise ProductImageError(
            f"{shown} is an SVG drawing. SVG files are not accepted, as they can carry "
            f"scripts: upload {IMAGE_RULES}."
        )
    try:
        return decode_upload(data, max_pixels=IMAGE_MAX_PIXELS, max_side=IMAGE_MAX_SIDE)
    except PictureError as exc:
        if exc.problem is PictureProblem.NOT_A_PICTURE:
            message = f"{shown} is not a picture we can use: upload {IMAGE_RULES}."
        elif exc.problem is PictureProblem.DAMAGED:
            message = (
                f"{shown} could not be read: the file looks damaged or incomplete "
                "(cut short while copying?). Export it again and try once more."
            )
        elif exc.size:
            width, height = exc.size
            message = (
                f"{shown} is {width} × {height} pixels, more than 40 megapixels. "
                "Save a smaller copy and try again."
            )
        else:
            message = f"{shown} has too many pixels (more than 40 megapixels). Save a smaller copy."
        raise ProductImageError(message) from exc


def new_image_stem(slug: str) -> str:
    """A file name the shop makes up: never the uploaded name, never reused."""
    return f"products/{slug}-{secrets.token_hex(8)}"


def image_files(media_root: str | Path, image: ProductImage) -> list[Path]:
    return [image_path(media_root, image.stem, width) for width in image.width_list]


def image_snapshot(image: ProductImage) -> dict:
    return {"stem": image.stem, "alt_text": image.alt_text, "position": image.position}


@dataclass
class AddedImage:
    image: ProductImage
    new_files: list[Path]  # remove these if the commit fails


def add_product_image(
    product: Product,
    picture: Image.Image,
    alt_text: str,
    media_root: str | Path,
    actor,
    ip: str | None = None,
) -> AddedImage:
    """Save WebP copies of `picture` in the shop's sizes and add it after the others."""
    alt_text = " ".join((alt_text or "").split())
    if not alt_text:
        raise CatalogueError("Describe the picture for people who cannot see it.", "alt_text")
    stem = new_image_stem(product.slug)
    widths, width, height = save_image_sizes(picture, media_root, stem)
    files = [image_path(media_root, stem, w) for w in widths]
    try:
        position = max((i.position for i in product.images), default=-1) + 1
        image = ProductImage(
            stem=stem,
            widths=",".join(str(w) for w in widths),
            width=width,
            height=height,
            alt_text=alt_text[:300],
            position=position,
        )
        product.images.append(image)
        db.session.flush()
        record_audit(
            actor,
            "image.add",
            "product",
            product.id,
            f"Added a picture to {product.name}",
            None,
            image_snapshot(image),
            ip=ip,
        )
    except Exception:
        remove_files(files)
        raise
    return AddedImage(image, files)


def update_image_alt(image: ProductImage, alt_text: str, actor, ip: str | None = None) -> bool:
    alt_text = " ".join((alt_text or "").split())
    if not alt_text:
        raise CatalogueError("Describe the picture for people who cannot see it.", "alt_text")
    if alt_text == image.alt_text:
        return False
    before = image.alt_text
    image.alt_text = alt_text[:300]
    db.session.flush()
    record_audit(
        actor,
        "image.update",
        "product",
        image.product_id,
        f"Changed a picture's description on {image.product.name}",
        {"stem": image.stem, "alt_text": before},
        {"stem": image.stem, "alt_text": image.alt_text},
        ip=ip,
    )
    return True


def _renumber(images: list[ProductImage]) -> None:
    for position, image in enumerate(images):
        image.position = position


def move_image(image: ProductImage, direction: str, actor, ip: str | None = None) -> bool:
    """Move a picture one place earlier ('up') or later ('down'); the first is the main one."""
    product = image.product
    images = sorted(product.images, key=lambda i: (i.position, i.id))
    index = images.index(image)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(images):
        return False
    before = [i.stem for i in images]
    images[index], images[target] = images[target], images[index]
    _renumber(images)
    db.session.flush()
    record_audit(
        actor,
        "image.move",
        "product",
        product.id,
        f"Reordered the pictures of {product.name}",
        {"order": before},
        {"order": [i.stem for i in images]},
        ip=ip,
    )
    return True


def delete_image(
    image: ProductImage, media_root: str | Path, actor, ip: str | None = None
) -> list[Path]:
    """Remove a picture; returns its files, to delete once the change is committed."""
    product = image.product
    files = image_files(media_root, image)
    record_audit(
        actor,
        "image.delete",
        "product",
        product.id,
        f"Removed a picture from {product.name}",
        image_snapshot(image),
        None,
        ip=ip,
    )
    product.images.remove(image)
    db.session.flush()
    _renumber(sorted(product.images, key=lambda i: (i.position, i.id)))
    db.session.flush()
    return files
