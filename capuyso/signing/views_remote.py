"""Pages of a remote (phone-confirmed) signature: the waiting page, its poll and cancel.

The signing page starts the request (remote_flow.remote_start) and redirects here. With
JavaScript, htmx asks `remote_poll` every 2 s for the state block; without it, the page
refreshes itself through `remote_poll` every 5 s and has a "Check now" button.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from capuyso.signing import remote_flow
from capuyso.signing.models import RemoteSigningRequest

Status = RemoteSigningRequest.Status
TEMPLATE = "signing/remote_status.html"


def _document_url(signing: RemoteSigningRequest) -> str:
    return reverse("documents:outgoing_detail", args=[signing.document.code])


def _signed(request, signing: RemoteSigningRequest):
    if signing.role == "initial":
        messages.success(request, _("Initialled: the initial is in the PDF."))
    else:
        messages.success(request, _("Signed: your signature is in the PDF."))
    if request.htmx:
        return HttpResponseClientRedirect(_document_url(signing))
    return redirect(_document_url(signing))


def _context(signing: RemoteSigningRequest) -> dict:
    return {
        "signing": signing,
        "document": signing.document,
        "pending": signing.status == Status.PENDING,
    }


@login_required
def remote_status(request, code):
    signing = remote_flow.get_remote_request_for_user(request.user, code)
    if signing.status == Status.SIGNED:
        return _signed(request, signing)
    return render(request, TEMPLATE, _context(signing))


@require_http_methods(["GET", "POST"])
@login_required
def remote_poll(request, code):
    signing = remote_flow.get_remote_request_for_user(request.user, code)
    signing = remote_flow.remote_poll(actor=request.user, request=signing)
    if signing.status == Status.SIGNED:
        return _signed(request, signing)
    if request.htmx:
        return render(request, TEMPLATE + "#remote-state", _context(signing))
    return redirect("signing:remote_status", signing.code)


@require_POST
@login_required
def remote_cancel(request, code):
    signing = remote_flow.get_remote_request_for_user(request.user, code)
    was_pending = signing.status == Status.PENDING
    signing = remote_flow.remote_cancel(actor=request.user, request=signing)
    if signing.status == Status.SIGNED:  # the confirmation was recorded first
        return _signed(request, signing)
    if was_pending:
        messages.info(request, _("Signing cancelled: the document was not signed."))
    return redirect(_document_url(signing))
