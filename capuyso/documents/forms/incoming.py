"""Forms of the incoming-document pages. They parse input; the services decide."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from capuyso.core.forms import date_widget
from capuyso.documents.models import IncomingDocument, Secrecy, Urgency


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.docx,.jpg,.jpeg,.png,.tif,.tiff"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class IncomingForm(forms.Form):
    receiving_unit = forms.ChoiceField(label=_("Registry"), required=False)
    channel = forms.ChoiceField(
        label=_("Received as"),
        choices=[(k, v) for k, v in IncomingDocument.Channel.choices if k != "platform"],
        initial=IncomingDocument.Channel.PAPER,
    )
    issuer_name = forms.CharField(
        label=_("Issuer"),
        max_length=200,
        widget=forms.TextInput(attrs={"list": "issuer-directory", "autocomplete": "off"}),
        help_text=_("Choose from the directory or type the body's full name."),
    )
    reference = forms.CharField(
        label=_("Number and symbol"),
        max_length=60,
        required=False,
        help_text=_("e.g. 09-KH/ĐU"),
    )
    document_date = forms.DateField(label=_("Document date"), required=False, widget=date_widget())
    doc_type = forms.ChoiceField(label=_("Type"))
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    secrecy = forms.ChoiceField(label=_("Secrecy"), choices=Secrecy.choices, required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, required=False)
    page_count = forms.IntegerField(
        label=_("Number of pages"), required=False, min_value=1, max_value=5000
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=date_widget())
    paper_holder = forms.CharField(
        label=_("Paper copy held by"),
        max_length=160,
        required=False,
        help_text=_("For a classified document: who keeps the paper original."),
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
    files = MultipleFileField(
        label=_("Files (PDF, DOCX, JPEG, PNG, TIFF)"),
        required=False,
        help_text=_("Not for classified documents."),
    )
    pending_files = forms.CharField(required=False, widget=forms.HiddenInput)
    submit_token = forms.UUIDField(required=False, widget=forms.HiddenInput)
    confirm_duplicate = forms.BooleanField(label=_("Register anyway"), required=False)

    def __init__(self, *args, registry_units=(), doc_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiving_unit"].choices = [(str(u.code), u.name) for u in registry_units]
        if len(registry_units) <= 1:
            self.fields["receiving_unit"].widget = forms.HiddenInput()
        self.fields["doc_type"].choices = [("", "---------")] + [
            (str(t.code), f"{t.name} ({t.abbreviation})") for t in doc_types
        ]
        if not self.is_bound and not self.initial.get("submit_token"):
            self.initial["submit_token"] = uuid.uuid4()

    def pending_codes(self) -> list[str]:
        raw = self.cleaned_data.get("pending_files") or ""
        codes = []
        for part in raw.split(","):
            try:
                codes.append(str(uuid.UUID(part.strip())))
            except ValueError:
                continue
        return codes


class IncomingEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    issuer_name = IncomingForm.base_fields["issuer_name"]
    reference = IncomingForm.base_fields["reference"]
    document_date = IncomingForm.base_fields["document_date"]
    doc_type = forms.ChoiceField(label=_("Type"))
    summary = IncomingForm.base_fields["summary"]
    secrecy = IncomingForm.base_fields["secrecy"]
    urgency = IncomingForm.base_fields["urgency"]
    page_count = IncomingForm.base_fields["page_count"]
    due_date = IncomingForm.base_fields["due_date"]
    paper_holder = IncomingForm.base_fields["paper_holder"]
    note = IncomingForm.base_fields["note"]

    def __init__(self, *args, doc_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doc_type"].choices = [
            (str(t.code), f"{t.name} ({t.abbreviation})") for t in doc_types
        ]


class SubmitForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    leader = forms.ChoiceField(label=_("Submit to"))

    def __init__(self, *args, leaders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].choices = [(str(u.code), u.full_name) for u in leaders]


def _handler_choices(units, users):
    choices = [("", "---------")]
    choices += [(f"unit:{u.code}", u.name) for u in units]
    choices += [(f"user:{u.code}", u.full_name or u.get_username()) for u in users]
    return choices


class DirectionForm(forms.Form):
    """The leader's direction: one lead, any supporting and FYI units or people."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    direction = forms.CharField(
        label=_("Direction"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("e.g. Giao Ban Xây dựng Đảng chủ trì, phối hợp các chi bộ; báo cáo trước hạn."),
    )
    lead = forms.ChoiceField(label=_("Lead"), required=False)
    lead_due = forms.DateField(label=_("Lead's deadline"), required=False, widget=date_widget())
    support = forms.MultipleChoiceField(
        label=_("Support"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    support_due = forms.DateField(label=_("Support deadline"), required=False, widget=date_widget())
    fyi = forms.MultipleChoiceField(
        label=_("For information"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )

    def __init__(self, *args, units=(), users=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = _handler_choices(units, users)
        self.fields["lead"].choices = choices
        self.fields["support"].choices = choices[1:]
        self.fields["fyi"].choices = choices[1:]


class HandlerForm(forms.Form):
    """Pass part of an assignment on to another unit or person."""

    handler = forms.ChoiceField(label=_("Unit or person"))
    due_date = forms.DateField(label=_("Deadline"), required=False, widget=date_widget())

    def __init__(self, *args, units=(), users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].choices = _handler_choices(units, users)


class RecordForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("progress", _("Progress")), ("comment", _("Comment"))],
        initial="progress",
    )
    text = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 2}))


class ResultForm(forms.Form):
    result = forms.CharField(label=_("Result"), widget=forms.Textarea(attrs={"rows": 2}))
    reply = forms.ChoiceField(label=_("Reply (outgoing document)"), required=False)

    def __init__(self, *args, replies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reply"].choices = [("", "---------")] + [
            (str(o.code), f"{o.reference or _('(draft)')} {o.summary[:80]}") for o in replies
        ]


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    result = forms.CharField(label=_("Result"), widget=forms.Textarea(attrs={"rows": 2}))
    dossier = forms.ChoiceField(label=_("File into dossier"), required=False)

    def __init__(self, *args, dossiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dossier"].choices = [("", _("(no dossier)"))] + [
            (str(d.code), str(d)) for d in dossiers
        ]


class DeadlineForm(forms.Form):
    due_date = forms.DateField(label=_("New deadline"), widget=date_widget())
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def clean_due_date(self):
        value = self.cleaned_data["due_date"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The deadline is already past; choose a later date."))
        return value


class EscalateForm(forms.Form):
    note = forms.CharField(label=_("What you ask of the handlers"), max_length=500)


class SummaryForm(forms.Form):
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 2}))
