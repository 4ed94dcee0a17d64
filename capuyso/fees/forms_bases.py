"""Forms for members' fee bases (one member, a cell's month in bulk, an import) and reliefs."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from capuyso.core.forms import date_widget
from capuyso.fees.forms_rules import MoneyField, MonthField
from capuyso.fees.models import FeeGroup, FeeRelief
from capuyso.fees.selectors_rules import groups_for

AMOUNT_HELP = _(
    "For a salaried member: the social-insurance salary base of the previous month. For leave: "
    "the allowance; for a retiree: the pension. Empty for a group paying a fixed amount."
)


class DeclareForm(forms.Form):
    month = MonthField(label=_("From month"))
    group = forms.ModelChoiceField(label=_("Group"), queryset=FeeGroup.objects.none())
    amount = MoneyField(label=_("Declared amount (đồng)"), required=False, help_text=AMOUNT_HELP)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups_for(committee, active_only=True)


class BulkForm(forms.Form):
    """One group and amount per member of the cell, prefilled with the basis in force."""

    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, rows, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.groups = {str(g.pk): g for g in groups}
        choices = [("", "—")] + [(str(g.pk), g.name) for g in groups]
        for row in rows:
            code = row["member"].code
            current = row["basis"]
            self.fields[f"group-{code}"] = forms.ChoiceField(
                label=_("Group"),
                choices=choices,
                required=False,
                initial=str(current.group_id) if current else "",
            )
            self.fields[f"amount-{code}"] = MoneyField(
                label=_("Amount (đồng)"),
                required=False,
                initial=current.amount if current else None,
            )

    def bound_rows(self):
        for row in self.rows:
            code = row["member"].code
            yield {**row, "group": self[f"group-{code}"], "amount": self[f"amount-{code}"]}

    def entries(self) -> dict:
        """{member id: (group or None, amount or None)} from the cleaned data."""
        out = {}
        for row in self.rows:
            code = row["member"].code
            group = self.groups.get(self.cleaned_data.get(f"group-{code}") or "")
            out[row["member"].pk] = (group, self.cleaned_data.get(f"amount-{code}"))
        return out


class ImportForm(forms.Form):
    month = MonthField(label=_("From month"))
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        help_text=_(
            "Columns: full name and date of birth (or party card number), group (short name), "
            "amount."
        ),
    )


class ReliefForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=FeeRelief.Kind.choices)
    reason = forms.ChoiceField(label=_("Reason"), choices=FeeRelief.Reason.choices)
    percent = forms.TypedChoiceField(
        label=_("Reduction (%)"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Only for a reduction."),
    )
    decision = forms.CharField(label=_("Decision number"), max_length=120)
    decision_date = forms.DateField(label=_("Decision date"), required=False, widget=date_widget())
    start_month = MonthField(label=_("First month"))
    end_month = MonthField(
        label=_("Last month"),
        required=False,
        help_text=_("Required for a reduction; an exemption may be open-ended."),
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, percents=(30, 50, 70), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["percent"].choices = [("", "—")] + [(p, f"{p} %") for p in percents]


class WithdrawReliefForm(forms.Form):
    reason = forms.CharField(label=_("Why is the relief withdrawn?"), max_length=255)


class EndReliefForm(forms.Form):
    end_month = MonthField(label=_("Last month"))
