"""Forms of the life-cycle pages. They parse input; the services decide and refuse with
coded errors shown on the fields. Choices (cells, committees) come from selectors through
the view, so a form never offers another committee's cells."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from capuyso.core.forms import date_widget
from capuyso.members.models import Exemption, Member, Transfer


def _date(label, *, required=True, help_text=""):
    return forms.DateField(
        label=label, required=required, widget=date_widget(), help_text=help_text
    )


class CellChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class RecognizeForm(forms.Form):
    decision_number = forms.CharField(label=_("Recognition decision number"), max_length=60)
    decision_date = _date(_("Decision date"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class VoteFailedForm(forms.Form):
    vote_date = _date(_("Date of the cell meeting"))
    note = forms.CharField(label=_("Note"), max_length=150, required=False)


class ExemptionForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Exemption.Reason.choices)
    reason_detail = forms.CharField(label=_("Details"), max_length=255, required=False)
    applied_on = _date(_("Date of the member's application"))
    decision_number = forms.CharField(
        label=_("Cell resolution number"), max_length=60, required=False
    )
    decision_date = _date(_("Cell resolution date"))
    starts_on = _date(_("Exempt from"))
    ends_on = _date(
        _("Exempt until"),
        required=False,
        help_text=_("Leave empty when the exemption has no set end."),
    )


class ExemptionEndForm(forms.Form):
    resume_on = _date(_("Takes part in activities again from"))


CLOSING_CHOICES = [
    (Member.Status.STRUCK_OFF.value, Member.Status.STRUCK_OFF.label),
    (Member.Status.EXPELLED.value, Member.Status.EXPELLED.label),
    (Member.Status.DECEASED.value, Member.Status.DECEASED.label),
]


class CloseForm(forms.Form):
    status = forms.ChoiceField(label=_("Reason for closing"), choices=CLOSING_CHOICES)
    on = _date(_("Date"), help_text=_("The date of the decision, or of death."))
    decision = forms.CharField(
        label=_("Decision (number and date)"),
        max_length=120,
        required=False,
        help_text=_("Required for striking off and expulsion."),
    )


class GapForm(forms.Form):
    start = _date(_("From"))
    end = _date(_("To"))
    reason = forms.CharField(label=_("Reason"), max_length=255)


class TransferForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Where to"),
        choices=[
            (Transfer.Scope.INTERNAL.value, Transfer.Scope.INTERNAL.label),
            (Transfer.Scope.PLATFORM.value, Transfer.Scope.PLATFORM.label),
            (Transfer.Scope.EXTERNAL_OUT.value, Transfer.Scope.EXTERNAL_OUT.label),
        ],
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Transfer.Kind.choices, widget=forms.RadioSelect
    )
    to_cell = CellChoiceField(
        label=_("Cell of this committee"),
        queryset=None,
        required=False,
        to_field_name="code",
        empty_label=_("Choose a cell"),
    )
    to_committee = forms.ModelChoiceField(
        label=_("Committee on the platform"),
        queryset=None,
        required=False,
        to_field_name="code",
        empty_label=_("Choose a committee"),
    )
    organisation = forms.CharField(
        label=_("Party organisation outside the platform"), max_length=255, required=False
    )
    decision_number = forms.CharField(
        label=_("Decision or letter number"), max_length=60, required=False
    )
    decision_date = _date(_("Decision date"))
    until = _date(_("Temporary until"), required=False)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, cells, committees, allow_outside: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_cell"].queryset = cells
        self.fields["to_committee"].queryset = committees
        if not allow_outside:
            self.fields["scope"].choices = self.fields["scope"].choices[:1]
            del self.fields["to_committee"]
            del self.fields["organisation"]

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        required = {
            Transfer.Scope.INTERNAL: ("to_cell", _("Choose the cell the member moves to.")),
            Transfer.Scope.PLATFORM: ("to_committee", _("Choose the committee.")),
            Transfer.Scope.EXTERNAL_OUT: (
                "organisation",
                _("Enter the party organisation the member goes to."),
            ),
        }
        if scope in required:
            field, message = required[scope]
            if field in self.fields and not data.get(field):
                self.add_error(field, forms.ValidationError(message, code="required"))
        return data


class AcceptForm(forms.Form):
    to_cell = CellChoiceField(
        label=_("Receiving cell"),
        queryset=None,
        to_field_name="code",
        empty_label=_("Choose a cell"),
    )
    received_on = _date(_("Received on"))

    def __init__(self, *args, cells, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_cell"].queryset = cells


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for refusing"), max_length=255)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class ReceiptForm(forms.Form):
    received_on = _date(_("Date on the receipt slip"))


class ReturnForm(forms.Form):
    back_on = _date(_("Back in the cell from"))


class ReceiveForm(forms.Form):
    """A member arriving from outside the platform, from their introduction letter."""

    organisation = forms.CharField(label=_("Coming from (party organisation)"), max_length=255)
    decision_number = forms.CharField(
        label=_("Introduction letter number"), max_length=60, required=False
    )
    decision_date = _date(_("Date of the introduction letter"))
    received_on = _date(_("Received on"))
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    sex = forms.ChoiceField(label=_("Sex"), choices=Member.Sex.choices)
    date_of_birth = _date(_("Date of birth"))
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=40, required=False, initial="Kinh")
    home_town = forms.CharField(label=_("Home town"), max_length=255, required=False)
    residence = forms.CharField(label=_("Residence"), max_length=255, required=False)
    citizen_id = forms.CharField(label=_("Citizen ID"), max_length=20, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    card_number = forms.CharField(label=_("Party card number"), max_length=20, required=False)
    cell = CellChoiceField(
        label=_("Cell"), queryset=None, to_field_name="code", empty_label=_("Choose a cell")
    )
    admission_date = _date(_("Admission decision date"))
    ceremony_date = _date(_("Admission ceremony date"), required=False)
    full_membership_date = _date(
        _("Full membership date"),
        required=False,
        help_text=_("Leave empty for a probationary member."),
    )
    full_membership_decision = forms.CharField(
        label=_("Recognition decision number"), max_length=60, required=False
    )

    MEMBER_FIELDS = (
        "full_name",
        "sex",
        "date_of_birth",
        "ethnicity",
        "home_town",
        "residence",
        "citizen_id",
        "phone",
        "card_number",
        "cell",
        "admission_date",
        "ceremony_date",
        "full_membership_date",
        "full_membership_decision",
    )

    def __init__(self, *args, cells, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell"].queryset = cells

    def member_data(self) -> dict:
        return {f: self.cleaned_data[f] for f in self.MEMBER_FIELDS}
