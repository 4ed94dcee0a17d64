from django.contrib import admin
from django.urls import include, path

from capuyso.api.api import api

urlpatterns = [
    path("", include("capuyso.core.urls")),
    path("accounts/", include("capuyso.accounts.urls")),
    path("org/", include("capuyso.org.urls")),
    path("members/", include("capuyso.members.urls")),
    path("meetings/", include("capuyso.meetings.urls")),
    path("fees/", include("capuyso.fees.urls")),
    path("documents/", include("capuyso.documents.urls")),
    path("signing/", include("capuyso.signing.urls")),
    path("notifications/", include("capuyso.notifications.urls")),
    path("archive/", include("capuyso.archive.urls")),
    path("audit/", include("capuyso.audit.urls")),
    path("jobs/", include("capuyso.jobs.urls")),
    path("search/", include("capuyso.search.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("system-admin/", admin.site.urls),
]

handler403 = "capuyso.core.views.error_403"
handler404 = "capuyso.core.views.error_404"
handler500 = "capuyso.core.views.error_500"
