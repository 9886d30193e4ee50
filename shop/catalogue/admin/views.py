"""Catalogue staff screens: the product list; a product's details, sizes and stock,
formulation and pictures; duplicating and archiving; the CSV export and import.
Editors and administrators only.

Views stay thin: they read the form, call the module the page is about (`products`,
`sizes`, `formulation`, `pictures`, `csv_io`...), commit once and redirect, or show
the form again (400) with each problem next to its field.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from shop.alerts import services as stock_alerts
from shop.backoffice.access import current_staff, protect_back_office, request_ip
from shop.backoffice.exports import csv_response
from shop.backoffice.lists import page_of, read_filters
from shop.catalogue.admin import (
    addresses,
    csv_io,
    csv_plan,
    duplicate,
    formulation,
    key_facts,
    pictures,
    products,
    rules,
    sizes,
)
from shop.catalogue.admin.csv_apply import apply_import
from shop.catalogue.admin.csv_columns import COLUMNS
from shop.catalogue.admin.errors import CatalogueError, SlugRedirectInUse
from shop.catalogue.admin.forms import (
    CsvApplyForm,
    CsvUploadForm,
    FormulationForm,
    ImageAltForm,
    ImageUploadForm,
    KeyFactsForm,
    ProductFilterForm,
    ProductForm,
    StockForm,
    VariantForm,
    formulation_form_values,
    key_facts_form_values,
    product_form_values,
    variant_form_values,
)
from shop.catalogue.admin.product_list import ProductFilters, product_list_query
from shop.catalogue.images import remove_files
from shop.catalogue.models import ProductImage, Variant
from shop.catalogue.services import product_stock_state, stock_state
from shop.extensions import csrf, db
from shop.models import utcnow
from shop.money import format_pounds
from shop.pages.services import safe_local_path

bp = Blueprint("catalogue_admin", __name__, url_prefix="/admin/catalogue")
protect_back_office(bp, area="catalogue")


PRODUCTS_PER_PAGE = 50
IMPORT_MAX_AGE = 2 * 60 * 60  # a preview may be applied for two hours
# The Apply form carries the previewed file (compressed and signed): allow more
# than the usual 500 kB for that one form field.
IMPORT_FORM_MAX_BYTES = 4 * 1024 * 1024


def _media_root() -> str:
    return current_app.config["MEDIA_ROOT"]


def _threshold() -> int:
    return current_app.config["LOW_STOCK_THRESHOLD"]


def _product_or_404(product_id: int):
    product = products.product_for_editor(product_id)
    if product is None:
        abort(404)
    return product


def _show_error(form, error: CatalogueError, default: str) -> None:
    """Put a refusal from the rules next to the field it is about."""
    field = getattr(form, error.field or default, None) or getattr(form, default)
    field.errors = [*field.errors, str(error)]


@bp.context_processor
def catalogue_admin_context() -> dict:
    return {
        "format_pounds": format_pounds,
        "variant_state": lambda v: stock_state(v.available, _threshold()),
        "product_state": lambda p: product_stock_state(p, _threshold()),
    }


# The product list -------------------------------------------------------------------------


@bp.get("/")
def product_list():
    form = ProductFilterForm(request.args)
    form.setup(products.all_categories())
    listing = read_filters(form, ProductFilters)
    return render_template(
        "admin/catalogue/products.html",
        form=form,
        query_args=listing.query_args,
        filtered=listing.filtered,
        products=page_of(product_list_query(listing.filters, _threshold()), PRODUCTS_PER_PAGE),
    ), listing.status


# Product details --------------------------------------------------------------------------


def _product_form(product=None) -> ProductForm:
    if request.method == "POST" or product is None:
        form = ProductForm()
    else:
        form = ProductForm(data=product_form_values(product))
    form.setup(
        products.leaf_categories(),
        products.all_concerns(),
        products.all_free_from_flags(),
        new=product is None,
    )
    return form


def _save_product(form: ProductForm, product):
    """Create or update from a valid form; the page to go to, or None when refused
    (the problem is then next to its field)."""
    data = form.product_data()
    take_over = bool(form.take_over_redirect.data)
    try:
        if product is None:
            saved = products.create_product(
                data, current_staff(), request_ip(), take_over_redirect=take_over
            )
            changed = True
        else:
            changed = products.update_product(
                product, data, current_staff(), request_ip(), take_over_redirect=take_over
            )
            saved = product
        db.session.commit()
    except SlugRedirectInUse as exc:
        db.session.rollback()
        form.slug.data = data.slug
        form.offer_take_over = True
        _show_error(form, exc, "slug")
        return None
    except CatalogueError as exc:
        db.session.rollback()
        if exc.field == "slug":
            form.slug.data = data.slug
        _show_error(form, exc, "name")
        return None
    except IntegrityError:
        db.session.rollback()
        form.slug.data = data.slug
        form.slug.errors = [*form.slug.errors, "Another product took this slug a moment ago."]
        return None
    if product is None:
        flash(
            f"Added {saved.name}. It is archived (hidden from the shop) until you add its "
            "sizes and unarchive it.",
            "success",
        )
    else:
        flash(f"Saved {saved.name}." if changed else "Nothing to save: no changes.", "success")
    return url_for("catalogue_admin.product_edit", product_id=saved.id)


def _render_product_form(form, product, status: int):
    return render_template(
        "admin/catalogue/product_form.html",
        form=form,
        product=product,
        old_addresses=addresses.redirects_to(product) if product is not None else [],
        offer_take_over=getattr(form, "offer_take_over", False) or form.take_over_redirect.data,
    ), status


@bp.route("/products/new", methods=["GET", "POST"])
def product_new():
    form = _product_form()
    if form.validate_on_submit():
        target = _save_product(form, None)
        if target:
            return redirect(target, code=303)
    return _render_product_form(form, None, 400 if form.is_submitted() else 200)


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
def product_edit(product_id: int):
    product = _product_or_404(product_id)
    form = _product_form(product)
    if form.validate_on_submit():
        target = _save_product(form, product)
        if target:
            return redirect(target, code=303)
        product = _product_or_404(product_id)
    return _render_product_form(form, product, 400 if form.is_submitted() else 200)


def _back(product_id: int) -> str:
    default = url_for("catalogue_admin.product_edit", product_id=product_id)
    return safe_local_path(request.form.get("next")) or default


@bp.post("/products/<int:product_id>/duplicate")
def product_duplicate(product_id: int):
    product = _product_or_404(product_id)
    copy = duplicate.duplicate_product(product, current_staff(), _media_root(), ip=request_ip())
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        remove_files(copy.new_files)
        raise
    flash(
        f"Copied {product.name} to {copy.product.name}, archived and with no stock. "
        "Check its slug, SKUs and details before unarchiving it.",
        "success",
    )
    return redirect(url_for("catalogue_admin.product_edit", product_id=copy.product.id), code=303)


@bp.post("/products/<int:product_id>/archive")
def product_archive(product_id: int):
    product = _product_or_404(product_id)
    if products.set_product_active(product, False, current_staff(), request_ip()):
        flash(f"Archived {product.name}: it is hidden from the shop.", "success")
    db.session.commit()
    return redirect(_back(product_id), code=303)


@bp.post("/products/<int:product_id>/unarchive")
def product_unarchive(product_id: int):
    product = _product_or_404(product_id)
    if products.set_product_active(product, True, current_staff(), request_ip()):
        if product.active_variants:
            flash(f"Unarchived {product.name}: it is in the shop again.", "success")
        else:
            flash(
                f"Unarchived {product.name}. It shows in the shop once it has a size on sale.",
                "warning",
            )
    db.session.commit()
    return redirect(_back(product_id), code=303)


# Sizes and stock --------------------------------------------------------------------------


@bp.route("/products/<int:product_id>/variants", methods=["GET", "POST"])
def product_variants(product_id: int):
    """The product's sizes, and the form that adds one."""
    product = _product_or_404(product_id)
    form = VariantForm()
    if form.validate_on_submit():
        try:
            variant = sizes.create_variant(
                product,
                form.variant_data(),
                form.opening_stock.data or 0,
                current_staff(),
                request_ip(),
            )
            db.session.commit()
        except CatalogueError as exc:
            db.session.rollback()
            _show_error(form, exc, "sku")
        except IntegrityError:
            db.session.rollback()
            form.sku.errors = [*form.sku.errors, "Another size took this SKU a moment ago."]
        else:
            flash(f"Added the size {variant.size_label} ({variant.sku}).", "success")
            return redirect(
                url_for("catalogue_admin.product_variants", product_id=product_id), code=303
            )
        product = _product_or_404(product_id)
    waiting = stock_alerts.waiting_counts(variant.id for variant in product.variants)
    return render_template(
        "admin/catalogue/variants.html", product=product, form=form, waiting=waiting
    ), (400 if form.is_submitted() else 200)


