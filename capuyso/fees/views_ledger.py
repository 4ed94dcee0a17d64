"""Pages of the fee ledger.

- `home`: the "Party fees" menu item; sends each user to the page suited to them (the
  committee summary, their cell's month, or their own fees).
- `cell_month`: the cell secretary's main page for a month — every member with the due
  and why, what was paid, the cash of the cell meeting for many members in one form, other
  payments (portal, bank, advance, late), the book's totals, closing and reopening.
- `cell_month_book`: the month's book, printable.
- `member`: a member's fee account for the cell and the committee.
- `committee`, `remittances`, `unpaid`: the committee's summary by cell, the money handed
  upward, and the members with unpaid months.

Every object comes through `capuyso.fees.access` (404 outside the committee, 403 without
the right); mutating views take POST only; the services decide and refuse with coded
errors shown as messages or on the form.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from capuyso.core.forms import add_service_errors
from capuyso.core.pagination import CappedPaginator
from capuyso.core.text import format_vnd
from capuyso.fees import calc, selectors
from capuyso.fees.access import (
    committee_of,
    get_cell_for_user,
    get_member_for_user,
    may_manage_cell,
    may_manage_committee,
    may_view_committee,
    require_committee,
)
from capuyso.fees.forms_ledger import (
    CashForm,
    CloseForm,
    ExcuseForm,
    PaymentForm,
    RemittanceForm,
    ReopenForm,
    VoidForm,
    parse_cash_lines,
)
from capuyso.fees.models import Payment
from capuyso.fees.services import bases as bases_services
from capuyso.fees.services import books, excuses, payments, remittances
from capuyso.fees.services import reliefs as relief_services
from capuyso.fees.services.dues import dues_compute
from capuyso.members.models import Member

BASES_TEMPLATE = "fees/_member_bases.html"  # the bases and reliefs section, when it exists


def _month(text: str) -> dt.date:
    try:
        month = calc.parse_month(text)
    except (ValueError, TypeError) as exc:
        raise Http404 from exc
    if not 2000 <= month.year <= 2099:
        raise Http404
    return month


def _query_month(request, default: dt.date) -> dt.date:
    text = request.GET.get("month", "")
    if not text:
        return default
    try:
        month = calc.parse_month(text)
    except (ValueError, TypeError):
        return default
    return month if 2000 <= month.year <= 2099 else default


def _query_year(request, default: int) -> int:
    try:
        year = int(request.GET.get("year", default))
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2099 else default


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _next_or(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return fallback


def _cell_month_url(cell, month: dt.date) -> str:
    return reverse("fees:cell_month", args=[cell.code, month.strftime("%Y-%m")])


def _member_of_cell(cell, code: str) -> Member | None:
    try:
        return Member.objects.select_related("cell").get(
            code=code, committee_id=cell.committee_id, cell=cell
        )
    except (Member.DoesNotExist, ValidationError, ValueError):
        return None


# --- Where "Party fees" leads ---------------------------------------------------------------


@require_GET
@login_required
def home(request):
    user = request.user
    if may_view_committee(user):
        return redirect("fees:committee")
    committee = committee_of(user)
    cells = selectors.cells_for(user, committee.pk)
    if len(cells) == 1:
        return redirect(_cell_month_url(cells[0], books.this_month()))
    if cells:
        return render(
            request, "fees/cell_month_choose.html", {"cells": cells, "month": books.this_month()}
        )
    if getattr(user, "member_id", None):
        return redirect("fees:mine")
    raise PermissionDenied


# --- The cell's month -----------------------------------------------------------------------


def _default_paid_on(month: dt.date) -> dt.date:
    today = timezone.localdate()
    if calc.month_start(today) == month:
        return today
    return min(today, calc.month_end(month))


def _render_cell_month(request, cell, month, *, payment_form=None, cash=None, status=200):
    user = request.user
    view = selectors.cell_month(cell, month)
    may_manage = may_manage_cell(user, cell)
    paid_on = _default_paid_on(month)
    members = [row.member for row in view.rows]
    if payment_form is None:
        payment_form = PaymentForm(
            members=members,
            initial={
                "month": month,
                "months": 1,
                "paid_on": paid_on,
                "method": Payment.Method.PORTAL,
                "version": view.version,
            },
        )
    cash = cash or {}
    for row in view.rows:
        code = str(row.member.code)
        row.posted = cash.get("posted", {}).get(code, {})
        row.error = cash.get("errors", {}).get(code, "")
    context = {
        "cell": cell,
        "month": month,
        "view": view,
        "may_manage": may_manage,
        "payment_form": payment_form,
        "cash_form": CashForm(initial={"paid_on": paid_on, "version": view.version}),
        "cash_paid_on": cash.get("paid_on") or paid_on,
        "cash_error": cash.get("error", ""),
        "previous_month": calc.add_months(month, -1),
        "next_month": calc.add_months(month, 1),
        "this_month": books.this_month(),
        "today": timezone.localdate(),
        "book_open": not view.closed,
        "future": month > books.this_month(),
        "can_record": may_manage and not view.closed and month <= books.this_month(),
        "keeps_percent": selectors.percent_label(view.totals.get("cell_keeps_bp")),
    }
    template = "fees/cell_month.html#month-body" if request.htmx else "fees/cell_month.html"
    return render(request, template, context, status=status)


@require_GET
@login_required
def cell_month_current(request, code):
    cell = get_cell_for_user(request.user, code)
    return redirect(_cell_month_url(cell, _query_month(request, books.this_month())))


@require_GET
@login_required
def cell_month(request, code, month):
    cell = get_cell_for_user(request.user, code)
    return _render_cell_month(request, cell, _month(month))


def _cash_codes(data) -> list[str]:
    codes = []
    for key in data:
        prefix, _sep, rest = key.partition("-")
        if prefix in ("paid", "amount", "extra") and rest and rest not in codes:
            try:
                codes.append(str(uuid.UUID(rest)))
            except ValueError:
                continue
    return codes


@require_POST
@login_required
def cell_month_cash(request, code, month):
    """The cash of the cell meeting: every ticked member paid the month's due (or the
    amount typed on their row) and any extra; all or nothing."""
    cell = get_cell_for_user(request.user, code, manage=True)
    month = _month(month)
    form = CashForm(request.POST)
    codes = _cash_codes(request.POST)
    lines, line_errors = parse_cash_lines(request.POST, codes)
    posted = {
        c: {
            "paid": bool(request.POST.get(f"paid-{c}")),
            "amount": request.POST.get(f"amount-{c}", ""),
            "extra": request.POST.get(f"extra-{c}", ""),
        }
        for c in codes
    }
    cash = {"posted": posted, "errors": dict(line_errors)}
    if not form.is_valid():
        cash["error"] = " ".join(str(e) for errs in form.errors.values() for e in errs)
        return _render_cell_month(request, cell, month, cash=cash, status=400)
    cash["paid_on"] = form.cleaned_data["paid_on"]
    if line_errors:
        cash["error"] = _("Some rows cannot be read; nothing was recorded.")
        return _render_cell_month(request, cell, month, cash=cash, status=400)
    members = {
        str(m.code): m
        for m in Member.objects.select_related("cell").filter(
            committee_id=cell.committee_id, code__in=[line.code for line in lines]
        )
    }
    rows = []
    for line in lines:
        member = members.get(line.code)
        if member is None:
            cash["errors"][line.code] = _("This member is not in the committee.")
            continue
        rows.append(payments.CashRow(member, line.amount, line.extra))
    if cash["errors"]:
        cash["error"] = _("Some rows cannot be recorded; nothing was recorded.")
        return _render_cell_month(request, cell, month, cash=cash, status=400)
    try:
        made = payments.payments_record_cash(
            actor=request.user,
            cell=cell,
            month=month,
            rows=rows,
            paid_on=form.cleaned_data["paid_on"],
            book_version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for key, errors in exc.error_dict.items():
                if key in posted:
                    cash["errors"][key] = " ".join(e.messages[0] for e in errors)
                else:
                    cash["error"] = " ".join(m for e in errors for m in e.messages)
            cash.setdefault("error", _("Some rows cannot be recorded; nothing was recorded."))
        else:
            cash["error"] = " ".join(exc.messages)
        return _render_cell_month(request, cell, month, cash=cash, status=400)
    total = sum(p.amount + p.extra_amount for p in made)
    messages.success(
        request,
        ngettext(
            "Recorded %(count)s cash payment, %(total)s in all.",
            "Recorded %(count)s cash payments, %(total)s in all.",
            len(made),
        )
        % {"count": len(made), "total": format_vnd(total)},
    )
    return redirect(_cell_month_url(cell, month))


@require_POST
@login_required
def cell_month_payment(request, code, month):
    """One payment by any method, or several months at once, in this month's book."""
    cell = get_cell_for_user(request.user, code, manage=True)
    month = _month(month)
    members = list(
        Member.objects.select_related("cell").filter(committee_id=cell.committee_id, cell=cell)
    )
    form = PaymentForm(request.POST, members=members)
    if form.is_valid():
        data = form.cleaned_data
        member = next(m for m in members if str(m.code) == data["member"])
        common = {
            "actor": request.user,
            "member": member,
            "method": data["method"],
            "paid_on": data["paid_on"],
            "extra_amount": data["extra_amount"] or 0,
            "reference": data["reference"],
            "note": data["note"],
            "book_month": month,
            "book_version": data["version"],
        }
        try:
            if data["months"] == 1 and data["amount"] is not None:
                made = [
                    payments.payment_record(month=data["month"], amount=data["amount"], **common)
                ]
            else:
                amounts = None if data["amount"] is None else [data["amount"]] * data["months"]
                made = payments.payments_record_advance(
                    first_month=data["month"], months=data["months"], amounts=amounts, **common
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Recorded %(total)s for %(name)s (%(months)s).")
                % {
                    "total": format_vnd(sum(p.amount + p.extra_amount for p in made)),
                    "name": member.full_name,
                    "months": ", ".join(books.month_label(p.month) for p in made),
                },
            )
            return redirect(_cell_month_url(cell, month))
    return _render_cell_month(request, cell, month, payment_form=form, status=400)


