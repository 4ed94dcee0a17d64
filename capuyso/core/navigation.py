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
    action: str | tuple[str, ...] | None  # None: every signed-in user; a tuple: any of them
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
    NavItem(_("Archive"), "archive:items", Action.DOCUMENTS_VIEW, "archive/items", True),
    NavItem(_("OCR"), "archive:ocr_overview", Action.DOCUMENTS_VIEW, "archive/ocr", True),
    NavItem(
        _("Disposal review"),
        "archive:disposal",
        (Action.DOCUMENTS_APPROVE, Action.DOCUMENTS_REGISTER),
        "archive/disposal",
        True,
    ),
    NavItem(
        _("Retention periods"),
        "archive:retention",
        Action.DOCUMENTS_CONFIGURE,
        "archive/retention",
        True,
    ),
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
    NavItem(_("Party fees"), "fees:home", Action.FEES_VIEW, "fees"),
    NavItem(_("Fee rules"), "fees:rules", Action.FEES_CONFIGURE, "fees/rules", True),
    NavItem(_("Meetings"), "meetings:list", Action.MEETINGS_VIEW, "meetings"),
    # Every signed-in user of the committee reads the published work calendar.
    NavItem(_("Work calendar"), "meetings:calendar", None, "meetings/calendar"),
    NavItem(_("Users"), "accounts:users", Action.USERS_VIEW, "accounts/users"),
    NavItem(_("Audit trail"), "audit:list", Action.AUDIT_VIEW, "audit"),
    NavItem(_("Jobs"), "jobs:list", None, "jobs"),
]


# The personal pages, next to the user's name in the top bar.
ACCOUNT_ITEMS = [
    NavItem(
        _("My certificates"), "signing:certificates", Action.DOCUMENTS_VIEW, "signing/certificates"
    ),
    NavItem(_("My party fees"), "fees:mine", None, "fees/mine"),
]


def _allowed(access, item: NavItem) -> bool:
    if item.action is None:
        return True
    actions = item.action if isinstance(item.action, tuple) else (item.action,)
    check = access.committee_wide if item.committee_wide else access.has
    return any(check(action) for action in actions)


def _visible(request, nav_items: list[NavItem]) -> list[dict]:
    user = request.user
    if not user.is_authenticated:
        return []
    access = access_for(user)
    current = request.path.strip("/")
    shown = [item for item in nav_items if _allowed(access, item)]
    # The most specific section marks its item active: /meetings/calendar/ is the work
    # calendar's, not the meetings'.
    matching = [
        item.section
        for item in shown
        if (current == item.section or current.startswith(item.section + "/"))
        or (not item.section and current == "")
    ]
    active_section = max(matching, key=len) if matching else None
    return [
        {
            "label": item.label,
            "url": reverse(item.url_name),
            "active": item.section == active_section,
        }
        for item in shown
    ]


def nav_for(request) -> list[dict]:
    return _visible(request, NAV_ITEMS)


def account_nav_for(request) -> list[dict]:
    return _visible(request, ACCOUNT_ITEMS)
