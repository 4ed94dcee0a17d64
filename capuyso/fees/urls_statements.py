"""Fees URLs: bank statements (import, lines, resolution)."""

from django.urls import path

from capuyso.fees import views_statements as views

urlpatterns = [
    path("statements/", views.statements, name="statements"),
    path("statements/unmatched/", views.statement_unmatched, name="statement_unmatched"),
    path("statements/<uuid:code>/", views.statement_detail, name="statement"),
    path("statements/line/<uuid:code>/", views.statement_line, name="statement_line"),
    path(
        "statements/line/<uuid:code>/resolve/",
        views.statement_line_resolve,
        name="statement_line_resolve",
    ),
    path(
        "statements/line/<uuid:code>/remittance/",
        views.statement_line_remit,
        name="statement_line_remit",
    ),
    path(
        "statements/line/<uuid:code>/ignore/",
        views.statement_line_ignore,
        name="statement_line_ignore",
    ),
]
