"""Forms of the outgoing-document pages. They parse input; the services decide.

Choices (types, signers, units, committees, reviewers) come from selectors through the
view, so a form never shows another committee's data.
"""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from capuyso.core.forms import date_widget
from capuyso.documents import files as doc_files
from capuyso.documents.models import (
    OutgoingDocument,
    OutgoingRecipient,
    Review,
    Secrecy,
    Urgency,
)
from capuyso.documents.services.outgoing import RecipientSpec


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.get_username()


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.get_username()


class TypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.abbreviation})"


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


EXTERNAL_METHODS = [
    (value, label)
    for value, label in OutgoingRecipient.Method.choices
    if value != OutgoingRecipient.Method.PLATFORM
]


class OutgoingFilterForm(forms.Form):
    """The list's filters, read from the query string; an invalid value is ignored."""

    q = forms.CharField(
        label=_("Search number or summary"),
        required=False,
        max_length=120,
        widget=forms.SearchInput(attrs={"placeholder": "01-KH, ke hoach…"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + OutgoingDocument.Status.choices,
    )
    type = TypeChoiceField(
        label=_("Type"),
        required=False,
        queryset=None,
        to_field_name="code",
        empty_label=_("All"),
    )
    unit = forms.ModelChoiceField(
        label=_("Issued by"),
        required=False,
        queryset=None,
        to_field_name="code",
        empty_label=_("All"),
    )
    issued_from = forms.DateField(label=_("Issued from"), required=False, widget=date_widget())
    issued_to = forms.DateField(label=_("Issued until"), required=False, widget=date_widget())
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1945, max_value=2200)

    def __init__(self, *args, doc_types, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = doc_types
        self.fields["unit"].queryset = units

    def values(self) -> dict:
        """The valid filters only: a mistyped date drops that filter, not the page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        doc_type = data.get("type")
        unit = data.get("unit")
        return {
            "q": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "doc_type": str(doc_type.code) if doc_type else "",
            "unit": str(unit.code) if unit else "",
            "issued_from": data.get("issued_from"),
            "issued_to": data.get("issued_to"),
            "year": data.get("year"),
        }


class OutgoingForm(forms.Form):
    """A draft: what is printed, who signs, and where it goes once issued."""

    doc_type = TypeChoiceField(
        label=_("Type"), queryset=None, empty_label=None, to_field_name="code"
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=1000,
        required=False,  # the service requires it, except for a Tuyệt mật document
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the document is about (trích yếu), e.g. “Kế hoạch tổ chức Đại hội”."),
    )
    body = forms.CharField(
        label=_("Content"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_(
            "Separate paragraphs with an empty line. Leave empty for a classified document."
        ),
    )
    secrecy = forms.ChoiceField(label=_("Secrecy"), choices=Secrecy.choices, required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, required=False)
    signer = PersonChoiceField(
        label=_("Signer"),
        queryset=None,
        required=False,
        to_field_name="code",
        empty_label=_("Choose later"),
        help_text=_("Needed before the draft is sent for approval."),
    )
    signature_capacity = forms.CharField(
        label=_("Signing capacity"),
        max_length=40,
        required=False,
        help_text=_("e.g. T/M BAN THƯỜNG VỤ, T/M ĐẢNG ỦY, T/M CHI BỘ"),
    )
    signer_title = forms.CharField(
        label=_("Signer's title"), max_length=60, required=False, help_text=_("e.g. BÍ THƯ")
    )
    deputy_signing = forms.BooleanField(label=_("Signed by a deputy (K/T)"), required=False)
    recipients_text = forms.CharField(
        label=_("Recipients as printed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line. The archive line (“Lưu Văn phòng Đảng ủy”) is added."),
    )
    all_cells = forms.BooleanField(label=_("All cells"), required=False)
    units = forms.ModelMultipleChoiceField(
        label=_("Units of the committee"),
        queryset=None,
        required=False,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Delivered to their incoming inbox on the platform."),
    )
    committees = forms.ModelMultipleChoiceField(
        label=_("Other committees on the platform"),
        queryset=None,
        required=False,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    external_names = forms.CharField(
        label=_("Other recipients"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Bodies outside the platform, one per line."),
    )
    external_method = forms.ChoiceField(
        label=_("Sent to them"),
        choices=EXTERNAL_METHODS,
        initial=OutgoingRecipient.Method.PAPER,
        required=False,
    )
    copies = forms.IntegerField(label=_("Copies"), min_value=1, max_value=999, initial=1)
    template = forms.UUIDField(required=False, widget=forms.HiddenInput)
    reply_to = forms.UUIDField(required=False, widget=forms.HiddenInput)
    # One token per opened form: a double click on "Save" creates one draft, not two.
    submit_token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, doc_types, signers, units, committees, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial.get("submit_token"):
            self.initial["submit_token"] = uuid.uuid4()
        self.fields["doc_type"].queryset = doc_types
        self.fields["signer"].queryset = signers
        self.fields["units"].queryset = units
        self.fields["committees"].queryset = committees
        if not committees.exists():
            del self.fields["committees"]

    def recipient_specs(self) -> list[RecipientSpec]:
        data = self.cleaned_data
        specs = [RecipientSpec(unit=unit) for unit in data["units"]]
        specs += [RecipientSpec(committee=c) for c in data.get("committees", [])]
        method = data["external_method"] or OutgoingRecipient.Method.PAPER
        specs += [
            RecipientSpec(name=name, method=method) for name in _lines(data["external_names"])
        ]
        return specs

    def service_values(self) -> dict:
        """Keyword arguments shared by outgoing_create and outgoing_update."""
        data = self.cleaned_data
        return {
            "doc_type": data["doc_type"],
            "summary": data["summary"],
            "body": data["body"],
            "secrecy": data["secrecy"],
            "urgency": data["urgency"],
            "signer": data["signer"],
            "signature_capacity": data["signature_capacity"],
            "signer_title": data["signer_title"],
            "deputy_signing": data["deputy_signing"],
            "recipients_text": data["recipients_text"],
            "copies": data["copies"],
        }

    @staticmethod
    def initial_from(document: OutgoingDocument, recipients) -> dict:
        external = [r for r in recipients if not r.unit_id and not r.target_committee_id]
        return {
            "doc_type": document.doc_type,
            "summary": document.summary,
            "body": document.body,
            "secrecy": document.secrecy,
            "urgency": document.urgency,
            "signer": document.signer,
            "signature_capacity": document.signature_capacity,
            "signer_title": document.signer_title,
            "deputy_signing": document.deputy_signing,
            "recipients_text": document.recipients_text,
            "units": [str(r.unit.code) for r in recipients if r.unit_id],
            "committees": [
                str(r.target_committee.code) for r in recipients if r.target_committee_id
            ],
            "external_names": "\n".join(r.name for r in external),
            "external_method": external[0].method if external else OutgoingRecipient.Method.PAPER,
            "copies": document.copies,
            "version": document.version,
        }


class OutgoingEditForm(OutgoingForm):
    note = forms.CharField(
        label=_("What changed in this version"),
        max_length=255,
        required=False,
        help_text=_("e.g. “Sửa theo ý kiến đồng chí Bí thư”."),
    )
    upload = forms.FileField(
        label=_("Edited file (DOCX or PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.pdf"}),
        help_text=_(
            "Optional: upload the version you edited in Word. Without it, the document is "
            "generated again from the fields above."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The template and the document answered are chosen once, when the draft starts.
        del self.fields["template"]
        del self.fields["reply_to"]
        del self.fields["submit_token"]

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            # Checked here so the message sits on the field; the service checks again.
            doc_files.check_upload(upload, allowed=(doc_files.DOCX, doc_files.PDF))
            upload.seek(0)
        return upload


class VersionForm(forms.Form):
    """The document version the page showed: a stale page is refused by the service."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReviewRequestForm(VersionForm):
    reviewers = PeopleChoiceField(
        label=_("Reviewers"),
        queryset=None,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, reviewers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = reviewers


class ReviewAnswerForm(VersionForm):
    verdict = forms.ChoiceField(
        label=_("Your opinion"),
        choices=[
            (Review.Verdict.AGREED, _("I agree")),
            (Review.Verdict.CHANGES, _("Changes are needed")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you ask for changes."),
    )


class ReturnForm(VersionForm):
    comment = forms.CharField(
        label=_("What should change"), widget=forms.Textarea(attrs={"rows": 3})
    )


class CancelForm(VersionForm):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=255)


def recipients_error_on_units(error: ValidationError) -> ValidationError:
    """The services report recipient problems under "recipients"; the form shows them on
    the unit choices."""
    if hasattr(error, "error_dict") and "recipients" in error.error_dict:
        errors = dict(error.error_dict)
        errors["units"] = errors.pop("recipients")
        return ValidationError(errors)
    return error
