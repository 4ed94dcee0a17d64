"""Party badges: the lists for an award date, the proposal list as DOCX/XLSX, and recording
the awards of a decision."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.audit.services import Verb, audit_record
from capuyso.core.forms import add_service_errors
from capuyso.members import exports_badges
from capuyso.members.forms_badges import BadgeRecordForm, parse_selection
from capuyso.members.models import Member
from capuyso.members.services.badges import (
    EARLY_ILLNESS,
    POSTHUMOUS,
    REGULAR,
    award_dates_in_year,
    badge_awards_record,
    badge_candidates_for_user,
    check_award_date,
    is_uuid,
    may_record,
    next_award_date,
)
from capuyso.org.models import Unit
from capuyso.org.selectors import get_unit_for_user, units_for_user

SHOWN_PER_LIST = 300  # rows shown per list on the page; the exports hold them all


def _cell(request, data) -> Unit | None:
    """The cell filter. A cell of another committee is a 404, before any permission question."""
    code = data.get("cell", "").strip()
    if not code:
        return None
    return get_unit_for_user(request.user, code, action=Action.MEMBERS_VIEW_FILE)


def _committee(request):
    if request.user.committee_id is None or not access_for(request.user).has(
        Action.MEMBERS_VIEW_FILE
    ):
        raise PermissionDenied
    return request.user.committee


def _parse_date(value: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value.strip(), pattern).date()  # noqa: DTZ007
        except ValueError:
            continue
    return None


def _award_date(request, committee, value: str) -> dt.date | None:
    """The award date asked for, or None (with a message saying why) for bad input."""
    day = _parse_date(value)
    if day is None:
        messages.error(
            request,
            _("“%(value)s” is not a date. Choose an award date from the list.")
            % {"value": value[:20]},
        )
        return None
    try:
        check_award_date(committee, day)
    except ValidationError as exc:
        messages.error(request, exc.error_dict["award_date"][0].messages[0])
        return None
    return day


def _lists(result, rules) -> list[dict]:
    titles = {
        REGULAR: (_("Reach a milestone by the award date"), ""),
        EARLY_ILLNESS: (
            _("May be proposed early if seriously ill"),
            _(
                "Milestones reached within %(lower)s months after the award date (up to "
                "%(split)s years) or %(upper)s months (higher milestones)."
            )
            % {
                "lower": rules.early_award_months_lower,
                "upper": rules.early_award_months_upper,
                "split": rules.early_award_split_years,
            }
            if rules
            else "",
        ),
        POSTHUMOUS: (
            _("Posthumous awards"),
            _(
                "Members who died since the previous award date and reached a milestone, or "
                "lacked at most %(months)s months to it."
            )
            % {"months": rules.posthumous_early_months}
            if rules
            else "",
        ),
        "check": (
            _("Check the dates"),
            _(
                "The admission date is known to the month or year only, so the milestone "
                "may fall on either side of the award date. Check the admission decision, "
                "correct the file, or record the badge if the date is confirmed."
            ),
        ),
    }
    sections = []
    for name, candidates in result.lists().items():
        title, help_text = titles[name]
        sections.append(
            {
                "name": name,
                "title": title,
                "help": help_text,
                "rows": candidates[:SHOWN_PER_LIST],
                "total": len(candidates),
                "capped": len(candidates) > SHOWN_PER_LIST,
            }
        )
    return sections


def _render(request, committee, award_date, cell, *, form=None, selected=(), status=200):
    result = badge_candidates_for_user(request.user, award_date, cell=cell)
    access = access_for(request.user)
    cells = []
    if access.committee_wide(Action.MEMBERS_VIEW_FILE):
        cells = units_for_user(request.user, Action.MEMBERS_VIEW_FILE).filter(
            kind__in=Unit.PARTY_ORG_KINDS, dissolved_on__isnull=True
        )
    can_record = may_record(request.user, committee)
    if can_record and form is None:
        form = BadgeRecordForm(initial={"award_date": award_date})
    year_dates = award_dates_in_year(committee, award_date.year)
    base = reverse("members:badges")
    params = {"cell": cell.code} if cell else {}
    context = {
        "award_date": award_date,
        "result": result,
        "sections": _lists(result, result.rules),
        "year_dates": year_dates,
        "previous_year_url": f"{base}?{urlencode({**params, 'year': award_date.year - 1})}",
        "next_year_url": f"{base}?{urlencode({**params, 'year': award_date.year + 1})}",
        "cell": cell,
        "cells": cells,
        "can_record": can_record,
        "form": form,
        "selected": set(selected),
        "export_lists": exports_badges.LISTS,
        "default_lists": exports_badges.DEFAULT_LISTS,
        "today": timezone.localdate(),
    }
    template = "members/badges.html#badge-lists" if request.htmx else "members/badges.html"
    return render(request, template, context, status=status)


@login_required
def badge_list(request):
    cell = _cell(request, request.GET)
    committee = _committee(request)
    award_date = None
    if request.GET.get("date", "").strip():
        award_date = _award_date(request, committee, request.GET["date"])
    elif request.GET.get("year", "").strip().isdigit():
        year = int(request.GET["year"])
        if 1930 <= year <= 2200:
            dates = award_dates_in_year(committee, year)
            award_date = dates[0] if dates else None
    if award_date is None:
        award_date = next_award_date(committee)
    return _render(request, committee, award_date, cell)


@login_required
def badge_export(request):
    cell = _cell(request, request.GET)
    committee = _committee(request)
    back = reverse("members:badges")
    fmt = request.GET.get("format", "")
    award_date = _award_date(request, committee, request.GET.get("date", ""))
    if award_date is None:
        return redirect(back)
    if fmt not in exports_badges.FORMATS:
        messages.error(request, _("Choose DOCX or XLSX."))
        return redirect(f"{back}?{urlencode({'date': award_date.isoformat()})}")
    lists = [name for name in request.GET.getlist("list") if name in exports_badges.LISTS]
    lists = lists or list(exports_badges.DEFAULT_LISTS)
    result = badge_candidates_for_user(request.user, award_date, cell=cell)
    if fmt == "docx":
        export = exports_badges.export_docx(
            result, committee=committee, lists=lists, today=timezone.localdate()
        )
    else:
        export = exports_badges.export_xlsx(result, committee=committee, lists=lists)
    audit_record(
        actor=request.user,
        verb=Verb.EXPORT,
        committee=committee,
        object_type="members.badge_list",
        object_id=award_date.isoformat(),
        object_label=f"Huy hiệu Đảng {award_date:%d/%m/%Y} ({fmt})",
        changes={
            "format": fmt,
            "lists": lists,
            "rows": export.rows,
            "cell": str(cell.code) if cell else "",
        },
    )
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.filename)
    return response


@login_required
@require_POST
def badge_record(request):
    ticked = request.POST.getlist("selected")
    codes = [parts[0] for parts in map(parse_selection, ticked) if parts and is_uuid(parts[0])]
    # A member of another committee is a 404, before any permission question.
    if codes and (
        Member.objects.filter(code__in=codes)
        .exclude(committee_id=request.user.committee_id)
        .exists()
    ):
        raise Http404
    committee = request.user.committee
    if committee is None or not may_record(request.user, committee):
        raise PermissionDenied
    form = BadgeRecordForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            outcome = badge_awards_record(
                actor=request.user,
                committee=committee,
                award_date=data["award_date"],
                decision_number=data["decision_number"],
                decision_date=data["decision_date"],
                selections=data["selected"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if outcome.created:
                messages.success(
                    request,
                    _("%(count)s badges recorded under decision %(number)s.")
                    % {"count": len(outcome.created), "number": data["decision_number"]},
                )
            if outcome.already:
                messages.info(
                    request,
                    _("%(count)s of the ticked badges were already recorded; left unchanged.")
                    % {"count": outcome.already},
                )
            query = urlencode({"date": data["award_date"].isoformat()})
            return redirect(f"{reverse('members:badges')}?{query}")
    award_date = form.cleaned_data.get("award_date") if hasattr(form, "cleaned_data") else None
    try:
        award_date = award_date and check_award_date(committee, award_date) and award_date
    except ValidationError:
        award_date = None
    return _render(
        request,
        committee,
        award_date or next_award_date(committee),
        None,
        form=form,
        selected=ticked,
    )
