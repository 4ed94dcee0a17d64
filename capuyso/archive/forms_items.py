"""Forms of the archive items pages. They parse input; the services decide."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from capuyso.archive.models import ArchiveItem

ACCEPT = ".pdf,.docx,.jpg,.jpeg,.png,.tif,.tiff"
DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DossierMixin:
    """The dossier is typed as in the file list, "05/2025" (a list of the recent ones is
    offered by the page's <datalist>), or given by its code; it must be the committee's."""

    committee = None

    def clean_dossier(self):
        from capuyso.archive.selectors_items import find_dossier

        value = " ".join((self.cleaned_data.get("dossier") or "").split())
        if not value:
            return None
        dossier = find_dossier(self.committee, value)
        if dossier is None:
            raise forms.ValidationError(
                _("No dossier %(value)s in the file list; write its number and year, e.g. 05/2025.")
                % {"value": value},
                code="unknown_dossier",
            )
        return dossier


def dossier_field(label):
    return forms.CharField(
        label=label,
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"list": "dossier-list", "autocomplete": "off"}),
        help_text=_("Its number and year in the file list, e.g. 05/2025."),
    )


def dossier_value(dossier) -> str:
    return f"{dossier.file_number}/{dossier.year}" if dossier is not None else ""


class UploadForm(DossierMixin, forms.Form):
    """The files come from request.FILES.getlist("files"): each one is checked on its own
    by the intake, so a bad file never refuses the good ones."""

    files = forms.FileField(
        label=_("Files (PDF, DOCX, JPEG, PNG, TIFF)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
        help_text=_("Choose several files at once (up to 100)."),
    )
    dossier = dossier_field(_("File into dossier"))

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.committee = committee

    def clean_files(self):
        return None  # read from request.FILES by the view, one by one


class ConfirmForm(DossierMixin, forms.Form):
    title = forms.CharField(label=_("Item title"), max_length=500)
    reference = forms.CharField(
        label=_("Number and symbol"), max_length=80, required=False, help_text=_("e.g. 09-KH/ĐU")
    )
    document_date = forms.DateField(
        label=_("Document date"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(
            format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}
        ),
        help_text=_("Day/month/year, e.g. 05/01/2026."),
    )
    issuer_name = forms.CharField(label=_("Issuer"), max_length=255, required=False)
    doc_type = forms.ModelChoiceField(
        label=_("Document type"), queryset=None, required=False, to_field_name="code"
    )
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=1930,
        max_value=2100,
        help_text=_("Leave empty to take the document date's year."),
    )
    dossier = dossier_field(_("Dossier"))

    def __init__(self, *args, committee, doc_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.committee = committee
        self.fields["doc_type"].queryset = doc_types
        self.fields["doc_type"].label_from_instance = lambda t: f"{t.name} ({t.abbreviation})"


def confirm_initial(item: ArchiveItem, doc_types) -> dict:
    """The form's values: what was confirmed, else what the text proposes."""
    if item.metadata_confirmed_at is not None:
        return {
            "title": item.title,
            "reference": item.reference,
            "document_date": item.document_date,
            "issuer_name": item.issuer_name,
            "doc_type": item.doc_type,
            "year": item.year,
            "dossier": dossier_value(item.dossier),
        }
    proposed = item.proposed or {}
    document_date = None
    if proposed.get("document_date"):
        try:
            document_date = dt.date.fromisoformat(proposed["document_date"])
        except ValueError:
            document_date = None
    abbreviation = proposed.get("type_abbreviation", "")
    doc_type = next((t for t in doc_types if t.abbreviation == abbreviation), None)
    return {
        "title": proposed_title(item, doc_type),
        "reference": proposed.get("reference", ""),
        "document_date": document_date,
        "issuer_name": proposed.get("issuer_name", ""),
        "doc_type": doc_type,
        "year": document_date.year if document_date else None,
        "dossier": dossier_value(item.dossier),
    }


def proposed_title(item: ArchiveItem, doc_type=None) -> str:
    """ "Kế hoạch tổ chức …" from the type and summary; else the file name without its
    extension."""
    summary = (item.proposed or {}).get("summary", "")
    if summary and doc_type is not None:
        return f"{doc_type.name} {summary}"[:500]
    if summary:
        return summary[:500]
    stem, dot, _extension = item.source_name.rpartition(".")
    return (stem if dot else item.source_name)[:500]
