"""The electronic-copies part of a document's page: `{% load electronic_copies %}` then
`{% electronic_copies document %}` on the outgoing or the incoming document page.

A tag rather than a view context entry, so both document pages get it with one line and the
documents app does not have to know about copies.
"""

from django import template

from capuyso.signing import selectors

register = template.Library()


@register.inclusion_tag("signing/_copies.html", takes_context=True)
def electronic_copies(context, document) -> dict:
    return {
        "document": document,
        "copies": selectors.copies_context(context["request"].user, document),
        "csrf_token": context.get("csrf_token"),
    }
