"""The meeting pages: the list, creating and changing a meeting, its status (start, close,
cancel), its agenda, the page of one meeting (the hub the attendance, reader, votes,
ballots and minutes panels plug into), the regular meeting series and the cells that held
no regular meeting in a month.

Thin views: the form parses, the door in access/selectors fetches (404 outside the
committee, 403 without the right), one service writes, and the page redirects with a
message. The agenda's buttons answer htmx with the agenda block alone.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.meetings import selectors
from capuyso.meetings.access import get_meeting_for_user, may_manage, may_see_confidential
from capuyso.meetings.forms import (
    AgendaItemEditForm,
    AgendaItemForm,
    CancelForm,
    MeetingForm,
    MoveForm,
    SeriesForm,
    add_service_errors,
)
from capuyso.meetings.models import AgendaItem, Meeting
from capuyso.meetings.services import meetings as services
from capuyso.meetings.services import series as series_services
from capuyso.meetings.services import votes as vote_services
from capuyso.meetings.services.calendar import may_manage_calendar
from capuyso.meetings.services.series import add_months
from capuyso.org.models import Unit
from capuyso.org.selectors import get_unit_for_user

PAGE_SIZE = 50
OPEN_STATUSES = (Meeting.Status.PLANNED, Meeting.Status.INVITED, Meeting.Status.IN_PROGRESS)


def tabs(request) -> dict:
    """The meetings area's tabs, each shown only to users who may open it."""
    access = access_for(request.user)
    return {
        "meeting_tabs": {
            "list": access.has(Action.MEETINGS_VIEW),
            "calendar": access.committee_id is not None,
            "series": access.has(Action.MEETINGS_MANAGE),
            "missing": access.committee_wide(Action.MEETINGS_VIEW),
        }
    }


def _messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _to_meeting(meeting: Meeting, anchor: str = ""):
    url = reverse("meetings:detail", args=[meeting.code])
    return redirect(f"{url}#{anchor}" if anchor else url)


# --- The list ----------------------------------------------------------------------------


def _query(filters: selectors.MeetingFilters) -> str:
    params = QueryDict(mutable=True)
    for name in ("unit", "kind", "month"):
        if value := getattr(filters, name):
            params[name] = value
    return params.urlencode()


STATUS_BADGES = {
    Meeting.Status.CLOSED: "badge-ok",
    Meeting.Status.CANCELLED: "badge-err",
    Meeting.Status.IN_PROGRESS: "badge-warn",
}


def _rows(meetings) -> list[dict]:
    """What each line of the list shows, worked out once in Python: the template engine
    costs more per lookup than the database per row (50 rows: ~40 ms → ~15 ms)."""
    kinds = dict(Meeting.Kind.choices)
    statuses = dict(Meeting.Status.choices)
    modes = {Meeting.Mode.ONLINE: _("Online"), Meeting.Mode.HYBRID: _("and online")}
    committee = _("The Party committee")
    detail = reverse("meetings:detail", args=["00000000-0000-0000-0000-000000000000"])
    rows = []
    for m in meetings:
        starts = timezone.localtime(m.starts_at)
        if m.mode == Meeting.Mode.ONLINE:
            place = modes[m.mode]
        elif m.mode == Meeting.Mode.HYBRID:
            place = f"{m.place} ({modes[m.mode]})"
        else:
            place = m.place
        rows.append(
            {
                "past": m.is_past,
                "url": detail.replace("00000000-0000-0000-0000-000000000000", str(m.code)),
                "title": m.title,
                "starts": starts,
                "kind": kinds.get(m.kind, m.kind),
                "unit": m.unit.name if m.unit_id else committee,
                "place": place,
                "status": statuses.get(m.status, m.status),
                "badge": STATUS_BADGES.get(m.status, ""),
            }
        )
    return rows


