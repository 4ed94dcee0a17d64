"""The signed-in member's own fees: dues of each month, payments, balance, unpaid months
and, for each month still to pay, the payment code (VietQR). No action is needed: every
member reads their own account, and declares their own fee basis (group and amount) from a
month, which the cell sees in the basis history as declared by the member."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from capuyso.core.forms import add_service_errors
from capuyso.fees.access import may_view_cell
from capuyso.fees.forms_bases import DeclareForm
from capuyso.fees.models import FeeBasis
from capuyso.fees.services import bases as bases_services
from capuyso.fees.services.books import this_month
from capuyso.fees.views_ledger import statement_context
from capuyso.members.models import Member


def _qr_url(member: Member, month) -> str:
    try:
        return reverse("fees:qr_member", args=[member.code, month.strftime("%Y-%m")])
    except NoReverseMatch:
        return ""


def _own_member(request) -> Member | None:
    member_id = getattr(request.user, "member_id", None)
    if not member_id:
        return None
    return (
        Member.objects.select_related("cell", "committee")
        .filter(pk=member_id, committee_id=request.user.committee_id)
        .first()
    )


def _page(request, member: Member, *, declare_form=None, status=200):
    context = statement_context(request, member)
    for line in context["statement"].lines:
        line.qr_url = _qr_url(member, line.month) if line.payable else ""
    context["may_view_cell"] = may_view_cell(request.user, member.cell)
    if declare_form is None:
        current = context["bases_current"]
        declare_form = DeclareForm(
            committee=member.committee,
            initial={
                "month": this_month(),
                "group": current.group_id if current else None,
                "amount": current.amount if current else None,
            },
        )
    context["declare_form"] = declare_form
    return render(request, "fees/mine.html", context, status=status)


@require_GET
@login_required
def mine(request):
    member = _own_member(request)
    if member is None:
        return render(request, "fees/mine_none.html")
    return _page(request, member)


@require_POST
@login_required
def mine_declare(request):
    """The member declares their own basis from a month (the same checks as the cell's form:
    the committee's groups, its bounds on amounts, no closed month)."""
    member = _own_member(request)
    if member is None:
        return render(request, "fees/mine_none.html", status=403)
    form = DeclareForm(request.POST, committee=member.committee)
    if form.is_valid():
        data = form.cleaned_data
        try:
            bases_services.basis_declare(
                actor=request.user,
                member=member,
                group=data["group"],
                amount=data["amount"],
                month=data["month"],
                note=data["note"],
                declared_by=FeeBasis.DeclaredBy.MEMBER,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Your fee basis was saved; your cell sees it in your basis history.")
            )
            return redirect("fees:mine")
    return _page(request, member, declare_form=form, status=400)
