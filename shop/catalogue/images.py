"""Product image files: resized WebP copies on disk, and drawn demo illustrations.

Pure Pillow helpers with no Flask or database access.

Stem convention
---------------
An image is identified by a *stem*: a path relative to MEDIA_ROOT without the width
suffix or extension, always under the ``products/`` folder, for example
``"products/probiotic-moisturiser-1"``. ``save_image_sizes`` writes one file per width at
``<media_root>/<stem>-<width>.webp`` (``products/probiotic-moisturiser-1-400.webp``,
``products/probiotic-moisturiser-1-800.webp``), and the same stem is stored unchanged
in ``ProductImage.stem`` so that ``ProductImage.filename(width)`` is the path relative
to MEDIA_ROOT.
"""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
import warnings
from enum import StrEnum
from io import BytesIO
from pathlib import Path, PurePosixPath

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps, UnidentifiedImageError

UPLOAD_FORMATS = ("JPEG", "PNG", "WEBP")  # never SVG, never GIF


class PictureProblem(StrEnum):
    TOO_MANY_PIXELS = "too many pixels"
    NOT_A_PICTURE = "not a picture"
    DAMAGED = "damaged"


class PictureError(ValueError):
    """Why uploaded bytes are not a usable picture; `size` is (width, height) when the
    header could be read. Callers word the message for their own page."""

    def __init__(self, problem: PictureProblem, size: tuple[int, int] | None = None):
        super().__init__(problem.value)
        self.problem = problem
        self.size = size


def decode_upload(data: bytes, *, max_pixels: int, max_side: int = 12_000) -> Image.Image:
    """The picture in uploaded bytes, fully decoded, or PictureError.

    Only JPEG, PNG and WebP are opened at all. The size is checked from the header
    before any pixel is read (a small file can hold a huge picture, and Pillow's own
    decompression-bomb warning counts as too many pixels); the file is checked
    (`verify`) and then decoded in full, so a truncated or damaged file is refused
    here rather than half-saved.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=UPLOAD_FORMATS) as probe:
                width, height = probe.size
                if width * height > max_pixels or max(width, height) > max_side:
                    raise PictureError(PictureProblem.TOO_MANY_PIXELS, (width, height))
                probe.verify()
            image = Image.open(BytesIO(data), formats=UPLOAD_FORMATS)
            image.load()
    except PictureError:
        raise
    except UnidentifiedImageError as exc:
        raise PictureError(PictureProblem.NOT_A_PICTURE) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PictureError(PictureProblem.TOO_MANY_PIXELS) from exc
    except Exception as exc:  # Pillow raises many kinds of error on damaged files
        raise PictureError(PictureProblem.DAMAGED) from exc
    return image


IMAGE_WIDTHS = (400, 800)
WEBP_QUALITY = 82

# Drawing is done at this multiple of the requested size and scaled down, which
# gives smooth, anti-aliased edges to shapes ImageDraw would otherwise draw jagged.
_SUPERSAMPLE = 2

_WHITE = (255, 255, 255)
_INK = (31, 42, 42)
_PACK = (251, 249, 245)

Colour = tuple[int, int, int]


# --------------------------------------------------------------------------- files


def _check_stem(stem: str) -> PurePosixPath:
    path = PurePosixPath(stem)
    if (
        not stem
        or path.is_absolute()
        or "\\" in stem
        or any(part in ("", ".", "..") for part in stem.split("/"))
    ):
        raise ValueError(f"unsafe image stem: {stem!r}")
    return path


def _to_rgb(image: Image.Image) -> Image.Image:
    """Upright RGB copy; transparent areas become white rather than black."""
    image = ImageOps.exif_transpose(image)
    if image.mode == "RGB":
        return image.copy()
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, _WHITE)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _write_webp(image: Image.Image, target: Path) -> None:
    """Write atomically so a half-written file is never served."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            image.save(handle, format="WEBP", quality=WEBP_QUALITY, method=6)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def image_path(media_root: str | Path, stem: str, width: int) -> Path:
    """Where the file for `stem` at `width` lives: `<media_root>/<stem>-<width>.webp`."""
    rel = _check_stem(stem)
    return Path(media_root).joinpath(*rel.parent.parts, f"{rel.name}-{width}.webp")


