"""The read-only role × action table (superusers edit it in /system-admin/)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from capuyso.accounts import selectors


@login_required
def permission_matrix(request):
    roles, rows = selectors.permission_matrix_for_user(request.user)
    return render(request, "accounts/permissions.html", {"roles": roles, "rows": rows})
