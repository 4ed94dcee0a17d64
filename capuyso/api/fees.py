"""Party fees, read with the same rights as the pages (`capuyso.fees.access`).

- `/fees/me` and `/fees/me/qr`: the caller's own fee account and payment code (no action
  needed; 403 for an account not linked to a member file of the committee);
  `/fees/me/qr/{png|svg}` the code's image; `POST /fees/me/basis` declares the caller's own
  fee basis from a month.
- `/fees/members/{code}/qr` and `/qr/{png|svg}`: a member's payment code and its image.
- `/fees/members/{code}`: a member's account — the member themselves, or FEES_VIEW over
  their cell (a cell secretary: their own cell; the office and the leaders: every cell).
- `/fees/cells/{code}/months/{yyyy-mm}`: a cell's month book (FEES_VIEW over the cell).
- `/fees/committee`: the committee's summary (FEES_VIEW over the whole committee).

404 for an object of another committee (or a malformed code or month in the path), 403
for one the caller has no right over. Money is integer đồng; months are `YYYY-MM`.
The figures come from the ledger's selectors (`capuyso.fees.selectors`) and the payment
codes from `capuyso.fees.paycodes`, as on the pages.
"""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError

from capuyso.fees import calc, paycodes, qrimage, selectors
from capuyso.fees.access import get_cell_for_user, get_member_for_user, require_committee
from capuyso.members.models import Member

from .schemas import OBJECT_ERRORS, ErrorOut, InvalidOut, field_errors

router = Router(tags=["fees"])

MONTH = "A month as `YYYY-MM`."
STATUS = (
    "`paid`, `partial`, `unpaid`, `excused` (the cell recorded a reason), `exempt` (due 0), "
    "`not_computed` (no basis or no rule: no due), or `ahead` (paid before the due exists)."
)
FIRST_YEAR, LAST_YEAR = 2000, 2099
IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
IMAGE_MAX_AGE = 300


def _ym(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def _parse_month(text: str) -> dt.date | None:
    try:
        month = calc.parse_month(text)
    except (ValueError, TypeError):
        return None
    return month if FIRST_YEAR <= month.year <= LAST_YEAR else None


def _query_month(text: str) -> dt.date:
    """The `month` query parameter (the current month when empty), else 422."""
    if not text:
        return calc.month_start(timezone.localdate())
    month = _parse_month(text)
    if month is None:
        raise NinjaValidationError(
            [{"loc": ["query", "month"], "msg": "Expected a month as YYYY-MM.", "type": "month"}]
        )
    return month


def _path_month(text: str) -> dt.date:
    """A month in the path: a malformed one names nothing (404)."""
    month = _parse_month(text)
    if month is None:
        raise Http404
    return month


# --- Schemas -----------------------------------------------------------------------------


class CellRef(Schema):
    code: UUID
    name: str


class MemberRef(Schema):
    code: UUID
    full_name: str


class DueOut(Schema):
    amount: int = Field(description="What is owed for the month, after relief (đồng).")
    gross: int = Field(description="Before relief (đồng).")
    group: str | None = Field(description="The fee group's short name, e.g. `salaried`.")
    group_name: str | None
    basis_amount: int | None = Field(description="The declared salary, allowance or pension.")
    rate_bp: int | None = Field(description="The rate in basis points (100 = 1 %).")
    fixed_amount: bool = Field(description="The group pays a fixed amount, not a rate.")
    relief_percent: int
    relief_reason: str = Field(description="E.g. `party_age`, `poor_household`; empty if none.")
    basis_missing: bool = Field(description="No due could be computed (see `missing_reason`).")
    missing_reason: str = Field(description="`no_basis`, `no_rule`, `no_amount` or empty.")


class PaymentOut(Schema):
    code: UUID
    month: str = Field(description="The month paid for. " + MONTH)
    book_month: str = Field(description="The cell's book it was written in. " + MONTH)
    amount: int
    extra_amount: int = Field(description="A voluntary amount above the due.")
    method: str = Field(description="`cash`, `portal` or `bank`.")
    method_label: str
    paid_on: dt.date
    reference: str
    voided: bool
    void_reason: str


class FlagOut(Schema):
    year: int
    unpaid_months: list[str] = Field(
        description="Months of the year already over, with a due not fully paid and no excuse."
    )
    count: int
    threshold: int = Field(description="Unpaid months in a year that call for striking off.")
    flagged: bool = Field(description="`count` reached `threshold` (rules.md §4).")


class MonthLineOut(Schema):
    month: str = Field(description=MONTH)
    status: str = Field(description=STATUS)
    due: DueOut | None
    paid: int = Field(description="Paid for the month, voided payments left out (đồng).")
    extra: int
    difference: int = Field(description="Paid − due (negative: still owed).")
    left_to_pay: int
    excuse: str | None = Field(description="The cell's reason for an unpaid month, if any.")
    over: bool = Field(description="The month is over (before the current month).")


class ReliefOut(Schema):
    kind: str = Field(description="`exemption` or `reduction`.")
    reason: str
    percent: int
    decision: str
    start_month: str
    end_month: str | None


class AccountOut(Schema):
    member: MemberRef
    cell: CellRef | None
    year: int
    years: list[int] = Field(description="Years with dues or payments, newest first.")
    balance: int = Field(
        description="Everything paid − every due up to the current month (positive: ahead)."
    )
    due_total: int = Field(description="Dues of the year's months shown.")
    paid_total: int
    extra_total: int
    flag: FlagOut
    months: list[MonthLineOut]
    payments: list[PaymentOut] = Field(
        description="Payments for the year's months or written in its books, voided included."
    )
    reliefs: list[ReliefOut]


class AccountQuery(Schema):
    year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR, description="Default: this year.")