@require_POST
@login_required
def cell_month_compute(request, code, month):
    cell = get_cell_for_user(request.user, code, manage=True)
    month = _month(month)
    book = books.book_of(cell, month)
    if book is not None and book.status == book.Status.CLOSED:
        messages.error(request, _("The book of this month is closed: its dues stay as they are."))
        return redirect(_cell_month_url(cell, month))
    run = dues_compute(committee=cell.committee, month=month, cells=[cell], actor=request.user)
    messages.success(
        request,
        _(
            "Dues of %(month)s computed for %(members)s members: %(total)s in all; "
            "%(missing)s without a fee basis or rule."
        )
        % {
            "month": books.month_label(month),
            "members": run.members,
            "total": format_vnd(run.total),
            "missing": run.no_basis + run.no_rule + run.no_amount,
        },
    )
    return redirect(_cell_month_url(cell, month))


@require_POST
@login_required
def cell_month_close(request, code, month):
    cell = get_cell_for_user(request.user, code, manage=True)
    month = _month(month)
    form = CloseForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else -1
    try:
        book = books.book_close(actor=request.user, cell=cell, month=month, version=version)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("The book of %(month)s is closed: %(collected)s collected, %(to_remit)s to remit.")
            % {
                "month": books.month_label(month),
                "collected": format_vnd(book.collected_total),
                "to_remit": format_vnd(book.to_remit),
            },
        )
    return redirect(_cell_month_url(cell, month))


