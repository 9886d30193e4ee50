"""Hero pictures: checked like real images, saved in three widths, shown with a srcset."""

from __future__ import annotations

import io
from pathlib import Path

from tests.factories import ArticleFactory
from tests.helpers import page
from tests.helpers.journal_admin import (
    article_by_slug,
    article_form,
    audit_entries,
    editor_fields,
    picture_bytes,
)

SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1600" height="900">'
    b'<script>alert(1)</script><rect width="100%" height="100%" fill="green"/></svg>'
)


def upload(content: bytes, filename: str):
    return (io.BytesIO(content), filename)


def media(app) -> Path:
    return Path(app.config["MEDIA_ROOT"])


def hero_error(response, name: str = "hero_image") -> list[str]:
    field = page(response).select_one(f'[data-journal-editor] [name="{name}"]')
    return [
        p.get_text(strip=True) for p in field.find_parent(class_="field").select(".field-error")
    ]


def test_a_good_jpeg_is_saved_in_three_widths_and_shown_with_a_srcset(app, client, editor):
    response = client.post(
        "/admin/journal/new",
        data=article_form(
            action="publish",
            hero_image=upload(picture_bytes(1600, 900), "hero.jpg"),
            hero_alt="Green and orange stripes",
        ),
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    article = article_by_slug(app, "zinc-and-skin")
    assert article.hero_stem.startswith("articles/zinc-and-skin-")
    assert len(article.hero_stem.rsplit("-", 1)[1]) == 8  # a random part
    assert article.hero_widths == "400,800,1200"
    assert (article.hero_width, article.hero_height) == (1600, 900)
    for width in (400, 800, 1200):
        path = media(app) / f"{article.hero_stem}-{width}.webp"
        assert path.exists() and path.stat().st_size > 0
    img = page(client.get("/journal/zinc-and-skin")).select_one(".article__hero img")
    assert img["alt"] == "Green and orange stripes"
    srcset = img["srcset"]
    for width in (400, 800, 1200):
        assert f"/media/{article.hero_stem}-{width}.webp {width}w" in srcset
    with client.get(f"/media/{article.hero_stem}-800.webp") as served:
        assert served.status_code == 200 and served.mimetype == "image/webp"
    [entry] = audit_entries(app, "article.create")
    assert entry["after"]["hero"] == article.hero_stem
    assert entry["after"]["hero_alt"] == "Green and orange stripes"


def test_png_and_webp_are_accepted(app, client, editor):
    for number, (fmt, mode, name) in enumerate(
        [("PNG", "RGBA", "hero.png"), ("WEBP", "RGB", "hero.webp")]
    ):
        response = client.post(
            "/admin/journal/new",
            data=article_form(
                slug=f"pic-{number}",
                hero_image=upload(picture_bytes(900, 600, fmt, mode), name),
                hero_alt="Stripes",
            ),
        )
        assert response.status_code == 303, fmt
        article = article_by_slug(app, f"pic-{number}")
        assert article.hero_widths == "400,800"  # never enlarged past the original
        assert (media(app) / f"{article.hero_stem}-800.webp").exists()


def refused(app, client, content: bytes, filename: str, **fields) -> list[str]:
    response = client.post(
        "/admin/journal/new",
        data=article_form(hero_image=upload(content, filename), hero_alt="Alt", **fields),
    )
    assert response.status_code == 400
    assert article_by_slug(app, "zinc-and-skin") is None
    assert not (media(app) / "articles").exists() or not any((media(app) / "articles").iterdir())
    return hero_error(response)


def test_an_svg_is_refused(app, client, editor):
    [message] = refused(app, client, SVG, "hero.svg")
    assert "not a picture we can use" in message and "JPEG, PNG or WebP" in message


def test_a_truncated_jpeg_is_refused(app, client, editor):
    whole = picture_bytes(1600, 900)
    [message] = refused(app, client, whole[: len(whole) // 2], "hero.jpg")
    assert "damaged or incomplete" in message


def test_other_bad_files_are_refused(app, client, editor):
    gif = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (1600, 900)).save(gif, format="GIF")
    assert "not a picture we can use" in refused(app, client, gif.getvalue(), "hero.gif")[0]
    assert "not a picture we can use" in refused(app, client, b"not an image", "hero.jpg")[0]
    assert "at least 800" in refused(app, client, picture_bytes(600, 400), "small.jpg")[0]
    assert "under 40 megapixels" in refused(app, client, claims_to_be(8000, 6000), "huge.jpg")[0]


def claims_to_be(width: int, height: int) -> bytes:
    """A small JPEG whose header claims a huge size: refused before any decoding."""
    data = bytearray(picture_bytes(16, 16))
    frame = data.index(b"\xff\xc0")  # start of frame: length, precision, height, width
    data[frame + 5 : frame + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def test_alt_text_is_required_with_a_picture(app, client, editor):
    response = client.post(
        "/admin/journal/new",
        data=article_form(hero_image=upload(picture_bytes(), "hero.jpg"), hero_alt=""),
    )
    assert response.status_code == 400
    assert hero_error(response, "hero_alt") == ["Describe the picture for people who can't see it."]
    assert "choose it again" in page(response).select_one("[data-choose-again]").get_text()


def test_replacing_and_removing_the_picture(app, client, editor):
    with app.app_context():
        url = f"/admin/journal/{ArticleFactory(slug='pictured').id}"

    def send(**changes):
        data = editor_fields(client.get(url))
        for key, value in changes.items():
            data.setlist(key, [value])
        data.setlist("action", ["save"])
        return client.post(url, data=data)

    assert send(hero_image=upload(picture_bytes(), "a.jpg"), hero_alt="First").status_code == 303
    first = article_by_slug(app, "pictured").hero_stem
    assert page(client.get(url)).select_one("[data-current-hero] img")
    # Keeping the picture needs its alt text too.
    response = send(hero_alt="")
    assert response.status_code == 400
    assert hero_error(response, "hero_alt")

    assert send(hero_image=upload(picture_bytes(1300, 700), "b.jpg")).status_code == 303
    second = article_by_slug(app, "pictured")
    assert second.hero_stem != first and second.hero_alt == "First"
    assert not (media(app) / f"{first}-400.webp").exists()  # the old files are gone
    assert (media(app) / f"{second.hero_stem}-1200.webp").exists()

    response = send(remove_hero="y", hero_image=upload(picture_bytes(), "c.jpg"))
    assert response.status_code == 400
    assert hero_error(response, "remove_hero")

    assert send(remove_hero="y").status_code == 303
    removed = article_by_slug(app, "pictured")
    assert removed.hero_stem is None and removed.hero_alt == ""
    assert not (media(app) / f"{second.hero_stem}-1200.webp").exists()
    changes = [e["after"].get("hero", "-") for e in audit_entries(app, "article.update")]
    assert changes == [first, second.hero_stem, None]
