"""Forms of the bank statement pages: the upload, and the three ways to resolve a line."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from capuyso.fees.calc import parse_month
from capuyso.fees.models import BankAccount
from capuyso.fees.statements import max_bytes
from capuyso.members.models import Member
from capuyso.org.models import Unit

ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MonthField(forms.CharField):
    """A month typed as mm/yyyy (or picked as yyyy-mm); cleans to its first day."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault("help_text", _("For example 03/2026."))
        super().__init__(**kwargs)
        self.widget.attrs.update({"placeholder": "mm/yyyy", "inputmode": "numeric"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            month = parse_month(value)
        except (ValueError, TypeError) as exc:
            raise ValidationError(_("Enter the month as mm/yyyy."), code="month") from exc
        if not 2000 <= month.year <= 2099:
            raise ValidationError(_("Enter the month as mm/yyyy."), code="month")
        return month


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Statement file (.csv or .xlsx)"),
        help_text=_(
            "Export the account's statement from internet banking as Excel or CSV: a header "
            "row with the transaction date, the amount credited and the note."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    account = forms.ModelChoiceField(
        label=_("Bank account"),
        queryset=BankAccount.objects.none(),
        required=False,
        empty_label=_("— not said —"),
    )

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = BankAccount.objects.filter(committee=committee)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_bytes()
        if upload.size > limit:
            raise ValidationError(
                _("The file is larger than %(limit)s MB; a statement is far smaller."),
                code="file_too_large",
                params={"limit": limit // (1024 * 1024)},
            )
        return upload


class LineResolveForm(forms.Form):
    member = forms.UUIDField(label=_("Member"), error_messages={"required": _("Choose a member.")})
    month = MonthField(label=_("Fee of the month"))
    book_month = MonthField(
        label=_("Write it in the book of (month)"),
        required=False,
        help_text=_("Leave empty for the month of the transfer. Use it when that book is closed."),
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, committee, **kwargs):
        self.committee = committee
        super().__init__(*args, **kwargs)

    def clean_member(self):
        code = self.cleaned_data["member"]
        member = (
            Member.objects.filter(code=code, committee=self.committee)
            .select_related("cell")
            .first()
        )
        if member is None:
            raise ValidationError(_("Choose a member of the committee."), code="member")
        return member


class LineRemittanceForm(forms.Form):
    cell = forms.ModelChoiceField(label=_("Cell"), queryset=Unit.objects.none())
    month = MonthField(label=_("Fees of the month"))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell"].queryset = Unit.objects.filter(
            committee=committee, kind=Unit.Kind.CELL
        ).order_by("name_folded")


class LineIgnoreForm(forms.Form):
    note = forms.CharField(
        label=_("What is this money?"),
        max_length=255,
        help_text=_("For example: a refund, interest, a transfer between accounts."),
    )