def _variant_or_404(variant_id: int) -> Variant:
    variant = db.session.get(Variant, variant_id)
    if variant is None:
        abort(404)
    return variant


def _render_variant(variant: Variant, form, stock_form, status: int):
    return render_template(
        "admin/catalogue/variant.html",
        product=variant.product,
        variant=variant,
        form=form,
        stock_form=stock_form,
        adjustments=sizes.recent_adjustments(variant),
    ), status


@bp.route("/variants/<int:variant_id>", methods=["GET", "POST"])
def variant_edit(variant_id: int):
    variant = _variant_or_404(variant_id)
    if request.method == "POST":
        form = VariantForm()
    else:
        form = VariantForm(data=variant_form_values(variant))
    stock_form = StockForm(formdata=None)
    if form.validate_on_submit():
        try:
            changed = sizes.update_variant(
                variant, form.variant_data(), current_staff(), request_ip()
            )
            db.session.commit()
        except CatalogueError as exc:
            db.session.rollback()
            _show_error(form, exc, "sku")
        except IntegrityError:
            db.session.rollback()
            form.sku.errors = [*form.sku.errors, "Another size took this SKU a moment ago."]
        else:
            flash(f"Saved {variant.sku}." if changed else "Nothing to save: no changes.", "success")
            return redirect(url_for("catalogue_admin.variant_edit", variant_id=variant.id), 303)
    return _render_variant(variant, form, stock_form, 400 if form.is_submitted() else 200)


