"""Back-office forms. Every POST carries a CSRF token through FlaskForm."""

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from shop.admin.auth import PASSWORD_MAX_LENGTH, password_problem
from shop.backoffice.roles import Role
from shop.forms import stripped

# Menus are drawn by the templates from the same lists, so these are plain text
# fields checked against the values a menu can send.
ROLE_VALUES = [str(role) for role in Role]
ROLE_MESSAGE = "Please choose one of the roles listed."


class LoginForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[
            DataRequired(message="Please enter your email address."),
            Length(max=254),
            # No address has control characters, and PostgreSQL cannot even look one up.
            Regexp(r"^[^\x00-\x1f\x7f]*$", message="Please enter a valid email address."),
        ],
        filters=[stripped],
    )
    password = PasswordField(
        "Password",
        validators=[
            InputRequired(message="Please enter your password."),
            Length(max=PASSWORD_MAX_LENGTH, message="Email or password is incorrect"),
        ],
    )
    next = HiddenField()


class StaffCreateForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[
            DataRequired(message="Please enter their email address."),
            Length(max=254),
            Email(message="Please enter an email address like name@example.com."),
        ],
        filters=[stripped],
    )
    role = StringField("Role", default="editor", validators=[AnyOf(ROLE_VALUES, ROLE_MESSAGE)])
    password = PasswordField(
        "Initial password",
        validators=[InputRequired(message="Please choose an initial password.")],
        description="At least 12 characters; not a common password; not their email. "
        "Give it to them in person or by phone, not by email.",
    )
    confirm = PasswordField(
        "Initial password again",
        validators=[EqualTo("password", message="The two passwords are not the same.")],
    )

    def validate_password(self, field):
        problem = password_problem(field.data or "", self.email.data)
        if problem:
            raise ValidationError(problem)


class RoleForm(FlaskForm):
    role = StringField("Role", validators=[AnyOf(ROLE_VALUES, ROLE_MESSAGE)])


class AuditFilterForm(FlaskForm):
    """The audit log's filters, read from the query string (no CSRF on a GET)."""

    class Meta:
        csrf = False

    staff_email = StringField("Staff email", validators=[Optional(), Length(max=254)])
    entity_type = StringField("Type", validators=[Optional(), Length(max=60)])
    action = StringField("Action", validators=[Optional(), Length(max=60)])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")
