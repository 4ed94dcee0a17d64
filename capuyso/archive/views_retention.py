"""Retention list and disposal review pages. Thin views: the selectors fetch and scope,
the services validate, write and audit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from capuyso.accounts.roles import Action
from capuyso.archive import services_retention as services
from capuyso.archive.forms_retention import DisposalDecisionForm, RetentionPeriodForm
from capuyso.archive.models import DisposalDecision
from capuyso.archive.selectors import dossier_decisions, get_dossier_for_user
from capuyso.archive.selectors_retention import (
    disposal_due_for_user,
    get_own_retention_period,
    items_to_dispose,
    may_configure_retention,
    may_decide_disposal,
    may_see_disposal,
    retention_periods_for_config,
)
from capuyso.core.forms import add_service_errors

PRINT_LIMIT = 2000

# --- retention periods -----------------------------------------------------------------


@login_required
def retention_list(request):
    if not may_configure_retention(request.user):
        raise PermissionDenied
    periods = list(retention_periods_for_config(request.user))
    context = {
        "defaults": [p for p in periods if p.committee_id is None],
        "own": [p for p in periods if p.committee_id is not None],
    }
    return render(request, "archive/retention/list.html", context)


def _period_form(request, period=None):
    initial = {"sort_order": 100}
    if period is not None:
        initial = {"name": period.name, "years": period.years, "sort_order": period.sort_order}
    form = RetentionPeriodForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            if period is None:
                saved = services.retention_period_create(actor=request.user, **values)
            else:
                saved = services.retention_period_update(
                    actor=request.user, period=period, **values
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The period “%(name)s” was saved.") % {"name": saved})
            return redirect("archive:retention")
    context = {
        "form": form,
        "period": period,
        "in_use": period is not None and services.period_in_use(period),
    }
    return render(request, "archive/retention/form.html", context)


@login_required
def retention_add(request):
    if not may_configure_retention(request.user):
        raise PermissionDenied
    return _period_form(request)


@login_required
def retention_edit(request, code):
    return _period_form(request, get_own_retention_period(request.user, code))


@login_required
@require_POST
def retention_toggle(request, code):
    """Retire a period (no longer offered) or bring it back."""
    period = get_own_retention_period(request.user, code)
    try:
        services.retention_period_set_active(
            actor=request.user, period=period, active=not period.active
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if period.active:
            messages.success(
                request,
                _("“%(name)s” is retired: dossiers that have it keep it; it is no longer offered.")
                % {"name": period.name},
            )
        else:
            messages.success(request, _("“%(name)s” is in use again.") % {"name": period.name})
    return redirect("archive:retention")


@login_required
@require_POST
def retention_delete(request, code):
    period = get_own_retention_period(request.user, code)
    try:
        services.retention_period_delete(actor=request.user, period=period)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("“%(name)s” was deleted.") % {"name": period.name})
    return redirect("archive:retention")


# --- disposal review -------------------------------------------------------------------


@login_required
def disposal_list(request):
    if not may_see_disposal(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    dossiers = disposal_due_for_user(request.user, today=today)
    page = Paginator(dossiers, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query_string": "",
        "this_year": today.year,
        "can_decide": may_decide_disposal(request.user),
    }
    return render(request, "archive/retention/disposal_list.html", context)


@login_required
def disposal_print(request):
    """The review list as a page to print for the meeting that decides."""
    if not may_see_disposal(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    dossiers = list(disposal_due_for_user(request.user, today=today)[: PRINT_LIMIT + 1])
    context = {
        "dossiers": dossiers[:PRINT_LIMIT],
        "truncated": len(dossiers) > PRINT_LIMIT,
        "committee": request.user.committee,
        "today": today,
        "generated": timezone.localtime(),
    }
    return render(request, "archive/retention/disposal_print.html", context)


@login_required
def disposal_decide(request, code):
    """The decision form; a disposal goes through a confirmation page that lists what
    will be destroyed, and is recorded only when that page is confirmed."""
    dossier = get_dossier_for_user(request.user, code, action=Action.DOCUMENTS_APPROVE)
    today = timezone.localdate()
    if not services.is_due(dossier, today):
        messages.info(request, _("This dossier is not due for a disposal decision."))
        return redirect("archive:dossier", dossier.code)
    form = DisposalDecisionForm(request.POST or None)
    context = {"form": form, "dossier": dossier, "decisions": dossier_decisions(dossier)}
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        dispose = values["outcome"] == DisposalDecision.Outcome.DISPOSE
        try:
            if dispose and request.POST.get("confirm") != "yes":
                services.disposal_precheck(dossier=dossier, today=today, **values)
                items = items_to_dispose(dossier)
                context.update(items=items[:500], item_count=items.count())
                return render(request, "archive/retention/disposal_confirm.html", context)
            services.disposal_decide(actor=request.user, dossier=dossier, today=today, **values)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("archive:disposal")
    return render(request, "archive/retention/disposal_decide.html", context)
