"""Pages of the member life cycle: recognitions, exemption, transfers, leaving the Party,
periods outside the Party.

Each view fetches through a selector (404 outside the committee, 403 without the right),
calls one service and redirects with a message; the services decide and refuse with
coded errors that the forms show on their fields.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
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
from capuyso.members import selectors_lifecycle as sel
from capuyso.members.forms_lifecycle import (
    AcceptForm,
    CancelForm,
    CloseForm,
    ExemptionEndForm,
    ExemptionForm,
    GapForm,
    ReceiptForm,
    ReceiveForm,
    RecognizeForm,
    RefuseForm,
    ReturnForm,
    TransferForm,
    VoteFailedForm,
)
from capuyso.members.models import Member, Transfer
from capuyso.members.selectors import get_member_for_user
from capuyso.members.services import lifecycle as services
from capuyso.members.services import transfers as transfer_services
from capuyso.members.services.file import may_manage
from capuyso.org.models import Unit
from capuyso.org.selectors import get_unit_for_user, units_for_user


def _messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _member_to_manage(request, code) -> Member:
    member = get_member_for_user(request.user, code)
    if not may_manage(request.user, member):
        raise PermissionDenied
    return member


def _to_member(member: Member):
    return redirect("members:detail", member.code)


# --- Recognitions -----------------------------------------------------------------------


@login_required
def recognitions(request):
    user = request.user
    cell = None
    if request.GET.get("cell"):
        cell = get_unit_for_user(user, request.GET["cell"], action=Action.MEMBERS_VIEW_FILE)
    access = access_for(user)
    if not access.has(Action.MEMBERS_VIEW_FILE):
        raise PermissionDenied
    cells = list(
        units_for_user(user, Action.MEMBERS_VIEW_FILE)
        .filter(kind__in=(Unit.Kind.CELL, Unit.Kind.PARTY_GROUP), dissolved_on__isnull=True)
        .only("code", "name")
    )
    if cell is None and len(cells) == 1:
        cell = cells[0]
    include_later = request.GET.get("later") == "1"
    items = sel.recognitions_for_user(user, cell=cell, include_later=include_later)
    page = Paginator(items, 100).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "cell": cell,
        "cells": cells,
        "later": include_later,
        "query_string": params.urlencode(),
        "max_votes": sel.MAX_RECOGNITION_VOTES,
    }
    template = (
        "members/recognitions.html#recognition-table"
        if request.htmx
        else "members/recognitions.html"
    )
    return render(request, template, context)


@login_required
def member_recognize(request, code):
    member = _member_to_manage(request, code)
    form = RecognizeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_recognize(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is recognised as a full member from %(date)s.")
                % {
                    "name": member.full_name,
                    "date": member.full_membership_date.strftime("%d/%m/%Y"),
                },
            )
            return _to_member(member)
    return _recognize_page(request, member, form, VoteFailedForm())


def _recognize_page(request, member, form, vote_form, status=200):
    probation = sel.probation_for(member) if member.status == Member.Status.PROBATIONARY else None
    votes = sel.failed_votes(member)
    return render(
        request,
        "members/lifecycle_recognize.html",
        {
            "member": member,
            "probation": probation,
            "form": form,
            "vote_form": vote_form,
            "votes": votes,
            "max_votes": sel.MAX_RECOGNITION_VOTES,
            "refer_upward": len(votes) >= sel.MAX_RECOGNITION_VOTES,
        },
        status=status,
    )


@require_POST
@login_required
def recognition_failed(request, code):
    member = _member_to_manage(request, code)
    form = VoteFailedForm(request.POST)
    if form.is_valid():
        try:
            count = services.recognition_vote_failed(
                actor=request.user, member=member, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if count >= sel.MAX_RECOGNITION_VOTES:
                messages.warning(
                    request,
                    _(
                        "The recognition vote has failed %(count)s times: refer the case to "
                        "the committee."
                    )
                    % {"count": count},
                )
            else:
                messages.success(
                    request,
                    _("The failed vote is recorded (%(count)s of %(max)s).")
                    % {"count": count, "max": sel.MAX_RECOGNITION_VOTES},
                )
            return redirect("members:recognize", member.code)
    return _recognize_page(request, member, RecognizeForm(), form, status=400)


# --- Exemption --------------------------------------------------------------------------


@login_required
def member_exempt(request, code):
    member = _member_to_manage(request, code)
    form = ExemptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.exemption_record(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if member.status == Member.Status.EXEMPT:
                messages.success(
                    request,
                    _("%(name)s is exempt from activities and no longer counts in the cell's vote.")
                    % {"name": member.full_name},
                )
            else:
                messages.success(request, _("The exemption is recorded in the history."))
            return _to_member(member)
    return render(
        request,
        "members/lifecycle_exempt.html",
        {
            "member": member,
            "form": form,
            "exemptions": member.exemptions.all(),
            "end_form": ExemptionEndForm(initial={"resume_on": timezone.localdate()}),
            "today": timezone.localdate(),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def exemption_end(request, code):
    exemption = sel.get_exemption_for_user(request.user, code)
    member = exemption.member
    if not may_manage(request.user, member):
        raise PermissionDenied
    form = ExemptionEndForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("members:exempt", member.code)
    try:
        services.exemption_end(actor=request.user, exemption=exemption, **form.cleaned_data)
    except ValidationError as exc:
        _messages(request, exc)
        return redirect("members:exempt", member.code)
    messages.success(
        request,
        _("%(name)s takes part in activities again from %(date)s.")
        % {"name": member.full_name, "date": form.cleaned_data["resume_on"].strftime("%d/%m/%Y")},
    )
    return _to_member(member)


# --- Leaving the Party and periods outside it ----------------------------------------------


@login_required
def member_close(request, code):
    member = _member_to_manage(request, code)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_close(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The record of %(name)s is closed (%(status)s). Its history is kept.")
                % {"name": member.full_name, "status": member.get_status_display()},
            )
            return _to_member(member)
    return render(
        request,
        "members/lifecycle_close.html",
        {"member": member, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def gap_add(request, code):
    member = _member_to_manage(request, code)
    form = GapForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.gap_record(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The period outside the Party is recorded; party age leaves it out.")
            )
            return _to_member(member)
    return render(
        request,
        "members/lifecycle_gaps.html",
        {"member": member, "form": form, "gaps": member.gaps.all()},
        status=400 if form.errors else 200,
    )


# --- Transfers --------------------------------------------------------------------------


@login_required
def transfer_new(request, code):
    member = _member_to_manage(request, code)
    user = request.user
    allow_outside = sel.may_manage_committee(user, member.committee_id)
    cells = sel.transfer_target_cells(user).exclude(pk=member.cell_id).order_by("name")
    form = TransferForm(
        request.POST or None,
        cells=cells,
        committees=sel.platform_committees(member.committee),
        allow_outside=allow_outside,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = {
            "actor": user,
            "member": member,
            "kind": data["kind"],
            "decision_number": data["decision_number"],
            "decision_date": data["decision_date"],
            "until": data["until"],
            "note": data["note"],
        }
        try:
            if data["scope"] == Transfer.Scope.INTERNAL:
                transfer = transfer_services.transfer_internal(to_cell=data["to_cell"], **common)
            elif data["scope"] == Transfer.Scope.PLATFORM:
                transfer = transfer_services.transfer_platform_start(
                    to_committee=data["to_committee"], **common
                )
            else:
                transfer = transfer_services.transfer_external_out(
                    organisation=data["organisation"], **common
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if transfer.scope == Transfer.Scope.INTERNAL:
                messages.success(request, _("The transfer between cells is recorded."))
                return _to_member(member)
            if transfer.scope == Transfer.Scope.PLATFORM:
                messages.success(
                    request,
                    _("The transfer is sent to %(committee)s; it waits for them to accept.")
                    % {"committee": transfer.to_committee.name},
                )
            else:
                messages.success(
                    request,
                    _(
                        "The transfer is recorded. Download the introduction letter, sign it "
                        "and send it."
                    ),
                )
            return redirect("members:transfer_detail", transfer.code)
    return render(
        request,
        "members/lifecycle_transfer.html",
        {
            "member": member,
            "form": form,
            "allow_outside": allow_outside,
            "pending": sel.pending_transfer(member),
        },
        status=400 if form.errors else 200,
    )


@login_required
def transfers(request):
    user = request.user
    access = access_for(user)
    if not access.has(Action.MEMBERS_MANAGE):
        raise PermissionDenied
    rows = sel.transfers_for_user(user)
    show = request.GET.get("show", "pending")
    if show == "pending":
        rows = rows.filter(status=Transfer.Status.PENDING)
    elif show == "overdue":
        rows = rows.filter(status=Transfer.Status.PENDING, deadline__lt=timezone.localdate())
    else:
        show = "all"
    rows = rows.order_by("deadline" if show != "all" else "-decision_date", "-created_at")
    page = CappedPaginator(rows, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    committee_wide = access.committee_wide(Action.MEMBERS_MANAGE)
    context = {
        "page": page,
        "show": show,
        "query_string": params.urlencode(),
        "today": timezone.localdate(),
        "committee_id": access.committee_id,
        "committee_wide": committee_wide,
    }
    template = "members/transfers.html#transfer-table" if request.htmx else "members/transfers.html"
    return render(request, template, context)


def _transfer_context(request, transfer: Transfer, **forms) -> dict:
    user = request.user
    cid = access_for(user).committee_id
    today = timezone.localdate()
    sending = transfer.from_committee_id == cid
    receiving = transfer.to_committee_id == cid and not sending
    pending = transfer.status == Transfer.Status.PENDING
    manages_sender = sending and sel.may_manage_committee(user, transfer.from_committee_id)
    manages_receiver = receiving and sel.may_manage_committee(user, transfer.to_committee_id)
    member = transfer.member
    can_open_member = member.committee_id == cid
    can_return = (
        sending
        and transfer.kind == Transfer.Kind.TEMPORARY
        and transfer.status == Transfer.Status.COMPLETED
        and (transfer.until is None or transfer.until >= today)
        and (
            manages_sender
            or (transfer.scope == Transfer.Scope.INTERNAL and may_manage(user, member))
        )
    )
    context = {
        "transfer": transfer,
        "member": member,
        "sending": sending,
        "receiving": receiving,
        "overdue": sel.is_overdue(transfer, today),
        "can_open_member": can_open_member,
        "can_accept": manages_receiver and pending and transfer.scope == Transfer.Scope.PLATFORM,
        "can_cancel": manages_sender
        and pending
        and transfer.scope in (Transfer.Scope.PLATFORM, Transfer.Scope.EXTERNAL_OUT),
        "can_confirm": manages_sender and pending and transfer.scope == Transfer.Scope.EXTERNAL_OUT,
        "can_return": can_return,
        "can_download": sending and transfer.letter_id is not None,
    }
    if context["can_accept"]:
        context["accept_form"] = forms.get("accept_form") or AcceptForm(
            cells=sel.transfer_target_cells(user).order_by("name"),
            initial={"received_on": today},
        )
        context["refuse_form"] = forms.get("refuse_form") or RefuseForm()
    if context["can_cancel"]:
        context["cancel_form"] = forms.get("cancel_form") or CancelForm()
    if context["can_confirm"]:
        context["receipt_form"] = forms.get("receipt_form") or ReceiptForm(
            initial={"received_on": today}
        )
    if can_return:
        context["return_form"] = forms.get("return_form") or ReturnForm(initial={"back_on": today})
    return context


@login_required
def transfer_detail(request, code):
    transfer = sel.get_transfer_for_user(request.user, code)
    return render(
        request, "members/lifecycle_transfer_detail.html", _transfer_context(request, transfer)
    )


def _transfer_action(request, code, form_class, form_name, action, success):
    """Run one action on a transfer from its page: errors show on the page's form."""
    transfer = sel.get_transfer_for_user(request.user, code)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            result = action(actor=request.user, transfer=transfer, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                add_service_errors(form, exc)
            else:
                _messages(request, exc)
                return redirect("members:transfer_detail", transfer.code)
        else:
            messages.success(request, success(result))
            return redirect("members:transfer_detail", transfer.code)
    context = _transfer_context(request, transfer, **{form_name: form})
    return render(request, "members/lifecycle_transfer_detail.html", context, status=400)


@require_POST
@login_required
def transfer_accept(request, code):
    transfer = sel.get_transfer_for_user(request.user, code)
    if not sel.may_manage_committee(request.user, transfer.to_committee_id):
        raise PermissionDenied
    form = AcceptForm(request.POST, cells=sel.transfer_target_cells(request.user))
    if form.is_valid():
        try:
            transfer = transfer_services.transfer_accept(
                actor=request.user, transfer=transfer, **form.cleaned_data
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                _messages(request, exc)
                return redirect("members:transfer_detail", transfer.code)
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is received into %(cell)s.")
                % {"name": transfer.member.full_name, "cell": transfer.to_cell.name},
            )
            if transfer.kind == Transfer.Kind.PERMANENT:
                return redirect("members:detail", transfer.member.code)
            return redirect("members:transfer_detail", transfer.code)
    context = _transfer_context(request, transfer, accept_form=form)
    return render(request, "members/lifecycle_transfer_detail.html", context, status=400)


@require_POST
@login_required
def transfer_refuse(request, code):
    return _transfer_action(
        request,
        code,
        RefuseForm,
        "refuse_form",
        transfer_services.transfer_refuse,
        lambda t: _("The transfer is refused; the sending committee is told why."),
    )


@require_POST
@login_required
def transfer_cancel(request, code):
    return _transfer_action(
        request,
        code,
        CancelForm,
        "cancel_form",
        transfer_services.transfer_cancel,
        lambda t: _("The transfer is cancelled."),
    )


@require_POST
@login_required
def transfer_receipt(request, code):
    return _transfer_action(
        request,
        code,
        ReceiptForm,
        "receipt_form",
        transfer_services.transfer_confirm_receipt,
        lambda t: _("The receipt is recorded; the transfer is complete."),
    )


@require_POST
@login_required
def transfer_return(request, code):
    return _transfer_action(
        request,
        code,
        ReturnForm,
        "return_form",
        transfer_services.transfer_return,
        lambda t: _("The member is back in their cell."),
    )


@login_required
def transfer_letter(request, code):
    transfer = sel.get_transfer_for_user(request.user, code)
    if (
        transfer.from_committee_id != access_for(request.user).committee_id
        or not transfer.letter_id
    ):
        raise Http404
    stored = transfer.letter
    try:
        data = doc_files.read_verified(stored)
    except FileNotFoundError as exc:
        raise Http404 from exc
    except doc_files.IntegrityError:
        return render(request, "documents/file_damaged.html", {"stored": stored}, status=409)
    response = FileResponse(iter([data]), content_type=stored.content_type)
    response["Content-Length"] = str(len(data))
    response["Content-Disposition"] = content_disposition_header(True, stored.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def transfer_receive(request):
    user = request.user
    access = access_for(user)
    if not access.committee_wide(Action.MEMBERS_MANAGE):
        raise PermissionDenied
    form = ReceiveForm(
        request.POST or None,
        cells=sel.transfer_target_cells(user).order_by("name"),
        initial={"received_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = transfer_services.transfer_external_in(
                actor=user,
                committee=user.committee,
                data=form.member_data(),
                organisation=data["organisation"],
                decision_number=data["decision_number"],
                decision_date=data["decision_date"],
                received_on=data["received_on"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The file of %(name)s is created from the introduction letter.")
                % {"name": member.full_name},
            )
            return _to_member(member)
    return render(
        request,
        "members/lifecycle_receive.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
