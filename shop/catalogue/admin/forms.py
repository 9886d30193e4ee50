"""Catalogue back-office forms. Every POST carries a CSRF token through FlaskForm.

Money, counts and lists are typed as text and read by the parsers in `rules` and
`formulation`, and texts are held to the same `rules`, so the CSV import and the forms
apply the same rules; what a person typed stays in the field when it is refused.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from shop.catalogue.admin import rules
from shop.catalogue.admin.errors import CatalogueError
from shop.catalogue.admin.formulation import (
    NutrientData,
    StrainData,
    ingredient_lines,
    parse_ingredient_lines,
)
from shop.catalogue.admin.key_facts import (
    KeyFactsData,
    QuestionData,
    parse_highlights,
    parse_paired_slugs,
)
from shop.catalogue.admin.product_list import StatusFilter
from shop.catalogue.admin.products import ProductData
from shop.catalogue.admin.sizes import VariantData
from shop.catalogue.models import DEFAULT_MAX_PER_ORDER, MAX_PER_ORDER_CEILING
from shop.catalogue.services import StockState, is_slug
from shop.formatting import format_amount
from shop.forms import stripped
from shop.money import format_pounds
from shop.numbers import WholeNumberField
from shop.text import slugify


def _int_or_none(value):
    if value in (None, ""):
        return None
    return int(value)


def _refuse(error: CatalogueError):
    raise ValidationError(str(error)) from error


def _text_rule(rule: rules.TextRule) -> list:
    """The validators that hold a field to one of the catalogue's text rules."""
    required = [DataRequired(message=rule.empty)] if rule.empty else []
    return [*required, Length(max=rule.max_length, message=rule.too_long)]


class MenuField(SelectField):
    """A select whose refusal says what to do rather than "Not a valid choice"."""

    def __init__(self, *args, invalid_message: str = "Choose one of the options listed.", **kw):
        super().__init__(*args, **kw)
        self.invalid_message = invalid_message

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.invalid_message) from None


class ProductFilterForm(FlaskForm):
    """The product list's search and filters, read from the query string (no CSRF on a GET)."""

    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=200)], filters=[stripped])
    category = SelectField("Category", default="", choices=[SelectChoice("", "Any category")])
    stock = SelectField(
        "Stock",
        default="",
        choices=[SelectChoice("", "Any stock")]
        + [SelectChoice(s.value, s.label) for s in StockState],
    )
    status = SelectField(
        "Status",
        default="",
        choices=[SelectChoice("", "Active and archived")]
        + [SelectChoice(s.value, s.label) for s in StatusFilter],
    )

    def setup(self, categories) -> None:
        self.category.choices = [SelectChoice("", "Any category")] + [
            SelectChoice(c.slug, f"{c.parent.name} › {c.name}" if c.parent_id else c.name)
            for c in categories
        ]


