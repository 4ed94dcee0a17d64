"""Forms for sign-in, two-factor, passwords, profile and the user admin pages.

Forms parse and check input; the writes and their rules live in services.py.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from capuyso.accounts.roles import Role


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OtpTokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not (token.isdigit() and len(token) == 6):
            raise ValidationError(_("Type the 6 digits shown in the app, without letters."))
        return token


class PasswordChangeForm(forms.Form):
    """Set a new password; the old one is asked for unless the change is forced."""

    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 10 characters. Avoid your name, birthday or common words."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, require_old: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not require_old:
            del self.fields["old_password"]

    def clean_old_password(self) -> str:
        old = self.cleaned_data["old_password"]
        if not self.user.check_password(old):
            raise ValidationError(_("The current password is not correct."))
        return old

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second:
            if first != second:
                self.add_error("new_password2", _("The two new passwords are not the same."))
            else:
                try:
                    password_validation.validate_password(first, self.user)
                except ValidationError as exc:
                    self.add_error("new_password1", exc)
        return cleaned


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("What is this token for?"),
        max_length=80,
        required=False,
        help_text=_("For example: the report spreadsheet of the office."),
    )


# --- User administration --------------------------------------------------------------------


def role_choices_for(committee) -> list[tuple[str, str]]:
    """Roles an account of `committee` can hold (a city committee only has viewers/admins)."""
    from capuyso.org.models import Committee

    if committee is not None and committee.level == Committee.Level.CITY:
        allowed = {Role.CITY_VIEWER, Role.TENANT_ADMIN}
    else:
        allowed = set(Role) - {Role.CITY_VIEWER}
    return [(value, label) for value, label in Role.choices if value in allowed]


class UserFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search by name or user name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    role = forms.ChoiceField(label=_("Role"), required=False)

    def __init__(self, *args, committee=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("All roles")), *role_choices_for(committee)]


class UnitChoiceMixin:
    """A `unit` choice field listing the committee's organs and cells, by opaque code."""

    def setup_units(self, units) -> None:
        self._units = {str(u.code): u for u in units}
        organs = [(code, u.name) for code, u in self._units.items() if u.is_organ]
        cells = [(code, u.name) for code, u in self._units.items() if not u.is_organ]
        self.fields["unit"].choices = [
            ("", _("The whole committee (no particular unit)")),
            (_("Committee organs"), organs),
            (_("Cells and sub-committees"), cells),
        ]

    def clean_unit(self):
        code = self.cleaned_data.get("unit") or ""
        if not code:
            return None
        try:
            return self._units[code]
        except KeyError as exc:
            raise ValidationError(_("Choose a unit from the list.")) from exc


_UNIT_HELP = _(
    "Committee-wide roles: the whole committee or one of its organs. "
    "Cell roles (cell secretary, party member): the cell."
)


class UserCreateForm(UnitChoiceMixin, forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("Used to sign in, e.g. nguyenvanbinh. Letters and digits, no spaces."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False, widget=forms.TextInput({"type": "tel"})
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"))
    unit = forms.ChoiceField(label=_("Unit"), required=False, help_text=_UNIT_HELP)
    title = forms.CharField(
        label=_("Title (optional)"),
        max_length=120,
        required=False,
        help_text=_("As printed on documents, e.g. Phó Bí thư Thường trực."),
    )

    def __init__(self, *args, committee, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices_for(committee)
        self.setup_units(units)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if any(ch.isspace() for ch in username):
            raise ValidationError(_("A user name cannot contain spaces."))
        return username


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False, widget=forms.TextInput({"type": "tel"})
    )
    email = forms.EmailField(label=_("E-mail"), required=False)


class PositionAssignForm(UnitChoiceMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    unit = forms.ChoiceField(label=_("Unit"), required=False, help_text=_UNIT_HELP)
    title = forms.CharField(label=_("Title (optional)"), max_length=120, required=False)
    start_date = forms.DateField(
        label=_("Start date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for today."),
    )

    def __init__(self, *args, committee, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices_for(committee)
        self.setup_units(units)
        self.fields["start_date"].initial = timezone.localdate()
