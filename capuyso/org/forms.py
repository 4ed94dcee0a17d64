from django import forms
from django.utils.translation import gettext_lazy as _

from capuyso.org.models import AdministrativeUnit, Grouping, Unit


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Unit.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=160)
    cell_kind = forms.ChoiceField(
        label=_("Cell kind"),
        required=False,
        choices=[("", "—")] + Unit.CellKind.choices,
        help_text=_("Only for cells and sub-committees."),
    )
    parent = forms.ModelChoiceField(
        label=_("Under"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("Directly under the committee"),
    )
    grouping = forms.ModelChoiceField(
        label=_("Grouping"), required=False, queryset=Grouping.objects.none()
    )
    address_line = forms.CharField(label=_("Address"), required=False, max_length=255)
    admin_unit = forms.ModelChoiceField(
        label=_("Commune/ward"),
        required=False,
        queryset=AdministrativeUnit.objects.filter(
            level=AdministrativeUnit.Level.COMMUNE, valid_until__isnull=True
        ),
    )
    established_on = forms.DateField(label=_("Established on"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, committee, editing: Unit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["established_on"].widget = _date_widget()
        self.fields["parent"].queryset = Unit.objects.filter(
            committee=committee, kind__in=[Unit.Kind.SUB_COMMITTEE, Unit.Kind.CELL]
        )
        self.fields["grouping"].queryset = Grouping.objects.filter(committee=committee)
        if editing is not None:
            # Kind and place in the tree are fixed once created.
            del self.fields["kind"]
            del self.fields["parent"]
            self.fields["dissolved_on"] = forms.DateField(
                label=_("Dissolved on"), required=False, widget=_date_widget()
            )


class TermForm(forms.Form):
    name = forms.CharField(label=_("Term"), max_length=80, help_text=_("e.g. 2025–2030"))
    congress = forms.CharField(label=_("Congress"), required=False, max_length=80)
    start_date = forms.DateField(label=_("Start date"))
    end_date = forms.DateField(label=_("End date"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"].widget = _date_widget()
        self.fields["end_date"].widget = _date_widget()


class GroupingForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    former_admin_unit = forms.ModelChoiceField(
        label=_("Former commune"),
        required=False,
        queryset=AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE),
    )