def remove_files(paths: list[Path]) -> None:
    """Delete picture files that are no longer used (replaced, removed, or written for
    a change that was not committed); ones already gone are fine."""
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            continue


def save_image_sizes(
    image: Image.Image,
    media_root: str | Path,
    stem: str,
    widths: tuple[int, ...] | list[int] = IMAGE_WIDTHS,
) -> tuple[list[int], int, int]:
    """Save resized WebP copies of `image` and return (widths written, width, height).

    `stem` is relative to `media_root` and includes the folder, e.g.
    ``"products/probiotic-moisturiser-1"``; each copy is written to
    ``<media_root>/<stem>-<width>.webp`` (folders are created), and `stem` is what
    belongs in ``ProductImage.stem``.

    The image is turned upright (EXIF orientation) and converted to RGB, with any
    transparency flattened onto white. Only widths not larger than the source are
    written, so images are never upscaled; a source narrower than every requested
    width is written once at its own width. Copies keep the aspect ratio and are
    resized with LANCZOS. The widths written are returned smallest first, with the
    original (upright) width and height.
    """
    wanted = sorted({int(w) for w in widths if int(w) > 0})
    if not wanted:
        raise ValueError("at least one positive width is required")
    _check_stem(stem)

    rgb = _to_rgb(image)
    src_w, src_h = rgb.size
    chosen = [w for w in wanted if w <= src_w] or [src_w]

    for width in chosen:
        if width == src_w:
            resized = rgb
        else:
            height = max(1, round(src_h * width / src_w))
            resized = rgb.resize((width, height), Image.Resampling.LANCZOS)
        _write_webp(resized, image_path(media_root, stem, width))
    return chosen, src_w, src_h


# ------------------------------------------------------------------------- drawing