@login_required
def meeting_list(request):
    access = access_for(request.user)
    filters = selectors.MeetingFilters.from_query(request.GET)
    unit = None
    if filters.unit and filters.unit != selectors.COMMITTEE:
        unit = get_unit_for_user(request.user, filters.unit, action=Action.MEETINGS_VIEW)
    if not access.has(Action.MEETINGS_VIEW):
        raise PermissionDenied
    meetings = selectors.meeting_list(request.user, filters, unit)
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": _rows(page.object_list),
        "filters": filters,
        "query_string": _query(filters),
        "now": timezone.now(),
        "tab": "list",
    }
    if request.htmx:
        return render(request, "meetings/list.html#meeting-table", context)
    wide, units = selectors.manageable_units(request.user)
    context |= {
        "units": selectors.unit_filter_choices(request.user),
        "committee_value": selectors.COMMITTEE,
        "kinds": Meeting.Kind.choices,
        "months": selectors.month_choices(add_months(timezone.localdate(), 3), back=15),
        "can_create": wide or bool(units),
        "unit": unit,
    }
    return render(request, "meetings/list.html", context | tabs(request))


# --- Create and edit ---------------------------------------------------------------------


def _form_page(request, form, meeting=None, status=200):
    return render(
        request,
        "meetings/edit.html",
        {"form": form, "meeting": meeting, "tab": "list"},
        status=status,
    )


