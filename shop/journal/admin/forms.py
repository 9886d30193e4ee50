"""Journal back-office forms. Every POST carries a CSRF token through FlaskForm.

The article editor's rows (featured products, references) are plain WTForms
subforms repeated with FieldList; blank rows are ignored, and rows keep the
order staff give them (the Order box, else the order on the page).
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from shop.catalogue.services import SLUG_PATTERN
from shop.forms import one_line, stripped
from shop.journal.admin.authors import split_tag_names, tag_slug
from shop.journal.admin.editor import (
    ArticleData,
    FeaturedData,
    NewAuthor,
    ReferenceData,
    find_products,
    slug_in_use,
)
from shop.journal.admin.hero import HERO_RULES, HeroImageError, read_hero_image
from shop.journal.admin.states import ArticleState
from shop.models import utcnow
from shop.text import slugify
from shop.times import uk_to_utc

SLUG_MESSAGE = "Use lower-case letters, digits and single hyphens, like gut-skin-axis."
ORDER_MESSAGE = "Use a number from 1 to 999."
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIXES = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_PMID_PREFIX = re.compile(r"^pmid:?\s*", re.IGNORECASE)
MAX_FEATURED = 30
MAX_REFERENCES = 60
BLANK_ROWS = 3
MAX_NEW_TAGS = 10
TAG_NAME_MAX = 60
CHOICE_MESSAGE = "Choose from the list."
ACTIONS = ("save", "preview", "publish", "schedule", "unpublish")
DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


def _doi(value):
    return _DOI_PREFIXES.sub("", value.strip()) if isinstance(value, str) else value


def _pmid(value):
    return _PMID_PREFIX.sub("", value.strip()) if isinstance(value, str) else value


def _pmcid(value):
    return value.strip().upper() if isinstance(value, str) else value


def _web_address(form, field):
    """Only http and https links: a reference never carries javascript: or data:."""
    if not field.data:
        return
    try:
        parts = urlsplit(field.data)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(ch.isspace() for ch in field.data)
    ):
        raise ValidationError("Enter a web address starting with https:// (or http://).")


def _add_error(field, message: str) -> None:
    field.errors = [*field.errors, message]


def _in_order(entries) -> list:
    """Rows sorted by their Order box (rows without one keep their place on the page)."""
    numbered = []
    for index, entry in enumerate(entries):
        order = entry.form.order.data if not entry.form.order.errors else None
        numbered.append(((order if order is not None else index + 1), index, entry))
    return [entry for _order, _index, entry in sorted(numbered, key=lambda row: row[:2])]


class FeaturedRow(Form):
    """One product in Shop this article."""

    order = IntegerField("Order", validators=[Optional(), NumberRange(1, 999, ORDER_MESSAGE)])
    product = StringField(
        "Product",
        validators=[Length(max=200)],
        filters=[stripped],
    )
    note = StringField(
        "Note (optional)",
        validators=[Length(max=200, message="Keep the note to 200 characters or fewer.")],
        filters=[one_line],
    )

    @property
    def is_blank(self) -> bool:
        return not (self.product.data or self.note.data)

    def validate_note(self, field):
        if field.data and not self.product.data:
            raise ValidationError("Choose a product for this note, or clear it.")


class ReferenceRow(Form):
    """One source the article cites."""

    order = IntegerField("Order", validators=[Optional(), NumberRange(1, 999, ORDER_MESSAGE)])
    citation = TextAreaField(
        "Citation",
        validators=[Length(max=2000)],
        filters=[stripped],
    )
    doi = StringField(
        "DOI",
        validators=[
            Optional(),
            Length(max=200),
            Regexp(DOI_PATTERN, message="A DOI looks like 10.3390/jcm8070987."),
        ],
        filters=[_doi],
    )
    pmid = StringField(
        "PMID",
        validators=[
            Optional(),
            Regexp(r"^\d{1,9}$", message="A PMID is digits only, like 31284694."),
        ],
        filters=[_pmid],
    )
    pmcid = StringField(
        "PMCID",
        validators=[
            Optional(),
            Regexp(r"^PMC\d{1,9}$", message="A PMCID is PMC and digits, like PMC6678709."),
        ],
        filters=[_pmcid],
    )
    url = StringField(
        "Web address",
        validators=[Optional(), Length(max=500), _web_address],
        filters=[stripped],
    )

    @property
    def is_blank(self) -> bool:
        return not any(
            (self.citation.data, self.doi.data, self.pmid.data, self.pmcid.data, self.url.data)
        )

    def validate_citation(self, field):
        if not field.data and not self.is_blank:
            raise ValidationError("Write the citation, or clear the whole reference.")


class ArticleForm(FlaskForm):
    """The article editor. Call `setup` before validating or rendering."""

    slug = StringField(
        "Web address",
        validators=[
            DataRequired("Give the article a web address."),
            Length(max=120, message="Keep the web address to 120 characters or fewer."),
            Regexp(SLUG_PATTERN, message=SLUG_MESSAGE),
        ],
        filters=[stripped],
        description="The end of /journal/…: lower-case letters, digits and hyphens. "
        "Left empty, it is made from the title. Changing it breaks links to a published article.",
    )
    title = StringField(
        "Title",
        validators=[DataRequired("Give the article a title."), Length(max=200)],
        filters=[one_line],
    )
    standfirst = TextAreaField(
        "Standfirst",
        validators=[Length(max=280, message="Keep the standfirst to 280 characters or fewer.")],
        filters=[stripped],
        description="A sentence or two under the title; also shown on cards and in search results.",
    )
    body = TextAreaField(
        "Body",
        validators=[Length(max=100_000, message="The body is too long (100,000 characters).")],
        description="Markdown: ## for a subheading, **bold**, *italic*, - for a list, "
        "[words](https://…) for a link. A line of its own reading {{ product: product-slug }} "
        "shows that product's card.",
    )
    author = SelectField("Author", choices=[], validate_choice=False, default="")
    new_author_name = StringField(
        "New author's name", validators=[Length(max=120)], filters=[one_line]
    )
    new_author_credentials = StringField(
        "Credentials",
        validators=[Length(max=120)],
        filters=[one_line],
        description="A title shown before the name (Dr, Prof) or a qualification after it (RNutr).",
    )
    new_author_bio = TextAreaField(
        "Short biography", validators=[Length(max=2000)], filters=[stripped]
    )
    concerns = SelectMultipleField(
        "Skin concerns", coerce=int, choices=[], invalid_choice_message=CHOICE_MESSAGE
    )
    tags = SelectMultipleField(
        "Tags", coerce=int, choices=[], invalid_choice_message=CHOICE_MESSAGE
    )
    new_tags = StringField(
        "New tags",
        validators=[Length(max=400)],
        filters=[stripped],
        description="Comma-separated, e.g. Sleep, Stress. Existing tags are reused.",
    )
    hero_image = FileField("Hero picture", description=HERO_RULES)
    hero_alt = StringField(
        "Alt text",
        validators=[Length(max=300, message="Keep the alt text to 300 characters or fewer.")],
        filters=[one_line],
        description="What the picture shows, for people who can't see it.",
    )
    remove_hero = BooleanField("Remove the picture")
    featured = FieldList(FormField(FeaturedRow), max_entries=MAX_FEATURED)
    references = FieldList(FormField(ReferenceRow), max_entries=MAX_REFERENCES)
    publish_at = StringField(
        "Publish at (UK time)",
        filters=[stripped],
        description="A date and time in the future, in UK time (GMT or BST, as the clocks say).",
    )

    def setup(
        self,
        *,
        article,
        authors,
        concerns,
        tags,
        action: str = "save",
        now: datetime | None = None,
    ) -> None:
        """Give the form the choices it offers and the article it edits (or None)."""
        self.article = article
        self.action = action
        self.now = now or utcnow()
        self.author.choices = [
            SelectChoice("", "No author"),
            SelectChoice("new", "A new author (fill in below)"),
        ] + [SelectChoice(str(a.id), a.display_name) for a in authors]
        self.concerns.choices = [SelectChoice(c.id, c.name) for c in concerns]
        self.tags.choices = [SelectChoice(t.id, t.name) for t in tags]
        self.hero_picture = None  # the decoded upload, once validated
        self.publish_at_utc = None  # the scheduled time, once validated
        self.products: dict = {}  # featured products found, by what was typed

    # Checks ------------------------------------------------------------------------

    def validate(self, extra_validators=None) -> bool:
        if not self.slug.data and self.title.data:
            self.slug.data = slugify(self.title.data, 120)
        valid = super().validate(extra_validators)
        for check in (self._check_author, self._check_featured, self._check_publishing):
            valid = check() and valid
        if self.action != "preview":
            valid = self._check_hero() and valid
        return valid

    def validate_slug(self, field):
        if field.errors:
            return
        article_id = self.article.id if self.article is not None else None
        if slug_in_use(field.data, article_id):
            raise ValidationError("Another article already uses this web address.")

    def validate_new_tags(self, field):
        names = split_tag_names(field.data)
        if len(names) > MAX_NEW_TAGS:
            raise ValidationError(f"Add at most {MAX_NEW_TAGS} new tags at a time.")
        for name in names:
            if len(name) > TAG_NAME_MAX:
                raise ValidationError(f"Keep each tag to {TAG_NAME_MAX} characters or fewer.")
            if not tag_slug(name):
                raise ValidationError(f"“{name}” needs at least one letter or digit.")

    def _check_author(self) -> bool:
        choice = self.author.data or ""
        if choice == "" and self.new_author_name.data:
            self.author.data = choice = "new"
        if choice == "new":
            if not self.new_author_name.data:
                _add_error(self.new_author_name, "Write the new author's name.")
                return False
            return True
        if choice and choice not in {option.value for option in self.author.choices}:
            _add_error(self.author, "Choose an author from the list.")
            return False
        if choice and self.new_author_name.data:
            _add_error(
                self.new_author_name,
                "To add a new author, choose “A new author” in the menu above, or clear this box.",
            )
            return False
        return True

    def _check_featured(self) -> bool:
        rows = [entry.form for entry in self.featured.entries]
        typed = [row.product.data for row in rows if row.product.data and not row.product.errors]
        self.products = find_products(typed)
        current = {item.product_id for item in self.article.featured} if self.article else set()
        seen: set[int] = set()
        valid = True
        for row in rows:
            if not row.product.data or row.product.errors:
                continue
            product = self.products.get(row.product.data)
            if product is None:
                _add_error(
                    row.product, "No product has that name or address. Choose one from the list."
                )
            elif not product.is_active and product.id not in current:
                _add_error(row.product, f"“{product.name}” is archived. Choose a product on sale.")
            elif product.id in seen:
                _add_error(row.product, f"“{product.name}” is already in the list.")
            else:
                seen.add(product.id)
                row.product.data = product.slug
                continue
            valid = False
        return valid

    def _check_publishing(self) -> bool:
        if self.action not in ("publish", "schedule"):
            return True
        valid = True
        if not (self.body.data or "").strip():
            _add_error(self.body, "Write the article before publishing it.")
            valid = False
        if self.action == "schedule":
            problem = self._read_publish_at()
            if problem:
                _add_error(self.publish_at, problem)
                valid = False
        return valid

    def _read_publish_at(self) -> str | None:
        text = (self.publish_at.data or "").strip()
        if not text:
            return "Choose the date and time to publish, in UK time."
        for pattern in DATETIME_FORMATS:
            try:
                local = datetime.strptime(text, pattern)  # a UK wall-clock time
                break
            except ValueError:
                continue
        else:
            return "Enter a date and time like 2026-06-05 09:00."
        try:
            when = uk_to_utc(local)
        except (ValueError, OverflowError) as exc:
            return str(exc)
        if when <= self.now:
            return "Choose a time in the future."
        self.publish_at_utc = when
        return None

    def _check_hero(self) -> bool:
        upload = self.hero_image.data
        has_hero = self.article is not None and bool(self.article.hero_stem)
        if upload and self.remove_hero.data:
            _add_error(self.remove_hero, "Either remove the picture or choose a new one, not both.")
            return False
        if upload:
            try:
                self.hero_picture = read_hero_image(upload.stream)
            except HeroImageError as exc:
                _add_error(self.hero_image, str(exc))
                return False
        if (upload or (has_hero and not self.remove_hero.data)) and not self.hero_alt.data:
            _add_error(self.hero_alt, "Describe the picture for people who can't see it.")
            return False
        return True

    # What the form says ----------------------------------------------------------------

    def featured_rows(self) -> list[FeaturedRow]:
        rows = _in_order(self.featured.entries)
        return [entry.form for entry in rows if not entry.form.is_blank]

    def reference_rows(self) -> list[ReferenceRow]:
        rows = _in_order(self.references.entries)
        return [entry.form for entry in rows if not entry.form.is_blank]

    def article_data(self, lenient: bool = False) -> ArticleData:
        """The article as typed. `lenient` (for a preview of a form with mistakes)
        leaves out whatever was refused instead of trusting it."""

        def ok(field):
            return field.data if not (lenient and field.errors) else None

        choice = self.author.data or ""
        new_author = None
        author_id = None
        if choice == "new" and ok(self.new_author_name):
            new_author = NewAuthor(
                name=self.new_author_name.data,
                credentials=ok(self.new_author_credentials) or "",
                bio=ok(self.new_author_bio) or "",
            )
        elif choice.isdigit():
            author_id = int(choice)
        references = [
            ReferenceData(
                citation=row.citation.data,
                doi=ok(row.doi) or None,
                pmid=ok(row.pmid) or None,
                pmcid=ok(row.pmcid) or None,
                url=ok(row.url) or None,
            )
            for row in self.reference_rows()
            if row.citation.data
        ]
        featured = [
            FeaturedData(product_slug=row.product.data, note=ok(row.note) or "")
            for row in self.featured_rows()
            if row.product.data and not (lenient and row.product.errors)
        ]
        return ArticleData(
            slug=self.slug.data or "",
            title=self.title.data or "",
            standfirst=self.standfirst.data or "",
            body=(self.body.data or "").replace("\r\n", "\n"),
            author_id=author_id,
            new_author=new_author,
            concern_ids=list(self.concerns.data or []) if not self.concerns.errors else [],
            tag_ids=list(self.tags.data or []) if not self.tags.errors else [],
            new_tag_names=split_tag_names(ok(self.new_tags)),
            references=references,
            featured=featured,
            hero_alt=self.hero_alt.data or "",
            remove_hero=bool(self.remove_hero.data),
        )

    def add_blank_rows(self) -> None:
        """A few empty rows at the end of each list, for adding more without JavaScript."""
        for rows in (self.featured, self.references):
            blank = sum(1 for entry in rows.entries if entry.form.is_blank)
            while blank < BLANK_ROWS and len(rows.entries) < rows.max_entries:
                rows.append_entry()
                blank += 1


class AuthorForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Write the author's name."), Length(max=120)],
        filters=[one_line],
    )
    credentials = StringField(
        "Credentials",
        validators=[Length(max=120)],
        filters=[one_line],
        description="A title shown before the name (Dr, Prof) or a qualification after it (RNutr).",
    )
    bio = TextAreaField(
        "Short biography",
        validators=[Length(max=2000)],
        filters=[stripped],
        description="Shown under every article they write.",
    )


STATE_CHOICES = [SelectChoice("", "Any status")] + [
    SelectChoice(state.value, state.label) for state in ArticleState
]


class ArticleFilterForm(FlaskForm):
    """The article list's filters, read from the query string (no CSRF on a GET)."""

    class Meta:
        csrf = False

    q = StringField("Title contains", validators=[Optional(), Length(max=200)], filters=[one_line])
    status = SelectField(
        "Status", choices=STATE_CHOICES, default="", invalid_choice_message=CHOICE_MESSAGE
    )
    concern = SelectField(
        "Skin concern", choices=[], default="", invalid_choice_message=CHOICE_MESSAGE
    )
    tag = SelectField("Tag", choices=[], default="", invalid_choice_message=CHOICE_MESSAGE)

    def setup(self, concerns, tags) -> None:
        self.concern.choices = [SelectChoice("", "Any concern")] + [
            SelectChoice(c.slug, c.name) for c in concerns
        ]
        self.tag.choices = [SelectChoice("", "Any tag")] + [
            SelectChoice(t.slug, t.name) for t in tags
        ]
