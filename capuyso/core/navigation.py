"""The main navigation, filtered by what the signed-in user may do."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    action: str | None  # None: every signed-in user of a committee
    section: str  # the first path segment that marks the item active
    committee_wide: bool = False  # the action must cover the whole committee


NAV_ITEMS = [
    NavItem(_("Home"), "core:home", None, ""),
    NavItem(_("Cells"), "org:cells", Action.ORG_VIEW, "org"),
    NavItem(_("Incoming"), "documents:incoming_list", Action.DOCUMENTS_VIEW, "documents/incoming"),
    NavItem(_("Outgoing"), "documents:outgoing_list", Action.DOCUMENTS_VIEW, "documents/outgoing"),
    NavItem(_("Registries"), "documents:registry", Action.DOCUMENTS_REGISTER, "documents/registry"),
    NavItem(_("Figures"), "documents:figures", Action.DOCUMENTS_VIEW, "documents/figures"),
    NavItem(_("Dossiers"), "archive:dossiers", Action.DOCUMENTS_VIEW, "archive", True),
    NavItem(
        _("Document settings"),
        "documents:config",
        Action.DOCUMENTS_CONFIGURE,
        "documents/settings",
        True,
    ),
    NavItem(_("Members"), "members:list", Action.MEMBERS_VIEW, "members"),
    NavItem(
        _("Membership rules"),
        "members:settings_rules",
        Action.MEMBERS_CONFIGURE,
        "members/settings",
        True,
    ),
    NavItem(_("Users"), "accounts:users", Action.USERS_VIEW, "accounts/users"),
    NavItem(_("Audit trail"), "audit:list", Action.AUDIT_VIEW, "audit"),
    NavItem(_("Jobs"), "jobs:list", None, "jobs"),
]


# The personal pages, next to the user's name in the top bar.
ACCOUNT_ITEMS = [
    NavItem(
        _("My certificates"), "signing:certificates", Action.DOCUMENTS_VIEW, "signing/certificates"
    ),
]


def _visible(request, nav_items: list[NavItem]) -> list[dict]:
    user = request.user
    if not user.is_authenticated:
        return []
    access = access_for(user)
    current = request.path.strip("/")
    items = []
    for item in nav_items:
        if item.action is not None and not access.has(item.action):
            continue
        if item.committee_wide and not access.committee_wide(item.action):
            continue
        active = current.startswith(item.section) if item.section else current == ""
        items.append({"label": item.label, "url": reverse(item.url_name), "active": active})
    return items


def nav_for(request) -> list[dict]:
    return _visible(request, NAV_ITEMS)


def account_nav_for(request) -> list[dict]:
    return _visible(request, ACCOUNT_ITEMS)