class ProductForm(FlaskForm):
    name = StringField("Name", validators=_text_rule(rules.PRODUCT_NAME), filters=[stripped])
    slug = StringField(
        "Slug (web address)",
        validators=[Length(max=120)],
        filters=[stripped],
        description="The product's address is /products/<slug>. Lower-case letters, digits "
        "and hyphens. Leave empty on a new product to make one from the name. Changing it "
        "keeps the old address working: it sends shoppers on to the new one.",
    )
    take_over_redirect = BooleanField("Take over this address")
    category = MenuField(
        "Category",
        coerce=_int_or_none,
        invalid_message="Choose one of the categories listed: products go in a category "
        "without sub-categories.",
        validators=[InputRequired(message="Choose the category the product goes in.")],
    )
    short_description = TextAreaField(
        "Short description",
        validators=_text_rule(rules.SHORT_DESCRIPTION),
        filters=[stripped],
        description="One or two sentences for product cards and search results (300 characters).",
    )
    long_description = TextAreaField(
        "Long description",
        validators=[Length(max=20_000)],
        filters=[stripped],
        description="Separate paragraphs with a blank line.",
    )
    how_to_use = TextAreaField("How to use", validators=[Length(max=10_000)], filters=[stripped])
    warnings = TextAreaField("Warnings", validators=[Length(max=10_000)], filters=[stripped])
    serving_size = StringField(
        "Serving size",
        validators=[Length(max=120)],
        filters=[stripped],
        description="For supplements, like “1 sachet (4 g)” or “2 capsules”.",
    )
    featured_rank = IntegerField(
        "Featured rank",
        validators=[
            Optional(),
            NumberRange(min=1, max=9999, message="Use a number from 1 to 9999."),
        ],
        description="1 shows first on the home page; leave empty not to feature it.",
    )
    max_per_order = WholeNumberField(
        "Most of one size per order",
        default=DEFAULT_MAX_PER_ORDER,
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_PER_ORDER_CEILING,
                message=f"Use a number from 1 to {MAX_PER_ORDER_CEILING}.",
            ),
        ],
        description="Shoppers can put at most this many of each size in one order; the shop "
        f"checks it again at checkout. Leave it empty for {DEFAULT_MAX_PER_ORDER}.",
    )
    concerns = SelectMultipleField("Formulated for", coerce=int)
    free_from = SelectMultipleField("Free from", coerce=int)
    subscribable = BooleanField(
        "Offer subscribe & save",
        description="Shoppers may have it delivered every few months at a discount "
        "(each size can be left out on its own page).",
    )
    subscribe_discount_percent = WholeNumberField(
        "Subscribe & save discount (%)",
        validators=[Optional(), NumberRange(min=0, max=90, message="Use a number from 0 to 90.")],
        description="Leave it empty for the shop's discount.",
    )
    subscribe_intervals = StringField(
        "Delivery intervals offered (months)",
        default="1,2,3",
        validators=[Length(max=40)],
        filters=[stripped],
        description="Months between deliveries, separated by commas, like “1,2,3”.",
    )

    def validate_subscribe_intervals(self, field):
        parts = [p.strip() for p in (field.data or "").split(",") if p.strip()]
        if not parts or not all(p.isdigit() and 1 <= int(p) <= 12 for p in parts):
            raise ValidationError("Use whole months from 1 to 12, separated by commas.")

    def setup(self, categories, concerns, flags, new: bool) -> None:
        self.category.choices = [SelectChoice("", "Choose a category")] + [
            SelectChoice(c.id, c.name, optgroup=c.parent.name if c.parent_id else "Other")
            for c in categories
        ]
        self.concerns.choices = [SelectChoice(c.id, c.name) for c in concerns]
        self.free_from.choices = [SelectChoice(f.id, f.label) for f in flags]
        self.is_new = new
        if not new:
            self.slug.validators = [
                DataRequired(message="Enter the slug: the product's web address."),
                Length(max=120),
            ]

    def validate_slug(self, field):
        if field.data and not is_slug(field.data):
            raise ValidationError(f"That is not a usable slug. {rules.SLUG_RULE}")

    def product_data(self) -> ProductData:
        slug = self.slug.data or slugify(self.name.data or "")
        return ProductData(
            name=self.name.data,
            slug=slug,
            category_id=self.category.data,
            short_description=self.short_description.data or "",
            long_description=self.long_description.data or "",
            how_to_use=self.how_to_use.data or "",
            warnings=self.warnings.data or "",
            serving_size=self.serving_size.data or "",
            featured_rank=self.featured_rank.data,
            max_per_order=self.max_per_order.data or DEFAULT_MAX_PER_ORDER,
            concern_ids=list(self.concerns.data or []),
            free_from_ids=list(self.free_from.data or []),
            subscribable=bool(self.subscribable.data),
            subscribe_discount_percent=self.subscribe_discount_percent.data,
            subscribe_intervals=",".join(
                str(n)
                for n in sorted(
                    {int(p) for p in (self.subscribe_intervals.data or "1,2,3").split(",") if p}
                )
            ),
        )