@bp.post("/variants/<int:variant_id>/stock")
def variant_stock(variant_id: int):
    """Add or take away units on hand, with a reason."""
    variant = _variant_or_404(variant_id)
    stock_form = StockForm()
    if stock_form.validate():
        try:
            sizes.adjust_stock(
                variant,
                stock_form.change.data,
                stock_form.reason.data,
                current_staff(),
                request_ip(),
            )
            db.session.commit()
        except CatalogueError as exc:
            db.session.rollback()
            _show_error(stock_form, exc, "change")
        else:
            flash(
                f"Stock of {variant.sku} is now {variant.on_hand} on hand "
                f"({variant.available} to sell).",
                "success",
            )
            return redirect(url_for("catalogue_admin.variant_edit", variant_id=variant.id), 303)
    form = VariantForm(formdata=None, data=variant_form_values(variant))
    return _render_variant(variant, form, stock_form, 400)


# Formulation ------------------------------------------------------------------------------


@bp.route("/products/<int:product_id>/formulation", methods=["GET", "POST"])
def product_formulation(product_id: int):
    product = _product_or_404(product_id)
    extra_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = FormulationForm()
    else:
        form = FormulationForm(data=formulation_form_values(product))
        form.add_blank_rows()
    if form.validate_on_submit():
        try:
            changed = formulation.set_formulation(
                product,
                form.ingredient_list,
                form.strain_data(),
                form.nutrient_data(),
                current_staff(),
                request_ip(),
            )
            db.session.commit()
        except CatalogueError as exc:
            db.session.rollback()
            if exc.field == "ingredients":
                _show_error(form, exc, "ingredients")
            else:
                extra_errors.setdefault(exc.field or "form", []).append(str(exc))
            product = _product_or_404(product_id)
        else:
            flash(
                "Saved the formulation." if changed else "Nothing to save: no changes.", "success"
            )
            return redirect(
                url_for("catalogue_admin.product_formulation", product_id=product_id), code=303
            )
    return render_template(
        "admin/catalogue/formulation.html",
        product=product,
        form=form,
        extra_errors=extra_errors,
        cfu_hint=rules.CFU_HINT,
    ), (400 if form.is_submitted() else 200)


