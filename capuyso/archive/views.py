"""The dossier pages: list, create, detail, edit, close and reopen. Routes of the last
three are in urls_retention.py, with the retention and disposal pages."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.archive import services
from capuyso.archive.forms import DossierEditForm, DossierForm, ReasonForm
from capuyso.archive.selectors import (
    ITEMS_SHOWN,
    STATE_CLOSED,
    STATE_DISPOSED,
    STATE_OPEN,
    dossier_decisions,
    dossier_documents,
    dossier_items,
    dossier_rights,
    dossier_units,
    dossiers_for_user,
    get_dossier_for_user,
    retention_choices,
)
from capuyso.archive.services_retention import is_due
from capuyso.core.forms import add_service_errors

STATES = [
    (STATE_OPEN, gettext_lazy("Open")),
    (STATE_CLOSED, gettext_lazy("Closed")),
    (STATE_DISPOSED, gettext_lazy("Disposed of")),
]


@login_required
def dossier_list(request):
    access = access_for(request.user)
    if not access.committee_wide(Action.DOCUMENTS_VIEW):
        raise PermissionDenied
    year = request.GET.get("year", "")
    query = request.GET.get("q", "").strip()[:100]
    state = request.GET.get("state", "")
    valid_year = year.isascii() and year.isdigit() and len(year) == 4
    dossiers = dossiers_for_user(
        request.user, year=int(year) if valid_year else None, query=query, state=state
    )
    page = Paginator(dossiers, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "q": query,
        "year": year,
        "state": state,
        "states": STATES,
        "query_string": params.urlencode(),
        "can_create": access.committee_wide(Action.DOCUMENTS_REGISTER),
    }
    return render(request, "archive/dossier_list.html", context)


@login_required
def dossier_new(request):
    access = access_for(request.user)
    if not access.committee_wide(Action.DOCUMENTS_REGISTER):
        raise PermissionDenied
    form = DossierForm(
        request.POST or None,
        units=dossier_units(request.user),
        retentions=retention_choices(access.committee_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            dossier = services.dossier_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Dossier created."))
            back = request.GET.get("next", "")
            if back.startswith("/documents/incoming/"):
                return redirect(back)
            return redirect("archive:dossier", dossier.code)
    return render(request, "archive/dossier_form.html", {"form": form})


def _items_linkable() -> bool:
    """The archive item page comes with bulk intake; link items once it exists."""
    try:
        reverse("archive:item", args=[uuid.UUID(int=0)])
    except NoReverseMatch:
        return False
    return True


@login_required
def dossier_detail(request, code):
    dossier = get_dossier_for_user(request.user, code)
    items = dossier_items(dossier)
    shown = list(items[: ITEMS_SHOWN + 1])
    context = {
        "dossier": dossier,
        "documents": dossier_documents(dossier),
        "items": shown[:ITEMS_SHOWN],
        "items_more": len(shown) > ITEMS_SHOWN,
        "item_count": items.count() if len(shown) > ITEMS_SHOWN else len(shown),
        "items_linkable": _items_linkable(),
        "decisions": dossier_decisions(dossier),
        "due": is_due(dossier, timezone.localdate()),
        **dossier_rights(request.user),
    }
    return render(request, "archive/dossier_detail.html", context)


@login_required
def dossier_edit(request, code):
    dossier = get_dossier_for_user(request.user, code, action=Action.DOCUMENTS_REGISTER)
    if dossier.disposed_at is not None:
        messages.error(request, _("This dossier was disposed of; it can't change."))
        return redirect("archive:dossier", dossier.code)
    closed = dossier.closed_at is not None
    initial = {
        "title": dossier.title,
        "unit": dossier.unit,
        "retention": dossier.retention,
        "version": services.dossier_version(dossier),
    }
    form = DossierEditForm(
        request.POST or None,
        initial=initial,
        units=dossier_units(request.user),
        retentions=retention_choices(dossier.committee_id, current=dossier.retention),
        closed=closed,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_update(actor=request.user, dossier=dossier, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Dossier saved."))
            return redirect("archive:dossier", dossier.code)
    return render(
        request, "archive/dossier_edit.html", {"form": form, "dossier": dossier, "closed": closed}
    )


@login_required
@require_POST
def dossier_close(request, code):
    dossier = get_dossier_for_user(request.user, code, action=Action.DOCUMENTS_REGISTER)
    try:
        services.dossier_close(actor=request.user, dossier=dossier)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The dossier is closed: nothing more can be filed into it."))
    return redirect("archive:dossier", dossier.code)


@login_required
def dossier_reopen(request, code):
    dossier = get_dossier_for_user(request.user, code, action=Action.DOCUMENTS_REGISTER)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_reopen(actor=request.user, dossier=dossier, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The dossier is open again."))
            return redirect("archive:dossier", dossier.code)
    return render(request, "archive/dossier_reopen.html", {"form": form, "dossier": dossier})