def product_form_values(product) -> dict:
    return {
        "name": product.name,
        "slug": product.slug,
        "category": product.category_id,
        "short_description": product.short_description,
        "long_description": product.long_description,
        "how_to_use": product.how_to_use,
        "warnings": product.warnings,
        "serving_size": product.serving_size,
        "featured_rank": product.featured_rank,
        "max_per_order": product.max_per_order,
        "concerns": [c.id for c in product.concerns],
        "free_from": [f.id for f in product.free_from],
        "subscribable": product.subscribable,
        "subscribe_discount_percent": product.subscribe_discount_percent,
        "subscribe_intervals": product.subscribe_intervals,
    }


class VariantForm(FlaskForm):
    sku = StringField(
        "SKU",
        validators=[DataRequired(message="Enter the SKU."), Length(max=64)],
        filters=[stripped],
        description="Unique across the shop. " + rules.SKU_RULE,
    )
    size_label = StringField("Size", validators=_text_rule(rules.SIZE_LABEL), filters=[stripped])
    price = StringField(
        "Price (£, incl. VAT)",
        validators=[InputRequired(message="Enter a price in pounds, like 24.00.")],
        filters=[stripped],
        description="In pounds, like 24.00.",
    )
    compare_at = StringField(
        "Price before reduction (£)",
        filters=[stripped],
        description="Optional: shown crossed out. Must be higher than the price.",
    )
    weight_grams = IntegerField(
        "Weight (g)",
        default=0,
        validators=[
            InputRequired(message="Enter the packed weight in grams (0 if unknown)."),
            NumberRange(min=0, max=100_000, message="Use a weight from 0 to 100,000 grams."),
        ],
    )
    is_active = BooleanField("On sale", default=True)
    subscribable = BooleanField(
        "Offered on subscription",
        default=True,
        description="When the product offers subscribe & save.",
    )
    opening_stock = IntegerField(
        "Opening stock",
        default=0,
        validators=[
            Optional(),
            NumberRange(min=0, max=1_000_000, message="Opening stock cannot be negative."),
        ],
        description="Units on hand now; recorded as a stock adjustment.",
    )

    price_pence: int | None = None
    compare_at_pence: int | None = None

    def validate_sku(self, field):
        if field.data and not rules.is_sku(field.data):
            raise ValidationError(f"That is not a usable SKU. {rules.SKU_RULE}")

    def validate_price(self, field):
        try:
            self.price_pence = rules.parse_price(field.data)
        except CatalogueError as exc:
            _refuse(exc)

    def validate_compare_at(self, field):
        self.compare_at_pence = None
        if not field.data:
            return
        try:
            self.compare_at_pence = rules.parse_price(field.data)
        except CatalogueError as exc:
            _refuse(exc)
        if self.price_pence is not None:
            try:
                rules.check_compare_at(self.price_pence, self.compare_at_pence)
            except CatalogueError as exc:
                _refuse(exc)

    def variant_data(self) -> VariantData:
        return VariantData(
            sku=self.sku.data,
            size_label=self.size_label.data,
            price_pence=self.price_pence,
            compare_at_pence=self.compare_at_pence,
            weight_grams=self.weight_grams.data or 0,
            is_active=bool(self.is_active.data),
            subscribable=bool(self.subscribable.data),
        )


def variant_form_values(variant) -> dict:
    return {
        "sku": variant.sku,
        "size_label": variant.size_label,
        "price": format_pounds(variant.price_pence),
        "compare_at": format_pounds(variant.compare_at_pence),
        "weight_grams": variant.weight_grams,
        "is_active": variant.is_active,
        "subscribable": variant.subscribable,
    }


class StockForm(FlaskForm):
    change = IntegerField(
        "Units to add or take away",
        validators=[
            InputRequired(message="Enter how many units to add (like 12) or take away (like -3)."),
            NumberRange(min=-1_000_000, max=1_000_000, message="That is far too many units."),
        ],
        description="A positive number adds units (a delivery); a negative one takes them "
        "away (damaged, samples, a stock-take).",
    )
    reason = StringField(
        "Reason",
        validators=[
            DataRequired(message="Say why the stock changes, like “Delivery from the lab”."),
            Length(max=300),
        ],
        filters=[stripped],
    )

    def validate_change(self, field):
        if field.data == 0:
            raise ValidationError("Enter a number of units other than 0.")


