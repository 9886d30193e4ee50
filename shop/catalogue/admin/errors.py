"""What the catalogue's rules refuse, with the form field each refusal belongs next to."""

from __future__ import annotations

from shop.catalogue.models import Product


class CatalogueError(ValueError):
    """A change the catalogue's rules refuse. The message says why; `field` names
    the form field it belongs next to, when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SlugRedirectInUse(CatalogueError):
    """The slug is an old address that redirects to another product: taking it
    over has to be asked for on purpose."""

    def __init__(self, message: str, target: Product) -> None:
        super().__init__(message, "slug")
        self.target = target
