"""What waits for each person on the home page, built from real data only.

Each panel function takes the user and their access and returns a context dict, or None
when the panel does not apply. Later modules add their panels to PANELS.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import user_has_device

from capuyso.accounts.permissions import UserAccess
from capuyso.accounts.roles import UNIT_ROLES, Action, Role
from capuyso.documents.home import documents_panel
from capuyso.jobs.models import Job
from capuyso.members.models import Member
from capuyso.org.models import Committee, Unit
from capuyso.org.selectors import child_committee_stats_for_user, current_term
from capuyso.signing.home import signing_panel


def todo_panel(user, access: UserAccess):
    items = []
    if user.guide_completed_at is None:
        items.append((_("Read the short guide for first-time users"), reverse("core:guide")))
    if not access.needs_two_factor and not user_has_device(user):
        items.append(
            (
                _("Protect your account with two-step sign-in (optional)"),
                reverse("accounts:profile"),
            )
        )
    jobs = (
        Job.objects.filter(owner=user).exclude(status=Job.Status.DONE).order_by("-created_at")[:5]
    )
    for job in jobs:
        label = _("Job “%(title)s”: %(status)s") % {
            "title": job.title,
            "status": job.get_status_display(),
        }
        items.append((label, reverse("jobs:detail", args=[job.code])))
    return {"template": "core/panels/todo.html", "items": items}


def committee_panel(user, access: UserAccess):
    if (
        not access.committee_wide(Action.STATS_VIEW)
        or user.committee.level != Committee.Level.COMMUNE
    ):
        return None
    committee = user.committee
    units = Unit.objects.filter(committee=committee, dissolved_on__isnull=True).aggregate(
        cells=Count("pk", filter=Q(kind=Unit.Kind.CELL)),
        sub_committees=Count("pk", filter=Q(kind=Unit.Kind.SUB_COMMITTEE)),
    )
    members = Member.objects.filter(committee=committee).aggregate(
        total=Count("pk"),
        probationary=Count("pk", filter=Q(status=Member.Status.PROBATIONARY)),
    )
    return {
        "template": "core/panels/committee.html",
        "committee": committee,
        "term": current_term(committee),
        "units": units,
        "members": members,
    }


def admin_panel(user, access: UserAccess):
    if not access.committee_wide(Action.USERS_MANAGE):
        return None
    from capuyso.accounts.models import User

    users = User.objects.filter(committee_id=user.committee_id)
    now = timezone.now()
    figures = users.aggregate(
        total=Count("pk", filter=Q(is_active=True)),
        locked=Count("pk", filter=Q(locked_until__gt=now)),
        never=Count("pk", filter=Q(last_login__isnull=True, is_active=True)),
        must_change=Count("pk", filter=Q(must_change_password=True, is_active=True)),
    )
    return {"template": "core/panels/admin.html", "figures": figures}


def my_cells_panel(user, access: UserAccess):
    unit_ids = [s.unit_id for s in access.scopes if s.role in UNIT_ROLES and s.unit_id]
    if not unit_ids:
        return None
    cells = (
        Unit.objects.filter(pk__in=unit_ids)
        .annotate(
            total=Count("members"),
            probationary=Count("members", filter=Q(members__status=Member.Status.PROBATIONARY)),
        )
        .order_by("name")
    )
    roles = {s.unit_id: s.role for s in access.scopes if s.unit_id in unit_ids}
    for cell in cells:
        cell.my_role = Role(roles[cell.pk]).label
        cell.can_see_members = access.can(
            Action.MEMBERS_VIEW, committee_id=cell.committee_id, unit_path=cell.path
        )
    return {"template": "core/panels/my_cells.html", "cells": cells}


def my_record_panel(user, access: UserAccess):
    if user.member_id is None:
        return None
    return {"template": "core/panels/my_record.html", "member": user.member}


def city_panel(user, access: UserAccess):
    if not access.committee_wide(Action.STATS_VIEW) or user.committee.level != Committee.Level.CITY:
        return None
    rows = list(child_committee_stats_for_user(user))
    totals = {
        "cells": sum(r.cell_count for r in rows),
        "members": sum(r.member_count for r in rows),
    }
    return {"template": "core/panels/city.html", "rows": rows, "totals": totals}


def upcoming_panel(user, access: UserAccess):
    return {"template": "core/panels/upcoming.html"}


PANELS = [
    todo_panel,
    documents_panel,
    signing_panel,
    city_panel,
    my_cells_panel,
    my_record_panel,
    committee_panel,
    admin_panel,
    upcoming_panel,
]


def home_panels(user, access: UserAccess) -> list[dict]:
    if user.committee_id is None:
        return []
    return [panel for func in PANELS if (panel := func(user, access)) is not None]