class _RowForm(Form):
    """One repeated row of a formulation table: an empty row, or one ticked for
    removal, is left out and not checked."""

    remove = BooleanField("Remove")
    text_fields: tuple[str, ...] = ()

    @property
    def is_blank(self) -> bool:
        return bool(self.remove.data) or not any(
            (getattr(self, name).data or "").strip() for name in self.text_fields
        )

    def validate(self, extra_validators=None) -> bool:
        if self.is_blank:
            return True
        return super().validate(extra_validators)


class StrainRowForm(_RowForm):
    genus = StringField(
        "Genus",
        validators=[DataRequired(message="Enter the genus."), Length(max=80)],
        filters=[stripped],
    )
    species = StringField(
        "Species",
        validators=[DataRequired(message="Enter the species."), Length(max=80)],
        filters=[stripped],
    )
    designation = StringField("Strain designation", validators=[Length(max=80)], filters=[stripped])
    cfu = StringField(
        "Live bacteria (CFU) per serving",
        validators=[InputRequired(message=f"Enter the count per serving. {rules.CFU_HINT}")],
        filters=[stripped],
    )
    guaranteed = BooleanField("Guaranteed to best before", default=True)
    text_fields = ("genus", "species", "designation", "cfu")

    def validate_cfu(self, field):
        try:
            self.cfu_count = rules.parse_cfu(field.data)
        except CatalogueError as exc:
            _refuse(exc)


class NutrientRowForm(_RowForm):
    name = StringField(
        "Nutrient",
        validators=[DataRequired(message="Enter the nutrient's name."), Length(max=120)],
        filters=[stripped],
    )
    amount = StringField(
        "Amount per serving",
        validators=[InputRequired(message="Enter the amount, like 10 or 0.5.")],
        filters=[stripped],
    )
    unit = StringField(
        "Unit",
        validators=[DataRequired(message="Enter the unit, like mg or µg."), Length(max=20)],
        filters=[stripped],
    )
    nrv_percent = IntegerField(
        "% NRV",
        validators=[
            Optional(),
            NumberRange(min=0, max=100_000, message="Use a whole percentage, like 100."),
        ],
    )
    text_fields = ("name", "amount", "unit")

    def validate_amount(self, field):
        try:
            self.amount_value = rules.parse_amount(field.data)
        except CatalogueError as exc:
            _refuse(exc)


BLANK_ROWS = 3


class FormulationForm(FlaskForm):
    ingredients = TextAreaField(
        "Ingredients (INCI), in order",
        description="One ingredient a line, highest concentration first, as "
        "“INCI name | what it does”, for example “Glycerin | Humectant”. "
        "What it does is optional.",
    )
    strains = FieldList(FormField(StrainRowForm), max_entries=60)
    nutrients = FieldList(FormField(NutrientRowForm), max_entries=60)

    ingredient_list: list[tuple[str, str]]

    def add_blank_rows(self) -> None:
        for _ in range(BLANK_ROWS):
            self.strains.append_entry()
            self.nutrients.append_entry()

    def validate_ingredients(self, field):
        try:
            self.ingredient_list = parse_ingredient_lines(field.data)
        except CatalogueError as exc:
            _refuse(exc)

    def strain_data(self) -> list[StrainData]:
        return [
            StrainData(
                genus=row.genus.data,
                species=row.species.data,
                designation=row.designation.data or "",
                cfu_per_serving=row.cfu_count,
                guaranteed_to_best_before=bool(row.guaranteed.data),
            )
            for row in (entry.form for entry in self.strains)
            if not row.is_blank
        ]

    def nutrient_data(self) -> list[NutrientData]:
        return [
            NutrientData(
                name=row.name.data,
                amount=row.amount_value,
                unit=row.unit.data,
                nrv_percent=row.nrv_percent.data,
            )
            for row in (entry.form for entry in self.nutrients)
            if not row.is_blank
        ]


def formulation_form_values(product) -> dict:
    return {
        "ingredients": ingredient_lines(product),
        "strains": [
            {
                "genus": s.genus,
                "species": s.species,
                "designation": s.designation,
                "cfu": f"{s.cfu_per_serving:,}",
                "guaranteed": s.guaranteed_to_best_before,
            }
            for s in product.strains
        ],
        "nutrients": [
            {
                "name": n.name,
                "amount": format_amount(n.amount),
                "unit": n.unit,
                "nrv_percent": n.nrv_percent,
            }
            for n in product.nutrients
        ],
    }


