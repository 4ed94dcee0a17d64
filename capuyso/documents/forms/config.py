"""Forms of the document settings, the registry export and the figures page.

They parse input; the services decide. Choice fields take their querysets from the
selectors the views pass in, and are keyed by the rows' opaque codes.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from capuyso.core.forms import date_widget
from capuyso.documents.models import Delegation, Registry


class CodeChoiceField(forms.ModelChoiceField):
    """A choice among rows the selector allowed, identified by their code in the page."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)


# --- settings --------------------------------------------------------------------------


class DocumentTypeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80, help_text=_("e.g. Kế hoạch"))
    abbreviation = forms.CharField(
        label=_("Abbreviation"), max_length=10, help_text=_("As in the number, e.g. KH")
    )
    cells_may_issue = forms.BooleanField(label=_("Cells may issue this type"), required=False)
    sequence_group = forms.CharField(
        label=_("Shared number sequence"),
        max_length=20,
        required=False,
        help_text=_(
            "Types with the same value share one number sequence (e.g. congress documents). "
            "Leave empty for a sequence of its own."
        ),
    )
    is_official_letter = forms.BooleanField(
        label=_("Official-letter layout"),
        required=False,
        help_text=_("The summary is printed under the number as “V/v …” (Công văn)."),
    )
    valid_from = forms.DateField(
        label=_("In force from"),
        required=False,
        widget=date_widget(),
        help_text=_("Leave empty when it has always been in force."),
    )
    valid_until = forms.DateField(
        label=_("In force until"),
        required=False,
        widget=date_widget(),
        help_text=_("Leave empty while it is in force."),
    )
    sort_order = forms.IntegerField(label=_("Order in lists"), min_value=0, max_value=999)

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end date must be after the start date."))
        return data


class IssuerForm(forms.Form):
    name = forms.CharField(
        label=_("Full name of the body"),
        max_length=200,
        help_text=_("e.g. Ban Tổ chức Thành ủy Hà Nội"),
    )
    abbreviation = forms.CharField(
        label=_("Abbreviation"), max_length=20, required=False, help_text=_("e.g. BTCTU")
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Inactive bodies stay on old documents but are no longer offered."),
    )


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    doc_type = CodeChoiceField(label=_("Document type"), queryset=None)
    summary = forms.CharField(
        label=_("Summary"), max_length=255, required=False, help_text=_("May be left empty.")
    )
    body = forms.CharField(
        label=_("Body"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Paragraphs separated by an empty line."),
    )
    signature_capacity = forms.CharField(
        label=_("Signing capacity"),
        max_length=40,
        required=False,
        help_text=_("e.g. T/M BAN THƯỜNG VỤ"),
    )
    recipients = forms.CharField(
        label=_("Recipients"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line; the archive line is added."),
    )
    for_cells = forms.BooleanField(label=_("For cells"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, doc_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doc_type"].queryset = doc_types


class RegistryForm(forms.Form):
    issuer_abbreviation = forms.CharField(
        label=_("Issuer abbreviation"),
        max_length=20,
        required=False,
        help_text=_("After the slash in the number, e.g. ĐU in 09-KH/ĐU, CB for a cell."),
    )
    numbering_scope = forms.ChoiceField(
        label=_("Numbering restarts"),
        choices=Registry.Scope.choices,
        help_text=_("Party bodies restart each committee term; State bodies each year."),
    )


class DelegationForm(forms.Form):
    grantor = CodeChoiceField(label=_("Leader who delegates"), queryset=None, empty_label=None)
    delegate = CodeChoiceField(label=_("Deputy who acts for them"), queryset=None)
    scope = forms.ChoiceField(
        label=_("Delegated"), choices=Delegation.Scope.choices, widget=forms.RadioSelect
    )
    starts_on = forms.DateField(label=_("From"), widget=date_widget())
    ends_on = forms.DateField(label=_("Until"), widget=date_widget())
    reason = forms.CharField(
        label=_("Reason"), max_length=255, required=False, help_text=_("e.g. on a work trip")
    )

    def __init__(self, *args, grantors, delegates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grantor"].queryset = grantors
        self.fields["delegate"].queryset = delegates


# --- registry export and figures -------------------------------------------------------


def _check_period(form, data, start_field: str, end_field: str) -> None:
    start, end = data.get(start_field), data.get(end_field)
    if start and end and end < start:
        form.add_error(end_field, _("The end date must be after the start date."))


class RegistryExportForm(forms.Form):
    unit = CodeChoiceField(label=_("Registry of"), queryset=None, empty_label=None)
    kind = forms.ChoiceField(
        label=_("Book"),
        choices=[
            (Registry.Kind.INCOMING, _("Incoming documents")),
            (Registry.Kind.OUTGOING, _("Outgoing documents")),
        ],
        widget=forms.RadioSelect,
        initial=Registry.Kind.INCOMING,
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    date_from = forms.DateField(label=_("Or from"), required=False, widget=date_widget())
    date_to = forms.DateField(label=_("To"), required=False, widget=date_widget())
    fmt = forms.ChoiceField(
        label=_("File"),
        choices=[("xlsx", _("Spreadsheet (XLSX)")), ("pdf", _("PDF for printing"))],
        widget=forms.RadioSelect,
        initial="xlsx",
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean(self):
        data = super().clean()
        start, end, year = data.get("date_from"), data.get("date_to"), data.get("year")
        if start or end:
            if not (start and end):
                raise forms.ValidationError(_("Give both the first and the last day."))
            _check_period(self, data, "date_from", "date_to")
            data["start"], data["end"] = start, end
        elif year:
            data["start"], data["end"] = dt.date(year, 1, 1), dt.date(year, 12, 31)
        elif not self.has_error("year"):
            raise forms.ValidationError(_("Choose a year or a period."))
        return data


class FiguresForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=date_widget())
    end = forms.DateField(label=_("To"), required=False, widget=date_widget())
    unit = CodeChoiceField(label=_("Unit"), queryset=None, required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].empty_label = _("All I may see")

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["start"] = data.get("start") or dt.date(today.year, 1, 1)
        data["end"] = data.get("end") or today
        _check_period(self, data, "start", "end")
        return data
