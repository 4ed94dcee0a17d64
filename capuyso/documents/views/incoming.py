from django.urls import path

from capuyso.documents.views import incoming_pages as pages
from capuyso.documents.views import incoming_signatures as signatures

urlpatterns = [
    path("incoming/", pages.incoming_list, name="incoming_list"),
    path("incoming/new/", pages.incoming_new, name="incoming_new"),
    path("incoming/<uuid:code>/", pages.incoming_detail, name="incoming_detail"),
    path("incoming/<uuid:code>/edit/", pages.incoming_edit, name="incoming_edit"),
    path("incoming/<uuid:code>/submit/", pages.incoming_submit, name="incoming_submit"),
    path("incoming/<uuid:code>/direct/", pages.incoming_direct, name="incoming_direct"),
    path("incoming/<uuid:code>/close/", pages.incoming_close, name="incoming_close"),
    path("incoming/<uuid:code>/summary/", pages.incoming_summary, name="incoming_summary"),
    path(
        "incoming/<uuid:code>/signatures/recheck/",
        signatures.incoming_signatures_recheck,
        name="incoming_signatures_recheck",
    ),
    path("assignments/<uuid:code>/record/", pages.assignment_record, name="assignment_record"),
    path("assignments/<uuid:code>/pass-on/", pages.assignment_pass_on, name="assignment_pass_on"),
    path("assignments/<uuid:code>/done/", pages.assignment_done, name="assignment_done"),
    path(
        "assignments/<uuid:code>/deadline/", pages.assignment_deadline, name="assignment_deadline"
    ),
    path(
        "assignments/<uuid:code>/escalate/", pages.assignment_escalate, name="assignment_escalate"
    ),
    path("files/<uuid:code>/", pages.file_download, name="file"),
]
