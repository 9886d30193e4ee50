"""The promotions area of the back office (editors and administrators): the codes with
their figures, creating, changing and switching them off (audited), and a CSV of uses."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from shop.backoffice.access import current_staff, protect_back_office, request_ip
from shop.backoffice.exports import csv_response
from shop.backoffice.lists import page_of, read_filters
from shop.catalogue.models import Category, Product
from shop.extensions import db
from shop.promotions import services
from shop.promotions.forms import ActiveForm, FilterForm, promotion_form
from shop.promotions.models import Promotion

bp = Blueprint("promotions_admin", __name__, url_prefix="/admin/promotions")
protect_back_office(bp, area="promotions")

PER_PAGE = 50


@dataclass(frozen=True)
class Filters:
    show: str = ""


def _choices():
    products = db.session.scalars(select(Product).order_by(Product.name)).all()
    categories = db.session.scalars(select(Category).order_by(Category.name)).all()
    return products, categories


def _promotion_or_404(promotion_id: int) -> Promotion:
    promotion = db.session.get(Promotion, promotion_id)
    if promotion is None:
        abort(404)
    return promotion


@bp.get("/")
def promotion_list():
    listing = read_filters(FilterForm(request.args), Filters)
    pages = page_of(services.promotion_list(listing.filters.show), PER_PAGE)
    figures = services.figures_by_promotion(p.id for p in pages.items)
    return render_template(
        "admin/promotions/list.html",
        form=listing.form,
        pages=pages,
        figures=figures,
        empty=services.Figures(),
        describe=services.describe,
        query_args=listing.query_args,
    ), listing.status


def _save(form, promotion: Promotion | None):
    try:
        if promotion is None:
            promotion = services.create_promotion(
                form.data_for_service(), current_staff(), ip=request_ip()
            )
            message = f"The code {promotion.code} is created."
        else:
            changed = services.update_promotion(
                promotion, form.data_for_service(), current_staff(), ip=request_ip()
            )
            message = f"The code {promotion.code} is saved." if changed else "Nothing changed."
    except services.PromotionError as exc:
        db.session.rollback()
        field = form._fields.get(exc.field) or form.code
        field.errors = [*field.errors, str(exc)]
        return None
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("promotions_admin.promotion_edit", promotion_id=promotion.id), 303)


@bp.route("/new", methods=["GET", "POST"])
def promotion_new():
    products, categories = _choices()
    form = promotion_form(products, categories)
    if request.method == "POST" and form.validate():
        done = _save(form, None)
        if done is not None:
            return done
    status = 400 if form.errors else 200
    return render_template("admin/promotions/form.html", form=form, promotion=None), status


@bp.route("/<int:promotion_id>", methods=["GET", "POST"])
def promotion_edit(promotion_id: int):
    promotion = _promotion_or_404(promotion_id)
    products, categories = _choices()
    if request.method == "POST":
        form = promotion_form(products, categories)
        if form.validate():
            done = _save(form, promotion)
            if done is not None:
                return done
            promotion = _promotion_or_404(promotion_id)
    else:
        form = promotion_form(products, categories, promotion, formdata=None)
    figures = services.figures_by_promotion([promotion.id]).get(promotion.id, services.Figures())
    status = 400 if form.errors else 200
    return render_template(
        "admin/promotions/form.html",
        form=form,
        promotion=promotion,
        figures=figures,
        describe=services.describe,
    ), status


@bp.post("/<int:promotion_id>/active")
def promotion_active(promotion_id: int):
    promotion = _promotion_or_404(promotion_id)
    form = ActiveForm()
    if not form.validate():
        abort(400)
    active = form.active.data == "1"
    services.set_active(promotion, active, current_staff(), ip=request_ip())
    db.session.commit()
    word = "active again" if active else "switched off"
    flash(f"The code {promotion.code} is {word}.", "success")
    return redirect(url_for("promotions_admin.promotion_edit", promotion_id=promotion_id), 303)


@bp.get("/<int:promotion_id>/uses.csv")
def promotion_uses_csv(promotion_id: int):
    promotion = _promotion_or_404(promotion_id)
    return csv_response(
        services.use_csv_rows(promotion.id), f"promotion-{promotion.code.lower()}-uses.csv"
    )