# Key facts --------------------------------------------------------------------------------


@bp.route("/products/<int:product_id>/key-facts", methods=["GET", "POST"])
def product_key_facts(product_id: int):
    product = _product_or_404(product_id)
    if request.method == "POST":
        form = KeyFactsForm()
    else:
        form = KeyFactsForm(data=key_facts_form_values(product))
        form.add_blank_rows()
    if form.validate_on_submit():
        try:
            changed = key_facts.set_key_facts(
                product, form.key_facts_data(), current_staff(), request_ip()
            )
            db.session.commit()
        except CatalogueError as exc:
            db.session.rollback()
            _show_error(form, exc, "paired" if exc.field == "paired" else "highlights")
            product = _product_or_404(product_id)
        else:
            flash("Saved the key facts." if changed else "Nothing to save: no changes.", "success")
            return redirect(
                url_for("catalogue_admin.product_key_facts", product_id=product_id), code=303
            )
    return render_template("admin/catalogue/key_facts.html", product=product, form=form), (
        400 if form.is_submitted() else 200
    )


# Pictures ---------------------------------------------------------------------------------


def _render_images(product, form, status: int, alt_errors=None):
    return render_template(
        "admin/catalogue/images.html",
        product=product,
        form=form,
        alt_errors=alt_errors or {},
    ), status


@bp.route("/products/<int:product_id>/images", methods=["GET", "POST"])
def product_images(product_id: int):
    """The product's pictures, in order, and the form that uploads one."""
    product = _product_or_404(product_id)
    form = ImageUploadForm()
    if form.validate_on_submit():
        upload = form.image.data
        try:
            picture = pictures.read_product_image(upload.stream, upload.filename)
            added = pictures.add_product_image(
                product, picture, form.alt_text.data, _media_root(), current_staff(), request_ip()
            )
        except CatalogueError as exc:
            db.session.rollback()
            _show_error(form, exc, "image")
            return _render_images(_product_or_404(product_id), form, 400)
        try:
            db.session.commit()
        except Exception:
            db.session.rollback()
            remove_files(added.new_files)
            raise
        flash("Added the picture.", "success")
        return redirect(url_for("catalogue_admin.product_images", product_id=product_id), 303)
    return _render_images(product, form, 400 if form.is_submitted() else 200)


def _image_or_404(image_id: int) -> ProductImage:
    image = db.session.get(ProductImage, image_id)
    if image is None:
        abort(404)
    return image


@bp.post("/images/<int:image_id>")
def image_update(image_id: int):
    """Change a picture's description (alt text)."""
    image = _image_or_404(image_id)
    form = ImageAltForm()
    error = None
    if form.validate():
        try:
            changed = pictures.update_image_alt(
                image, form.alt_text.data, current_staff(), request_ip()
            )
            db.session.commit()
        except CatalogueError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            flash("Saved the description." if changed else "Nothing to save: no changes.")
            return redirect(
                url_for("catalogue_admin.product_images", product_id=image.product_id), 303
            )
    errors = [*form.alt_text.errors, *([error] if error else [])]
    product = _product_or_404(image.product_id)
    return _render_images(
        product,
        ImageUploadForm(formdata=None),
        400,
        alt_errors={image_id: (form.alt_text.data or "", errors)},
    )


