"""Payment codes on screen, as images and on printed notices (giấy báo đóng đảng phí).

- `qr_member`: a member's VietQR for a month (the member themselves, or FEES_VIEW over
  their cell); `?format=png|svg` gives the image alone.
- `qr_cell`: a cell's remittance of the month to the committee (FEES_VIEW over the cell).
- `notice_member` / `notice_cell`: printable A4 notices, one per member, three to a page.

Outsiders get 404 (the door looks objects up within the user's committee), others 403.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from capuyso.fees import paycodes, qrimage
from capuyso.fees.access import (
    get_cell_for_user,
    get_member_for_user,
    may_configure,
    may_view_cell,
)
from capuyso.fees.calc import add_months, parse_month

IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
IMAGE_MAX_AGE = 300


def _month(text: str) -> dt.date:
    try:
        month = parse_month(text)
    except (ValueError, TypeError) as exc:
        raise Http404 from exc
    if not 2000 <= month.year <= 2099:
        raise Http404
    return month


def _image(request, code: paycodes.PaymentCode, stem: str):
    kind = request.GET.get("format", "")
    if kind not in IMAGE_TYPES:
        return None
    if code.payload is None:
        raise Http404
    data = qrimage.qr_png(code.payload) if kind == "png" else qrimage.qr_svg(code.payload)
    response = HttpResponse(data, content_type=IMAGE_TYPES[kind])
    response["Content-Disposition"] = f'inline; filename="{stem}.{kind}"'
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, max_age=IMAGE_MAX_AGE)
    return response


def _svg(code: paycodes.PaymentCode, title: str = "") -> str:
    """The QR as inline SVG (self-contained, no scripts: `qrimage.qr_svg`)."""
    if code.payload is None:
        return ""
    return mark_safe(qrimage.qr_svg(code.payload, title=title or None).decode())  # noqa: S308


def _context(request, code: paycodes.PaymentCode, month: dt.date) -> dict:
    return {
        "code": code,
        "month": month,
        "previous_month": add_months(month, -1),
        "next_month": add_months(month, 1),
        "svg": _svg(code, code.note),
        "may_configure": may_configure(request.user),
    }


@require_GET
@login_required
def qr_member(request, code, month):
    member = get_member_for_user(request.user, code)
    month = _month(month)
    if member.cell_id is None:
        raise Http404
    payment = paycodes.member_code(member, month)
    image = _image(request, payment, f"dang-phi-{month:%Y-%m}")
    if image is not None:
        return image
    context = _context(request, payment, month)
    context.update(member=member, may_view_cell=may_view_cell(request.user, member.cell))
    return render(request, "fees/qr_member.html", context)


@require_GET
@login_required
def qr_cell(request, code, month):
    cell = get_cell_for_user(request.user, code)
    month = _month(month)
    payment = paycodes.cell_remittance_code(cell, month)
    image = _image(request, payment, f"nop-dang-phi-{month:%Y-%m}")
    if image is not None:
        return image
    context = _context(request, payment, month)
    context["cell"] = cell
    return render(request, "fees/qr_cell.html", context)


def _notices(request, codes: list[paycodes.PaymentCode], month: dt.date, back: str):
    committee = codes[0].cell.committee if codes and codes[0].cell else None
    notices = [{"code": c, "svg": _svg(c, c.note)} for c in codes]
    return render(
        request,
        "fees/notice_print.html",
        {
            "notices": notices,
            "month": month,
            "committee": committee or request.user.committee,
            "back": back,
            "missing_account": any(c.account is None for c in codes),
            "may_configure": may_configure(request.user),
        },
    )


@require_GET
@login_required
def notice_member(request, code, month):
    member = get_member_for_user(request.user, code)
    month = _month(month)
    if member.cell_id is None:
        raise Http404
    payment = paycodes.member_code(member, month)
    back = reverse("fees:qr_member", args=[member.code, f"{month:%Y-%m}"])
    return _notices(request, [payment], month, back)


@require_GET
@login_required
def notice_cell(request, code, month):
    cell = get_cell_for_user(request.user, code)
    month = _month(month)
    codes = paycodes.cell_members_codes(cell, month)
    back = reverse("fees:qr_cell", args=[cell.code, f"{month:%Y-%m}"])
    return _notices(request, codes, month, back)