@require_POST
@login_required
def cell_month_reopen(request, code, month):
    cell = get_cell_for_user(request.user, code, manage=True)
    month = _month(month)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for reopening."))
        return redirect(_cell_month_url(cell, month))
    try:
        books.book_reopen(
            actor=request.user,
            cell=cell,
            month=month,
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("The book of %(month)s is open again.") % {"month": books.month_label(month)},
        )
    return redirect(_cell_month_url(cell, month))


@require_GET
@login_required
def cell_month_book(request, code, month):
    """The month's fee book (sổ thu nộp đảng phí) on one printable page."""
    cell = get_cell_for_user(request.user, code)
    month = _month(month)
    view = selectors.cell_month(cell, month)
    return render(
        request,
        "fees/cell_month_book.html",
        {"cell": cell, "month": month, "view": view, "printed_on": timezone.localdate()},
    )


@require_POST
@login_required
def payment_void(request, code):
    payment = selectors.get_payment_for_user(request.user, code, manage=True)
    fallback = _cell_month_url(payment.cell, payment.book_month)
    form = VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for voiding this payment."))
        return redirect(_next_or(request, fallback))
    try:
        payments.payment_void(
            actor=request.user,
            payment=payment,
            reason=form.cleaned_data["reason"],
            book_version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("The payment of %(amount)s by %(name)s is voided.")
            % {
                "amount": format_vnd(payment.amount + payment.extra_amount),
                "name": payment.member.full_name,
            },
        )
    return redirect(_next_or(request, fallback))


