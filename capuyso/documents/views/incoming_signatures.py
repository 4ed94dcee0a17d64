"""The signature check of an incoming document's PDFs: checking again on request (after
the administrator uploaded new trust roots or CRLs). The verdicts and the full report are
shown on the document page (`signing/_verification_badge.html`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from capuyso.documents import selectors


@login_required
@require_POST
def incoming_signatures_recheck(request, code):
    from capuyso.signing.verification import verification_recheck

    document = selectors.get_incoming_for_user(request.user, code)
    checks = verification_recheck(actor=request.user, document=document)
    if checks:
        messages.success(request, _("The signatures were checked again."))
    else:
        messages.info(request, _("This document has no PDF file to check."))
    return redirect(reverse("documents:incoming_detail", args=[document.code]) + "#files")
