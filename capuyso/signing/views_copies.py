"""Electronic copies (bản sao điện tử) on a document's page: the Office makes a true copy, a
reproduction or an extract of a document's PDF under the committee's seal, and whoever may
open the document downloads the copies.

The panel on both document pages comes from `{% electronic_copies document %}`
(templatetags/electronic_copies.py, fed by `selectors.copies_context`). The views are plain
POST + redirect, so they work without JavaScript. The seal's PIN or passphrase goes from the
form to one `make_copy` call and is hidden from error reports.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from capuyso.documents import selectors as doc_selectors
from capuyso.documents.models import OutgoingDocument, StoredFile
from capuyso.signing import copies, selectors
from capuyso.signing.forms import CodeChoiceField, secret_widget
from capuyso.signing.models import Credential, ElectronicCopy
from capuyso.signing.views import _errors, _form_errors, pdf_response


class CopyForm(forms.Form):
    """Kept next to its only view; the messages are what the page shows when a field is
    missing, since the fields are rendered by hand in `signing/_copies.html`."""

    kind = forms.ChoiceField(
        choices=ElectronicCopy.Kind.choices,
        error_messages={
            "required": gettext_lazy("Choose the copy type."),
            "invalid_choice": gettext_lazy("Choose the copy type."),
        },
    )
    source = forms.ModelChoiceField(
        queryset=StoredFile.objects.none(),
        to_field_name="code",
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose the file to copy.")},
    )
    credential = CodeChoiceField(
        queryset=Credential.objects.none(),
        error_messages={
            "required": gettext_lazy("Choose the organisation's seal certificate."),
            "invalid_choice": gettext_lazy("Choose the organisation's seal certificate."),
        },
    )
    secret = forms.CharField(
        strip=False,
        widget=secret_widget(),
        error_messages={"required": gettext_lazy("Enter the PIN or the passphrase.")},
    )

    def __init__(self, *args, sources, credentials, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources
        self.fields["credential"].queryset = credentials

    def clean_source(self):
        """The only PDF when the page offered no choice."""
        source = self.cleaned_data.get("source")
        if source is None:
            only = list(self.fields["source"].queryset[:2])
            if len(only) != 1:
                raise ValidationError(_("Choose the file to copy."))
            source = only[0]
        return source


def _page(document) -> str:
    if isinstance(document, OutgoingDocument):
        return reverse("documents:outgoing_detail", args=[document.code]) + "#copies"
    return reverse("documents:incoming_detail", args=[document.code]) + "#copies"


def _make(request, document, **link):
    user = request.user
    committee = document.committee
    if not copies.may_copy(user, committee):
        raise PermissionDenied  # 403 before any key is opened
    sources = selectors.copy_sources(document)
    if not sources.exists():
        messages.error(request, _("This document has no PDF that can be copied."))
        return redirect(_page(document))
    form = CopyForm(
        request.POST,
        sources=sources,
        credentials=selectors.signing_credentials(user, seal=True, remote=False),
    )
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(_page(document))
    data = form.cleaned_data
    try:
        copy = copies.make_copy(
            actor=user,
            committee=committee,
            source=data["source"],
            kind=data["kind"],
            credential=data["credential"],
            secret=data["secret"],
            **link,
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("The electronic copy (%(kind)s) was made and signed with the seal.")
            % {"kind": copy.get_kind_display()},
        )
    return redirect(_page(document))


@sensitive_post_parameters("secret")
@require_POST
@login_required
def copy_make_outgoing(request, code):
    document = doc_selectors.get_outgoing_for_user(request.user, code)
    return _make(request, document, outgoing=document)


@sensitive_post_parameters("secret")
@require_POST
@login_required
def copy_make_incoming(request, code):
    document = doc_selectors.get_incoming_for_user(request.user, code)
    return _make(request, document, incoming=document)


@login_required
def copy_download(request, code):
    """The copy's PDF, for whoever may open the copied document."""
    copy = selectors.get_copy_for_user(request.user, code)
    return pdf_response(request, copy.copy)


urlpatterns = [
    path("outgoing/<uuid:code>/copy/", copy_make_outgoing, name="copy_make_outgoing"),
    path("incoming/<uuid:code>/copy/", copy_make_incoming, name="copy_make_incoming"),
    path("copies/<uuid:code>/pdf/", copy_download, name="copy_download"),
]
