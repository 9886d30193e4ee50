"""Small formatters shared by pages and emails, registered as Jinja filters."""

from decimal import Decimal

from markupsafe import Markup

_CFU_UNITS = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"))


def format_cfu(count: int | None) -> str:
    """Write a live-bacteria count as people read it: 5000000000 -> '5 billion'."""
    if count is None:
        return ""
    for size, word in _CFU_UNITS:
        if count >= size:
            value = Decimal(count) / size
            text = f"{value:.1f}".rstrip("0").rstrip(".")
            return f"{text} {word}"
    return f"{count:,}"


def format_amount(amount: Decimal | int | float | None) -> str:
    """A nutrient amount without trailing zeros: Decimal('10.000') -> '10'."""
    if amount is None:
        return ""
    value = Decimal(str(amount)).normalize()
    text = format(value, "f")
    return text


def paragraphs(text: str | None) -> list[str]:
    """Split plain text on blank lines into paragraphs, for `<p>` elements."""
    if not text:
        return []
    blocks = text.replace("\r\n", "\n").split("\n\n")
    return [" ".join(block.split()) for block in blocks if block.strip()]


META_DESCRIPTION_LENGTH = 160


def meta_description(text, limit: int = META_DESCRIPTION_LENGTH) -> str:
    """A page's meta description: tags dropped, spaces collapsed, and at most `limit`
    characters (search results cut longer ones anyway), ended at a word with "…"."""
    plain = text.striptags() if isinstance(text, Markup) else " ".join(str(text or "").split())
    if len(plain) <= limit:
        return plain
    cut = plain[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.–-") + "…"
