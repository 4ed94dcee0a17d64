"""Pages of a meeting's minutes: the current version with its history, the draft form (one
text per section), signing by the chair and the secretary, corrections, the DOCX and PDF,
and the resolution handed to the documents registry.

Thin views: the doors in services/minutes.py (minutes) and access.py (meetings) fetch and
check, one service call decides, and the page redirects with a message.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from capuyso.audit.services import Verb, audit_record
from capuyso.core.forms import add_service_errors
from capuyso.documents import files as doc_files
from capuyso.meetings import minutes_docx
from capuyso.meetings.access import get_meeting_for_user, may_manage
from capuyso.meetings.models import Minutes
from capuyso.meetings.services import minutes as svc
from capuyso.meetings.services import minutes_signing as signing
from capuyso.signing.forms import CodeChoiceField, secret_widget

# --- forms -----------------------------------------------------------------------------------


class MinutesForm(forms.Form):
    """One textarea per section, and the version the secretary started from."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for section in svc.SECTIONS:
            self.fields[section.key] = forms.CharField(
                label=section.label,
                required=False,
                strip=False,
                max_length=svc.MAX_SECTION_CHARS,
                widget=forms.Textarea(attrs={"rows": 6 if section.prefilled else 5}),
            )

    def content(self) -> dict:
        return {key: self.cleaned_data.get(key, "") for key in svc.SECTION_KEYS}


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I have read these minutes and confirm them as the record of the meeting."
        ),
        required=True,
    )


