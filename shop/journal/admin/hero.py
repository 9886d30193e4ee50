"""An article's hero picture: checking an upload, and where its files are."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from shop.catalogue.images import PictureError, PictureProblem, decode_upload, image_path

HERO_WIDTHS = (400, 800, 1200)
HERO_MAX_BYTES = 10 * 1024 * 1024
HERO_MAX_PIXELS = 40_000_000
HERO_MIN_WIDTH = 800
HERO_RULES = "JPEG, PNG or WebP, at least 800 pixels wide, up to 10 MB."
_ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height


class HeroImageError(ValueError):
    """An upload that is not a usable hero picture; the message says why."""


def read_hero_image(stream) -> Image.Image:
    """The picture in an uploaded file, checked and fully decoded by
    shop.catalogue.images.decode_upload (JPEG, PNG or WebP only), at least
    HERO_MIN_WIDTH wide when upright, or HeroImageError."""
    data = stream.read(HERO_MAX_BYTES + 1)
    if not data:
        raise HeroImageError(f"That file is empty. Choose a picture: {HERO_RULES}")
    if len(data) > HERO_MAX_BYTES:
        raise HeroImageError("That file is larger than 10 MB. Save a smaller copy and try again.")
    try:
        image = decode_upload(data, max_pixels=HERO_MAX_PIXELS)
    except PictureError as exc:
        if exc.problem is PictureProblem.NOT_A_PICTURE:
            message = f"That file is not a picture we can use: {HERO_RULES}"
        elif exc.problem is PictureProblem.DAMAGED:
            message = "That picture could not be read: the file looks damaged or incomplete."
        elif exc.size:
            width, height = exc.size
            message = (
                f"That picture is {width} × {height} pixels, too many to use. "
                "Save a copy under 40 megapixels and try again."
            )
        else:
            message = (
                "That picture has too many pixels to use. "
                "Save a copy under 40 megapixels and try again."
            )
        raise HeroImageError(message) from exc
    width, height = image.size
    orientation = image.getexif().get(0x0112)
    upright_width = height if orientation in _ROTATED else width
    if upright_width < HERO_MIN_WIDTH:
        raise HeroImageError(
            f"That picture is {upright_width} pixels wide; a hero needs at least "
            f"{HERO_MIN_WIDTH} to look sharp."
        )
    return image


def hero_files(media_root: str | Path, stem: str | None, widths: str) -> list[Path]:
    """The files on disk of a hero picture (stem and comma-separated widths)."""
    if not stem:
        return []
    return [image_path(media_root, stem, int(w)) for w in widths.split(",") if w]
