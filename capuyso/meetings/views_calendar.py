"""The work calendar (lịch công tác): the week's page, its entries, publishing, and the
week as PDF and iCalendar. Every signed-in user of the committee reads the published
entries; the committee-wide organisers (MEETINGS_MANAGE) see and write them all."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.meetings import exports_calendar as exports
from capuyso.meetings import selectors
from capuyso.meetings.forms import CalendarEntryForm, add_service_errors
from capuyso.meetings.services import calendar as services
from capuyso.meetings.services.calendar import may_manage_calendar, week_bounds, week_start

MAX_ICS_WEEKS = 12


def parse_week(text: str | None) -> dt.date:
    """The Monday of the week of ?week=YYYY-MM-DD (any day of it); this week otherwise."""
    try:
        day = dt.date.fromisoformat((text or "").strip())
    except ValueError:
        day = timezone.localdate()
    if not 2000 <= day.year <= 2100:
        day = timezone.localdate()
    return week_start(day)


def _week_url(monday: dt.date) -> str:
    return f"{reverse('meetings:calendar')}?week={monday.isoformat()}"


def _tabs(request) -> dict:
    from capuyso.meetings.views_meetings import tabs

    return tabs(request)


@login_required
def calendar(request):
    committee = selectors.calendar_committee(request.user)
    monday = parse_week(request.GET.get("week"))
    days = selectors.calendar_week(request.user, monday)
    can_manage = may_manage_calendar(request.user, committee)
    entries = [entry for day in days for entry in day.entries]
    today = timezone.localdate()
    context = {
        "committee": committee,
        "monday": monday,
        "sunday": monday + dt.timedelta(days=6),
        "days": days,
        "today": today,
        "previous_week": monday - dt.timedelta(days=7),
        "next_week": monday + dt.timedelta(days=7),
        "this_week": week_start(today),
        "can_manage": can_manage,
        "unpublished": sum(1 for e in entries if not e.is_published),
        "published": sum(1 for e in entries if e.is_published),
        "link_meetings": access_for(request.user).committee_wide(Action.MEETINGS_VIEW),
        "tab": "calendar",
    }
    if request.htmx:
        return render(request, "meetings/calendar.html#week", context)
    return render(request, "meetings/calendar.html", context | _tabs(request))


def _entry_page(request, form, entry=None, status=200):
    return render(
        request,
        "meetings/calendar_entry.html",
        {"form": form, "entry": entry, "tab": "calendar"},
        status=status,
    )


@login_required
def calendar_entry_create(request):
    committee = selectors.calendar_committee(request.user)
    if not may_manage_calendar(request.user, committee):
        raise PermissionDenied
    leaders = selectors.leader_choices(committee)
    initial = {}
    if request.GET.get("day"):
        with contextlib.suppress(ValueError):
            initial["day"] = dt.date.fromisoformat(request.GET["day"])
    form = CalendarEntryForm(request.POST or None, leaders=leaders, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                entry = services.calendar_entry_create(
                    actor=request.user,
                    committee=committee,
                    leaders=form.cleaned_data["leaders"],
                    **form.service_fields(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The entry is in the calendar."))
                return redirect(_week_url(week_start(timezone.localdate(entry.starts_at))))
        return _entry_page(request, form, status=400)
    return _entry_page(request, form)


@login_required
def calendar_entry_edit(request, code):
    entry = selectors.get_calendar_entry_for_user(request.user, code)
    leaders = selectors.leader_choices(entry.committee)
    initial = {
        **CalendarEntryForm.when_initial(entry.starts_at, entry.ends_at),
        "title": entry.title,
        "place": entry.place,
        "preparing": entry.preparing,
        "leaders": list(entry.leaders.all()),
    }
    form = CalendarEntryForm(request.POST or None, leaders=leaders, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                entry = services.calendar_entry_update(
                    actor=request.user,
                    entry=entry,
                    leaders=form.cleaned_data["leaders"],
                    **form.service_fields(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The entry is saved."))
                return redirect(_week_url(week_start(timezone.localdate(entry.starts_at))))
        return _entry_page(request, form, entry, status=400)
    return _entry_page(request, form, entry)


@require_POST
@login_required
def calendar_entry_delete(request, code):
    entry = selectors.get_calendar_entry_for_user(request.user, code)
    monday = week_start(timezone.localdate(entry.starts_at))
    services.calendar_entry_delete(actor=request.user, entry=entry)
    messages.success(request, _("The entry is removed from the calendar."))
    return redirect(_week_url(monday))


@require_POST
@login_required
def calendar_publish(request):
    committee = selectors.calendar_committee(request.user)
    monday = parse_week(request.POST.get("week"))
    publish = request.POST.get("publish", "1") != "0"
    count = services.calendar_week_publish(
        actor=request.user, committee=committee, monday=monday, publish=publish
    )
    if publish:
        messages.success(
            request,
            _("The week's calendar is published: every member of the committee sees it.")
            if count
            else _("Every entry of this week was published already."),
        )
    else:
        messages.success(request, _("The week's calendar is withdrawn: only organisers see it."))
    return redirect(_week_url(monday))


@login_required
def calendar_pdf(request):
    committee = selectors.calendar_committee(request.user)
    monday = parse_week(request.GET.get("week"))
    start, end = week_bounds(monday)
    content = exports.calendar_pdf(
        committee, monday, selectors.published_entries(committee, start, end)
    )
    response = HttpResponse(content, content_type=exports.PDF_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        False, exports.pdf_filename(monday)
    )
    return response


@login_required
def calendar_ics(request):
    committee = selectors.calendar_committee(request.user)
    monday = parse_week(request.GET.get("week"))
    try:
        weeks = int(request.GET.get("weeks", "1"))
    except ValueError:
        weeks = 1
    weeks = max(1, min(weeks, MAX_ICS_WEEKS))
    start, _end = week_bounds(monday)
    _start, end = week_bounds(monday + dt.timedelta(days=7 * (weeks - 1)))
    content = exports.calendar_ics(committee, selectors.published_entries(committee, start, end))
    response = HttpResponse(content.encode(), content_type=exports.ICS_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, exports.ics_filename(monday, weeks)
    )
    return response
