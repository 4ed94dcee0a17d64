"""Pages of incoming documents: the registry list, registration, the document page and its
handling actions, and file downloads."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.core.forms import add_service_errors
from capuyso.core.pagination import CappedPaginator
from capuyso.documents import files as doc_files
from capuyso.documents import selectors
from capuyso.documents.access import is_handler, may
from capuyso.documents.forms.incoming import (
    CloseForm,
    DeadlineForm,
    DirectionForm,
    EscalateForm,
    HandlerForm,
    IncomingEditForm,
    IncomingForm,
    RecordForm,
    ResultForm,
    SubmitForm,
    SummaryForm,
)
from capuyso.documents.models import Assignment, IncomingDocument, Secrecy, Urgency
from capuyso.documents.services import incoming as services
from capuyso.org.models import Unit


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _date(value: str):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(request) -> selectors.IncomingFilters:
    get = request.GET
    year = get.get("year", "")
    return selectors.IncomingFilters(
        q=get.get("q", "").strip()[:120],
        status=get.get("status", ""),
        doc_type=get.get("type", ""),
        issuer=get.get("issuer", "").strip()[:100],
        urgency=get.get("urgency", ""),
        handler=get.get("handler", ""),
        unit=get.get("unit", ""),
        received_from=_date(get.get("from", "")),
        received_to=_date(get.get("to", "")),
        due_before=_date(get.get("due_before", "")),
        overdue=get.get("overdue") == "1",
        year=int(year) if year.isascii() and year.isdigit() and len(year) == 4 else None,
    )


@login_required
def incoming_list(request):
    if not access_for(request.user).has(Action.DOCUMENTS_VIEW):
        raise PermissionDenied
    filters = _filters(request)
    access = access_for(request.user)
    documents = selectors.filter_incoming(
        selectors.incoming_for_user(request.user),
        filters,
        committee_id=request.user.committee_id,
        whole_committee=access.committee_wide(Action.DOCUMENTS_VIEW),
    )
    documents = documents.select_related("doc_type", "receiving_unit").order_by(
        "-received_at", "-pk"
    )
    page = CappedPaginator(documents, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query_string": params.urlencode(),
        "today": timezone.localdate(),
    }
    if request.htmx:  # the table only: no filter choices to build
        return render(request, "documents/incoming_list.html#incoming-table", context)
    committee_id = request.user.committee_id
    units, users = selectors.handler_options(committee_id)
    context |= {
        "statuses": IncomingDocument.Status.choices,
        "urgencies": Urgency.choices[1:],
        "doc_types": selectors.document_types_for(committee_id),
        "units": units,
        "handlers": users,
        "can_register": access_for(request.user).has(Action.DOCUMENTS_REGISTER),
        "can_delegate": any(
            access_for(request.user).committee_wide(action)
            for action in (
                Action.DOCUMENTS_DIRECT,
                Action.DOCUMENTS_APPROVE,
                Action.DOCUMENTS_CONFIGURE,
            )
        ),
    }
    return render(request, "documents/incoming_list.html", context)


def _registration_context(request, form, *, metadata=None, duplicate=None, staged=()):
    return {
        "form": form,
        "directory": selectors.issuer_directory(request.user.committee_id),
        "metadata": metadata,
        "duplicate": duplicate,
        "staged": staged,
    }


@login_required
def incoming_new(request):
    user = request.user
    registry_units = selectors.registry_units_for_user(user)
    if not registry_units:
        raise PermissionDenied
    committee_id = user.committee_id
    doc_types = selectors.document_types_for(committee_id)
    form = IncomingForm(
        request.POST or None,
        request.FILES or None,
        registry_units=registry_units,
        doc_types=doc_types,
    )
    if request.method != "POST":
        return render(request, "documents/incoming_new.html", _registration_context(request, form))
    if request.POST.get("action") == "prefill":
        # Reading the PDF comes first: the other fields may still be empty.
        return _prefill(request, form, registry_units, doc_types)
    if not form.is_valid():
        return render(request, "documents/incoming_new.html", _registration_context(request, form))
    data = form.cleaned_data
    staged = selectors.staged_files_for(user, form.pending_codes())
    unit = next(
        (u for u in registry_units if str(u.code) == data["receiving_unit"]), registry_units[0]
    )
    doc_type = selectors.get_type_by_code(committee_id, data["doc_type"])
    try:
        document = services.incoming_register(
            actor=user,
            receiving_unit=unit,
            doc_type=doc_type,
            issuer=selectors.issuer_by_name(committee_id, data["issuer_name"]),
            issuer_name=data["issuer_name"],
            reference=data["reference"],
            document_date=data["document_date"],
            summary=data["summary"],
            secrecy=data["secrecy"],
            urgency=data["urgency"],
            page_count=data["page_count"],
            paper_holder=data["paper_holder"],
            due_date=data["due_date"],
            note=data["note"],
            channel=data["channel"],
            uploads=data["files"],
            staged_files=staged,
            submit_token=data["submit_token"],
            confirm_duplicate=data["confirm_duplicate"],
        )
    except services.LikelyDuplicate as exc:
        form.add_error(None, exc)
        context = _registration_context(request, form, duplicate=exc.existing, staged=staged)
        return render(request, "documents/incoming_new.html", context)
    except ValidationError as exc:
        add_service_errors(form, exc)
        context = _registration_context(request, form, staged=staged)
        return render(request, "documents/incoming_new.html", context)
    messages.success(
        request,
        _("Registered as arrival number %(number)s/%(year)s.")
        % {"number": document.arrival_number, "year": document.year},
    )
    return redirect("documents:incoming_detail", document.code)


def _prefill(request, form, registry_units, doc_types):
    """Keep the uploaded PDF and fill the form from its text layer for the clerk to check.
    Works on whatever the clerk has typed so far; nothing else is validated yet."""
    user = request.user
    form.is_valid()  # cleans what it can, for pending_files and the uploads
    form.errors.clear()
    staged = selectors.staged_files_for(user, form.pending_codes())
    uploads = form.cleaned_data.get("files") or []
    if not uploads:
        form.add_error("files", _("Choose the PDF to read the details from."))
        context = _registration_context(request, form, staged=staged)
        return render(request, "documents/incoming_new.html", context)
    metadata = None
    try:
        for upload in uploads:
            stored, found = services.incoming_stage_upload(
                actor=user, upload=upload, committee=user.committee
            )
            staged.append(stored)
            if metadata is None and found.filled_fields():
                metadata = found
    except ValidationError as exc:
        add_service_errors(form, ValidationError({"files": exc.messages}))
        context = _registration_context(request, form, staged=staged)
        return render(request, "documents/incoming_new.html", context)
    values = {
        name: request.POST.get(name, "")
        for name in form.fields
        if name not in ("files", "pending_files", "confirm_duplicate")
    }
    values["pending_files"] = ",".join(str(s.code) for s in staged)
    values["channel"] = "upload" if values.get("channel") == "paper" else values.get("channel")
    if metadata is not None:
        if metadata.reference:
            values["reference"] = metadata.reference
        if metadata.document_date:
            values["document_date"] = metadata.document_date
        if metadata.issuer_name:
            values["issuer_name"] = metadata.issuer_name
        if metadata.summary:
            values["summary"] = metadata.summary
        if metadata.type_abbreviation:
            match = next(
                (t for t in doc_types if t.abbreviation == metadata.type_abbreviation), None
            )
            if match is not None:
                values["doc_type"] = str(match.code)
    new_form = IncomingForm(initial=values, registry_units=registry_units, doc_types=doc_types)
    context = _registration_context(request, new_form, metadata=metadata or False, staged=staged)
    return render(request, "documents/incoming_new.html", context)


def _detail_context(request, document: IncomingDocument) -> dict:
    user = request.user
    committee_id = document.committee_id
    assignments = selectors.incoming_assignments(document)
    mine = [a for a in assignments if is_handler(user, a) and a.status != Assignment.Status.DONE]
    can_register = may(user, Action.DOCUMENTS_REGISTER, document.receiving_unit)
    allowed_direct, on_behalf = services.direction_acting_as(user, document)
    units, users = selectors.handler_options(committee_id)
    context = {
        "document": document,
        "files": list(document.files.all()),
        "assignments": assignments,
        "my_assignments": mine,
        "events": selectors.incoming_timeline(document),
        "can_register": can_register,
        "can_direct": allowed_direct and document.is_open,
        "direct_on_behalf": on_behalf,
        "can_close": services.may_close(user, document),
        "can_allow_summary": document.summary_withheld
        and not document.summary
        and may(user, Action.DOCUMENTS_DIRECT, document.receiving_unit),
        "manage_deadlines": [
            a
            for a in assignments
            if a.status != Assignment.Status.DONE
            and a.role != Assignment.Role.FYI
            and services._may_manage_deadline(user, a)[0]
        ]
        if document.is_open
        else [],
        "reads": document.reads.select_related("user").order_by("first_opened_at"),
        "today": timezone.localdate(),
        "Secrecy": Secrecy,
    }
    if (
        can_register
        and document.receiving_unit.kind == Unit.Kind.OFFICE
        and document.status
        in (IncomingDocument.Status.REGISTERED, IncomingDocument.Status.SUBMITTED)
    ):
        context["submit_form"] = SubmitForm(
            initial={"version": document.version},
            leaders=selectors.leaders_for_committee(committee_id),
        )
    if context["can_direct"]:
        context["direction_form"] = DirectionForm(
            initial={"version": document.version, "lead_due": document.due_date},
            units=units,
            users=users,
        )
        context["has_lead"] = any(
            a.role == Assignment.Role.LEAD and a.parent_id is None for a in assignments
        )
    if mine:
        context["record_form"] = RecordForm()
        context["handler_form"] = HandlerForm(units=units, users=users)
        context["result_form"] = ResultForm(replies=selectors.reply_candidates(user, document))
    context["can_create_dossier"] = access_for(user).committee_wide(Action.DOCUMENTS_REGISTER)
    if context["can_close"]:
        context["close_form"] = CloseForm(
            initial={"version": document.version},
            dossiers=selectors.open_dossiers(committee_id),
        )
    if context["manage_deadlines"]:
        context["deadline_form"] = DeadlineForm()
        context["escalate_form"] = EscalateForm()
    if context["can_allow_summary"]:
        context["summary_form"] = SummaryForm()
    return context


@login_required
def incoming_detail(request, code):
    document = selectors.get_incoming_for_user(request.user, code)
    services.incoming_opened(user=request.user, document=document)
    return render(request, "documents/incoming_detail.html", _detail_context(request, document))


@login_required
def incoming_edit(request, code):
    user = request.user
    document = selectors.get_incoming_for_user(user, code)
    if not may(user, Action.DOCUMENTS_REGISTER, document.receiving_unit):
        raise PermissionDenied
    doc_types = selectors.document_types_for(document.committee_id)
    if document.doc_type not in doc_types:
        doc_types.append(document.doc_type)
    initial = {
        "version": document.version,
        "issuer_name": document.issuer_name,
        "reference": document.reference,
        "document_date": document.document_date,
        "doc_type": str(document.doc_type.code),
        "summary": document.summary,
        "secrecy": document.secrecy,
        "urgency": document.urgency,
        "page_count": document.page_count,
        "due_date": document.due_date,
        "paper_holder": document.paper_holder,
        "note": document.note,
    }
    form = IncomingEditForm(request.POST or None, initial=initial, doc_types=doc_types)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        data["doc_type"] = selectors.get_type_by_code(document.committee_id, data["doc_type"])
        data["issuer"] = selectors.issuer_by_name(document.committee_id, data["issuer_name"])
        try:
            services.incoming_update(actor=user, document=document, version=version, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("documents:incoming_detail", document.code)
    context = {
        "form": form,
        "document": document,
        "directory": selectors.issuer_directory(document.committee_id),
    }
    return render(request, "documents/incoming_edit.html", context)


def _back(document):
    return redirect("documents:incoming_detail", document.code)


@login_required
@require_POST
def incoming_submit(request, code):
    user = request.user
    document = selectors.get_incoming_for_user(user, code)
    form = SubmitForm(request.POST, leaders=selectors.leaders_for_committee(user.committee_id))
    if not form.is_valid():
        messages.error(request, _("Choose the leader to submit to."))
        return _back(document)
    leader = selectors.get_user_in_committee(user.committee_id, form.cleaned_data["leader"])
    try:
        services.incoming_submit(
            actor=user, document=document, leader=leader, version=form.cleaned_data["version"]
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request, _("Submitted to %(name)s for direction.") % {"name": leader.full_name}
        )
    return _back(document)


@login_required
@require_POST
def incoming_direct(request, code):
    user = request.user
    document = selectors.get_incoming_for_user(user, code)
    units, users = selectors.handler_options(user.committee_id)
    form = DirectionForm(request.POST, units=units, users=users)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return _back(document)
    data = form.cleaned_data
    specs = []

    def spec(role, value, due):
        unit, person = selectors.resolve_handler(user.committee_id, value)
        if unit is not None or person is not None:
            specs.append(services.AssignmentSpec(role=role, unit=unit, user=person, due_date=due))

    if data["lead"]:
        spec("lead", data["lead"], data["lead_due"])
    for value in data["support"]:
        spec("support", value, data["support_due"])
    for value in data["fyi"]:
        spec("fyi", value, None)
    try:
        services.incoming_direct(
            actor=user,
            document=document,
            direction=data["direction"],
            assignments=specs,
            version=data["version"],
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Direction recorded and the handlers notified."))
    return _back(document)


@login_required
@require_POST
def incoming_close(request, code):
    user = request.user
    document = selectors.get_incoming_for_user(user, code)
    form = CloseForm(request.POST, dossiers=selectors.open_dossiers(user.committee_id))
    if not form.is_valid():
        messages.error(request, _("Write the result of the handling."))
        return _back(document)
    dossier = selectors.get_dossier(user.committee_id, form.cleaned_data["dossier"])
    try:
        services.incoming_complete(
            actor=user,
            document=document,
            result=form.cleaned_data["result"],
            dossier=dossier,
            version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The matter is closed and filed."))
    return _back(document)


@login_required
@require_POST
def incoming_summary(request, code):
    document = selectors.get_incoming_for_user(request.user, code)
    form = SummaryForm(request.POST)
    if form.is_valid():
        try:
            services.incoming_allow_summary(
                actor=request.user, document=document, summary=form.cleaned_data["summary"]
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Summary recorded."))
    else:
        messages.error(request, _("Enter the summary (trích yếu)."))
    return _back(document)


@login_required
@require_POST
def assignment_record(request, code):
    assignment = selectors.get_assignment_for_user(request.user, code)
    form = RecordForm(request.POST)
    if form.is_valid():
        try:
            services.assignment_record(
                actor=request.user,
                assignment=assignment,
                text=form.cleaned_data["text"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Recorded."))
    else:
        messages.error(request, _("Write what was done."))
    return _back(assignment.document)


@login_required
@require_POST
def assignment_pass_on(request, code):
    user = request.user
    assignment = selectors.get_assignment_for_user(user, code)
    units, users = selectors.handler_options(user.committee_id)
    form = HandlerForm(request.POST, units=units, users=users)
    if form.is_valid():
        unit, person = selectors.resolve_handler(user.committee_id, form.cleaned_data["handler"])
        try:
            services.assignment_delegate(
                actor=user,
                assignment=assignment,
                spec=services.AssignmentSpec(
                    role="support", unit=unit, user=person, due_date=form.cleaned_data["due_date"]
                ),
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Passed on and notified."))
    else:
        messages.error(request, _("Choose a unit or a person for each assignment."))
    return _back(assignment.document)


@login_required
@require_POST
def assignment_done(request, code):
    user = request.user
    assignment = selectors.get_assignment_for_user(user, code)
    form = ResultForm(request.POST, replies=selectors.reply_candidates(user, assignment.document))
    if form.is_valid():
        reply = None
        if form.cleaned_data["reply"]:
            reply = selectors.get_outgoing_for_user(user, form.cleaned_data["reply"])
        try:
            services.assignment_complete(
                actor=user, assignment=assignment, result=form.cleaned_data["result"], reply=reply
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Result recorded."))
    else:
        messages.error(request, _("Write the result."))
    return _back(assignment.document)


@login_required
@require_POST
def assignment_deadline(request, code):
    assignment = selectors.get_assignment_for_user(request.user, code)
    form = DeadlineForm(request.POST)
    if form.is_valid():
        try:
            services.assignment_extend(
                actor=request.user,
                assignment=assignment,
                due_date=form.cleaned_data["due_date"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Deadline changed and the handlers notified."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return _back(assignment.document)


@login_required
@require_POST
def assignment_escalate(request, code):
    assignment = selectors.get_assignment_for_user(request.user, code)
    form = EscalateForm(request.POST)
    if form.is_valid():
        try:
            services.assignment_escalate(
                actor=request.user, assignment=assignment, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("The handlers were pressed with an urgent notice."))
    else:
        messages.error(request, _("Write what you ask of the handlers."))
    return _back(assignment.document)


@login_required
def file_download(request, code):
    """Serve a stored file after the permission check, only if its SHA-256 still matches."""
    stored = selectors.get_file_for_user(request.user, code)
    try:
        data = doc_files.read_verified(stored)
    except FileNotFoundError as exc:
        raise Http404 from exc
    except doc_files.IntegrityError:
        return render(
            request,
            "documents/file_damaged.html",
            {"stored": stored},
            status=409,
        )
    inline = stored.content_type in (doc_files.PDF, doc_files.JPEG, doc_files.PNG)
    response = FileResponse(iter([data]), content_type=stored.content_type)
    response["Content-Length"] = str(len(data))
    response["Content-Disposition"] = content_disposition_header(
        not inline or request.GET.get("download") == "1", stored.original_name
    )
    response["Cache-Control"] = "private, no-store"
    return response