class DigitalSignForm(forms.Form):
    credential = CodeChoiceField(label=gettext_lazy("Certificate"), queryset=None)
    secret = forms.CharField(
        label=gettext_lazy("PIN of the token or passphrase of the file"),
        strip=False,
        widget=secret_widget(),
    )

    def __init__(self, *args, credentials, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credential"].queryset = credentials


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the correction"),
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _to_minutes(minutes: Minutes):
    return redirect("meetings:minutes_detail", minutes.code)


# --- pages ---------------------------------------------------------------------------------


def _page(request, meeting, minutes: Minutes | None, *, status: int = 200):
    user = request.user
    versions = svc.readable_versions(user, meeting)
    latest = versions[0] if versions else None
    can_manage = may_manage(user, meeting)
    context = {
        "meeting": meeting,
        "minutes": minutes,
        "versions": versions,
        "is_latest": minutes is not None and latest is not None and minutes.pk == latest.pk,
        "can_manage": can_manage,
        "sign_roles": svc.signer_roles(user, meeting),
        "signatures": svc.signature_rows(minutes),
        "frozen": svc.is_frozen(minutes) if minutes else False,
        "half_signed": bool(
            minutes and minutes.status == Minutes.Status.DRAFT and svc.signatures_of(minutes)
        ),
        "printed": minutes_docx.printed_sections(minutes.sections) if minutes else [],
        "resolutions": svc.resolution_documents(meeting) if can_manage and minutes else [],
        "simplified_pdf": minutes_docx.pdf_is_simplified(),
    }
    return render(request, "meetings/minutes.html", context, status=status)


@login_required
def minutes_for_meeting(request, code):
    """The meeting's current minutes the user may read (the draft for its organisers)."""
    meeting = get_meeting_for_user(request.user, code)
    versions = svc.readable_versions(request.user, meeting)
    return _page(request, meeting, versions[0] if versions else None)


@login_required
def minutes_detail(request, code):
    minutes = svc.get_minutes_for_user(request.user, code)
    return _page(request, minutes.meeting, minutes)


@login_required
@require_POST
def minutes_start(request, code):
    meeting = get_meeting_for_user(request.user, code, manage=True)
    try:
        minutes = svc.minutes_create(actor=request.user, meeting=meeting)
    except ValidationError as error:
        _errors(request, error)
        return redirect("meetings:minutes", meeting.code)
    return redirect("meetings:minutes_edit", minutes.code)


@login_required
def minutes_edit(request, code):
    minutes = svc.get_minutes_for_user(request.user, code, manage=True)
    if svc.is_frozen(minutes):
        messages.error(request, _("Signing has started: the minutes can no longer be changed."))
        return _to_minutes(minutes)
    content = minutes.sections.get("content") or {}
    form = MinutesForm(
        request.POST or None, initial={"lock_version": minutes.lock_version, **content}
    )
    if request.method == "POST" and form.is_valid():
        try:
            svc.minutes_update(
                actor=request.user,
                minutes=minutes,
                lock_version=form.cleaned_data["lock_version"],
                content=form.content(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The minutes are saved."))
            return _to_minutes(minutes)
    return render(
        request,
        "meetings/minutes_edit.html",
        {"meeting": minutes.meeting, "minutes": minutes, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def minutes_refresh(request, code):
    minutes = svc.get_minutes_for_user(request.user, code, manage=True)
    try:
        svc.minutes_refresh(
            actor=request.user, minutes=minutes, lock_version=request.POST.get("lock_version")
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request, _("Attendance, agenda and votes are written again from the meeting.")
        )
    return redirect("meetings:minutes_edit", minutes.code)


@sensitive_post_parameters("secret")
@login_required
def minutes_sign(request, code):
    """The chair or the secretary signs: with their certificate when they have one
    registered, else by confirming on the platform."""
    minutes = svc.get_minutes_for_user(request.user, code)
    meeting = minutes.meeting
    if not svc.signer_roles(request.user, meeting):
        raise PermissionDenied
    credentials = signing.personal_credentials(request.user, meeting.committee)
    digital = credentials.exists()
    if digital:
        form = DigitalSignForm(request.POST or None, credentials=credentials)
    else:
        form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if digital:
                signing.minutes_sign_digitally(
                    actor=request.user,
                    minutes=minutes,
                    credential=form.cleaned_data["credential"],
                    secret=form.cleaned_data["secret"],
                )
            else:
                signing.minutes_confirm(
                    actor=request.user, minutes=minutes, confirm=form.cleaned_data["confirm"]
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your signature is recorded on the minutes."))
            return _to_minutes(minutes)
    return render(
        request,
        "meetings/minutes_sign.html",
        {
            "meeting": meeting,
            "minutes": minutes,
            "form": form,
            "digital": digital,
            "signatures": svc.signature_rows(minutes),
            "printed": minutes_docx.printed_sections(minutes.sections),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def minutes_correct(request, code):
    minutes = svc.get_minutes_for_user(request.user, code, manage=True)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            correction = svc.minutes_correct(
                actor=request.user, minutes=minutes, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Version %(version)s is a new draft; version %(old)s stays as it was signed.")
                % {"version": correction.version, "old": minutes.version},
            )
            return redirect("meetings:minutes_edit", correction.code)
    return render(
        request,
        "meetings/minutes_correct.html",
        {"meeting": minutes.meeting, "minutes": minutes, "form": form},
        status=400 if request.method == "POST" else 200,
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why are the signatures withdrawn?"),
        max_length=255,
        help_text=gettext_lazy("For example: the attendance figures are wrong."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


@login_required
def minutes_withdraw_signatures(request, code):
    """Half-signed minutes back to an editable draft (the meeting's organisers, with a
    reason): the form, then the service."""
    minutes = svc.get_minutes_for_user(request.user, code, manage=True)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signing.minutes_signatures_withdraw(
                actor=request.user, minutes=minutes, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The signatures are withdrawn: the minutes are a draft again.")
            )
            return _to_minutes(minutes)
    return render(
        request,
        "meetings/minutes_withdraw.html",
        {
            "meeting": minutes.meeting,
            "minutes": minutes,
            "form": form,
            "signatures": svc.signature_rows(minutes),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def minutes_resolution(request, code):
    """Create the resolution as an outgoing document, then continue in the documents app."""
    minutes = svc.get_minutes_for_user(request.user, code, manage=True)
    try:
        document = svc.minutes_resolution_create(actor=request.user, minutes=minutes)
    except ValidationError as error:
        _errors(request, error)
        return _to_minutes(minutes)
    messages.success(
        request,
        _(
            "The resolution is a draft outgoing document: have it approved, then issue it "
            "to give it its number."
        ),
    )
    return redirect("documents:outgoing_detail", document.code)


# --- files ------------------------------------------------------------------------------------


def _send(data: bytes, content_type: str, name: str, *, inline: bool) -> HttpResponse:
    response = FileResponse(iter([data]), content_type=content_type)
    response["Content-Length"] = str(len(data))
    response["Content-Disposition"] = content_disposition_header(not inline, name)
    response["Cache-Control"] = "private, no-store"
    return response


def _exported(request, minutes: Minutes, kind: str) -> None:
    audit_record(
        actor=request.user,
        verb=Verb.EXPORT,
        obj=minutes,
        committee=minutes.meeting.committee,
        changes={"format": kind, "version": minutes.version},
    )


@login_required
def minutes_docx_download(request, code):
    minutes = svc.get_minutes_for_user(request.user, code)
    data = minutes_docx.build_docx(minutes)
    _exported(request, minutes, "docx")
    return _send(data, doc_files.DOCX, minutes_docx.file_name(minutes, "docx"), inline=False)


@login_required
def minutes_pdf_download(request, code):
    """The filed PDF of signed minutes (checked against its SHA-256), or a PDF of the draft."""
    minutes = svc.get_minutes_for_user(request.user, code)
    inline = request.GET.get("download") != "1"
    stored = minutes.file if minutes.file_id else None
    if stored is not None and stored.content_type == doc_files.PDF:
        try:
            data = doc_files.read_verified(stored)
        except FileNotFoundError as exc:
            raise Http404 from exc
        except doc_files.IntegrityError:
            return render(request, "documents/file_damaged.html", {"stored": stored}, status=409)
        _exported(request, minutes, "pdf")
        return _send(data, doc_files.PDF, stored.original_name, inline=inline)
    rendered = minutes_docx.render_pdf(minutes)
    _exported(request, minutes, f"pdf-{rendered.via}")
    return _send(
        rendered.data, doc_files.PDF, minutes_docx.file_name(minutes, "pdf"), inline=inline
    )
