"""The OCR pages: an item's OCR status (the partial polled by htmx, or a page of its own),
running a failed item again, and the committee's OCR overview."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.archive import ocr, ocr_tools
from capuyso.archive.ocr_selectors import QUEUE_STATUSES, ocr_counts, ocr_queue
from capuyso.archive.selectors_items import get_item_for_user

PARTIAL = "archive/items/_ocr_status.html"


def _can_retry(user) -> bool:
    return access_for(user).committee_wide(Action.DOCUMENTS_REGISTER)


@login_required
@require_GET
def item_ocr_status(request, code):
    item = get_item_for_user(request.user, code)
    context = {"item": item, "ocr_can_retry": _can_retry(request.user)}
    if request.htmx:
        here = reverse("archive:item_ocr_status", args=[item.code])
        context["ocr_detail_page"] = request.htmx.current_url_abs_path == here
        return render(request, PARTIAL, context)
    context["pages"] = item.page_rows.order_by("number")
    return render(request, "archive/ocr/item.html", context)


@login_required
@require_POST
def item_ocr_retry(request, code):
    item = get_item_for_user(request.user, code, write=True)
    problem = ""
    try:
        item = ocr.ocr_retry(actor=request.user, item=item)
    except ValidationError as exc:
        problem = " ".join(exc.messages)
    if request.htmx:
        context = {"item": item, "ocr_can_retry": True, "ocr_message": problem}
        return render(request, PARTIAL, context)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, _("The OCR of this item will run again."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect("archive:item_ocr_status", item.code)


@login_required
@require_GET
def ocr_overview(request):
    if not access_for(request.user).committee_wide(Action.DOCUMENTS_VIEW):
        raise PermissionDenied
    status = request.GET.get("status", "")
    status = status if status in QUEUE_STATUSES else ""
    page = Paginator(ocr_queue(request.user, status=status), 50).get_page(request.GET.get("page"))
    counts = ocr_counts(request.user)
    context = {
        "page": page,
        "status": status,
        "counts": [(value, label, counts[value]) for value, label in ocr.Status.choices],
        "busy": counts[ocr.Status.WAITING] + counts[ocr.Status.RUNNING],
        "tools_missing": ocr_tools.tools_missing(),
        "query_string": f"status={status}" if status else "",
    }
    template = "archive/ocr/overview.html"
    if request.htmx:
        template += "#ocr-queue"
    return render(request, template, context)