def _rgb(value: str) -> Colour:
    value = value.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    if len(value) != 6:
        raise ValueError(f"expected a hex colour like '#a1b2c3', got {value!r}")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _mix(a: Colour, b: Colour, t: float) -> Colour:
    """`a` moved a fraction `t` of the way towards `b`."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


class _Canvas:
    """An RGB image drawn in 800 x 800 design units, scaled to the real pixel size."""

    def __init__(self, size: tuple[int, int], background: Colour) -> None:
        self.width = size[0] * _SUPERSAMPLE
        self.height = size[1] * _SUPERSAMPLE
        self.kx = self.width / 800
        self.ky = self.height / 800
        self.k = min(self.kx, self.ky)
        self.image = Image.new("RGB", (self.width, self.height), background)
        self.draw = ImageDraw.Draw(self.image)

    def x(self, value: float) -> int:
        return round(value * self.kx)

    def y(self, value: float) -> int:
        return round(value * self.ky)

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return (self.x(x0), self.y(y0), self.x(x1), self.y(y1))

    def s(self, value: float) -> int:
        return max(1, round(value * self.k))

    def rect(self, box, fill: Colour, radius: float = 0) -> None:
        x0, y0, x1, y1 = self.box(*box)
        if radius:
            self.draw.rounded_rectangle((x0, y0, x1, y1), radius=self.s(radius), fill=fill)
        else:
            self.draw.rectangle((x0, y0, x1, y1), fill=fill)

    def ellipse(self, box, fill: Colour) -> None:
        self.draw.ellipse(self.box(*box), fill=fill)

    def polygon(self, points, fill: Colour) -> None:
        self.draw.polygon([(self.x(px), self.y(py)) for px, py in points], fill=fill)

    def paste_rotated(self, layer: Image.Image, centre: tuple[float, float], angle: float):
        rotated = layer.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
        cx, cy = self.x(centre[0]), self.y(centre[1])
        self.image.paste(
            rotated, (cx - rotated.width // 2, cy - rotated.height // 2), rotated.getchannel("A")
        )

    def soft_shadow(self, box, colour: Colour, blur: float) -> None:
        mask = Image.new("L", self.image.size, 0)
        ImageDraw.Draw(mask).ellipse(self.box(*box), fill=255)
        mask = mask.filter(ImageFilter.GaussianBlur(self.s(blur)))
        self.image.paste(Image.new("RGB", self.image.size, colour), (0, 0), mask)

    def label(
        self,
        text: str,
        centre: tuple[float, float],
        max_width: float,
        max_height: float,
        colour: Colour,
        start_size: int = 34,
    ) -> None:
        """Draw `text` centred, wrapped and shrunk until it fits the box given."""
        words = " ".join(text.split())
        # Largest size at which the text fits without breaking a word; failing that,
        # the smallest size, breaking over-long words.
        for size in range(start_size, 13, -2):
            font = ImageFont.load_default(size=self.s(size))
            line_height = self.s(size * 1.22)
            lines, broken = _wrap(words, font, self.x(max_width))
            if not broken and len(lines) * line_height <= self.y(max_height):
                break
        top = self.y(centre[1]) - len(lines) * line_height / 2
        stroke = max(1, self.s(size) // 28)
        for i, line in enumerate(lines):
            self.draw.text(
                (self.x(centre[0]), round(top + (i + 0.5) * line_height)),
                line,
                font=font,
                fill=colour,
                anchor="mm",
                stroke_width=stroke,
                stroke_fill=colour,
            )

    def finish(self, size: tuple[int, int]) -> Image.Image:
        return self.image.resize(size, Image.Resampling.LANCZOS)


def _wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> tuple[list[str], bool]:
    """Greedy word wrap; also says whether a word had to be broken to fit."""
    lines: list[str] = []
    current = ""
    broken = False
    for word in text.split(" "):
        candidate = f"{current} {word}".strip()
        if font.getlength(candidate) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while font.getlength(current) > max_width and len(current) > 1:
            broken = True
            cut = len(current) - 1
            while cut > 1 and font.getlength(current[:cut]) > max_width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    return lines, broken


def _capsule_layer(c: _Canvas, length: float, thickness: float, a: Colour, b: Colour):
    """A two-tone capsule lying horizontally, on a transparent layer."""
    w, h = c.s(length), c.s(thickness)
    layer = Image.new("RGBA", (w + 4, h + 4), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    d.rounded_rectangle((2, 2, w + 1, h + 1), radius=h // 2, fill=b)
    d.rounded_rectangle((2, 2, 2 + w // 2 + h // 6, h + 1), radius=h // 2, fill=a)
    d.rectangle((2 + w // 2 - h // 6, 2, 2 + w // 2 + h // 6, h + 1), fill=a)
    shine = _mix(a, _WHITE, 0.45)
    d.rounded_rectangle(
        (2 + h // 3, 2 + h // 5, 2 + w // 2 - h // 4, 2 + h // 5 + max(2, h // 7)),
        radius=max(1, h // 14),
        fill=shine,
    )
    return layer


def _sachet_layer(c: _Canvas, width: float, height: float, fill: Colour, band: Colour):
    """A stick sachet with crimped, zigzag ends and a band of colour, on a transparent layer."""
    w, h = c.s(width), c.s(height)
    tooth, crimp_h = c.s(8), c.s(22)
    teeth = max(6, round(width / 10))
    layer = Image.new("RGBA", (w, h + 2 * tooth), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    crimp = _mix(fill, _INK, 0.1)
    d.rectangle((0, tooth, w - 1, tooth + h - 1), fill=fill)
    d.rectangle((0, tooth, w - 1, tooth + crimp_h), fill=crimp)
    d.rectangle((0, tooth + h - 1 - crimp_h, w - 1, tooth + h - 1), fill=crimp)
    step = (w - 1) / teeth
    for base, tip in ((tooth, 0), (tooth + h - 1, h + 2 * tooth - 1)):
        for i in range(teeth):
            x = i * step
            d.polygon([(x, base), (x + step / 2, tip), (x + step, base)], fill=crimp)
    d.rectangle((0, tooth + round(h * 0.42), w - 1, tooth + round(h * 0.58)), fill=band)
    return layer


def _background(c: _Canvas, bg: Colour, accent: Colour, name: str) -> None:
    top = _mix(bg, _WHITE, 0.35)
    gradient = Image.linear_gradient("L").resize(c.image.size)
    c.image.paste(
        Image.composite(
            Image.new("RGB", c.image.size, bg), Image.new("RGB", c.image.size, top), gradient
        )
    )
    c.ellipse((120, 90, 680, 650), _mix(bg, _WHITE, 0.5))

    # A scatter of soft rod and round "microbe" shapes, placed from the product name
    # so each product differs but the same name always draws the same picture.
    rng = random.Random(int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big"))
    tint = _mix(bg, accent, 0.28)
    spots = [(90, 120), (700, 110), (80, 470), (720, 420), (150, 720), (660, 730), (400, 60)]
    for sx, sy in spots:
        sx += rng.uniform(-30, 30)
        sy += rng.uniform(-25, 25)
        if rng.random() < 0.5:
            r = rng.uniform(10, 18)
            c.ellipse((sx - r, sy - r, sx + r, sy + r), tint)
        else:
            layer = _capsule_layer(c, rng.uniform(46, 64), rng.uniform(16, 20), tint, tint)
            c.paste_rotated(layer, (sx, sy), rng.uniform(0, 180))


def _jar(c: _Canvas, name: str, accent: Colour, bg: Colour) -> None:
    shade = _mix(_PACK, bg, 0.3)
    c.soft_shadow((190, 615, 610, 665), _mix(bg, _INK, 0.18), 14)
    c.rect((215, 395, 585, 645), shade, 40)
    c.rect((215, 395, 552, 645), _PACK, 40)
    c.rect((205, 315, 595, 415), _mix(accent, _INK, 0.18), 24)
    c.rect((205, 315, 565, 407), accent, 24)
    for gx in range(235, 575, 26):
        c.rect((gx, 330, gx + 6, 395), _mix(accent, _WHITE, 0.18), 3)
    c.rect((250, 447, 520, 453), accent)
    c.label(name, (385, 525), 250, 115, _mix(accent, _INK, 0.62))
    c.rect((250, 600, 520, 606), accent)


def _tube(c: _Canvas, name: str, accent: Colour, bg: Colour) -> None:
    shade = _mix(_PACK, bg, 0.3)
    c.soft_shadow((270, 615, 530, 665), _mix(bg, _INK, 0.18), 14)
    c.rect((325, 555, 475, 645), _mix(accent, _INK, 0.18), 16)
    c.rect((325, 555, 455, 645), accent, 16)
    c.polygon([(305, 560), (495, 560), (555, 185), (245, 185)], shade)
    c.polygon([(305, 560), (468, 560), (522, 185), (245, 185)], _PACK)
    c.ellipse((300, 530, 500, 590), shade)
    c.ellipse((300, 528, 475, 584), _PACK)
    c.rect((238, 120, 562, 190), _mix(_PACK, _INK, 0.06), 6)
    for gx in range(254, 552, 18):
        c.rect((gx, 130, gx + 5, 180), _mix(_PACK, _INK, 0.12))
    c.rect((255, 225, 545, 262), accent)
    c.label(name, (392, 375), 230, 170, _mix(accent, _INK, 0.62))
    c.rect((330, 470, 455, 476), accent)


def _dropper(c: _Canvas, name: str, accent: Colour, bg: Colour) -> None:
    glass = _mix(accent, _INK, 0.12)
    dark = _mix(accent, _INK, 0.55)
    c.soft_shadow((225, 615, 575, 665), _mix(bg, _INK, 0.2), 14)
    c.rect((360, 300, 440, 380), _mix(glass, _INK, 0.1))
    c.rect((250, 355, 550, 645), _mix(glass, _INK, 0.15), 46)
    c.rect((250, 355, 524, 645), glass, 46)
    c.rect((268, 380, 285, 560), _mix(glass, _WHITE, 0.3), 8)
    c.rect((335, 255, 465, 320), dark, 12)
    for gx in range(348, 460, 16):
        c.rect((gx, 262, gx + 5, 312), _mix(dark, _WHITE, 0.15), 2)
    c.rect((362, 120, 438, 270), _mix(dark, _INK, 0.2), 38)
    c.rect((362, 120, 425, 270), dark, 38)
    c.rect((295, 425, 505, 605), _PACK, 10)
    c.label(name, (400, 515), 180, 160, _mix(accent, _INK, 0.65), start_size=30)
    # A falling drop beside the bottle.
    c.ellipse((598, 470, 650, 522), accent)
    c.polygon([(601, 490), (647, 490), (624, 430)], accent)
    c.ellipse((610, 480, 624, 494), _mix(accent, _WHITE, 0.45))


def _sachet(c: _Canvas, name: str, accent: Colour, bg: Colour) -> None:
    side = _mix(_PACK, bg, 0.35)
    c.soft_shadow((170, 615, 680, 665), _mix(bg, _INK, 0.18), 14)
    c.polygon([(175, 300), (475, 300), (535, 255), (235, 255)], _mix(_PACK, bg, 0.15))
    c.polygon([(475, 300), (535, 255), (535, 600), (475, 645)], side)
    c.rect((175, 300, 475, 645), _PACK)
    c.rect((175, 300, 475, 350), accent)
    c.label(name, (325, 470), 250, 170, _mix(accent, _INK, 0.62))
    c.rect((215, 585, 435, 591), accent)
    for centre, angle, colour in (
        ((560, 470), -8, _mix(accent, _WHITE, 0.25)),
        ((630, 505), 7, accent),
    ):
        layer = _sachet_layer(c, 78, 250, colour, _PACK)
        c.paste_rotated(layer, centre, angle)


def _capsules(c: _Canvas, name: str, accent: Colour, bg: Colour) -> None:
    shade = _mix(_PACK, bg, 0.3)
    c.soft_shadow((200, 615, 700, 665), _mix(bg, _INK, 0.18), 14)
    c.rect((230, 300, 510, 645), shade, 46)
    c.rect((230, 300, 485, 645), _PACK, 46)
    c.rect((300, 265, 440, 305), _mix(_PACK, _INK, 0.1), 8)
    c.rect((255, 185, 485, 280), _mix(accent, _INK, 0.18), 18)
    c.rect((255, 185, 462, 280), accent, 18)
    for gx in range(272, 470, 20):
        c.rect((gx, 197, gx + 6, 268), _mix(accent, _WHITE, 0.18), 3)
    c.rect((230, 370, 510, 575), _mix(accent, _WHITE, 0.72))
    c.rect((230, 370, 510, 380), accent)
    c.rect((230, 565, 510, 575), accent)
    c.label(name, (370, 472), 230, 170, _mix(accent, _INK, 0.62))
    pale = _mix(accent, _WHITE, 0.75)
    for centre, angle in (((572, 622), 8), ((662, 604), -30), ((612, 562), 58), ((712, 634), 3)):
        c.paste_rotated(_capsule_layer(c, 96, 38, accent, pale), centre, angle)


_DRAWERS = {
    "jar": _jar,
    "tube": _tube,
    "dropper": _dropper,
    "sachet": _sachet,
    "capsules": _capsules,
}
ILLUSTRATION_KINDS = tuple(_DRAWERS)


def draw_product_illustration(
    name: str,
    kind: str,
    palette: tuple[str, str],
    size: tuple[int, int] = (800, 800),
) -> Image.Image:
    """Draw a flat illustration of a product package, labelled with its name.

    `kind` is the package: "jar" (moisturiser), "tube" (cleanser), "dropper" (serum
    bottle with pipette), "sachet" (box of stick sachets) or "capsules" (bottle with
    capsules). `palette` is (soft background colour, accent colour) as hex strings.
    Uses only Pillow's built-in font, and the same arguments always give the same
    picture. Returns an RGB image of `size`.
    """
    try:
        drawer = _DRAWERS[kind]
    except KeyError:
        raise ValueError(
            f"unknown illustration kind {kind!r}; use one of {ILLUSTRATION_KINDS}"
        ) from None
    bg, accent = _rgb(palette[0]), _rgb(palette[1])
    canvas = _Canvas(size, bg)
    _background(canvas, bg, accent, name)
    drawer(canvas, name, accent, bg)
    return canvas.finish(size)
