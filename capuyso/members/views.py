"""The member list, the member file and its records. Thin views: the form parses, the door
in selectors fetches (404 outside the committee, 403 without the right), one service writes.
"""

from __future__ import annotations

import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.core.forms import add_service_errors
from capuyso.documents import files as doc_files
from capuyso.members import selectors
from capuyso.members.forms import (
    CommendationForm,
    CorrectionForm,
    DisciplineForm,
    MemberForm,
    PaperForm,
    RefuseForm,
    RelationForm,
    StateOnForm,
    parse_date,
)
from capuyso.members.models import CorrectionRequest, Member
from capuyso.members.selectors import (
    AGE_BANDS,
    PARTY_AGE_BANDS,
    STATUS_ACTIVE,
    STATUS_ALL,
    MemberFilters,
    file_history,
    file_sections,
    filter_members,
    get_member_for_user,
    members_for_user,
    status_counts,
)
from capuyso.members.services import file as file_services
from capuyso.members.services import member_file_viewed
from capuyso.members.services import records as record_services
from capuyso.members.services.badges import member_badge_summary
from capuyso.members.services.file import (
    check_open,
    display_date,
    may_manage,
    member_state_on,
    snapshot,
)
from capuyso.org.selectors import get_unit_for_user

LIFECYCLE_PANEL = "members/_lifecycle_panel.html"
PAGE_SIZE = 50


def template_exists(name: str) -> bool:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def _codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def _messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _to_file(member: Member, anchor: str = ""):
    url = reverse("members:detail", args=[member.code])
    return redirect(f"{url}#{anchor}" if anchor else url)


# --- The list ------------------------------------------------------------------------


def _query(filters: MemberFilters, **changes) -> str:
    params = QueryDict(mutable=True)
    for name, value in dataclasses.asdict(dataclasses.replace(filters, **changes)).items():
        if value:
            params[name] = value
    return params.urlencode()


@login_required
def member_list(request):
    filters = MemberFilters.from_query(request.GET)
    cell = None
    if filters.cell:
        # A link into another committee's cell is a 404, before any permission question.
        cell = get_unit_for_user(request.user, filters.cell, action=Action.MEMBERS_VIEW)
    access = access_for(request.user)
    if not access.has(Action.MEMBERS_VIEW):
        raise PermissionDenied
    scoped = members_for_user(request.user, cell=cell)
    members = filter_members(scoped, filters).order_by("full_name_folded", "pk")
    # One grouped count gives the status tabs and the list's total (no second COUNT).
    counts = status_counts(filter_members(scoped, dataclasses.replace(filters, status=STATUS_ALL)))
    active = sum(counts.get(s, 0) for s in Member.ACTIVE_STATUSES)
    if filters.status == STATUS_ACTIVE:
        total = active
    elif filters.status == STATUS_ALL:
        total = sum(counts.values())
    else:
        total = counts.get(filters.status, 0)
    paginator = Paginator(members, PAGE_SIZE)
    paginator.count = total  # a cached_property: set, it is never queried
    page = paginator.get_page(request.GET.get("page"))
    status_links = [(STATUS_ACTIVE, _("Active members"), active, _query(filters, status=""))]
    status_links += [
        (value, label, counts.get(value, 0), _query(filters, status=value))
        for value, label in Member.Status.choices
        if counts.get(value) or value in Member.ACTIVE_STATUSES
    ]
    status_links.append(
        (STATUS_ALL, _("All records"), sum(counts.values()), _query(filters, status=STATUS_ALL))
    )
    rows = [
        (
            m,
            display_date(m.date_of_birth, m.date_of_birth_precision),
            display_date(m.admission_date, m.admission_date_precision),
        )
        for m in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "q": filters.q,
        "cell": cell,
        "status_links": status_links,
        "query_string": _query(filters),
        "may_export": access.has(Action.MEMBERS_VIEW_FILE),
    }
    if request.htmx:
        return render(request, "members/list.html#member-table", context)
    context |= {
        "cells": selectors.filter_cells_for_user(request.user),
        "statuses": Member.Status.choices,
        "age_bands": [(k, v[2]) for k, v in AGE_BANDS.items()],
        "party_age_bands": [(k, v[2]) for k, v in PARTY_AGE_BANDS.items()],
        "sexes": Member.Sex.choices,
        "educations": Member.GeneralEducation.choices,
        "qualifications": Member.Qualification.choices,
        "theories": Member.Theory.choices,
        "can_create": access.has(Action.MEMBERS_MANAGE),
    }
    return render(request, "members/list.html", context)


