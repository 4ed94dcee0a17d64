from django import template

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action

register = template.Library()


@register.inclusion_tag("members/_tabs.html", takes_context=True)
def member_tabs(context, tab: str):
    """The members area's tabs, each shown only to users who may open it."""
    access = access_for(context["request"].user)
    return {
        "tab": tab,
        "member_tabs": {
            "recognitions": access.has(Action.MEMBERS_VIEW_FILE),
            "transfers": access.has(Action.MEMBERS_MANAGE),
            "badges": access.has(Action.MEMBERS_VIEW_FILE),
            "import": access.has(Action.MEMBERS_IMPORT),
        },
    }
