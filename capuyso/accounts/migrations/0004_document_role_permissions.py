"""Grant the documents module's actions to the roles that use them by default."""

from django.db import migrations

GRANTS = {
    "committee_secretary": [
        "documents.view",
        "documents.direct",
        "documents.draft",
        "documents.approve",
    ],
    "committee_deputy_secretary": [
        "documents.view",
        "documents.direct",
        "documents.draft",
        "documents.approve",
    ],
    "standing_member": [
        "documents.view",
        "documents.direct",
        "documents.draft",
        "documents.approve",
    ],
    "committee_member": ["documents.view", "documents.draft"],
    "clerk": [
        "documents.view",
        "documents.register",
        "documents.draft",
        "documents.issue",
        "documents.configure",
    ],
    "inspection": ["documents.view", "documents.draft"],
    "cell_secretary": [
        "documents.view",
        "documents.register",
        "documents.draft",
        "documents.approve",
        "documents.issue",
    ],
    "cell_deputy_secretary": ["documents.view", "documents.register", "documents.draft"],
    "tenant_admin": ["documents.configure"],
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
    dependencies = [("accounts", "0003_default_role_permissions")]

    operations = [migrations.RunPython(grant, revoke)]