# --- A member's fee account -----------------------------------------------------------------


def bases_template() -> str | None:
    try:
        get_template(BASES_TEMPLATE)
    except TemplateDoesNotExist:
        return None
    return BASES_TEMPLATE


def statement_context(request, member: Member) -> dict:
    today = timezone.localdate()
    year = _query_year(request, today.year)
    statement = selectors.member_statement(member, year, today=today)
    return {
        "member": member,
        "statement": statement,
        "year": year,
        "today": today,
        "this_month": books.this_month(),
        "bases_template": bases_template(),
        # the member's fee basis history and reliefs (fees/_member_bases.html)
        "bases_current": bases_services.basis_in_force(member, books.this_month()),
        "bases_history": bases_services.bases_history(member),
        "bases_reliefs": relief_services.reliefs_of(member),
        "bases_manage": member.cell_id is not None and may_manage_cell(request.user, member.cell),
    }


@require_GET
@login_required
def member(request, code):
    member = get_member_for_user(request.user, code)
    if getattr(request.user, "member_id", None) == member.pk and not may_manage_cell(
        request.user, member.cell
    ):
        return redirect("fees:mine")
    context = statement_context(request, member)
    may_manage = may_manage_cell(request.user, member.cell)
    this_month = context["this_month"]
    book = books.book_of(member.cell, this_month)
    context |= {
        "may_manage": may_manage,
        "payment_form": PaymentForm(
            members=[member],
            initial={
                "member": str(member.code),
                "month": this_month,
                "months": 1,
                "paid_on": context["today"],
                "method": Payment.Method.CASH,
                "version": book.version if book is not None else 1,
            },
        ),
        "excuse_form": ExcuseForm(),
    }
    return render(request, "fees/member.html", context)


