from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.archive import services
from capuyso.archive.forms import DossierForm
from capuyso.archive.selectors import (
    dossier_documents,
    dossier_units,
    dossiers_for_user,
    get_dossier_for_user,
)
from capuyso.core.forms import add_service_errors


@login_required
def dossier_list(request):
    access = access_for(request.user)
    if not access.committee_wide(Action.DOCUMENTS_VIEW):
        raise PermissionDenied
    year = request.GET.get("year", "")
    query = request.GET.get("q", "").strip()[:100]
    valid_year = year.isascii() and year.isdigit() and len(year) == 4
    dossiers = dossiers_for_user(request.user, year=int(year) if valid_year else None, query=query)
    page = Paginator(dossiers, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "q": query,
        "year": year,
        "query_string": params.urlencode(),
        "can_create": access.committee_wide(Action.DOCUMENTS_REGISTER),
    }
    return render(request, "archive/dossier_list.html", context)


@login_required
def dossier_new(request):
    if not access_for(request.user).committee_wide(Action.DOCUMENTS_REGISTER):
        raise PermissionDenied
    form = DossierForm(request.POST or None, units=dossier_units(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            dossier = services.dossier_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Dossier created."))
            back = request.GET.get("next", "")
            if back.startswith("/documents/incoming/"):
                return redirect(back)
            return redirect("archive:dossier", dossier.code)
    return render(request, "archive/dossier_form.html", {"form": form})


@login_required
def dossier_detail(request, code):
    dossier = get_dossier_for_user(request.user, code)
    return render(
        request,
        "archive/dossier_detail.html",
        {"dossier": dossier, "documents": dossier_documents(dossier)},
    )
