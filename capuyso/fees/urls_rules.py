"""Fees URLs: the committee's fee rules, settings, groups, retention shares and bank accounts."""

from django.urls import path

from capuyso.fees import views_rules as views

urlpatterns = [
    path("rules/", views.rules, name="rules"),
    path("rules/settings/add/", views.settings_add, name="rules_settings_add"),
    path("rules/settings/<uuid:code>/", views.settings_edit, name="rules_settings_edit"),
    path("rules/groups/add/", views.group_add, name="rules_group_add"),
    path("rules/groups/<uuid:code>/", views.group_edit, name="rules_group_edit"),
    path("rules/rates/add/", views.rule_add, name="rules_rule_add"),
    path("rules/rates/<uuid:code>/", views.rule_edit, name="rules_rule_edit"),
    path("rules/rates/<uuid:code>/end/", views.rule_end, name="rules_rule_end"),
    path("rules/retention/add/", views.retention_add, name="rules_retention_add"),
    path("rules/retention/<uuid:code>/", views.retention_edit, name="rules_retention_edit"),
    path("rules/retention/<uuid:code>/end/", views.retention_end, name="rules_retention_end"),
    path("rules/accounts/add/", views.bank_add, name="rules_bank_add"),
    path("rules/accounts/<uuid:code>/", views.bank_edit, name="rules_bank_edit"),
    path("dues/compute/", views.dues_compute, name="dues_compute"),
]
