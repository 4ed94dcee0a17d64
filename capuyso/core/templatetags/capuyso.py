from django import template

from capuyso.core.text import format_vnd

register = template.Library()


@register.filter
def vnd(amount):
    """Money in VND with '.' thousands: {{ 12500|vnd }} -> 12.500 đ."""
    return format_vnd(amount)


@register.filter
def thousands(number):
    """12500 -> 12.500 in every UI language."""
    if number is None or number == "":
        return ""
    return f"{int(number):,}".replace(",", ".")