class BankAccountOut(Schema):
    bank_bin: str
    bank_name: str
    account_number: str
    account_name: str


class PaymentCodeOut(Schema):
    member: MemberRef
    month: str = Field(description=MONTH)
    account: BankAccountOut | None = Field(
        description="The cell's account, else the committee's; null when none is configured."
    )
    note: str = Field(description="The transfer note that identifies the member and month.")
    amount: int | None = Field(
        description="The amount the code asks for (due − paid); null for a static code."
    )
    due: int | None
    paid: int
    static: bool = Field(description="No amount in the code: the payer types it.")
    payload: str | None = Field(description="The VietQR text; null without an account.")
    error: str
    png_url: str | None
    svg_url: str | None
    page_url: str


class MonthQuery(Schema):
    month: str = Field("", description=MONTH + " Default: the current month.")


class TotalsOut(Schema):
    members_count: int
    paying_count: int = Field(description="Members with a due above zero.")
    paid_count: int = Field(description="Of them, those who paid the month in full.")
    due_total: int
    collected_cash: int
    collected_portal: int
    collected_bank: int
    extra_total: int
    collected_total: int = Field(description="Money written in the month's book (all methods).")
    cell_keeps_bp: int | None = Field(description="The cell's share in basis points.")
    retained: int
    to_remit: int


class CellRowOut(Schema):
    member: MemberRef
    status: str = Field(description=STATUS)
    due: DueOut | None
    paid: int
    extra: int
    left_to_pay: int
    payments: list[PaymentOut] = Field(description="Written in this month's book.")
    unpaid_months: int = Field(description="Unpaid months of the year so far.")
    flagged: bool = Field(description="Unpaid months reached the threshold.")
    excuse: str | None


class CellMonthOut(Schema):
    cell: CellRef
    month: str = Field(description=MONTH)
    book_status: str | None = Field(description="`open`, `closed`, or null (no book yet).")
    closed: bool
    closed_at: dt.datetime | None
    reopened_count: int
    version: int = Field(description="Changes with every write into the book.")
    totals: TotalsOut = Field(description="Frozen when closed, else as they stand.")
    online: int = Field(description="Collected through the portal or the bank.")
    members: list[CellRowOut]
    missing_basis: int = Field(description="Members without a computed due (no basis or rule).")
    not_computed: int = Field(description="Members who owe the month with no due row yet.")
    flagged: int


class FiguresOut(Schema):
    due: int
    paid: int = Field(
        description="For a month: paid for it against dues, member by member (at most each "
        "due). For the year: collected against dues (voluntary extras left out)."
    )
    missing: int = Field(
        description="For a month: the dues its members did not pay, member by member. For "
        "the year: due − paid, at least 0."
    )
    collected: int = Field(description="Money written in the book(s): amount + extra.")
    online: int = Field(description="Of it, through the portal or the bank.")
    online_percent: float | None = Field(description="Online share of collected, one decimal.")
    extra: int = Field(description="Voluntary extras in the money collected.")
    to_remit: int = Field(description="Collected less the cell's share (frozen once closed).")
    remitted: int
    remit_missing: int
    members: int
    no_basis: int


