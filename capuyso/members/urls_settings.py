"""URLs of the membership rules and working-day calendar settings."""

from django.urls import path

from capuyso.members import views_settings as views

urlpatterns = [
    path("settings/rules/", views.rules_list, name="settings_rules"),
    path("settings/rules/add/", views.rules_add, name="settings_rules_add"),
    path("settings/rules/<uuid:code>/", views.rules_edit, name="settings_rules_edit"),
    path(
        "settings/rules/<uuid:code>/withdraw/",
        views.rules_withdraw,
        name="settings_rules_withdraw",
    ),
    path("settings/calendar/", views.calendar, name="settings_calendar"),
    path(
        "settings/calendar/<uuid:code>/remove/",
        views.calendar_remove,
        name="settings_calendar_remove",
    ),
]
