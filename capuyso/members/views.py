from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.members.selectors import get_member_for_user, members_for_user
from capuyso.members.services import member_file_viewed
from capuyso.org.selectors import get_unit_for_user


@login_required
def member_list(request):
    cell = None
    if request.GET.get("cell"):
        # A link into another committee's cell is a 404, before any permission question.
        cell = get_unit_for_user(request.user, request.GET["cell"], action=Action.MEMBERS_VIEW)
    if not access_for(request.user).has(Action.MEMBERS_VIEW):
        raise PermissionDenied
    query = request.GET.get("q", "").strip()[:100]
    members = members_for_user(request.user, query=query, cell=cell)
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {"page": page, "q": query, "cell": cell, "query_string": params.urlencode()}
    template = "members/list.html#member-table" if request.htmx else "members/list.html"
    return render(request, template, context)


@login_required
def member_detail(request, code):
    member = get_member_for_user(request.user, code)
    member_file_viewed(actor=request.user, member=member)
    return render(request, "members/detail.html", {"member": member})
