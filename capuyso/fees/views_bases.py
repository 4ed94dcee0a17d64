"""Members' fee bases and reliefs: a member's fee basis page (history, declaration, reliefs),
the cell's bulk entry for a month, and the import of a cell's bases from a sheet."""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from capuyso.accounts.permissions import access_for
from capuyso.core.forms import add_service_errors
from capuyso.fees import calc
from capuyso.fees.access import get_cell_for_user, get_member_for_user, may_manage_cell
from capuyso.fees.forms_bases import (
    BulkForm,
    DeclareForm,
    EndReliefForm,
    ImportForm,
    ReliefForm,
    WithdrawReliefForm,
)
from capuyso.fees.models import FeeRelief
from capuyso.fees.selectors_rules import groups_for, settings_in_force
from capuyso.fees.services import bases as services
from capuyso.fees.services import reliefs as relief_services

IMPORT_MAX_BYTES = 2 * 1024 * 1024


def _month(text: str) -> dt.date:
    try:
        month = calc.parse_month(text)
    except ValueError as exc:
        raise Http404 from exc
    if not 2000 <= month.year <= 2100:
        raise Http404
    return month


def _this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


# --- A member's page --------------------------------------------------------------------------


def _member_page(request, member, *, declare_form=None, relief_form=None, status=200):
    manage = member.cell_id is not None and may_manage_cell(request.user, member.cell)
    month = _this_month()
    fee_settings = settings_in_force(member.committee, month)
    percents = fee_settings.reduction_percents if fee_settings else [30, 50, 70]
    if manage and declare_form is None:
        current = services.basis_in_force(member, month)
        declare_form = DeclareForm(
            committee=member.committee,
            initial={
                "month": month,
                "group": current.group_id if current else None,
                "amount": current.amount if current else None,
            },
        )
    if manage and relief_form is None:
        relief_form = ReliefForm(percents=percents, initial={"start_month": month})
    context = {
        "member": member,
        "manage": manage,
        "current": services.basis_in_force(member, month),
        "history": services.bases_history(member),
        "reliefs": relief_services.reliefs_of(member),
        "declare_form": declare_form,
        "relief_form": relief_form,
        "withdraw_form": WithdrawReliefForm(),
        "end_form": EndReliefForm(),
        "month": month,
    }
    return render(request, "fees/bases_member.html", context, status=status)


@login_required
def member_bases(request, code):
    member = get_member_for_user(request.user, code)
    return _member_page(request, member)


