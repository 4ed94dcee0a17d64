"""Seed the role × action table with the foundation's default grants.

The grants are written out here (not imported) so this migration keeps meaning what
it meant when it was written; later modules add their own grant migrations.
"""

from django.db import migrations

GRANTS = {
    "committee_secretary": [
        "audit.view",
        "members.view",
        "members.view_file",
        "org.view",
        "permissions.view",
        "stats.view",
        "users.view",
    ],
    "committee_deputy_secretary": [
        "audit.view",
        "members.view",
        "members.view_file",
        "org.view",
        "permissions.view",
        "stats.view",
        "users.view",
    ],
    "standing_member": [
        "audit.view",
        "members.view",
        "members.view_file",
        "org.view",
        "stats.view",
    ],
    "committee_member": ["members.view", "org.view", "stats.view"],
    "clerk": ["members.view", "org.view", "stats.view", "users.view"],
    "inspection": ["audit.view", "members.view", "members.view_file", "org.view", "stats.view"],
    "cell_secretary": ["members.view", "members.view_file", "org.view", "stats.view"],
    "cell_deputy_secretary": ["members.view", "members.view_file", "org.view", "stats.view"],
    "member": ["org.view"],
    "tenant_admin": [
        "audit.view",
        "jobs.view_all",
        "org.manage",
        "org.view",
        "permissions.view",
        "stats.view",
        "users.manage",
        "users.view",
    ],
    "city_viewer": ["stats.view"],
}


def grant(apps, schema_editor):
    RolePermission = apps.get_model("accounts", "RolePermission")
    for role, actions in GRANTS.items():
        for action in actions:
            RolePermission.objects.get_or_create(role=role, action=action)


def revoke(apps, schema_editor):
    RolePermission = apps.get_model("accounts", "RolePermission")
    for role, actions in GRANTS.items():
        RolePermission.objects.filter(role=role, action__in=actions).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_user_committee_and_member_links")]

    operations = [migrations.RunPython(grant, revoke)]