# --- The file --------------------------------------------------------------------------


def _state_on(request, member: Member) -> dict:
    """The file as it stood on ?on=dd/mm/yyyy."""
    if "on" not in request.GET:
        return {"state_form": StateOnForm()}
    form = StateOnForm(request.GET)
    if not form.is_valid():
        return {"state_form": form}
    day = form.cleaned_data["on"]
    if day > timezone.localdate():
        form.add_error("on", _("Choose today or a day in the past."))
        return {"state_form": form}
    state = member_state_on(member, day)
    return {
        "state_form": form,
        "state_day": day,
        "state_sections": file_sections(state) if state is not None else None,
        "state_commendations": [c for c in member.commendations.all() if c.decision_date <= day],
        "state_disciplines": [d for d in member.disciplines.all() if d.decision_date <= day],
    }


def _detail_context(request, member: Member) -> dict:
    user = request.user
    can_manage = may_manage(user, member)
    is_self = user.member_id is not None and user.member_id == member.pk
    is_open = not member.is_closed and member.status != Member.Status.TRANSFERRED_OUT
    corrections = []
    if can_manage or is_self:
        corrections = list(member.corrections.select_related("requested_by", "handled_by"))
        for correction in corrections:
            correction.field_label = selectors.correction_field_label(correction.field_name)
    context = {
        "member": member,
        "sections": file_sections(snapshot(member)),
        "commendations": list(member.commendations.all()),
        "disciplines": list(member.disciplines.all()),
        "relatives": list(member.relatives.all()),
        "papers": list(member.papers.select_related("file")),
        "history": file_history(member),
        "corrections": corrections,
        "open_corrections": [c for c in corrections if c.status == CorrectionRequest.Status.OPEN],
        "can_manage": can_manage,
        "can_edit": can_manage and is_open,
        "is_self": is_self,
        "is_open": is_open,
        "can_request_correction": is_self and is_open,
        "refuse_form": RefuseForm(),
        "lifecycle_panel": template_exists(LIFECYCLE_PANEL),
        "badge_summary": member_badge_summary(member),
    }
    context |= _state_on(request, member)
    return context


@login_required
def member_detail(request, code):
    member = get_member_for_user(request.user, code)
    member_file_viewed(actor=request.user, member=member)
    if request.htmx and "on" in request.GET:
        return render(request, "members/detail.html#file-state", _state_on(request, member))
    return render(request, "members/detail.html", _detail_context(request, member))


