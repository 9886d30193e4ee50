"""The shop's own CSS, JavaScript and pictures under `static/`, served under fingerprinted
names (`/assets/css/shop.3f9c1a2b7d4e.css`) that a browser may keep for a year.

At start-up each file is read once, named by a hash of its content, and compressed once
with brotli (quality 11) and gzip (level 9) where that makes it smaller; a request gets
the smallest encoding its `Accept-Encoding` allows, from memory, with no work per hit.
Templates ask for `asset_url("css/shop.css")`. A changed file gets a new name, so a page
never meets a stale copy; a name whose fingerprint is not this process's (a page from a
host deployed earlier or later, during a rolling deploy) is answered with the file this
process has, but not cached, so no browser keeps the wrong content under that name.

The plain `/static/<file>` route Flask provides stays for anything that asks for a file
by its plain name (old pages, bookmarks), with a short cache life.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path

import brotli
from flask import Blueprint, Flask, Response, abort, current_app, request

from shop.urls import kept_url_for

FOREVER = "public, max-age=31536000, immutable"
# Text-like files worth compressing; pictures in formats of their own (webp, png) are not.
COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml"}
_FINGERPRINTED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<suffix>\.[A-Za-z0-9]+)$")

bp = Blueprint("assets", __name__)


@dataclass(frozen=True)
class Asset:
    """One file of `static/`, as it is served: its bytes in each encoding that helps."""

    name: str  # "css/shop.css"
    fingerprinted: str  # "css/shop.3f9c1a2b7d4e.css"
    digest: str
    mimetype: str
    bodies: dict[str, bytes] = field(default_factory=dict)  # encoding ("identity", "br", "gzip")

    @property
    def etag(self) -> str:
        return self.digest


def _fingerprinted_name(name: str, digest: str) -> str:
    path = Path(name)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def load_asset(root: Path, path: Path) -> Asset:
    """Read, fingerprint and compress one file."""
    data = path.read_bytes()
    name = path.relative_to(root).as_posix()
    digest = hashlib.sha256(data).hexdigest()[:12]
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    bodies = {"identity": data}
    if mimetype in COMPRESSIBLE:
        for encoding, squeezed in (
            ("br", brotli.compress(data, quality=11)),
            ("gzip", gzip.compress(data, compresslevel=9, mtime=0)),
        ):
            if len(squeezed) < len(data):
                bodies[encoding] = squeezed
    return Asset(name, _fingerprinted_name(name, digest), digest, mimetype, bodies)


class Assets:
    """Every file of the app's static folder, by plain and by fingerprinted name.

    With `watch` (the development profile) the folder is looked at again on each use
    and read again when a file changed, so an edited stylesheet shows on the next page."""

    def __init__(self, root: Path, watch: bool = False):
        self.root = root
        self.watch = watch
        self._stamp: tuple = ()
        self.by_name: dict[str, Asset] = {}
        self.by_fingerprint: dict[str, Asset] = {}
        self._load()

    def _files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file() and not p.name.startswith("."))

    def _load(self) -> None:
        files = self._files()
        self._stamp = tuple((p, p.stat().st_mtime_ns) for p in files)
        assets = [load_asset(self.root, path) for path in files]
        self.by_name = {asset.name: asset for asset in assets}
        self.by_fingerprint = {asset.fingerprinted: asset for asset in assets}

    def refresh(self) -> None:
        """Read the folder again if a file was added, removed or changed (watch only)."""
        if self.watch and tuple((p, p.stat().st_mtime_ns) for p in self._files()) != self._stamp:
            self._load()

    def find(self, requested: str) -> tuple[Asset, bool] | None:
        """The asset a request names, and whether the name is its current fingerprint."""
        self.refresh()
        if requested in self.by_fingerprint:
            return self.by_fingerprint[requested], True
        match = _FINGERPRINTED.match(requested)
        if match:
            plain = match["stem"] + match["suffix"]
            if plain in self.by_name:
                return self.by_name[plain], False
        return None


def _assets() -> Assets:
    return current_app.extensions["shop_assets"]


def asset_url(name: str) -> str:
    """The fingerprinted URL of `static/<name>`, for templates."""
    assets = _assets()
    assets.refresh()
    asset = assets.by_name.get(name)
    if asset is None:
        raise LookupError(f"no file static/{name}")
    # Kept once built (a new content is a new name, so a kept link is never stale).
    return kept_url_for("assets.serve_asset", filename=asset.fingerprinted)


def choose_encoding(asset: Asset, accept_encoding) -> str:
    """The smallest body the client accepts: brotli, then gzip, then as it is."""
    for encoding in ("br", "gzip"):
        if encoding in asset.bodies and accept_encoding[encoding]:
            return encoding
    return "identity"


@bp.get("/assets/<path:filename>")
def serve_asset(filename: str):
    found = _assets().find(filename)
    if found is None:
        abort(404)
    asset, current = found
    encoding = choose_encoding(asset, request.accept_encodings)
    response = Response(asset.bodies[encoding], mimetype=asset.mimetype)
    if encoding != "identity":
        response.headers["Content-Encoding"] = encoding
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(f"{asset.etag}-{encoding}")
    response.headers["Cache-Control"] = FOREVER if current else "no-cache"
    return response.make_conditional(request)


def register_assets(app: Flask) -> None:
    """Load `static/` once, add the `/assets/` route and the `asset_url` template helper."""
    watch = app.debug or app.config.get("SHOP_ENV") == "development"
    app.extensions["shop_assets"] = Assets(Path(app.static_folder), watch=watch)
    app.register_blueprint(bp)
    app.jinja_env.globals["asset_url"] = asset_url
    # The plain /static/ names: kept for old links, but only for an hour.
    if app.config.get("SEND_FILE_MAX_AGE_DEFAULT") is None:
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