@login_required
def meeting_create(request):
    wide, units = selectors.manageable_units(request.user)
    if not wide and not units:
        raise PermissionDenied
    committee = request.user.committee
    by_code = {str(u.code): u for u in units}
    initial = {"unit": request.GET.get("unit", ""), "mode": Meeting.Mode.IN_PERSON}
    if len(units) == 1 and not wide:
        initial["unit"] = str(units[0].code)
        initial["kind"] = Meeting.Kind.CELL_REGULAR
    form = MeetingForm(
        request.POST or None,
        units=units,
        committee_level=wide,
        people=selectors.person_choices(request.user),
        calendar=may_manage_calendar(request.user, committee),
        initial=initial,
    )
    if request.method == "POST":
        if form.is_valid():
            unit = by_code.get(form.cleaned_data["unit"])
            try:
                meeting = services.meeting_create(
                    actor=request.user,
                    committee=committee,
                    unit=unit,
                    add_to_calendar=form.cleaned_data.get("add_to_calendar", False),
                    **form.service_fields(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The meeting is planned. Now add its agenda."))
                return _to_meeting(meeting, "agenda")
        return _form_page(request, form, status=400)
    return _form_page(request, form)


@login_required
def meeting_edit(request, code):
    meeting = get_meeting_for_user(request.user, code, manage=True)
    if meeting.status not in OPEN_STATUSES:
        messages.error(request, _("This meeting can no longer be changed."))
        return _to_meeting(meeting)
    initial = {
        "kind": meeting.kind,
        "title": meeting.title,
        **MeetingForm.when_initial(meeting.starts_at, meeting.ends_at),
        "place": meeting.place,
        "mode": meeting.mode,
        "online_url": meeting.online_url,
        "chair": meeting.chair,
        "secretary": meeting.secretary,
        "version": meeting.version,
    }
    form = MeetingForm(
        request.POST or None,
        units=[],
        committee_level=False,
        people=selectors.person_choices(request.user),
        editing=True,
        initial=initial,
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.meeting_update(
                    actor=request.user,
                    meeting=meeting,
                    version=form.cleaned_data.get("version"),
                    **form.service_fields(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The meeting is saved."))
                return _to_meeting(meeting)
        return _form_page(request, form, meeting, status=400)
    return _form_page(request, form, meeting)


@login_required
def meeting_cancel(request, code):
    meeting = get_meeting_for_user(request.user, code, manage=True)
    form = CancelForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.meeting_cancel(
                    actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The meeting is cancelled."))
                return _to_meeting(meeting)
        status = 400
    return render(
        request,
        "meetings/cancel.html",
        {"form": form, "meeting": meeting, "tab": "list"},
        status=status,
    )


@require_POST
@login_required
def meeting_start(request, code):
    meeting = get_meeting_for_user(request.user, code, manage=True)
    try:
        services.meeting_start(actor=request.user, meeting=meeting)
    except ValidationError as exc:
        _messages(request, exc)
    else:
        messages.success(request, _("The meeting is open."))
    return _to_meeting(meeting)


@require_POST
@login_required
def meeting_close(request, code):
    meeting = get_meeting_for_user(request.user, code, manage=True)
    try:
        services.meeting_close(actor=request.user, meeting=meeting)
    except ValidationError as exc:
        _messages(request, exc)
    else:
        messages.success(request, _("The meeting is closed: it is recorded as held."))
    return _to_meeting(meeting)


# --- The meeting page ----------------------------------------------------------------------


def _agenda_context(
    user, meeting: Meeting, can_manage: bool, form=None, errors=(), *, documents=False
) -> dict:
    """The agenda block's context. `see_confidential` (access.may_see_confidential) is
    worked out once here and read by every panel of the page; with `documents`, the
    agenda's documents come with it for the documents panel."""
    editable = can_manage and meeting.status in OPEN_STATUSES
    agenda = selectors.meeting_agenda(meeting, documents=documents)
    # Without a confidential item there is nothing to hide (and no query to make).
    see_confidential = not any(item.confidential for item in agenda) or (
        may_see_confidential(user, meeting, manage=can_manage)
    )
    return {
        "meeting": meeting,
        "can_manage": can_manage,
        "see_confidential": see_confidential,
        "agenda": agenda,
        "agenda_with_documents": agenda if documents else None,
        "agenda_editable": editable,
        "agenda_form": form or (AgendaItemForm() if editable else None),
        "agenda_errors": list(errors),
    }


@login_required
def meeting_detail(request, code):
    meeting = get_meeting_for_user(request.user, code)
    can_manage = may_manage(request.user, meeting)
    today = timezone.localdate()
    context = _agenda_context(request.user, meeting, can_manage, documents=True) | {
        "tab": "list",
        # Every vote of the meeting in one query, for the votes and the ballots panels.
        "meeting_votes": list(vote_services.meeting_votes(meeting)),
        "may_start": can_manage
        and meeting.status in (Meeting.Status.PLANNED, Meeting.Status.INVITED)
        and timezone.localdate(meeting.starts_at) <= today,
        "may_close": can_manage and meeting.status == Meeting.Status.IN_PROGRESS,
        "may_edit": can_manage and meeting.status in OPEN_STATUSES,
        "may_cancel": can_manage
        and meeting.status in (Meeting.Status.PLANNED, Meeting.Status.INVITED),
    }
    return render(request, "meetings/detail.html", context | tabs(request))


def _agenda_answer(request, meeting: Meeting, form=None, errors=()):
    """The agenda block for htmx; otherwise back to the meeting page's agenda."""
    if request.htmx:
        context = _agenda_context(
            request.user, meeting, may_manage(request.user, meeting), form, errors
        )
        return render(request, "meetings/detail.html#agenda", context)
    for error in errors:
        messages.error(request, error)
    if form is not None and form.errors:
        for field_errors in form.errors.values():
            for error in field_errors:
                messages.error(request, error)
    return _to_meeting(meeting, "agenda")


@require_POST
@login_required
def agenda_add(request, code):
    meeting = get_meeting_for_user(request.user, code, manage=True)
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        try:
            item = services.agenda_item_add(
                actor=request.user, meeting=meeting, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            response = _agenda_answer(request, meeting)
            if request.htmx and item.order == 1:
                # The first item also opens the documents and votes panels: reload the page.
                response["HX-Refresh"] = "true"
            return response
    return _agenda_answer(request, meeting, form=form)


@require_POST
@login_required
def agenda_move(request, code):
    item = selectors.get_agenda_item_for_user(request.user, code)
    form = MoveForm(request.POST)
    errors = []
    if form.is_valid():
        try:
            services.agenda_item_move(
                actor=request.user, item=item, direction=form.cleaned_data["direction"]
            )
        except ValidationError as exc:
            errors = exc.messages
    return _agenda_answer(request, item.meeting, errors=errors)


@require_POST
@login_required
def agenda_remove(request, code):
    item = selectors.get_agenda_item_for_user(request.user, code)
    errors = []
    try:
        services.agenda_item_remove(actor=request.user, item=item)
    except ValidationError as exc:
        errors = exc.messages
    return _agenda_answer(request, item.meeting, errors=errors)


@login_required
def agenda_edit(request, code):
    item: AgendaItem = selectors.get_agenda_item_for_user(request.user, code)
    initial = {
        "title": item.title,
        "presenter": item.presenter,
        "confidential": item.confidential,
        "notes": item.notes,
    }
    form = AgendaItemEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.agenda_item_update(actor=request.user, item=item, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The agenda item is saved."))
                return _to_meeting(item.meeting, "agenda")
        status = 400
    return render(
        request,
        "meetings/agenda_item.html",
        {"form": form, "item": item, "meeting": item.meeting, "tab": "list"},
        status=status,
    )


# --- Regular meeting series --------------------------------------------------------------


def _series_cells(request) -> list[Unit]:
    _wide, units = selectors.manageable_units(request.user)
    return [u for u in units if u.kind == Unit.Kind.CELL]


@login_required
def series_list(request):
    if not access_for(request.user).has(Action.MEETINGS_MANAGE):
        raise PermissionDenied
    series = selectors.series_for_user(request.user)
    page = Paginator(series, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/series_list.html",
        {"page": page, "tab": "series", "today": timezone.localdate()} | tabs(request),
    )


def _series_page(request, form, series=None, status=200):
    return render(
        request,
        "meetings/series_edit.html",
        {"form": form, "series": series, "tab": "series"},
        status=status,
    )


@login_required
def series_create(request):
    cells = _series_cells(request)
    if not cells:
        raise PermissionDenied
    by_code = {str(u.code): u for u in cells}
    initial = {"starts_on": timezone.localdate(), "time": dt.time(19, 30)}
    if len(cells) == 1:
        initial["unit"] = str(cells[0].code)
    form = SeriesForm(request.POST or None, cells=cells, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            unit = by_code.get(data.pop("unit"))
            try:
                series_services.series_create(
                    actor=request.user, committee=request.user.committee, unit=unit, **data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The regular meeting is set; the meetings of the coming months are planned."),
                )
                return redirect("meetings:series_list")
        return _series_page(request, form, status=400)
    return _series_page(request, form)


@login_required
def series_edit(request, code):
    series = selectors.get_series_for_user(request.user, code)
    initial = {
        "title": series.title,
        "day_of_month": series.day_of_month,
        "time": series.time,
        "place": series.place,
        "starts_on": series.starts_on,
        "ends_on": series.ends_on,
    }
    form = SeriesForm(request.POST or None, cells=[], editing=True, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                series_services.series_update(
                    actor=request.user, series=series, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The regular meeting is saved."))
                return redirect("meetings:series_list")
        return _series_page(request, form, series, status=400)
    return _series_page(request, form, series)


# --- Cells that held no regular meeting -----------------------------------------------------


@login_required
def missing(request):
    if not access_for(request.user).committee_wide(Action.MEETINGS_VIEW):
        raise PermissionDenied
    today = timezone.localdate()
    this_month = today.replace(day=1)
    month = selectors.parse_month(request.GET.get("month", "")) or add_months(this_month, -1)
    month = min(month, this_month)
    cells = list(selectors.cells_without_regular_meeting(request.user, month))
    context = {
        "cells": cells,
        "month": month,
        "previous_month": add_months(month, -1),
        "next_month": add_months(month, 1) if month < this_month else None,
        "is_current": month == this_month,
        "months": selectors.month_choices(today),
        "tab": "missing",
    }
    return render(request, "meetings/missing.html", context | tabs(request))