@login_required
def member_create(request):
    cells = list(selectors.manageable_cells(request.user))
    if not cells:
        raise PermissionDenied
    initial = {"cell": request.GET.get("cell", "")}
    form = MemberForm(request.POST or None, cells=cells, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        cell = selectors.cell_by_code(form.cleaned_data["cell"])
        if cell is None:
            form.add_error("cell", _("Choose the member's cell."))
        else:
            data["cell"] = cell
            try:
                member = file_services.member_create(
                    actor=request.user, committee=request.user.committee, data=data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied:
                form.add_error("cell", _("You may not add members to this cell."))
            else:
                messages.success(request, _("The member's file was created."))
                return _to_file(member)
    return render(request, "members/edit.html", {"form": form, "member": None})


def _correction_for_edit(request, member: Member) -> CorrectionRequest | None:
    code = request.POST.get("correction") or request.GET.get("correction")
    if not code:
        return None
    correction = selectors.get_correction_for_user(request.user, code)
    if correction.member_id != member.pk:
        raise Http404
    if correction.status != CorrectionRequest.Status.OPEN:
        messages.info(request, _("This correction request has already been answered."))
        return None
    correction.field_label = selectors.correction_field_label(correction.field_name)
    return correction


def _prefill(initial: dict, form_fields, correction: CorrectionRequest) -> None:
    """Put the value the member proposed in the field they named, when it fits there."""
    from django import forms

    name, value = correction.field_name, correction.proposed_value
    field = form_fields.get(name)
    if field is None or isinstance(field, forms.ChoiceField):
        return
    if name in MemberForm.PARTIAL_DATES or name == "ceremony_date":
        try:
            parse_date(value, partial=name in MemberForm.PARTIAL_DATES)
        except ValueError:
            return
    initial[name] = value


@login_required
def member_edit(request, code):
    member = get_member_for_user(request.user, code, write=True)
    if member.is_closed or member.status == Member.Status.TRANSFERRED_OUT:
        if request.method == "POST":
            try:
                check_open(member)
            except ValidationError as exc:
                _messages(request, exc)
        context = {"member": member, "readonly": True, "sections": file_sections(snapshot(member))}
        return render(request, "members/edit.html", context)
    correction = _correction_for_edit(request, member)
    initial = MemberForm.initial_for(member)
    if correction is not None:
        _prefill(initial, MemberForm.base_fields, correction)
    form = MemberForm(request.POST or None, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        values = form.cleaned_data
        try:
            if correction is not None:
                record_services.correction_apply(
                    actor=request.user,
                    correction=correction,
                    data=data,
                    version=values["version"],
                    effective_on=values["effective_on"],
                )
            else:
                file_services.member_update(
                    actor=request.user,
                    member=member,
                    data=data,
                    version=values["version"],
                    effective_on=values["effective_on"],
                    note=values["change_note"],
                )
        except ValidationError as exc:
            if _codes(exc) & {"stale", "closed", "handled"}:
                _messages(request, exc)
                url = reverse("members:edit", args=[member.code])
                if correction is not None and "handled" not in _codes(exc):
                    url += f"?correction={correction.code}"
                return redirect(url)
            add_service_errors(form, exc)
        else:
            if correction is not None:
                messages.success(request, _("The file was corrected and the member told."))
            else:
                messages.success(request, _("The changes were saved."))
            return _to_file(member)
    context = {"member": member, "form": form, "correction": correction}
    return render(request, "members/edit.html", context)


# --- Records attached to the file ----------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RecordKind:
    form: type
    add: object
    remove: object
    related: str
    anchor: str
    title: object
    added: object
    removed: object


RECORD_KINDS = {
    "commendation": RecordKind(
        CommendationForm,
        record_services.commendation_add,
        lambda actor, obj: record_services.commendation_remove(actor=actor, commendation=obj),
        "commendations",
        "commendations",
        gettext_lazy("Add a commendation"),
        gettext_lazy("The commendation was recorded."),
        gettext_lazy("The commendation was removed."),
    ),
    "discipline": RecordKind(
        DisciplineForm,
        record_services.discipline_add,
        lambda actor, obj: record_services.discipline_remove(actor=actor, discipline=obj),
        "disciplines",
        "disciplines",
        gettext_lazy("Add a discipline"),
        gettext_lazy("The discipline was recorded."),
        gettext_lazy("The discipline was removed."),
    ),
    "relation": RecordKind(
        RelationForm,
        record_services.relation_add,
        lambda actor, obj: record_services.relation_remove(actor=actor, relative=obj),
        "relatives",
        "family",
        gettext_lazy("Add a family relation"),
        gettext_lazy("The family relation was recorded."),
        gettext_lazy("The family relation was removed."),
    ),
    "paper": RecordKind(
        PaperForm,
        record_services.paper_attach,
        lambda actor, obj: record_services.paper_remove(actor=actor, paper=obj),
        "papers",
        "papers",
        gettext_lazy("Attach a scanned paper"),
        gettext_lazy("The paper was attached."),
        gettext_lazy("The paper was removed from the file."),
    ),
}


def _record_add(request, code, kind: str):
    spec = RECORD_KINDS[kind]
    member = get_member_for_user(request.user, code, write=True)
    try:
        check_open(member)
    except ValidationError as exc:
        _messages(request, exc)
        return _to_file(member, spec.anchor)
    form = spec.form(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            spec.add(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            if "closed" in _codes(exc):
                _messages(request, exc)
                return _to_file(member, spec.anchor)
            add_service_errors(form, exc)
        else:
            messages.success(request, str(spec.added))
            return _to_file(member, spec.anchor)
    context = {"member": member, "form": form, "title": spec.title, "anchor": spec.anchor}
    return render(request, "members/file_record_form.html", context)


def _record_remove(request, code, item, kind: str):
    spec = RECORD_KINDS[kind]
    member = get_member_for_user(request.user, code, write=True)
    obj = getattr(member, spec.related).filter(code=item).first()
    if obj is None:
        raise Http404
    obj.member = member
    try:
        spec.remove(request.user, obj)
    except ValidationError as exc:
        _messages(request, exc)
    else:
        messages.success(request, str(spec.removed))
    return _to_file(member, spec.anchor)


@login_required
def commendation_add(request, code):
    return _record_add(request, code, "commendation")


@login_required
@require_POST
def commendation_remove(request, code, item):
    return _record_remove(request, code, item, "commendation")


@login_required
def discipline_add(request, code):
    return _record_add(request, code, "discipline")


@login_required
@require_POST
def discipline_remove(request, code, item):
    return _record_remove(request, code, item, "discipline")


@login_required
def relation_add(request, code):
    return _record_add(request, code, "relation")


@login_required
@require_POST
def relation_remove(request, code, item):
    return _record_remove(request, code, item, "relation")


@login_required
def paper_add(request, code):
    return _record_add(request, code, "paper")


@login_required
@require_POST
def paper_remove(request, code, item):
    return _record_remove(request, code, item, "paper")


@login_required
def paper_download(request, code):
    """Serve a scanned paper to whoever may open the file, only if its SHA-256 matches."""
    paper = selectors.get_paper_for_user(request.user, code)
    stored = paper.file
    try:
        data = doc_files.read_verified(stored)
    except FileNotFoundError as exc:
        raise Http404 from exc
    except doc_files.IntegrityError:
        return render(request, "documents/file_damaged.html", {"stored": stored}, status=409)
    record_services.paper_opened(actor=request.user, paper=paper)
    inline = stored.content_type in (doc_files.PDF, doc_files.JPEG, doc_files.PNG)
    response = FileResponse(iter([data]), content_type=stored.content_type)
    response["Content-Length"] = str(len(data))
    response["Content-Disposition"] = content_disposition_header(
        not inline or request.GET.get("download") == "1", stored.original_name
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- Correction requests -------------------------------------------------------------


@login_required
def correction_new(request, code):
    """The member asks for a correction of their own file."""
    member = get_member_for_user(request.user, code)
    if request.user.member_id != member.pk:
        raise PermissionDenied
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record_services.correction_request_create(
                actor=request.user, member=member, **form.cleaned_data
            )
        except ValidationError as exc:
            if _codes(exc) & {"closed", "too_many"}:
                _messages(request, exc)
                return _to_file(member, "corrections")
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your request was sent. You will see the answer on your file."),
            )
            return _to_file(member, "corrections")
    context = {
        "member": member,
        "form": form,
        "title": _("Ask for a correction of your file"),
        "anchor": "corrections",
        "intro": _(
            "Say what is wrong and what the correct value is. The cell secretary or the "
            "Party building board checks it and corrects your file, or answers why not."
        ),
    }
    return render(request, "members/file_record_form.html", context)


@login_required
@require_POST
def correction_refuse(request, code):
    correction = selectors.get_correction_for_user(request.user, code)
    form = RefuseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the reason for refusing."))
        return _to_file(correction.member, "corrections")
    try:
        record_services.correction_refuse(
            actor=request.user, correction=correction, reply=form.cleaned_data["reply"]
        )
    except ValidationError as exc:
        _messages(request, exc)
    else:
        messages.success(request, _("The request was refused and the member told."))
    return _to_file(correction.member, "corrections")
