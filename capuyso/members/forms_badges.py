from django import forms
from django.utils.translation import gettext_lazy as _

from capuyso.core.forms import date_widget
from capuyso.members.models import BadgeAward


def parse_selection(value: str) -> tuple[str, int, str] | None:
    """'<member code>:<milestone>:<kind>' (a checkbox of the lists) → its parts."""
    parts = str(value).split(":")
    if len(parts) != 3 or not parts[1].isdigit() or parts[2] not in BadgeAward.Kind.values:
        return None
    return parts[0], int(parts[1]), parts[2]


class SelectionsField(forms.MultipleChoiceField):
    """The ticked rows; which of them are really on the lists is the service's question."""

    def valid_value(self, value) -> bool:
        return parse_selection(value) is not None

    def clean(self, value):
        return [parse_selection(v) for v in super().clean(value)]


class BadgeRecordForm(forms.Form):
    award_date = forms.DateField(widget=forms.HiddenInput)
    decision_number = forms.CharField(
        label=_("Decision number"),
        max_length=60,
        help_text=_("For example 125-QĐ/TU."),
    )
    decision_date = forms.DateField(label=_("Decision date"), widget=date_widget())
    selected = SelectionsField(
        required=False,
        error_messages={"invalid_choice": _("A ticked row could not be read; reload the page.")},
    )