class CellFiguresOut(FiguresOut):
    cell: CellRef | None = Field(description="Null for the figures of a dissolved cell.")
    book_status: str | None = Field(description="`open`, `closed`, or null (no book yet).")
    year: FiguresOut = Field(description="From January to the month.")


class SummaryOut(Schema):
    month: str = Field(description=MONTH)
    cells: list[CellFiguresOut]
    total: FiguresOut
    year_total: FiguresOut
    closed_count: int = Field(description="Cells whose book of the month is closed.")
    committee_keeps_bp: int | None
    committee_keeps: int = Field(description="The committee's share of what the cells remitted.")
    to_remit_upward: int
    remitted_upward: int
    year_remitted_upward: int


# --- Building the bodies -------------------------------------------------------------------


def _due(due) -> dict | None:
    if due is None:
        return None
    group = due.group
    return {
        "amount": due.amount,
        "gross": due.gross,
        "group": group.slug if group is not None else None,
        "group_name": group.name if group is not None else None,
        "basis_amount": due.basis_amount,
        "rate_bp": due.rate_bp,
        "fixed_amount": group is not None and not group.needs_amount,
        "relief_percent": due.relief_percent,
        "relief_reason": due.relief_reason,
        "basis_missing": due.basis_missing,
        "missing_reason": calc.missing_reason(due),
    }


def _payment(payment) -> dict:
    return {
        "code": payment.code,
        "month": _ym(payment.month),
        "book_month": _ym(payment.book_month),
        "amount": payment.amount,
        "extra_amount": payment.extra_amount,
        "method": payment.method,
        "method_label": str(payment.get_method_display()),
        "paid_on": payment.paid_on,
        "reference": payment.reference,
        "voided": payment.voided_at is not None,
        "void_reason": payment.void_reason,
    }


def _flag(flag: selectors.UnpaidFlag) -> dict:
    return {
        "year": flag.year,
        "unpaid_months": [_ym(m) for m in flag.months],
        "count": flag.count,
        "threshold": flag.threshold,
        "flagged": flag.flagged,
    }


def _cell(cell) -> dict | None:
    return {"code": cell.code, "name": cell.name} if cell is not None else None


def _account(member: Member, year: int | None) -> dict:
    year = year or timezone.localdate().year
    statement = selectors.member_statement(member, year)
    return {
        "member": member,
        "cell": _cell(member.cell),
        "year": year,
        "years": statement.years,
        "balance": statement.balance,
        "due_total": statement.due_total,
        "paid_total": statement.paid_total,
        "extra_total": statement.extra_total,
        "flag": _flag(statement.flag),
        "months": [
            {
                "month": _ym(line.month),
                "status": line.status,
                "due": _due(line.due),
                "paid": line.paid,
                "extra": line.extra,
                "difference": line.difference,
                "left_to_pay": line.payable,
                "excuse": line.excuse.reason if line.excuse is not None else None,
                "over": line.over,
            }
            for line in statement.lines
        ],
        "payments": [_payment(p) for p in statement.payments],
        "reliefs": [
            {
                "kind": r.kind,
                "reason": r.reason,
                "percent": r.percent,
                "decision": r.decision,
                "start_month": _ym(r.start_month),
                "end_month": _ym(r.end_month) if r.end_month else None,
            }
            for r in statement.reliefs
        ],
    }


def _own_member(user) -> Member:
    """The caller's own member file in their committee (403 for an account without one)."""
    member_id = getattr(user, "member_id", None)
    member = (
        Member.objects.select_related("cell").filter(pk=member_id, committee_id=user.committee_id)
        if member_id
        else Member.objects.none()
    ).first()
    if member is None:
        raise PermissionDenied
    return member


# --- Endpoints ---------------------------------------------------------------------------


@router.get("/fees/me", response={200: AccountOut, **OBJECT_ERRORS})
def my_account(request, query: Query[AccountQuery]):
    """The caller's own fee account for a year: months with dues and what was paid, the
    payments, the balance and the unpaid-months flag. 403 for an account not linked to a
    member file."""
    return _account(_own_member(request.auth), query.year)


