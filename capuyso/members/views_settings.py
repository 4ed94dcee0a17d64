"""Membership rules and the working-day calendar, for the tenant administrator."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from capuyso.core.forms import add_service_errors
from capuyso.members.forms_settings import CalendarDayForm, RulesForm
from capuyso.members.models import MembershipRules
from capuyso.members.rules import rules_on
from capuyso.members.services import settings as services
from capuyso.org.models import CalendarDay
from capuyso.org.workdays import WorkCalendar, public_holidays


def _committee(request):
    committee = request.user.committee
    if committee is None or not services.may_configure(request.user, committee):
        raise PermissionDenied
    return committee


def _get_rules(committee, code) -> MembershipRules:
    try:
        return MembershipRules.objects.get(code=code, committee=committee)
    except (MembershipRules.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc


@login_required
def rules_list(request):
    committee = _committee(request)
    today = timezone.localdate()
    rows = MembershipRules.objects.filter(committee__in=[committee.pk]) | (
        MembershipRules.objects.filter(committee__isnull=True)
    )
    context = {
        "rows": rows.order_by("-effective_from"),
        "current": rules_on(committee, today),
        "today": today,
    }
    return render(request, "members/settings_rules.html", context)


def _rules_form(request, committee, rules=None):
    source = rules or rules_on(committee, timezone.localdate())
    initial = {field: getattr(source, field) for field in services.RULE_FIELDS}
    if rules is None:
        initial["effective_from"] = timezone.localdate() + dt.timedelta(days=1)
    form = RulesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.rules_save(
                actor=request.user, committee=committee, rules=rules, values=form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The membership rules were saved."))
            return redirect("members:settings_rules")
    return render(request, "members/settings_rules_form.html", {"form": form, "rules": rules})


@login_required
def rules_add(request):
    return _rules_form(request, _committee(request))


@login_required
def rules_edit(request, code):
    committee = _committee(request)
    return _rules_form(request, committee, _get_rules(committee, code))


@login_required
@require_POST
def rules_withdraw(request, code):
    committee = _committee(request)
    try:
        services.rules_withdraw(
            actor=request.user, committee=committee, rules=_get_rules(committee, code)
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The rules that had not yet come into force were withdrawn."))
    return redirect("members:settings_rules")


@login_required
def calendar(request):
    committee = _committee(request)
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 2000), 2100)
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.calendar_day_save(actor=request.user, committee=committee, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The calendar was corrected."))
            return redirect(f"{request.path}?year={form.cleaned_data['date'].year}")
    work = WorkCalendar(committee, first_year=year, last_year=year)
    holidays = [
        {"date": day, "name": name, "off": not work.is_working_day(day)}
        for day, name in public_holidays(year)
    ]
    corrections = CalendarDay.objects.filter(date__year=year).filter(
        committee__in=[committee.pk]
    ) | CalendarDay.objects.filter(date__year=year, committee__isnull=True)
    context = {
        "year": year,
        "holidays": holidays,
        "corrections": corrections.order_by("date"),
        "form": form,
    }
    return render(request, "members/settings_calendar.html", context)


@login_required
@require_POST
def calendar_remove(request, code):
    committee = _committee(request)
    try:
        row = CalendarDay.objects.get(code=code, committee=committee)
    except (CalendarDay.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    services.calendar_day_remove(actor=request.user, committee=committee, row=row)
    messages.success(request, _("The correction was removed."))
    return redirect(f"{reverse('members:settings_calendar')}?year={row.date.year}")
