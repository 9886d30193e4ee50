"""Product pictures: checked by their content, saved as WebP in the shop's sizes under
names the shop makes up, described for people who cannot see them, reordered and
deleted."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from shop.catalogue.images import IMAGE_WIDTHS
from tests.helpers import page
from tests.helpers.catalogue_admin import audit_entries, product_by_slug


def url(product_id: int) -> str:
    return f"/admin/catalogue/products/{product_id}/images"


def picture_bytes(size=(1000, 800), format="JPEG", colour=(40, 120, 90)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=format)
    return buffer.getvalue()


def noisy_jpeg(size=(600, 600)) -> bytes:
    buffer = BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def upload(client, product_id, data: bytes, filename: str, alt="A jar of cream on green"):
    """Post the upload form as a browser does (the body built in memory: the test
    client would spool a large one to a temporary file it never closes)."""
    picture = FileStorage(BytesIO(data), filename=filename, content_type="image/jpeg")
    boundary, body = encode_multipart({"image": picture, "alt_text": alt})
    return client.post(
        url(product_id), data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def media_files(app) -> list[Path]:
    root = Path(app.config["MEDIA_ROOT"])
    return sorted(root.rglob("*")) if root.exists() else []


def test_a_good_jpeg_is_saved_as_webp_in_the_shops_sizes(app, client, cream, editor):
    response = upload(client, cream, picture_bytes(), "IMG 0042 (final).JPG")
    assert response.status_code == 303
    product = product_by_slug(app, "barrier-cream")
    (image,) = product.images
    assert re.fullmatch(r"products/barrier-cream-[0-9a-f]{16}", image.stem)
    assert image.width_list == list(IMAGE_WIDTHS)
    assert (image.width, image.height, image.alt_text) == (1000, 800, "A jar of cream on green")
    root = Path(app.config["MEDIA_ROOT"])
    for width in IMAGE_WIDTHS:
        with Image.open(root / f"{image.stem}-{width}.webp") as saved:
            assert saved.format == "WEBP"
            assert saved.width == width
    assert not any("IMG" in path.name for path in media_files(app))

    shown = page(client.get("/products/barrier-cream")).select_one("img.product__image")
    assert shown["alt"] == "A jar of cream on green"
    srcset = shown["srcset"]
    for width in IMAGE_WIDTHS:
        assert f"/media/{image.stem}-{width}.webp {width}w" in srcset
    with client.get(f"/media/{image.stem}-400.webp") as served:
        assert served.status_code == 200
        assert served.mimetype == "image/webp"
    (entry,) = audit_entries(app, "image.add")
    assert entry.after_data == {"stem": image.stem, "alt_text": image.alt_text, "position": 0}


def test_png_and_webp_are_accepted_too(app, client, cream, editor):
    assert upload(client, cream, picture_bytes(format="PNG"), "a.png").status_code == 303
    assert upload(client, cream, picture_bytes(format="WEBP"), "b.webp").status_code == 303
    assert len(product_by_slug(app, "barrier-cream").images) == 2


def truncated_jpeg() -> bytes:
    data = noisy_jpeg()
    return data[: len(data) // 2]


def huge_png() -> bytes:
    """50 megapixels that compress to a few kilobytes."""
    buffer = BytesIO()
    Image.new("1", (10_000, 5_000)).save(buffer, format="PNG")
    return buffer.getvalue()


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)


@pytest.mark.parametrize(
    "make, filename, message",
    [
        (lambda: b"<?php system($_GET['c']); ?>", "shell.php", "is not a picture we can use"),
        (lambda: SVG, "logo.svg", "SVG files are not accepted"),
        (lambda: SVG, "innocent.jpg", "SVG files are not accepted"),
        (huge_png, "poster.png", "40 megapixels"),
        (truncated_jpeg, "half.jpg", "damaged or incomplete"),
        (lambda: picture_bytes(format="GIF"), "anim.gif", "is not a picture we can use"),
        (lambda: b"", "empty.jpg", "is empty"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(
    app, client, cream, editor, make, filename, message
):
    response = upload(client, cream, make(), filename, alt="Kept alt text")
    assert response.status_code == 400
    html = page(response)
    control = html.select_one("#image")
    assert control["aria-invalid"] == "true"
    assert "image-error" in control["aria-describedby"].split()
    error = html.select_one("#image-error").get_text()
    assert message in error
    if make().strip():
        assert filename in error
    assert html.select_one("#alt_text")["value"] == "Kept alt text"
    assert product_by_slug(app, "barrier-cream").images == []
    assert not [path for path in media_files(app) if path.is_file()]


def test_a_file_over_8_mb_is_refused(app, client, cream, editor):
    response = upload(client, cream, b"\xff\xd8" + b"\0" * (8 * 1024 * 1024), "big.jpg")
    assert response.status_code == 400
    assert "larger than 8 MB" in page(response).select_one("#image-error").get_text()


def test_a_picture_needs_a_description_and_a_file(app, client, cream, editor):
    response = upload(client, cream, picture_bytes(), "a.jpg", alt="  ")
    assert response.status_code == 400
    assert "Describe the picture" in page(response).select_one("#alt_text-error").get_text()
    missing = client.post(
        url(cream), data={"alt_text": "A jar"}, content_type="multipart/form-data"
    )
    assert missing.status_code == 400
    assert "Choose a picture" in page(missing).select_one("#image-error").get_text()
    assert product_by_slug(app, "barrier-cream").images == []


def test_pictures_are_reordered_described_and_deleted(app, client, cream, editor):
    for colour in ((200, 0, 0), (0, 200, 0), (0, 0, 200)):
        upload(client, cream, picture_bytes(colour=colour), "x.jpg", alt=f"Colour {colour}")
    first, second, third = product_by_slug(app, "barrier-cream").images

    moved = client.post(f"/admin/catalogue/images/{third.id}/move", data={"direction": "up"})
    assert moved.status_code == 303
    assert [i.id for i in product_by_slug(app, "barrier-cream").images] == [
        first.id,
        third.id,
        second.id,
    ]
    client.post(f"/admin/catalogue/images/{first.id}/move", data={"direction": "up"})  # no-op
    client.post(f"/admin/catalogue/images/{first.id}/move", data={"direction": "down"})
    assert [i.id for i in product_by_slug(app, "barrier-cream").images] == [
        third.id,
        first.id,
        second.id,
    ]
    assert (
        client.post(
            f"/admin/catalogue/images/{first.id}/move", data={"direction": "sideways"}
        ).status_code
        == 400
    )

    described = client.post(
        f"/admin/catalogue/images/{first.id}", data={"alt_text": "The jar, open"}
    )
    assert described.status_code == 303
    refused = client.post(f"/admin/catalogue/images/{first.id}", data={"alt_text": ""})
    assert refused.status_code == 400
    field = page(refused).select_one(f"#alt-{first.id}")
    assert field["aria-invalid"] == "true"
    assert page(refused).select_one(f"#alt-{first.id}-error") is not None

    files_before = {p.name for p in media_files(app)}
    deleted = client.post(f"/admin/catalogue/images/{first.id}/delete")
    assert deleted.status_code == 303
    images = product_by_slug(app, "barrier-cream").images
    assert [(i.id, i.position) for i in images] == [(third.id, 0), (second.id, 1)]
    gone = files_before - {p.name for p in media_files(app)}
    assert gone == {f"{first.stem.split('/')[-1]}-{w}.webp" for w in IMAGE_WIDTHS}

    actions = [e.action for e in audit_entries(app) if e.action.startswith("image.")]
    assert actions == ["image.add"] * 3 + ["image.move"] * 2 + ["image.update", "image.delete"]
    update = audit_entries(app, "image.update")[0]
    assert update.before_data["alt_text"] == "Colour (200, 0, 0)"
    assert update.after_data["alt_text"] == "The jar, open"


def test_duplicating_copies_the_pictures_to_files_of_its_own(app, client, cream, editor):
    upload(client, cream, picture_bytes(), "x.jpg")
    client.post(f"/admin/catalogue/products/{cream}/duplicate")
    (original,) = product_by_slug(app, "barrier-cream").images
    (copied,) = product_by_slug(app, "barrier-cream-copy").images
    assert copied.stem != original.stem
    assert copied.stem.startswith("products/barrier-cream-copy-")
    assert copied.alt_text == original.alt_text
    client.post(f"/admin/catalogue/images/{original.id}/delete")
    root = Path(app.config["MEDIA_ROOT"])
    assert all((root / f"{copied.stem}-{w}.webp").is_file() for w in IMAGE_WIDTHS)
