"""Template filters of the fee ledger pages: a due explained in one line and a month's
status as a badge. Filters rather than includes: the cell month page shows them for every
member of the cell."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from capuyso.core.text import format_vnd

register = template.Library()

BADGES = {
    "paid": ("badge-ok", gettext_noop("Paid")),
    "partial": ("badge-warn", gettext_noop("Partly paid")),
    "unpaid": ("badge-err", gettext_noop("Not paid")),
    "excused": ("", gettext_noop("Not paid, excused")),
    "exempt": ("", gettext_noop("Exempt")),
    "ahead": ("badge-ok", gettext_noop("Paid ahead")),
    "not_computed": ("", gettext_noop("Not computed")),
}


@register.filter
def status_badge(status: str) -> str:
    css, label = BADGES.get(status, BADGES["not_computed"])
    return format_html('<span class="badge {}">{}</span>', css, _(label))


@register.filter
def due_explained(due) -> str:
    """'Salaried: 1% × 7.654.321 đ; reduced by 50% (Hardship)', or why it is not computed."""
    if due is None:
        return format_html('<span class="muted">{}</span>', _("Not computed"))
    missing = getattr(due, "missing", "")
    group = due.group.name if due.group_id else ""
    if missing:
        reason = {
            "no_basis": _("No fee basis declared"),
            "no_rule": _("No rate in force for the group"),
            "no_amount": _("The basis amount is missing"),
        }.get(missing, _("Not computed"))
        return format_html('<span class="badge badge-warn">{}</span> {}', reason, group)
    if due.rate_bp:
        how = f"{getattr(due, 'rate_label', '')}% × {format_vnd(due.basis_amount)}"
        if due.gross != due.amount:
            how += f" = {format_vnd(due.gross)}"
    else:
        how = _("fixed amount")
    if due.relief_percent == 100:
        how += "; " + _("exempt")
    elif due.relief_percent:
        how += "; " + _("reduced by %(percent)s%%") % {"percent": due.relief_percent}
    if due.relief_percent:
        how += f" ({getattr(due, 'relief_label', due.relief_reason)})"
    return format_html('<span class="muted">{}: {}</span>', group, how)


@register.filter
def flag_badge(flag) -> str:
    """'3 months unpaid in 2026: proposal to strike off (04/2026, 05/2026, 07/2026)'."""
    if not flag or not flag.count:
        return ""
    if flag.flagged:
        text = ngettext(
            "%(count)s month unpaid in %(year)s: proposal to strike off",
            "%(count)s months unpaid in %(year)s: proposal to strike off",
            flag.count,
        )
    else:
        text = ngettext(
            "%(count)s month unpaid in %(year)s", "%(count)s months unpaid in %(year)s", flag.count
        )
    return format_html(
        '<span class="badge {}">{}</span> <span class="muted">({})</span>',
        "badge-err" if flag.flagged else "badge-warn",
        text % {"count": flag.count, "year": flag.year},
        ", ".join(month.strftime("%m/%Y") for month in flag.months),
    )
