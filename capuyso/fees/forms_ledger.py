"""Forms of the fee ledger pages: one payment (or several months at once), the cell
meeting's cash for many members, voiding, closing and reopening a book, excuses and
remittances. The services decide and refuse; these only parse."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from capuyso.core.forms import date_widget
from capuyso.fees import calc
from capuyso.fees.models import Payment, Remittance
from capuyso.fees.services.payments import MAX_ADVANCE_MONTHS

MONEY_ATTRS = {"inputmode": "numeric", "autocomplete": "off", "maxlength": "20"}


def parse_money(value) -> int | None:
    """Whole đồng: '50000', '50.000', '50 000', '50,000' or '50.000 đ' → 50000; '' → None.
    Separators must group thousands ('12,5' is refused: it reads as a decimal)."""
    text = str(value if value is not None else "").strip().lower()
    text = text.removesuffix("đ").removesuffix("vnd").strip()
    if not text:
        return None
    if len(text) > 20:
        raise ValueError(text)
    groups = re.split(r"[.,\s\u00a0]", text)
    if not all(g.isdigit() for g in groups) or any(len(g) != 3 for g in groups[1:]):
        raise ValueError(text)
    return int("".join(groups))


class MoneyField(forms.CharField):
    """Whole đồng, written with or without '.' thousands (never a decimal)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs=MONEY_ATTRS))
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return parse_money(value)
        except ValueError as exc:
            raise ValidationError(_("Enter a whole number of đồng."), code="invalid") from exc


class MonthField(forms.CharField):
    """A month as yyyy-mm (the browser's month picker) or mm/yyyy."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-03"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            month = calc.parse_month(value)
        except (ValueError, TypeError) as exc:
            raise ValidationError(_("Enter a month as mm/yyyy."), code="invalid") from exc
        if not 2000 <= month.year <= 2099:
            raise ValidationError(_("Enter a month as mm/yyyy."), code="invalid")
        return month

    def prepare_value(self, value):
        if isinstance(value, dt.date):
            return value.strftime("%Y-%m")
        return value


class PaymentForm(forms.Form):
    """One payment, or an advance for several months (one payment per month)."""

    member = forms.ChoiceField(label=pgettext_lazy("person", "Member"))
    method = forms.ChoiceField(label=_("Paid by"), choices=Payment.Method.choices)
    month = MonthField(label=_("For month"))
    months = forms.IntegerField(
        label=_("Number of months"),
        min_value=1,
        max_value=MAX_ADVANCE_MONTHS,
        initial=1,
        help_text=_("More than 1 for a payment in advance: one payment per month."),
    )
    amount = MoneyField(
        label=_("Amount per month (đồng)"),
        required=False,
        help_text=_("Leave empty to use each month's computed due."),
    )
    extra_amount = MoneyField(
        label=_("Voluntary extra (đồng)"), required=False, help_text=_("Above the due.")
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=date_widget())
    reference = forms.CharField(
        label=_("Transaction reference"),
        required=False,
        max_length=80,
        help_text=_("From the portal's confirmation or the bank transfer."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=255)
    # The book's version, required as on the cash form: the same form sent twice is stale.
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "—")] + [(str(m.code), m.full_name) for m in members]


@dataclass
class CashLine:
    code: str
    amount: int | None
    extra: int


def parse_cash_lines(data, codes: list[str]) -> tuple[list[CashLine], dict[str, str]]:
    """The ticked rows of the cell meeting's cash table (`paid-<code>`, optional
    `amount-<code>` and `extra-<code>`), and the rows whose figures cannot be read.
    A row with an amount or an extra typed in counts as ticked."""
    lines, errors = [], {}
    for code in codes:
        raw_amount = data.get(f"amount-{code}", "")
        raw_extra = data.get(f"extra-{code}", "")
        if (
            not data.get(f"paid-{code}")
            and not str(raw_amount).strip()
            and not str(raw_extra).strip()
        ):
            continue
        try:
            amount = parse_money(raw_amount)
            extra = parse_money(raw_extra) or 0
        except ValueError:
            errors[code] = str(_("Enter a whole number of đồng."))
            continue
        lines.append(CashLine(code, amount, extra))
    return lines, errors


class CashForm(forms.Form):
    paid_on = forms.DateField(label=_("Collected on"), widget=date_widget())
    version = forms.IntegerField(widget=forms.HiddenInput)


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Reason for voiding"), max_length=255)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason for reopening"), max_length=255)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ExcuseForm(forms.Form):
    month = MonthField(label=_("Month"))
    reason = forms.CharField(label=_("Reason the month was not paid"), max_length=255)


class RemittanceForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Who remits"), choices=Remittance.Direction.choices, widget=forms.HiddenInput
    )
    cell = forms.ChoiceField(label=_("Cell"), required=False)
    month = MonthField(label=_("For the fees of"))
    amount = MoneyField(label=_("Amount (đồng)"))
    paid_on = forms.DateField(label=_("Remitted on"), widget=date_widget())
    method = forms.ChoiceField(label=_("How"), choices=Payment.Method.choices)
    reference = forms.CharField(label=_("Transaction reference"), required=False, max_length=80)
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args, cells=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell"].choices = [("", "—")] + [(str(c.code), c.name) for c in cells]
