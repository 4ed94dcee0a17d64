"""Pages of outgoing documents: the list, drafting and editing, the document page, and its
workflow actions (review, approval, issue, cancel, reminders to read).

Each view fetches through a selector, calls one service and redirects; the services
decide who may do what, so the buttons shown here only mirror their rules.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.core.forms import add_service_errors
from capuyso.core.pagination import CappedPaginator
from capuyso.documents import selectors
from capuyso.documents.access import may
from capuyso.documents.forms.outgoing import (
    CancelForm,
    OutgoingEditForm,
    OutgoingFilterForm,
    OutgoingForm,
    ReturnForm,
    ReviewAnswerForm,
    ReviewRequestForm,
    VersionForm,
    recipients_error_on_units,
)
from capuyso.documents.models import OutgoingDocument, OutgoingRecipient, Review
from capuyso.documents.services import outgoing as services
from capuyso.signing.selectors import signing_context

Status = OutgoingDocument.Status
EDITABLE = (Status.DRAFT, Status.IN_REVIEW)


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _is_stale(error: ValidationError) -> bool:
    if hasattr(error, "error_dict"):
        return False
    return any(getattr(e, "code", None) == "stale" for e in error.error_list)


def _back(document):
    return redirect("documents:outgoing_detail", document.code)


# --- the list ---------------------------------------------------------------------------


@login_required
def outgoing_list(request):
    user = request.user
    access = access_for(user)
    if not (access.has(Action.DOCUMENTS_VIEW) or access.has(Action.DOCUMENTS_DRAFT)):
        raise PermissionDenied
    doc_types, units = selectors.outgoing_filter_choices(user)
    form = OutgoingFilterForm(request.GET or None, doc_types=doc_types, units=units)
    filters = selectors.OutgoingFilters(**form.values())
    documents = (
        selectors.filter_outgoing(
            selectors.outgoing_for_user(user),
            filters,
            committee_id=user.committee_id,
            whole_committee=access.committee_wide(Action.DOCUMENTS_VIEW),
        )
        .select_related("doc_type", "issuing_unit", "signer")
        .order_by("-created_at", "-pk")
    )
    page = CappedPaginator(documents, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "form": form,
        "query_string": params.urlencode(),
        "can_draft": access.has(Action.DOCUMENTS_DRAFT),
    }
    template = (
        "documents/outgoing_list.html#outgoing-table"
        if request.htmx
        else "documents/outgoing_list.html"
    )
    return render(request, template, context)


# --- drafting and editing -------------------------------------------------------------


def _form_choices(issuing_unit, *, keep_type=None) -> dict:
    return {
        "doc_types": selectors.draft_type_choices(issuing_unit, keep=keep_type),
        "signers": services.signers_for(issuing_unit),
        "units": selectors.recipient_units_for(issuing_unit),
        "committees": selectors.platform_committees(issuing_unit.committee),
    }


def _reply_to(user, code):
    """The incoming document a draft answers, through the incoming door (404/403)."""
    if not code:
        return None
    return selectors.get_incoming_for_user(user, code)


@login_required
def outgoing_new(request):
    user = request.user
    if not access_for(user).has(Action.DOCUMENTS_DRAFT):
        raise PermissionDenied
    try:
        issuing_unit = services.default_issuing_unit(user)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("documents:outgoing_list")
    source = request.POST if request.method == "POST" else request.GET
    reply_to = _reply_to(user, source.get("reply_to", "").strip())
    template_code = source.get("template", "").strip()
    template = None
    if template_code:
        template = selectors.get_draft_template(issuing_unit, template_code)
        if template is None:
            raise Http404
    elif request.method == "GET" and not request.GET.get("blank"):
        context = {
            "templates": selectors.draft_templates_for(issuing_unit),
            "issuing_unit": issuing_unit,
            "reply_to": reply_to,
        }
        return render(request, "documents/outgoing_new.html", context)
    initial = {"reply_to": reply_to.code if reply_to else None, "copies": 1}
    if template is not None:
        initial.update(
            template=template.code,
            doc_type=template.doc_type,
            summary=template.summary,
            body=template.body,
            signature_capacity=template.signature_capacity,
            recipients_text=template.recipients,
        )
    form = OutgoingForm(request.POST or None, initial=initial, **_form_choices(issuing_unit))
    if request.method == "POST" and form.is_valid():
        try:
            document = services.outgoing_create(
                actor=user,
                issuing_unit=issuing_unit,
                template=template,
                in_reply_to=reply_to,
                recipients=form.recipient_specs(),
                all_cells=form.cleaned_data["all_cells"],
                submit_token=form.cleaned_data.get("submit_token"),
                **form.service_values(),
            )
        except ValidationError as exc:
            add_service_errors(form, recipients_error_on_units(exc))
        else:
            messages.success(request, _("The draft was saved. Its first version is below."))
            return _back(document)
    context = {
        "form": form,
        "template": template,
        "issuing_unit": issuing_unit,
        "reply_to": reply_to,
    }
    return render(request, "documents/outgoing_new.html", context)


@login_required
def outgoing_edit(request, code):
    user = request.user
    document = selectors.get_outgoing_for_user(user, code)
    if not services.outgoing_may_edit(user, document):
        raise PermissionDenied
    if document.status not in EDITABLE:
        messages.error(request, _("An approved or issued document can no longer be edited."))
        return _back(document)
    recipients = selectors.outgoing_recipients(document)
    form = OutgoingEditForm(
        request.POST or None,
        request.FILES or None,
        initial=OutgoingForm.initial_from(document, recipients),
        **_form_choices(document.issuing_unit, keep_type=document.doc_type),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.outgoing_update(
                actor=user,
                document=document,
                version=data["version"],
                note=data["note"],
                upload=data["upload"] or None,
                recipients=form.recipient_specs(),
                all_cells=data["all_cells"],
                **form.service_values(),
            )
        except ValidationError as exc:
            if _is_stale(exc):
                _errors(request, exc)
                return redirect("documents:outgoing_edit", document.code)
            add_service_errors(form, recipients_error_on_units(exc))
        else:
            messages.success(request, _("A new version of the draft was saved."))
            return _back(document)
    return render(request, "documents/outgoing_edit.html", {"form": form, "document": document})


# --- the document page ----------------------------------------------------------------


def _detail_context(request, document: OutgoingDocument) -> dict:
    user = request.user
    parts = selectors.outgoing_page_parts(document)
    status = document.status
    may_edit = status in EDITABLE and services.outgoing_may_edit(user, document)
    may_approve, on_behalf_of = services.approval_acting_as(user, document)
    may_issue = may(user, Action.DOCUMENTS_ISSUE, document.issuing_unit)
    if status == Status.ISSUED:
        may_cancel = may_issue
    else:
        may_cancel = status != Status.CANCELLED and services.outgoing_may_edit(user, document)
    platform = [r for r in parts["recipients"] if r.method == OutgoingRecipient.Method.PLATFORM]
    dispatched = status in (Status.ISSUED, Status.CANCELLED) and document.issued_at is not None
    version = {"version": document.version}
    pending = [
        r
        for r in parts["reviews"]
        if r.reviewer_id == user.pk and r.verdict == Review.Verdict.PENDING
    ]
    context = {
        "document": document,
        **parts,
        "my_review": pending[-1] if pending else None,
        "can_edit": may_edit,
        "can_send": may_edit,
        "can_approve": may_approve and status in EDITABLE,
        "can_return": may_approve and status in (*EDITABLE, Status.APPROVED),
        "on_behalf_of": on_behalf_of if may_approve else None,
        "can_issue": may_issue and status == Status.APPROVED,
        "can_cancel": may_cancel,
        "can_remind": may_issue and status == Status.ISSUED and bool(platform),
        "distribution": selectors.distribution_for(document) if dispatched else [],
        "issued_file": services.issued_file(document) if dispatched else None,
        # Each form gets its own id prefix: several sit on one page.
        "review_form": ReviewRequestForm(
            initial=version,
            auto_id="review_%s",
            reviewers=selectors.reviewer_options(document.committee_id, exclude=user),
        )
        if may_edit
        else None,
        "answer_form": ReviewAnswerForm(initial=version, auto_id="answer_%s"),
        "return_form": ReturnForm(initial=version, auto_id="return_%s"),
        "cancel_form": CancelForm(initial=version, auto_id="cancel_%s"),
        "signing": signing_context(user, document),
    }
    return context


@login_required
def outgoing_detail(request, code):
    document = selectors.get_outgoing_for_user(request.user, code)
    return render(request, "documents/outgoing_detail.html", _detail_context(request, document))


# --- workflow actions: POST only, one service each ----------------------------------


def _parsed(form) -> dict:
    """The valid fields of a posted form. What is missing or wrong is left for the service
    to refuse, after its permission check: a user without the right gets 403 either way."""
    form.is_valid()
    return form.cleaned_data


def _version(request):
    return _parsed(VersionForm(request.POST)).get("version")


def _run(request, document, action, success: str):
    """Call the service; a refusal (a stale page included) becomes a message."""
    try:
        action()
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, success)
    return _back(document)


@require_POST
@login_required
def outgoing_review_request(request, code):
    user = request.user
    document = selectors.get_outgoing_for_user(user, code)
    form = ReviewRequestForm(
        request.POST, reviewers=selectors.reviewer_options(document.committee_id)
    )
    reviewers = list(_parsed(form).get("reviewers", []))
    return _run(
        request,
        document,
        lambda: services.review_request(actor=user, document=document, reviewers=reviewers),
        ngettext(
            "The draft was sent to %(count)d reviewer.",
            "The draft was sent to %(count)d reviewers.",
            len(reviewers),
        )
        % {"count": len(reviewers)},
    )


@require_POST
@login_required
def review_answer(request, code):
    user = request.user
    review = selectors.get_review_for_user(user, code)
    document = review.document
    data = _parsed(ReviewAnswerForm(request.POST))
    return _run(
        request,
        document,
        lambda: services.review_answer(
            actor=user,
            review=review,
            verdict=data.get("verdict", ""),
            comment=data.get("comment", ""),
        ),
        _("Your opinion was recorded and sent to the drafter."),
    )


@require_POST
@login_required
def outgoing_send(request, code):
    user = request.user
    document = selectors.get_outgoing_for_user(user, code)
    version = _version(request)
    return _run(
        request,
        document,
        lambda: services.outgoing_send_for_approval(actor=user, document=document, version=version),
        _("The draft was sent to the signer for approval."),
    )


@require_POST
@login_required
def outgoing_approve(request, code):
    user = request.user
    document = selectors.get_outgoing_for_user(user, code)
    version = _version(request)
    return _run(
        request,
        document,
        lambda: services.outgoing_approve(actor=user, document=document, version=version),
        _("Approved. The Office can now number and issue it."),
    )


@require_POST
@login_required
def outgoing_return(request, code):
    user = request.user
    document = selectors.get_outgoing_for_user(user, code)
    data = _parsed(ReturnForm(request.POST))
    return _run(
        request,
        document,
        lambda: services.outgoing_return(
            actor=user,
            document=document,
            comment=data.get("comment", ""),
            version=data.get("version"),
        ),
        _("The draft was returned to the drafter with your comment."),
    )


@require_POST
@login_required
def outgoing_issue(request, code):
    user = request.user
    document = selectors.get_outgoing_for_user(user, code)
    version = _version(request)
    try:
        issued = services.outgoing_issue(actor=user, document=document, version=version)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("Issued as Số %(reference)s and sent to its recipients.")
            % {"reference": issued.reference},
        )
    return _back(document)


@require_POST
@login_required
def outgoing_cancel(request, code):
    user = request.user
    document = selectors.get_outgoing_for_user(user, code)
    data = _parsed(CancelForm(request.POST))
    return _run(
        request,
        document,
        lambda: services.outgoing_cancel(
            actor=user,
            document=document,
            reason=data.get("reason", ""),
            version=data.get("version"),
        ),
        _("The document was cancelled."),
    )


@require_POST
@login_required
def outgoing_remind(request, code):
    user = request.user
    document = selectors.get_outgoing_for_user(user, code)
    reminded, refusal = None, None
    try:
        reminded = services.outgoing_remind_unread(actor=user, document=document)
    except ValidationError as exc:
        refusal = exc
    if request.htmx:
        # Only the distribution table is swapped in, with the outcome shown above it.
        context = _detail_context(request, document)
        context.update(reminded=reminded, remind_errors=refusal.messages if refusal else [])
        return render(request, "documents/outgoing_detail.html#distribution", context)
    if refusal is not None:
        _errors(request, refusal)
    if reminded:
        messages.success(
            request,
            ngettext(
                "%(count)d recipient that has not read it yet was reminded.",
                "%(count)d recipients that have not read it yet were reminded.",
                reminded,
            )
            % {"count": reminded},
        )
    elif reminded == 0:
        messages.info(request, _("Every recipient has opened it; nobody needed a reminder."))
    return _back(document)


urlpatterns = [
    path("outgoing/", outgoing_list, name="outgoing_list"),
    path("outgoing/new/", outgoing_new, name="outgoing_new"),
    path("outgoing/<uuid:code>/", outgoing_detail, name="outgoing_detail"),
    path("outgoing/<uuid:code>/edit/", outgoing_edit, name="outgoing_edit"),
    path("outgoing/<uuid:code>/review/", outgoing_review_request, name="outgoing_review_request"),
    path("reviews/<uuid:code>/answer/", review_answer, name="review_answer"),
    path("outgoing/<uuid:code>/send/", outgoing_send, name="outgoing_send"),
    path("outgoing/<uuid:code>/approve/", outgoing_approve, name="outgoing_approve"),
    path("outgoing/<uuid:code>/return/", outgoing_return, name="outgoing_return"),
    path("outgoing/<uuid:code>/issue/", outgoing_issue, name="outgoing_issue"),
    path("outgoing/<uuid:code>/cancel/", outgoing_cancel, name="outgoing_cancel"),
    path("outgoing/<uuid:code>/remind/", outgoing_remind, name="outgoing_remind"),
]
