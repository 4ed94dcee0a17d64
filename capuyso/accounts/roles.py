"""Roles a position can carry, and the actions a role may be granted.

Which role holds which action is data (`RolePermission` rows), seeded from
`DEFAULT_GRANTS` and editable by the deployment administrator. Later modules add
their actions here and their default grants in a data migration.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMITTEE_SECRETARY = "committee_secretary", _("Committee secretary")
    COMMITTEE_DEPUTY_SECRETARY = "committee_deputy_secretary", _("Committee deputy secretary")
    STANDING_MEMBER = "standing_member", _("Standing committee member")
    COMMITTEE_MEMBER = "committee_member", _("Committee member")
    CLERK = "clerk", _("Office clerk")
    INSPECTION = "inspection", _("Inspection commission")
    PARTY_BUILDING = "party_building", _("Party building board")
    CELL_SECRETARY = "cell_secretary", _("Cell secretary")
    CELL_DEPUTY_SECRETARY = "cell_deputy_secretary", _("Cell deputy secretary")
    MEMBER = "member", _("Party member")
    TENANT_ADMIN = "tenant_admin", _("Administrator")
    CITY_VIEWER = "city_viewer", _("City viewer")


# Roles whose scope is the whole committee; the others are scoped to their unit's subtree.
COMMITTEE_WIDE_ROLES = frozenset(
    {
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_DEPUTY_SECRETARY,
        Role.STANDING_MEMBER,
        Role.COMMITTEE_MEMBER,
        Role.CLERK,
        Role.INSPECTION,
        Role.PARTY_BUILDING,
        Role.TENANT_ADMIN,
        Role.CITY_VIEWER,
    }
)
UNIT_ROLES = frozenset({Role.CELL_SECRETARY, Role.CELL_DEPUTY_SECRETARY, Role.MEMBER})
LEADER_ROLES = frozenset(
    {Role.COMMITTEE_SECRETARY, Role.COMMITTEE_DEPUTY_SECRETARY, Role.STANDING_MEMBER}
)
# Leaders and administrators must use two-factor authentication.
TWO_FACTOR_ROLES = LEADER_ROLES | {Role.TENANT_ADMIN}


class Action(models.TextChoices):
    ORG_VIEW = "org.view", _("View the organisation tree")
    ORG_MANAGE = "org.manage", _("Manage units, groupings and terms")
    USERS_VIEW = "users.view", _("View user accounts")
    USERS_MANAGE = "users.manage", _("Manage user accounts and positions")
    AUDIT_VIEW = "audit.view", _("Read the audit trail")
    MEMBERS_VIEW = "members.view", _("View member lists")
    MEMBERS_VIEW_FILE = "members.view_file", _("Open a member's file")
    MEMBERS_MANAGE = "members.manage", _("Edit member files and record life-cycle events")
    MEMBERS_IMPORT = "members.import", _("Import members from a workbook")
    MEMBERS_CONFIGURE = "members.configure", _("Manage membership rules and the work calendar")
    MEETINGS_VIEW = "meetings.view", _("See meetings and the work calendar")
    MEETINGS_MANAGE = "meetings.manage", _("Organise meetings, attendance, votes and minutes")
    FEES_VIEW = "fees.view", _("See party fee books and summaries")
    FEES_MANAGE = "fees.manage", _("Record fee bases, payments and reliefs, close fee books")
    FEES_CONFIGURE = "fees.configure", _("Manage fee rules, retention shares and bank accounts")
    JOBS_VIEW_ALL = "jobs.view_all", _("See every background job of the committee")
    STATS_VIEW = "stats.view", _("View aggregate figures")
    PERMISSIONS_VIEW = "permissions.view", _("View the role and permission table")
    DOCUMENTS_VIEW = "documents.view", _("Read documents")
    DOCUMENTS_REGISTER = "documents.register", _("Register incoming documents")
    DOCUMENTS_DIRECT = "documents.direct", _("Give direction on incoming documents")
    DOCUMENTS_DRAFT = "documents.draft", _("Draft outgoing documents")
    DOCUMENTS_APPROVE = "documents.approve", _("Approve outgoing documents for signing")
    DOCUMENTS_ISSUE = "documents.issue", _("Number, issue and dispatch documents")
    DOCUMENTS_CONFIGURE = (
        "documents.configure",
        _("Manage document types, issuers, templates and registries"),
    )


_ALL_COMMITTEE_READ = {
    Action.ORG_VIEW,
    Action.STATS_VIEW,
    Action.MEMBERS_VIEW,
    Action.MEETINGS_VIEW,
}
_LEADER_DOCUMENTS = {
    Action.DOCUMENTS_VIEW,
    Action.DOCUMENTS_DIRECT,
    Action.DOCUMENTS_DRAFT,
    Action.DOCUMENTS_APPROVE,
}
_CELL_DOCUMENTS = {
    Action.DOCUMENTS_VIEW,
    Action.DOCUMENTS_REGISTER,
    Action.DOCUMENTS_DRAFT,
}

DEFAULT_GRANTS: dict[str, set[str]] = {
    Role.COMMITTEE_SECRETARY: _ALL_COMMITTEE_READ
    | _LEADER_DOCUMENTS
    | {
        Action.FEES_VIEW,
        Action.MEETINGS_MANAGE,
        Action.USERS_VIEW,
        Action.AUDIT_VIEW,
        Action.MEMBERS_VIEW_FILE,
        Action.MEMBERS_MANAGE,
        Action.MEMBERS_IMPORT,
        Action.PERMISSIONS_VIEW,
    },
    Role.COMMITTEE_DEPUTY_SECRETARY: _ALL_COMMITTEE_READ
    | _LEADER_DOCUMENTS
    | {
        Action.FEES_VIEW,
        Action.MEETINGS_MANAGE,
        Action.USERS_VIEW,
        Action.AUDIT_VIEW,
        Action.MEMBERS_VIEW_FILE,
        Action.MEMBERS_MANAGE,
        Action.MEMBERS_IMPORT,
        Action.PERMISSIONS_VIEW,
    },
    Role.STANDING_MEMBER: _ALL_COMMITTEE_READ
    | _LEADER_DOCUMENTS
    | {Action.AUDIT_VIEW, Action.MEMBERS_VIEW_FILE, Action.MEETINGS_MANAGE, Action.FEES_VIEW},
    Role.COMMITTEE_MEMBER: _ALL_COMMITTEE_READ | {Action.DOCUMENTS_VIEW, Action.DOCUMENTS_DRAFT},
    Role.CLERK: _ALL_COMMITTEE_READ
    | {
        Action.FEES_VIEW,
        Action.FEES_MANAGE,
        Action.MEETINGS_MANAGE,
        Action.USERS_VIEW,
        Action.DOCUMENTS_VIEW,
        Action.DOCUMENTS_REGISTER,
        Action.DOCUMENTS_DRAFT,
        Action.DOCUMENTS_ISSUE,
        Action.DOCUMENTS_CONFIGURE,
    },
    Role.PARTY_BUILDING: _ALL_COMMITTEE_READ
    | {
        Action.MEMBERS_VIEW_FILE,
        Action.MEMBERS_MANAGE,
        Action.MEMBERS_IMPORT,
        Action.DOCUMENTS_VIEW,
        Action.DOCUMENTS_DRAFT,
    },
    Role.INSPECTION: _ALL_COMMITTEE_READ
    | {
        Action.AUDIT_VIEW,
        Action.MEMBERS_VIEW_FILE,
        Action.DOCUMENTS_VIEW,
        Action.DOCUMENTS_DRAFT,
        Action.FEES_VIEW,
    },
    # A cell secretary runs the cell's own registry: registers, drafts, approves and issues
    # the cell's documents (scoped to the cell by their position).
    Role.CELL_SECRETARY: _CELL_DOCUMENTS
    | {
        Action.FEES_VIEW,
        Action.FEES_MANAGE,
        Action.MEETINGS_VIEW,
        Action.MEETINGS_MANAGE,
        Action.ORG_VIEW,
        Action.MEMBERS_VIEW,
        Action.MEMBERS_VIEW_FILE,
        Action.MEMBERS_MANAGE,
        Action.STATS_VIEW,
        Action.DOCUMENTS_APPROVE,
        Action.DOCUMENTS_ISSUE,
    },
    Role.CELL_DEPUTY_SECRETARY: _CELL_DOCUMENTS
    | {
        Action.FEES_VIEW,
        Action.FEES_MANAGE,
        Action.MEETINGS_VIEW,
        Action.MEETINGS_MANAGE,
        Action.ORG_VIEW,
        Action.MEMBERS_VIEW,
        Action.MEMBERS_VIEW_FILE,
        Action.STATS_VIEW,
    },
    Role.MEMBER: {Action.ORG_VIEW, Action.MEETINGS_VIEW},
    Role.TENANT_ADMIN: {
        Action.ORG_VIEW,
        Action.ORG_MANAGE,
        Action.USERS_VIEW,
        Action.USERS_MANAGE,
        Action.AUDIT_VIEW,
        Action.JOBS_VIEW_ALL,
        Action.STATS_VIEW,
        Action.PERMISSIONS_VIEW,
        Action.DOCUMENTS_CONFIGURE,
        Action.MEMBERS_CONFIGURE,
        Action.FEES_VIEW,
        Action.FEES_CONFIGURE,
    },
    Role.CITY_VIEWER: {Action.STATS_VIEW},
}