def _payment_code(member: Member, month: dt.date, images: str) -> dict:
    if member.cell_id is None:
        raise Http404
    code = paycodes.member_code(member, month)
    page = reverse("fees:qr_member", args=[member.code, _ym(month)])
    account = code.account
    query = f"?month={_ym(month)}"
    return {
        "member": member,
        "month": _ym(month),
        "account": None
        if account is None
        else {
            "bank_bin": account.bank_bin,
            "bank_name": account.bank_name,
            "account_number": account.account_number,
            "account_name": account.account_name,
        },
        "note": code.note,
        "amount": code.amount,
        "due": code.due,
        "paid": code.paid,
        "static": code.is_static,
        "payload": code.payload,
        "error": str(code.error),
        "png_url": f"{images}/png{query}" if code.payload else None,
        "svg_url": f"{images}/svg{query}" if code.payload else None,
        "page_url": page,
    }


def _qr_image(member: Member, month: dt.date, fmt: str) -> HttpResponse:
    """The code as an image, with the API's token like every call (404 without an account
    or a cell, or for a format other than png and svg)."""
    if fmt not in IMAGE_TYPES or member.cell_id is None:
        raise Http404
    code = paycodes.member_code(member, month)
    if code.payload is None:
        raise Http404
    data = qrimage.qr_png(code.payload) if fmt == "png" else qrimage.qr_svg(code.payload)
    response = HttpResponse(data, content_type=IMAGE_TYPES[fmt])
    response["Content-Disposition"] = f'inline; filename="dang-phi-{_ym(month)}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, max_age=IMAGE_MAX_AGE)
    return response


IMAGE_NOTE = (
    " `png` or `svg`; the image itself (`image/png`, `image/svg+xml`), fetched with the API "
    "token like every call. 404 when there is no bank account to pay to."
)


@router.get("/fees/me/qr", response={200: PaymentCodeOut, **OBJECT_ERRORS})
def my_payment_code(request, query: Query[MonthQuery]):
    """The caller's VietQR payment code for a month (the due less what was paid), with
    links to the PNG and SVG images under this API. 404 for a member without a cell."""
    member = _own_member(request.auth)
    base = reverse("api:my_qr_image", args=["png"]).rsplit("/", 1)[0]
    return _payment_code(member, _query_month(query.month), base)


@router.get(
    "/fees/me/qr/{fmt}",
    url_name="my_qr_image",
    description="The caller's payment code of a month as an image:" + IMAGE_NOTE,
)
def my_qr_image(request, fmt: str, query: Query[MonthQuery]):
    if fmt not in IMAGE_TYPES:
        raise Http404
    return _qr_image(_own_member(request.auth), _query_month(query.month), fmt)


def _invalid(field: str, message: str) -> NinjaValidationError:
    return NinjaValidationError(
        [{"loc": ["body", "payload", field], "msg": message, "type": "invalid"}]
    )


class BasisIn(Schema):
    month: str = Field(description=MONTH + " The first month the basis applies to.")
    group: str = Field(description="The fee group's short name (e.g. `salaried`, `retired`).")
    amount: int | None = Field(
        None,
        description="The declared amount in đồng (salary base, allowance or pension); null "
        "for a group that pays a fixed amount.",
    )
    note: str = Field("", max_length=255)


class BasisOut(Schema):
    month: str = Field(description=MONTH)
    group: str
    group_name: str
    amount: int | None
    declared_by: str = Field(description="`member` (declared by the member) or `cell`.")


@router.post(
    "/fees/me/basis", response={201: BasisOut, 401: ErrorOut, 403: ErrorOut, 422: InvalidOut}
)
def my_basis_declare(request, payload: BasisIn):
    """Declare the caller's own fee basis from a month (their group and, for a salaried
    member, a retiree or one on leave, the amount), as on the "My party fees" page. 422 with
    the messages to correct: an unknown group, an amount outside the committee's bounds, a
    month whose fee book is closed."""
    from capuyso.fees.models import FeeBasis
    from capuyso.fees.selectors_rules import groups_for
    from capuyso.fees.services.bases import basis_declare

    member = _own_member(request.auth)
    month = _parse_month(payload.month)
    if month is None:
        raise _invalid("month", _("Enter a month as YYYY-MM."))
    group = groups_for(member.committee, active_only=True).filter(slug=payload.group).first()
    if group is None:
        raise _invalid("group", _("Choose one of the committee's fee groups."))
    try:
        row = basis_declare(
            actor=request.auth,
            member=member,
            group=group,
            amount=payload.amount,
            month=month,
            note=payload.note,
            declared_by=FeeBasis.DeclaredBy.MEMBER,
        )
    except DjangoValidationError as exc:
        raise NinjaValidationError(field_errors(exc)) from exc
    return Status(
        201,
        {
            "month": _ym(row.effective_from),
            "group": group.slug,
            "group_name": group.name,
            "amount": row.amount,
            "declared_by": row.declared_by,
        },
    )


