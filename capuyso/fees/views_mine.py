"""The signed-in member's own fees: dues of each month, payments, balance, unpaid months
and, for each month still to pay, the payment code (VietQR). No action is needed: every
member reads their own account."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from capuyso.fees.access import may_view_cell
from capuyso.fees.views_ledger import statement_context
from capuyso.members.models import Member


def _qr_url(member: Member, month) -> str:
    try:
        return reverse("fees:qr_member", args=[member.code, month.strftime("%Y-%m")])
    except NoReverseMatch:
        return ""


@require_GET
@login_required
def mine(request):
    member = None
    member_id = getattr(request.user, "member_id", None)
    if member_id:
        member = (
            Member.objects.select_related("cell")
            .filter(pk=member_id, committee_id=request.user.committee_id)
            .first()
        )
    if member is None:
        return render(request, "fees/mine_none.html")
    context = statement_context(request, member)
    for line in context["statement"].lines:
        line.qr_url = _qr_url(member, line.month) if line.payable else ""
    context["may_view_cell"] = may_view_cell(request.user, member.cell)
    return render(request, "fees/mine.html", context)
