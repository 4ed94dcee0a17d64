from django import forms
from django.utils.translation import gettext_lazy as _

from capuyso.archive.models import DisposalDecision


class RetentionPeriodForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    years = forms.IntegerField(
        label=_("Number of years"),
        required=False,
        min_value=1,
        max_value=200,
        help_text=_("Leave empty for a permanent period."),
    )
    sort_order = forms.IntegerField(
        label=_("Order in the list"), required=False, min_value=0, max_value=999, initial=100
    )


class DisposalDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=DisposalDecision.Outcome.choices,
        widget=forms.RadioSelect,
    )
    keep_until_year = forms.IntegerField(
        label=_("Keep until the end of"),
        required=False,
        min_value=1930,
        max_value=2300,
        help_text=_("For “keep longer”: the year after which it is reviewed again."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    decision_reference = forms.CharField(
        label=_("Decision reference"),
        max_length=80,
        required=False,
        help_text=_("Required to dispose of: the reference of the decision that approves it."),
    )
