from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.services import guide_complete
from capuyso.core.home import home_panels


@login_required
def home(request):
    access = access_for(request.user)
    panels = home_panels(request.user, access)
    return render(request, "core/home.html", {"panels": panels})


@login_required
def guide(request):
    if request.method == "POST":
        guide_complete(user=request.user)
        messages.success(request, _("Well done! You can open this guide again from “Help”."))
        return redirect("core:home")
    return render(request, "core/guide.html", {})


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def csrf_failure(request, reason=""):
    """A stale or missing form token: usually a page left open too long."""
    return render(request, "errors/csrf.html", status=403)


def error_500(request):
    return render(request, "errors/500.html", status=500)