@router.get("/fees/members/{code}/qr", response={200: PaymentCodeOut, **OBJECT_ERRORS})
def member_payment_code(request, code: UUID, query: Query[MonthQuery]):
    """A member's VietQR payment code for a month: for the member themselves or whoever may
    read their cell's fee book (a cell secretary prints the codes of the cell)."""
    member = get_member_for_user(request.auth, code)
    base = reverse("api:member_qr_image", args=[member.code, "png"]).rsplit("/", 1)[0]
    return _payment_code(member, _query_month(query.month), base)


@router.get(
    "/fees/members/{code}/qr/{fmt}",
    url_name="member_qr_image",
    description="A member's payment code of a month as an image:" + IMAGE_NOTE,
)
def member_qr_image(request, code: UUID, fmt: str, query: Query[MonthQuery]):
    member = get_member_for_user(request.auth, code)
    return _qr_image(member, _query_month(query.month), fmt)


@router.get("/fees/members/{code}", response={200: AccountOut, **OBJECT_ERRORS})
def member_account(request, code: UUID, query: Query[AccountQuery]):
    """A member's fee account for a year, as on the member's fee page: for the member
    themselves or whoever may read their cell's fee book."""
    member = get_member_for_user(request.auth, code)
    return _account(member, query.year)


@router.get("/fees/cells/{code}/months/{month}", response={200: CellMonthOut, **OBJECT_ERRORS})
def cell_month(request, code: UUID, month: str):
    """A cell's fee book of a month: every member who owes it with the due, what was paid
    and the flags, the book's status and its totals (frozen once closed)."""
    cell = get_cell_for_user(request.auth, code)
    found = selectors.cell_month(cell, _path_month(month))
    book = found.book
    totals = found.totals
    return {
        "cell": _cell(cell),
        "month": _ym(found.month),
        "book_status": book.status if book is not None else None,
        "closed": found.closed,
        "closed_at": book.closed_at if book is not None else None,
        "reopened_count": book.reopened_count if book is not None else 0,
        "version": found.version,
        "totals": totals,
        "online": totals["collected_portal"] + totals["collected_bank"],
        "members": [
            {
                "member": row.member,
                "status": row.status,
                "due": _due(row.due),
                "paid": row.paid,
                "extra": row.extra,
                "left_to_pay": row.left_to_pay,
                "payments": [_payment(p) for p in row.payments],
                "unpaid_months": row.flag.count if row.flag is not None else 0,
                "flagged": row.flag is not None and row.flag.flagged,
                "excuse": row.excuse.reason if row.excuse is not None else None,
            }
            for row in found.rows
        ],
        "missing_basis": len(found.missing_basis),
        "not_computed": len(found.not_computed),
        "flagged": len(found.flagged),
    }


def _figures(item: selectors.CellFigures) -> dict:
    return {
        name: getattr(item, name)
        for name in (
            "due",
            "paid",
            "collected",
            "online",
            "online_percent",
            "missing",
            "extra",
            "to_remit",
            "remitted",
            "remit_missing",
            "members",
            "no_basis",
        )
    }


@router.get("/fees/committee", response={200: SummaryOut, **OBJECT_ERRORS})
def committee_summary(request, query: Query[MonthQuery]):
    """The committee's fee summary for a month, cell by cell and year to date: dues, paid,
    collected and the online share, what each cell remits and the books closed."""
    committee = require_committee(request.auth)
    summary = selectors.committee_summary(committee, _query_month(query.month))
    return {
        "month": _ym(summary.month),
        "cells": [
            {
                **_figures(item),
                "cell": {"code": item.code, "name": item.name} if item.code else None,
                "book_status": item.status or None,
                "year": _figures(item.year or selectors.CellFigures(item.cell_id)),
            }
            for item in summary.cells
        ],
        "total": _figures(summary.total),
        "year_total": _figures(summary.year_total),
        "closed_count": summary.closed_count,
        "committee_keeps_bp": summary.committee_keeps_bp,
        "committee_keeps": summary.committee_keeps,
        "to_remit_upward": summary.to_remit_upward,
        "remitted_upward": summary.remitted_upward,
        "year_remitted_upward": summary.year_remitted_upward,
    }