class QuestionRowForm(_RowForm):
    question = StringField(
        "Question",
        validators=[DataRequired(message="Enter the question."), Length(max=200)],
        filters=[stripped],
    )
    answer = TextAreaField(
        "Answer",
        validators=[DataRequired(message="Enter the answer."), Length(max=2000)],
        filters=[stripped],
    )
    text_fields = ("question", "answer")


class KeyFactsForm(FlaskForm):
    highlights = TextAreaField(
        "Highlights",
        description="Up to four, one a line, each a few words: “2% niacinamide”, "
        "“10 mg zinc”, “20 billion live cultures”. Shown near the price.",
        filters=[stripped],
    )
    texture = StringField(
        "Texture or format",
        validators=_text_rule(rules.TEXTURE),
        filters=[stripped],
        description="Like “Light gel-cream, absorbs in a minute” or “Powder sachets to stir "
        "into water”.",
    )
    time_to_results = StringField(
        "When most people see a change",
        validators=_text_rule(rules.TIME_TO_RESULTS),
        filters=[stripped],
        description="Like “4 to 6 weeks of daily use”. Only what the evidence supports.",
    )
    questions = FieldList(FormField(QuestionRowForm), max_entries=20)
    paired = TextAreaField(
        "Often bought with: products to show when orders say too little",
        filters=[stripped],
        description="Product slugs (their address after /products/), one a line, in the "
        "order to show them. Products people actually buy together come first.",
    )

    highlight_list: list[str]
    paired_slugs: list[str]

    def add_blank_rows(self) -> None:
        for _ in range(BLANK_ROWS):
            self.questions.append_entry()

    def validate_highlights(self, field):
        try:
            self.highlight_list = parse_highlights(field.data)
        except CatalogueError as exc:
            _refuse(exc)

    def validate_paired(self, field):
        try:
            self.paired_slugs = parse_paired_slugs(field.data)
        except CatalogueError as exc:
            _refuse(exc)

    def key_facts_data(self) -> KeyFactsData:
        return KeyFactsData(
            highlights=self.highlight_list,
            texture=self.texture.data or "",
            time_to_results=self.time_to_results.data or "",
            questions=[
                QuestionData(question=row.question.data, answer=row.answer.data)
                for row in (entry.form for entry in self.questions)
                if not row.is_blank
            ],
            paired_slugs=self.paired_slugs,
        )


def key_facts_form_values(product) -> dict:
    return {
        "highlights": "\n".join(product.highlight_list),
        "texture": product.texture,
        "time_to_results": product.time_to_results,
        "questions": [{"question": q.question, "answer": q.answer} for q in product.questions],
        "paired": "\n".join(p.paired_product.slug for p in product.pairings),
    }


class ImageUploadForm(FlaskForm):
    image = FileField(
        "Picture",
        validators=[FileRequired(message="Choose a picture to upload.")],
        description="A JPEG, PNG or WebP photo, up to 8 MB and 40 megapixels. It is saved "
        "as WebP in the shop's sizes; the first picture is the main one.",
    )
    alt_text = StringField(
        "Description (alt text)",
        validators=[
            DataRequired(message="Describe the picture for people who cannot see it."),
            Length(max=300),
        ],
        filters=[stripped],
        description="What the picture shows, like “A white jar of cream on a green background”.",
    )


class ImageAltForm(FlaskForm):
    alt_text = StringField(
        "Description (alt text)",
        validators=[
            DataRequired(message="Describe the picture for people who cannot see it."),
            Length(max=300),
        ],
        filters=[stripped],
    )


class CsvUploadForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[FileRequired(message="Choose a CSV file to import.")],
        description="UTF-8 CSV, up to 2 MB, with the columns of the export (product_slug "
        "and sku are needed; leave out a column to leave it unchanged).",
    )


class CsvApplyForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(message="The import to apply is missing.")])