@require_POST
@login_required
def member_payment(request, code):
    """A payment recorded from the member's page: in the book of the current month."""
    member = get_member_for_user(request.user, code, manage=True)
    form = PaymentForm(request.POST, members=[member])
    target = reverse("fees:member", args=[member.code])
    if form.is_valid():
        data = form.cleaned_data
        common = {
            "actor": request.user,
            "member": member,
            "method": data["method"],
            "paid_on": data["paid_on"],
            "extra_amount": data["extra_amount"] or 0,
            "reference": data["reference"],
            "note": data["note"],
            "book_month": books.this_month(),
            "book_version": data["version"],
        }
        try:
            if data["months"] == 1 and data["amount"] is not None:
                payments.payment_record(month=data["month"], amount=data["amount"], **common)
            else:
                amounts = None if data["amount"] is None else [data["amount"]] * data["months"]
                payments.payments_record_advance(
                    first_month=data["month"], months=data["months"], amounts=amounts, **common
                )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("The payment is recorded."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(target)


@require_POST
@login_required
def excuse_record(request, code):
    member = get_member_for_user(request.user, code, manage=True)
    form = ExcuseForm(request.POST)
    fallback = reverse("fees:member", args=[member.code])
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_next_or(request, fallback))
    try:
        excuses.excuse_record(
            actor=request.user,
            member=member,
            month=form.cleaned_data["month"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("%(month)s of %(name)s is excused and no longer counts as unpaid.")
            % {"month": books.month_label(form.cleaned_data["month"]), "name": member.full_name},
        )
    return redirect(_next_or(request, fallback))


@require_POST
@login_required
def excuse_withdraw(request, code):
    excuse = selectors.get_excuse_for_user(request.user, code, manage=True)
    excuses.excuse_withdraw(actor=request.user, excuse=excuse)
    messages.success(request, _("The excuse is withdrawn."))
    return redirect(_next_or(request, reverse("fees:member", args=[excuse.member.code])))


# --- The committee --------------------------------------------------------------------------


@require_GET
@login_required
def committee(request):
    committee = require_committee(request.user)
    month = _query_month(request, books.this_month())
    summary = selectors.committee_summary(committee, month)
    context = {
        "committee": committee,
        "month": month,
        "summary": summary,
        "previous_month": calc.add_months(month, -1),
        "next_month": calc.add_months(month, 1),
        "may_manage": may_manage_committee(request.user),
        "year_view": request.GET.get("view") == "year",
        "month_key": month.strftime("%Y-%m"),
    }
    template = "fees/committee.html#summary" if request.htmx else "fees/committee.html"
    return render(request, template, context)


def _remittance_context(request, committee, month, forms_=None) -> dict:
    cells = selectors.cells_for(request.user, committee.pk)
    paid_on = _default_paid_on(month)
    initial = {"month": month, "paid_on": paid_on, "method": Payment.Method.BANK}
    forms_ = forms_ or {}
    return {
        "committee": committee,
        "month": month,
        "previous_month": calc.add_months(month, -1),
        "next_month": calc.add_months(month, 1),
        "rows": selectors.remittances_of(committee, month),
        "summary": selectors.committee_summary(committee, month),
        "may_manage": may_manage_committee(request.user),
        "cell_form": forms_.get("cell")
        or RemittanceForm(cells=cells, initial=initial | {"direction": "cell"}),
        "upper_form": forms_.get("upper")
        or RemittanceForm(cells=(), initial=initial | {"direction": "upper"}),
    }


@require_GET
@login_required
def remittance_list(request):
    committee = require_committee(request.user)
    month = _query_month(request, books.this_month())
    return render(request, "fees/remittances.html", _remittance_context(request, committee, month))


@require_POST
@login_required
def remittance_record(request):
    committee = require_committee(request.user, manage=True)
    cells = selectors.cells_for(request.user, committee.pk)
    form = RemittanceForm(request.POST, cells=cells)
    month = books.this_month()
    if form.is_valid():
        data = form.cleaned_data
        month = data["month"]
        cell = next((c for c in cells if str(c.code) == data["cell"]), None)
        try:
            remittance = remittances.remittance_record(
                actor=request.user,
                committee=committee,
                direction=data["direction"],
                cell=cell,
                month=data["month"],
                amount=data["amount"],
                paid_on=data["paid_on"],
                method=data["method"],
                reference=data["reference"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Remittance of %(amount)s recorded.") % {"amount": format_vnd(remittance.amount)},
            )
            return redirect(f"{reverse('fees:remittances')}?month={month:%Y-%m}")
    direction = request.POST.get("direction", "cell")
    context = _remittance_context(
        request, committee, month, {"upper" if direction == "upper" else "cell": form}
    )
    return render(request, "fees/remittances.html", context, status=400)


@require_POST
@login_required
def remittance_void(request, code):
    remittance = selectors.get_remittance_for_user(request.user, code)
    require_committee(request.user, manage=True)  # voiding, like recording, is the office's
    form = VoidForm(request.POST)
    target = f"{reverse('fees:remittances')}?month={remittance.month:%Y-%m}"
    if not form.is_valid():
        messages.error(request, _("Give the reason for voiding this remittance."))
        return redirect(target)
    try:
        remittances.remittance_void(
            actor=request.user, remittance=remittance, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The remittance is voided."))
    return redirect(target)


@require_GET
@login_required
def unpaid(request):
    """Members with unpaid months in a year, flagged from the threshold: the whole
    committee for its readers, the user's cells for a cell secretary."""
    user = request.user
    committee = committee_of(user)
    today = timezone.localdate()
    year = _query_year(request, today.year)
    cells = selectors.cells_for(user, committee.pk)
    if not cells:
        raise PermissionDenied
    cell = None
    if request.GET.get("cell"):
        cell = get_cell_for_user(user, request.GET["cell"])
    flagged_only = request.GET.get("all") != "1"
    rows = selectors.unpaid_members(
        committee.pk,
        [cell] if cell is not None else cells,
        year,
        today=today,
        flagged_only=flagged_only,
        whole_committee=cell is None and may_view_committee(user),
    )
    page = CappedPaginator(rows, 200).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "year": year,
        "years": list(range(today.year, today.year - 5, -1)),
        "cells": cells,
        "cell": cell,
        "rows": page.object_list,
        "page": page,
        "query_string": params.urlencode(),
        "flagged_only": flagged_only,
    }
    return render(request, "fees/unpaid.html", context)
