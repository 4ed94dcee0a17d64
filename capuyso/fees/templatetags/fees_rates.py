"""Template filters of the fee rules pages."""

from django import template

from capuyso.fees.forms_rules import format_percent

register = template.Library()


@register.filter
def percent_bp(bp):
    """Basis points as a Vietnamese percentage: 120 → '1,2', 50 → '0,5', 100 → '1'."""
    if bp is None or bp == "":
        return ""
    return format_percent(int(bp))
