from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.accounts.selectors import users_for_user
from capuyso.audit import tasks
from capuyso.audit.forms import AuditFilterForm
from capuyso.audit.selectors import audit_events_for_user
from capuyso.jobs.services import job_start


@login_required
def audit_list(request):
    access = access_for(request.user)
    if not access.committee_wide(Action.AUDIT_VIEW):
        raise PermissionDenied
    people = users_for_user(request.user, action=Action.AUDIT_VIEW).only(
        "code", "full_name", "username"
    )
    form = AuditFilterForm(request.GET or None, people=people)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "actor_code": data["actor"],
            "object_query": data["object"],
            "verb": data["verb"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
        }
    filters["object_id"] = request.GET.get("object_id", "")[:64]
    events = audit_events_for_user(request.user, **filters).select_related(None)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query_string": query.urlencode()}
    template = "audit/list.html#audit-table" if request.htmx else "audit/list.html"
    return render(request, template, context)


@login_required
@require_POST
def verify(request):
    access = access_for(request.user)
    if not access.committee_wide(Action.AUDIT_VIEW):
        raise PermissionDenied
    job = job_start(
        actor=request.user,
        kind="audit.verify",
        title=_("Verify the audit trail"),
        task=tasks.verify_chain,
        chain=access.committee_id,
    )
    messages.success(request, _("Verification started. The result appears on the job page."))
    return redirect("jobs:detail", code=job.code)
