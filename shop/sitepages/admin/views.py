"""The shop's pages in the back office (editors and administrators): the list, and
writing a page (audited; the page cache shows the change at once)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from shop.backoffice.access import current_staff, protect_back_office, request_ip
from shop.extensions import db
from shop.sitepages import services
from shop.sitepages.demo import template_for
from shop.sitepages.forms import PageForm

bp = Blueprint("sitepages_admin", __name__, url_prefix="/admin/pages")
protect_back_office(bp, area="pages")


@bp.get("/")
def page_list():
    return render_template(
        "admin/sitepages/list.html", kinds=services.PAGES, saved=services.all_pages()
    )


@bp.route("/<slug>", methods=["GET", "POST"])
def page_edit(slug: str):
    kind = services.kind_of(slug)
    if kind is None:
        abort(404)
    page = services.page_for(slug)
    if request.method == "POST":
        form = PageForm()
        if form.validate():
            try:
                changed = services.save_page(
                    slug,
                    form.title.data,
                    form.summary.data or "",
                    form.body.data,
                    current_staff(),
                    ip=request_ip(),
                )
            except services.PageError as exc:
                db.session.rollback()
                field = form[exc.field]
                field.errors = [*field.errors, str(exc)]
            else:
                db.session.commit()
                flash(f"{form.title.data} is saved." if changed else "Nothing changed.", "success")
                return redirect(url_for("sitepages_admin.page_edit", slug=slug), code=303)
    elif page is not None:
        form = PageForm(formdata=None, obj=page)
    else:
        # Not written yet: start from the template to adapt.
        title, summary, body = template_for(slug)
        form = PageForm(formdata=None, title=title, summary=summary, body=body)
    status = 400 if form.errors else 200
    return render_template("admin/sitepages/edit.html", form=form, kind=kind, page=page), status