@login_required
@require_POST
def basis_declare(request, code):
    member = get_member_for_user(request.user, code, manage=True)
    form = DeclareForm(request.POST, committee=member.committee)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.basis_declare(
                actor=request.user,
                member=member,
                group=data["group"],
                amount=data["amount"],
                month=data["month"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The fee basis was saved."))
            return redirect("fees:member_bases", code=member.code)
    return _member_page(request, member, declare_form=form)


# --- Reliefs --------------------------------------------------------------------------------


def _get_relief(user, code) -> FeeRelief:
    access = access_for(user)
    try:
        relief = FeeRelief.objects.select_related("member").get(
            code=code, committee_id=access.committee_id
        )
    except (FeeRelief.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    get_member_for_user(user, relief.member.code, manage=True)  # 403 without the right
    return relief


@login_required
@require_POST
def relief_record(request, code):
    member = get_member_for_user(request.user, code, manage=True)
    fee_settings = settings_in_force(member.committee, _this_month())
    percents = fee_settings.reduction_percents if fee_settings else [30, 50, 70]
    form = ReliefForm(request.POST, percents=percents)
    if form.is_valid():
        try:
            relief_services.relief_record(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The relief was recorded."))
            return redirect("fees:member_bases", code=member.code)
    return _member_page(request, member, relief_form=form)


def _relief_action(request, code, form_class, action, done):
    relief = _get_relief(request.user, code)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(actor=request.user, relief=relief, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, done)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("fees:member_bases", code=relief.member.code)


@login_required
@require_POST
def relief_withdraw(request, code):
    return _relief_action(
        request,
        code,
        WithdrawReliefForm,
        relief_services.relief_withdraw,
        _("The relief was withdrawn."),
    )


@login_required
@require_POST
def relief_end(request, code):
    return _relief_action(
        request, code, EndReliefForm, relief_services.relief_end, _("The relief was ended.")
    )


# --- A cell's month in bulk --------------------------------------------------------------------


@login_required
def cell_bases_now(request, code):
    cell = get_cell_for_user(request.user, code, manage=True)
    return redirect("fees:bases_cell", code=cell.code, month=f"{_this_month():%Y-%m}")


@login_required
def cell_bases(request, code, month):
    cell = get_cell_for_user(request.user, code, manage=True)
    month = _month(month)
    members = list(services.cell_members(cell, month))
    current = services.bases_on([m.pk for m in members], month)
    rows = [{"member": m, "basis": current.get(m.pk)} for m in members]
    form = BulkForm(
        request.POST or None,
        rows=rows,
        groups=list(groups_for(cell.committee, active_only=True)),
        initial={"version": services.bases_version(cell, month)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.bases_bulk_save(
                actor=request.user,
                cell=cell,
                month=month,
                entries=form.entries(),
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Saved: %(created)s new, %(updated)s corrected, %(unchanged)s unchanged.")
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            return redirect("fees:bases_cell", code=cell.code, month=f"{month:%Y-%m}")
    context = {
        "cell": cell,
        "month": month,
        "form": form,
        "previous": calc.add_months(month, -1),
        "next": calc.add_months(month, 1),
        "missing": sum(1 for row in rows if row["basis"] is None),
    }
    return render(request, "fees/bases_cell.html", context)


# --- Import --------------------------------------------------------------------------------


def _session_key(token: str) -> str:
    return f"fees-bases-import-{token}"


@login_required
def cell_bases_import(request, code):
    cell = get_cell_for_user(request.user, code, manage=True)
    context = {"cell": cell, "lines": None}
    if request.method == "POST" and "token" in request.POST:
        stored = request.session.get(_session_key(request.POST["token"]))
        if not stored or stored["cell"] != str(cell.code):
            messages.error(request, _("The preview has expired; upload the file again."))
            return redirect("fees:bases_import", code=cell.code)
        month = dt.date.fromisoformat(stored["month"])
        data = base64.b64decode(stored["data"])
        lines = services.bases_import_read(
            cell=cell, month=month, data=data, filename=stored["name"]
        )
        try:
            result = services.bases_import_commit(
                actor=request.user, cell=cell, month=month, lines=lines
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            context.update(lines=lines, month=month, token=request.POST["token"])
            context["form"] = ImportForm(initial={"month": month})
            return _import_page(request, context)
        del request.session[_session_key(request.POST["token"])]
        messages.success(
            request,
            _("Imported: %(created)s new, %(updated)s corrected, %(unchanged)s unchanged.")
            % {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
        return redirect("fees:bases_cell", code=cell.code, month=f"{month:%Y-%m}")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        month = form.cleaned_data["month"]
        if upload.size > IMPORT_MAX_BYTES:
            form.add_error("file", _("The file is larger than 2 MB; split it by cell."))
        else:
            data = upload.read()
            try:
                lines = services.bases_import_read(
                    cell=cell, month=month, data=data, filename=upload.name
                )
            except ValidationError as exc:
                add_service_errors(form, ValidationError({"file": exc.messages}))
            else:
                token = secrets.token_urlsafe(12)
                if not any(line.errors for line in lines):
                    request.session[_session_key(token)] = {
                        "cell": str(cell.code),
                        "month": month.isoformat(),
                        "name": upload.name,
                        "data": base64.b64encode(data).decode(),
                    }
                context.update(lines=lines, month=month, token=token)
    context["form"] = form
    return _import_page(request, context)


def _import_page(request, context):
    cell = context["cell"]
    context["errors"] = sum(1 for line in context["lines"] or [] if line.errors)
    context["cell_url"] = reverse(
        "fees:bases_cell", kwargs={"code": cell.code, "month": f"{_this_month():%Y-%m}"}
    )
    return render(request, "fees/bases_import.html", context)
