from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.accounts.selectors import active_positions
from capuyso.core.forms import add_service_errors
from capuyso.org import services
from capuyso.org.forms import GroupingForm, TermForm, UnitForm
from capuyso.org.models import Unit
from capuyso.org.selectors import (
    cells_for_user,
    committee_terms,
    current_term,
    get_unit_for_user,
    groupings_for_user,
    hide_member_counts_without_right,
    member_count_for_user,
    unit_ancestors,
    units_for_user,
)


def _require(request, action: str) -> None:
    if not access_for(request.user).committee_wide(action):
        raise PermissionDenied


@login_required
def tree(request):
    units = hide_member_counts_without_right(
        request.user,
        units_for_user(request.user)
        .select_related("grouping")
        .annotate(member_count=Count("members"))
        .order_by("kind", "sort_order", "name"),
    )
    if not units and not access_for(request.user).has(Action.ORG_VIEW):
        raise PermissionDenied
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    visible_ids = {u.pk for u in units}
    roots = [u for u in units if u.parent_id is None or u.parent_id not in visible_ids]
    for unit in units:
        unit.child_list = children.get(unit.pk, [])
    organs = [u for u in roots if u.is_organ]
    groupings: dict[str, list[Unit]] = {}
    for unit in roots:
        if not unit.is_organ:
            key = unit.grouping.name if unit.grouping else _("Other")
            groupings.setdefault(key, []).append(unit)
    committee = request.user.committee
    context = {
        "committee": committee,
        "term": current_term(committee),
        "organs": organs,
        "groupings": groupings,
        "can_manage": access_for(request.user).committee_wide(Action.ORG_MANAGE),
    }
    return render(request, "org/tree.html", context)


@login_required
def cell_list(request):
    if not access_for(request.user).has(Action.ORG_VIEW):
        raise PermissionDenied
    query = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    grouping = request.GET.get("grouping", "")
    if kind not in Unit.CellKind.values:
        kind = ""
    cells = cells_for_user(
        request.user, query=query, kind=kind, grouping_code=_uuid_or_blank(grouping)
    )
    page = Paginator(cells.order_by("name_folded"), 50).get_page(request.GET.get("page"))
    page.object_list = hide_member_counts_without_right(request.user, page.object_list)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "q": query,
        "kind": kind,
        "grouping": grouping,
        "kinds": Unit.CellKind.choices,
        "groupings": groupings_for_user(request.user),
        "query_string": params.urlencode(),
        "can_manage": access_for(request.user).committee_wide(Action.ORG_MANAGE),
    }
    template = "org/cells.html#cell-table" if request.htmx else "org/cells.html"
    return render(request, template, context)


def _uuid_or_blank(value: str) -> str:
    import uuid

    try:
        return str(uuid.UUID(value))
    except ValueError:
        return ""


@login_required
def unit_detail(request, code):
    unit = get_unit_for_user(request.user, code)
    access = access_for(request.user)
    positions = active_positions().filter(unit=unit).select_related("user").order_by("role")
    context = {
        "unit": unit,
        "ancestors": unit_ancestors(request.user, unit),
        "children": unit.children.all(),
        "positions": positions,
        "terms": unit.terms.all(),
        "current_term": current_term(unit.committee, unit),
        "member_count": member_count_for_user(request.user, unit),
        "can_manage": access.committee_wide(Action.ORG_MANAGE),
        "can_see_members": access.can(
            Action.MEMBERS_VIEW, committee_id=unit.committee_id, unit_path=unit.path
        ),
    }
    return render(request, "org/unit_detail.html", context)


@login_required
def unit_create(request):
    _require(request, Action.ORG_MANAGE)
    committee = request.user.committee
    form = UnitForm(request.POST or None, committee=committee)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.unit_create(
                actor=request.user,
                committee=committee,
                kind=data["kind"],
                name=data["name"],
                cell_kind=data["cell_kind"],
                parent=data["parent"],
                grouping=data["grouping"],
                address_line=data["address_line"],
                admin_unit=data["admin_unit"],
                established_on=data["established_on"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The unit “%(name)s” was created.") % {"name": unit.name})
            return redirect("org:unit", code=unit.code)
    return render(request, "org/unit_form.html", {"form": form, "unit": None})


@login_required
def unit_edit(request, code):
    unit = get_unit_for_user(request.user, code, action=Action.ORG_MANAGE)
    initial = {
        "name": unit.name,
        "cell_kind": unit.cell_kind,
        "grouping": unit.grouping,
        "address_line": unit.address_line,
        "admin_unit": unit.admin_unit,
        "established_on": unit.established_on,
        "dissolved_on": unit.dissolved_on,
        "version": unit.version,
    }
    form = UnitForm(request.POST or None, committee=unit.committee, editing=unit, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.unit_update(actor=request.user, unit=unit, version=version, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("org:unit", code=unit.code)
    return render(request, "org/unit_form.html", {"form": form, "unit": unit})


@login_required
def term_add(request, code=None):
    _require(request, Action.ORG_MANAGE)
    unit = get_unit_for_user(request.user, code, action=Action.ORG_MANAGE) if code else None
    committee = request.user.committee
    form = TermForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.term_add(
                actor=request.user, committee=committee, unit=unit, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The term was recorded."))
            if unit:
                return redirect("org:unit", code=unit.code)
            return redirect("org:committee")
    return render(request, "org/term_form.html", {"form": form, "unit": unit})


@login_required
def committee_detail(request):
    access = access_for(request.user)
    if not access.committee_wide(Action.ORG_VIEW):
        raise PermissionDenied
    committee = request.user.committee
    form = GroupingForm()
    context = {
        "committee": committee,
        "terms": committee_terms(committee),
        "groupings": groupings_for_user(request.user),
        "grouping_form": form,
        "can_manage": access.committee_wide(Action.ORG_MANAGE),
    }
    return render(request, "org/committee.html", context)


@login_required
@require_POST
def grouping_add(request):
    _require(request, Action.ORG_MANAGE)
    form = GroupingForm(request.POST)
    if form.is_valid():
        try:
            services.grouping_create(
                actor=request.user, committee=request.user.committee, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The grouping was added."))
            return redirect("org:committee")
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("org:committee")