@bp.post("/images/<int:image_id>/move")
def image_move(image_id: int):
    image = _image_or_404(image_id)
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        abort(400, description="Move a picture up or down.")
    pictures.move_image(image, direction, current_staff(), request_ip())
    db.session.commit()
    return redirect(url_for("catalogue_admin.product_images", product_id=image.product_id), 303)


@bp.post("/images/<int:image_id>/delete")
def image_delete(image_id: int):
    image = _image_or_404(image_id)
    product_id = image.product_id
    files = pictures.delete_image(image, _media_root(), current_staff(), request_ip())
    db.session.commit()
    remove_files(files)
    flash("Removed the picture.", "success")
    return redirect(url_for("catalogue_admin.product_images", product_id=product_id), 303)


# CSV export and import --------------------------------------------------------------------


def _import_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="catalogue-csv-import")


@bp.get("/csv")
def csv_page():
    return render_template("admin/catalogue/csv.html", form=CsvUploadForm(), columns=COLUMNS)


@bp.get("/csv/export")
def csv_export():
    filename = f"catalogue-{utcnow():%Y-%m-%d}.csv"
    return csv_response(csv_io.export_rows(), filename, bom=True)


def _render_preview(plan: csv_plan.ImportPlan, csv_text: str, status: int, message=None):
    token = None
    if not plan.has_errors and plan.has_changes:
        token = _import_serializer().dumps({"csv": csv_text, "fingerprint": plan.fingerprint})
    return render_template(
        "admin/catalogue/csv_preview.html",
        plan=plan,
        apply_form=CsvApplyForm(formdata=None, data={"token": token}),
        can_apply=token is not None,
        message=message,
    ), status


@bp.post("/csv/preview")
def csv_preview():
    """The dry run: what the uploaded file would change, row by row. Nothing is saved."""
    form = CsvUploadForm()
    if form.validate_on_submit():
        data = form.file.data.stream.read(csv_io.CSV_MAX_BYTES + 1)
        try:
            file = csv_io.read_csv(data)
        except csv_io.CsvFileError as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            plan = csv_plan.plan_import(file)
            db.session.rollback()  # a dry run: nothing read may be written back
            return _render_preview(plan, file.text, 400 if plan.has_errors else 200)
    return render_template("admin/catalogue/csv.html", form=form, columns=COLUMNS), 400


@bp.post("/csv/apply")
@csrf.exempt  # checked below by CsvApplyForm, once the larger form limit is set
def csv_apply():
    """Apply a previewed file: read and check it again, and make exactly the changes
    the preview showed, in one transaction."""
    request.max_form_memory_size = IMPORT_FORM_MAX_BYTES
    form = CsvApplyForm()
    if not form.validate():
        abort(400, description="The import to apply is missing or has expired. Upload it again.")
    try:
        payload = _import_serializer().loads(form.token.data, max_age=IMPORT_MAX_AGE)
        file = csv_io.read_csv(payload["csv"].encode("utf-8"))
    except (BadSignature, KeyError, TypeError, csv_io.CsvFileError):
        abort(400, description="That preview has expired or was changed. Upload the file again.")
    plan = csv_plan.plan_import(file)
    if plan.has_errors or plan.fingerprint != payload.get("fingerprint"):
        db.session.rollback()
        return _render_preview(
            plan,
            file.text,
            409,
            "The catalogue changed since your preview, so nothing was applied. Check what "
            "the file would change now, below, and apply it again if it is right.",
        )
    try:
        result = apply_import(plan, current_staff(), request_ip())
        db.session.commit()
    except CatalogueError as exc:
        db.session.rollback()
        return _render_preview(
            csv_plan.plan_import(file), file.text, 409, f"Nothing was applied: {exc}"
        )
    flash(f"Imported the file: {result.summary()}.", "success")
    return redirect(url_for("catalogue_admin.csv_page"), code=303)
