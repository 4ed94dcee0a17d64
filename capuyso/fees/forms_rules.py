"""Forms of the fee rules pages, and the money / percent / month fields the fees forms share.

Money is typed the Vietnamese way (7.654.321, spaces and a trailing "đ" accepted) and parsed to
integer đồng; percents ("1,2" or "1.2") to basis points, without floats."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from capuyso.core.forms import date_widget
from capuyso.core.text import format_vnd
from capuyso.fees import calc
from capuyso.fees.models import FeeGroup, FeeSettings
from capuyso.fees.selectors_rules import groups_for
from capuyso.members.forms_settings import IntegerListField
from capuyso.org.models import Unit

_MONEY_RE = re.compile(r"\d{1,3}(\.\d{3})+|\d{1,3}(,\d{3})+|\d+")
_PERCENT_RE = re.compile(r"(\d{1,3})(?:[.,](\d{1,2}))?")


def parse_money(value: str | int | None) -> int | None:
    """'7.654.321 đ' → 7654321; '' → None; ValidationError (code negative/invalid) else."""
    if value is None or isinstance(value, int):
        return value
    text = str(value).strip().lower().removesuffix("đồng").removesuffix("đ").removesuffix("vnd")
    text = text.replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if text.startswith("-"):
        raise forms.ValidationError(_("An amount cannot be negative."), code="negative")
    if not _MONEY_RE.fullmatch(text):
        raise forms.ValidationError(
            _("Write the amount in whole đồng, e.g. 7.654.321."), code="invalid"
        )
    return int(text.replace(".", "").replace(",", ""))


class MoneyField(forms.Field):
    """Whole đồng typed as 7.654.321 (or 7654321), cleaned to an int."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value):
        if isinstance(value, str) and len(value) > 30:
            raise forms.ValidationError(
                _("Write the amount in whole đồng, e.g. 7.654.321."), code="invalid"
            )
        return parse_money(value)

    def prepare_value(self, value):
        if isinstance(value, int):
            return format_vnd(value).removesuffix(" đ")
        return value


def parse_percent(value: str | None) -> int | None:
    """'1,2' → 120 basis points; '0.5' → 50; '' → None."""
    text = (value or "").strip().removesuffix("%").strip()
    if not text:
        return None
    if text.startswith("-"):
        raise forms.ValidationError(_("A percentage cannot be negative."), code="negative")
    match = _PERCENT_RE.fullmatch(text)
    if not match:
        raise forms.ValidationError(
            _("Write a percentage with at most two decimals, e.g. 1 or 0,5."), code="invalid"
        )
    whole, decimals = match.group(1), (match.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(decimals)


def format_percent(bp: int | None) -> str:
    if bp is None:
        return ""
    whole, rest = divmod(bp, 100)
    return f"{whole},{rest:02d}".rstrip("0").rstrip(",")


class PercentField(forms.Field):
    """A percentage typed as 1,2 and cleaned to basis points (120)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        return parse_percent(str(value)[:20] if value is not None else None)

    def prepare_value(self, value):
        return format_percent(value) if isinstance(value, int) else value


class MonthField(forms.CharField):
    """A month typed as 07/2026 (or picked as 2026-07), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "07/2026"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return calc.parse_month(value)
        except ValueError as exc:
            raise forms.ValidationError(
                _("Write the month as mm/yyyy, e.g. 07/2026."), code="invalid"
            ) from exc

    def prepare_value(self, value):
        if isinstance(value, dt.date):
            return f"{value:%Y-%m}"
        return value


ROUNDING_UNITS = [(1, "1 đ"), (10, "10 đ"), (100, "100 đ"), (500, "500 đ"), (1000, "1.000 đ")]


class SettingsForm(forms.Form):
    effective_from = forms.DateField(label=_("Effective from"), widget=date_widget())
    rounding_unit = forms.TypedChoiceField(
        label=_("Round dues to"), choices=ROUNDING_UNITS, coerce=int
    )
    rounding_mode = forms.ChoiceField(label=_("Rounding"), choices=FeeSettings.RoundingMode.choices)
    basis_min = MoneyField(label=_("Smallest accepted declared amount (đồng)"))
    basis_max = MoneyField(label=_("Largest accepted declared amount (đồng)"))
    exemption_party_age_years = forms.IntegerField(
        label=_("Exempt from this party age (years)"), min_value=1, max_value=100
    )
    reduction_percents = IntegerListField(
        label=_("Allowed reductions (%)"), help_text=_("For example 30, 50, 70.")
    )
    max_reduction_months = forms.IntegerField(
        label=_("Longest reduction (months)"), min_value=1, max_value=120
    )
    unpaid_months_threshold = forms.IntegerField(
        label=_("Unpaid months in a year that call for striking off"), min_value=1, max_value=12
    )
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=255, required=False)


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Group name"), max_length=160)
    slug = forms.CharField(
        label=_("Short name"),
        max_length=40,
        help_text=_("Letters without accents, digits and -, used in imports (e.g. ngu-dan)."),
    )
    basis_kind = forms.ChoiceField(label=_("Basis"), choices=FeeGroup.BasisKind.choices)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, initial=100)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class RuleForm(forms.Form):
    group = forms.ModelChoiceField(label=_("Group"), queryset=FeeGroup.objects.none())
    effective_from = forms.DateField(label=_("Effective from"), widget=date_widget())
    effective_until = forms.DateField(
        label=_("Effective until"),
        required=False,
        widget=date_widget(),
        help_text=_("Leave empty while the rule has no end."),
    )
    rate_bp = PercentField(
        label=_("Rate (% of the declared amount)"), required=False, help_text=_("E.g. 1 or 0,5.")
    )
    fixed_amount = MoneyField(label=_("Or a fixed amount per month (đồng)"), required=False)
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=255, required=False)
    supersede = forms.BooleanField(
        label=_("End the rule in force the day before"),
        required=False,
        help_text=_("Tick to replace the current rule of this group from the new date."),
    )

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups_for(committee)


class EndForm(forms.Form):
    effective_until = forms.DateField(label=_("Last day in force"), widget=date_widget())


class RetentionForm(forms.Form):
    effective_from = forms.DateField(label=_("Effective from"), widget=date_widget())
    effective_until = forms.DateField(
        label=_("Effective until"), required=False, widget=date_widget()
    )
    cell_keeps_bp = PercentField(label=_("A cell keeps (% of what it collects)"))
    committee_keeps_bp = PercentField(label=_("The committee keeps (% of what it receives)"))
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=255, required=False)
    supersede = forms.BooleanField(
        label=_("End the shares in force the day before"), required=False
    )


class BankAccountForm(forms.Form):
    cell = forms.ModelChoiceField(
        label=_("Account of"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("The committee"),
    )
    bank_bin = forms.CharField(
        label=_("Bank BIN (6 digits)"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=120)
    account_number = forms.CharField(label=_("Account number"), max_length=40)
    account_name = forms.CharField(label=_("Account holder"), max_length=120)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell"].queryset = Unit.objects.filter(
            committee=committee, kind=Unit.Kind.CELL
        ).order_by("name")


class MonthPickForm(forms.Form):
    month = MonthField(label=_("Month"))
