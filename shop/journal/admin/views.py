"""Journal staff screens: the article list, the article editor (save, preview,
publish now, schedule, unpublish) and authors. Editors and administrators only.

Views stay thin: they read the form, call the module the page is about (`saving`,
`publishing`, `authors`...), commit once and redirect, or show the form again (400)
with each problem next to its field.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from shop import times
from shop.backoffice.access import current_staff, protect_back_office, request_ip
from shop.backoffice.lists import page_of, read_filters
from shop.catalogue.images import remove_files
from shop.catalogue.services import product_stock_state
from shop.extensions import db
from shop.journal.admin import (
    authors,
    editor,
    linked,
    publishing,
    saving,
    states,
)
from shop.journal.admin.article_list import ArticleFilters, article_list_query, state_counts
from shop.journal.admin.errors import JournalError
from shop.journal.admin.forms import (
    ACTIONS,
    ArticleFilterForm,
    ArticleForm,
    AuthorForm,
)
from shop.journal.admin.preview import build_preview
from shop.journal.models import Author
from shop.models import utcnow

bp = Blueprint("journal_admin", __name__, url_prefix="/admin/journal")
protect_back_office(bp, area="journal")


ARTICLES_PER_PAGE = 25


@bp.context_processor
def journal_admin_context() -> dict:
    return {"format_uk": times.format_uk, "ArticleState": states.ArticleState}


def _stock_state(product):
    return product_stock_state(product, current_app.config["LOW_STOCK_THRESHOLD"])


# Articles -------------------------------------------------------------------------------


@bp.get("/")
def article_list():
    form = ArticleFilterForm(request.args)
    form.setup(editor.all_concerns(), editor.all_tags())
    listing = read_filters(form, ArticleFilters)
    now = utcnow()
    articles = page_of(article_list_query(listing.filters, now), ARTICLES_PER_PAGE)
    return render_template(
        "admin/journal/articles.html",
        form=form,
        query_args=listing.query_args,
        filtered=listing.filtered,
        articles=articles,
        states={article.id: states.article_state(article, now) for article in articles.items},
        counts=state_counts(now),
    ), listing.status


@bp.route("/new", methods=["GET", "POST"])
def article_new():
    return _editor(None)


@bp.route("/<int:article_id>", methods=["GET", "POST"])
def article_edit(article_id: int):
    article = editor.article_for_editor(article_id)
    if article is None:
        abort(404)
    return _editor(article)


def _editor(article):
    """Show the editor, or act on what it sent: preview, save, and publish, schedule
    or unpublish the saved article in the same step."""
    choices = {
        "authors": editor.all_authors(),
        "concerns": editor.all_concerns(),
        "tags": editor.all_tags(),
    }
    submitted = request.method == "POST"
    action = request.form.get("action", "save") if submitted else "save"
    if action not in ACTIONS:
        abort(400, description="The editor sent an action it does not have.")
    if submitted or article is None:
        form = ArticleForm()
    else:
        form = ArticleForm(data=editor.form_values(article))
    form.setup(article=article, action=action, **choices)
    if not submitted:
        return _render_editor(form, article, choices)

    valid = form.validate()
    if action == "preview":
        preview = build_preview(
            form.article_data(lenient=True),
            article,
            authors={author.id: author for author in choices["authors"]},
            concerns={concern.id: concern for concern in choices["concerns"]},
            tags={tag.id: tag for tag in choices["tags"]},
            new_picture=bool(form.hero_image.data),
        )
        page = _render_editor(form, article, choices, preview=preview, invalid=not valid)
        return page, (200 if valid else 400)
    if valid:
        done = _save(form, article, action)
        if done is not None:
            return done
    return _render_editor(form, article, choices, invalid=True), 400


def _save(form: ArticleForm, article, action: str):
    """Save the editor's article and carry out `action`; a redirect, or None when
    the save was refused (the form then says why)."""
    result = None
    try:
        result = saving.save_article(
            article,
            form.article_data(),
            actor=current_staff(),
            ip=request_ip(),
            media_root=current_app.config["MEDIA_ROOT"],
            hero_image=form.hero_picture,
        )
        saved = result.article
        moved = False
        if action == "publish":
            moved = publishing.publish_now(saved, current_staff(), request_ip())
        elif action == "schedule":
            moved = publishing.schedule(saved, form.publish_at_utc, current_staff(), request_ip())
        elif action == "unpublish":
            moved = publishing.unpublish(saved, current_staff(), request_ip())
        db.session.commit()
    except (JournalError, IntegrityError) as exc:
        db.session.rollback()
        if result is not None:
            remove_files(result.new_files)
        if isinstance(exc, IntegrityError):
            form.slug.errors = [*form.slug.errors, "Another article already uses this web address."]
        else:
            form.form_errors.append(str(exc))
        return None
    remove_files(result.old_files)
    flash(_saved_message(result, action, moved), "success")
    unknown = linked.unknown_card_slugs(saved.body)
    if unknown:
        flash(
            "The body names products shoppers won't see: "
            f"{', '.join(unknown)}. See the warnings below.",
            "warning",
        )
    return redirect(url_for("journal_admin.article_edit", article_id=saved.id), code=303)


def _saved_message(result: saving.SaveResult, action: str, moved: bool) -> str:
    article = result.article
    if action == "publish":
        return (
            f"Published: shoppers can read it at /journal/{article.slug}."
            if moved
            else "Saved. It was already published."
        )
    if action == "schedule":
        return f"Scheduled: it goes live on {times.format_uk(article.published_at)}."
    if action == "unpublish":
        return (
            "Unpublished: it is a draft again and shoppers can't see it."
            if moved
            else "Saved. It was already a draft."
        )
    if result.created:
        return f"Saved the draft “{article.title}”."
    return "Saved your changes." if result.changed else "Nothing had changed."


def _render_editor(form: ArticleForm, article, choices: dict, *, preview=None, invalid=False):
    form.add_blank_rows()
    threshold = current_app.config["LOW_STOCK_THRESHOLD"]
    typed = [entry.form.product.data for entry in form.featured.entries if entry.form.product.data]
    picked = editor.find_products(typed)
    featured_slugs = [picked[value].slug for value in typed if value in picked]
    problems = linked.linked_product_problems(form.body.data or "", featured_slugs, threshold)
    state = states.article_state(article) if article is not None else None
    return render_template(
        "admin/journal/edit.html",
        form=form,
        article=article,
        state=state,
        preview=preview,
        invalid=invalid,
        problems=problems,
        picked=picked,
        picker=editor.products_for_picker(),
        choices=choices,
        stock_state=_stock_state,
    )


# Authors --------------------------------------------------------------------------------


@bp.get("/authors")
def author_list():
    return render_template("admin/journal/authors.html", authors=authors.authors_with_counts())


@bp.route("/authors/new", methods=["GET", "POST"])
def author_new():
    form = AuthorForm()
    if form.validate_on_submit():
        try:
            author = authors.create_author(
                form.name.data, form.credentials.data, form.bio.data, current_staff(), request_ip()
            )
        except JournalError as exc:
            db.session.rollback()
            form.name.errors = [*form.name.errors, str(exc)]
        else:
            db.session.commit()
            flash(f"Added {author.display_name}.", "success")
            return redirect(url_for("journal_admin.author_list"), code=303)
    status = 400 if form.is_submitted() else 200
    return render_template("admin/journal/author_form.html", form=form, author=None), status


@bp.route("/authors/<int:author_id>", methods=["GET", "POST"])
def author_edit(author_id: int):
    author = db.get_or_404(Author, author_id)
    form = AuthorForm(obj=author)
    if form.validate_on_submit():
        try:
            changed = authors.update_author(
                author,
                form.name.data,
                form.credentials.data,
                form.bio.data,
                current_staff(),
                request_ip(),
            )
        except JournalError as exc:
            db.session.rollback()
            form.name.errors = [*form.name.errors, str(exc)]
        else:
            db.session.commit()
            flash(f"Saved {author.display_name}." if changed else "Nothing had changed.", "success")
            return redirect(url_for("journal_admin.author_list"), code=303)
    status = 400 if form.is_submitted() else 200
    return render_template("admin/journal/author_form.html", form=form, author=author), status
