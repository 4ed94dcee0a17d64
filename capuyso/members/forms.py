"""Forms of the member file pages. They parse input (Vietnamese dates dd/mm/yyyy, or the
year alone where only the year is known); the services decide what is valid."""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from capuyso.members.models import DatePrecision, Discipline, FamilyRelation, Member, Paper
from capuyso.org.models import AdministrativeUnit


class PreciseDate(NamedTuple):
    value: dt.date
    precision: str


_DAY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MONTH = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_date(text: str, *, partial: bool = False) -> PreciseDate:
    """'05/03/1970', '5-3-1970', '1970-03-05'; with `partial` also '03/1970' and '1970'
    (kept as the 1st of the month or of January, with their precision). ValueError else."""
    text = text.strip()
    if match := _DAY.match(text):
        day, month, year = (int(g) for g in match.groups())
        return PreciseDate(dt.date(year, month, day), DatePrecision.DAY)
    if match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
        return PreciseDate(dt.date(year, month, day), DatePrecision.DAY)
    if partial and (match := _MONTH.match(text)):
        month, year = (int(g) for g in match.groups())
        return PreciseDate(dt.date(year, month, 1), DatePrecision.MONTH)
    if partial and (match := _YEAR.match(text)):
        return PreciseDate(dt.date(int(match.group(1)), 1, 1), DatePrecision.YEAR)
    raise ValueError(text)


def format_date(value, precision: str = DatePrecision.DAY) -> str:
    from capuyso.members.services.file import display_date

    if isinstance(value, PreciseDate):
        return display_date(value.value, value.precision)
    if isinstance(value, dt.date):
        return display_date(value, precision)
    return value or ""


class VietDateField(forms.Field):
    """A date typed as dd/mm/yyyy. With `partial=True` the field also takes mm/yyyy or a year
    alone and cleans to a PreciseDate; otherwise it cleans to a date."""

    default_error_messages = {
        "invalid": _("Enter the date as dd/mm/yyyy, for example 05/03/1970."),
        "invalid_partial": _(
            "Enter the date as dd/mm/yyyy, or the year alone (for example 1970) "
            "when only the year is known."
        ),
        "year": _("Check the year: it must be after 1900."),
    }

    def __init__(self, *, partial: bool = False, **kwargs):
        self.partial = partial
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "placeholder": _("dd/mm/yyyy"),
                    "inputmode": "numeric",
                    "autocomplete": "off",
                    "size": 12,
                }
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return format_date(value)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, PreciseDate):
            return value if self.partial else value.value
        if isinstance(value, dt.date):
            return PreciseDate(value, DatePrecision.DAY) if self.partial else value
        try:
            parsed = parse_date(str(value), partial=self.partial)
        except ValueError as exc:
            code = "invalid_partial" if self.partial else "invalid"
            raise forms.ValidationError(self.error_messages[code], code="invalid") from exc
        if parsed.value.year < 1900:
            raise forms.ValidationError(self.error_messages["year"], code="year")
        return parsed if self.partial else parsed.value


def _choices(choices, empty=True):
    return ([("", "---------")] if empty else []) + list(choices)


class CellField(forms.ChoiceField):
    """Offers the user's cells but passes any posted code on: the service says what is
    wrong with a cell of another committee posted by hand."""

    def valid_value(self, value):
        return bool(value)


PARTIAL_HELP = _("dd/mm/yyyy; the year alone when only the year is known.")


class MemberForm(forms.Form):
    """The member file. On create it also chooses the cell; on edit it carries the file's
    version (a stale form is refused) and the date from which the change takes effect."""

    # Identity
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    sex = forms.ChoiceField(label=_("Sex"), choices=_choices(Member.Sex.choices))
    date_of_birth = VietDateField(label=_("Date of birth"), partial=True, help_text=PARTIAL_HELP)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=40, required=False)
    religion = forms.CharField(label=_("Religion"), max_length=60, required=False)
    home_town = forms.CharField(label=_("Home town"), max_length=255, required=False)
    residence = forms.CharField(label=_("Residence"), max_length=255, required=False)
    residence_unit = forms.ModelChoiceField(
        label=_("Commune/ward of residence"),
        queryset=AdministrativeUnit.objects.filter(
            level=AdministrativeUnit.Level.COMMUNE, valid_until__isnull=True
        ),
        required=False,
    )
    citizen_id = forms.CharField(
        label=_("Citizen ID"),
        max_length=20,
        required=False,
        help_text=_("12 digits."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    # Membership
    card_number = forms.CharField(label=_("Party card number"), max_length=20, required=False)
    cell = CellField(label=_("Cell"))
    admission_date = VietDateField(
        label=_("Admission decision date"), partial=True, help_text=PARTIAL_HELP
    )
    admission_decision = forms.CharField(
        label=_("Admission decision number"), max_length=60, required=False
    )
    ceremony_date = VietDateField(label=_("Admission ceremony date"), required=False)
    full_membership_date = VietDateField(
        label=_("Full membership date"),
        partial=True,
        required=False,
        help_text=_("Leave empty for a probationary member."),
    )
    full_membership_decision = forms.CharField(
        label=_("Recognition decision number"), max_length=60, required=False
    )
    # Background
    general_education = forms.ChoiceField(
        label=_("General education"),
        choices=_choices(Member.GeneralEducation.choices),
        required=False,
    )
    qualification = forms.ChoiceField(
        label=_("Professional qualification"),
        choices=_choices(Member.Qualification.choices),
        required=False,
    )
    qualification_detail = forms.CharField(
        label=_("Field of study"), max_length=160, required=False
    )
    political_theory = forms.ChoiceField(
        label=_("Political theory level"),
        choices=_choices(Member.Theory.choices),
        required=False,
    )
    occupation = forms.CharField(label=_("Occupation"), max_length=120, required=False)
    workplace = forms.CharField(label=_("Workplace"), max_length=255, required=False)
    positions_held = forms.CharField(
        label=_("Positions held"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One position a line, with the years."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Edit only
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    effective_on = VietDateField(
        label=_("The change takes effect from"),
        required=False,
        help_text=_("Today unless the change happened earlier (dd/mm/yyyy)."),
    )
    change_note = forms.CharField(label=_("Reason for the change"), max_length=255, required=False)

    PARTIAL_DATES = ("date_of_birth", "admission_date", "full_membership_date")
    SECTIONS = (
        (
            _("Identity"),
            (
                "full_name",
                "sex",
                "date_of_birth",
                "ethnicity",
                "religion",
                "home_town",
                "residence",
                "residence_unit",
                "citizen_id",
                "phone",
            ),
        ),
        (
            _("Membership"),
            (
                "card_number",
                "cell",
                "admission_date",
                "admission_decision",
                "ceremony_date",
                "full_membership_date",
                "full_membership_decision",
            ),
        ),
        (
            _("Background"),
            (
                "general_education",
                "qualification",
                "qualification_detail",
                "political_theory",
                "occupation",
                "workplace",
                "positions_held",
                "notes",
            ),
        ),
        (_("The change"), ("effective_on", "change_note")),
    )

    def __init__(self, *args, cells=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            # The cell changes by a transfer, never on this form.
            del self.fields["cell"]
            self.fields["version"].required = True
            if not self.is_bound and "effective_on" not in self.initial:
                self.initial["effective_on"] = timezone.localdate()
        else:
            for name in ("version", "effective_on", "change_note"):
                del self.fields[name]
            self.fields["cell"].choices = _choices((str(c.code), c.name) for c in cells or ())
            self.initial.setdefault("ethnicity", "Kinh")

    def sections(self):
        """The fields grouped as the page shows them."""
        return [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in self.SECTIONS
            if any(name in self.fields for name in names)
        ]

    def service_data(self) -> dict:
        """The cleaned values as the member services take them (cell resolved by the view)."""
        from capuyso.members.services.file import TRACKED_FIELDS

        data = {}
        for name, value in self.cleaned_data.items():
            if name in self.PARTIAL_DATES:
                data[name] = value.value if value else None
                data[f"{name}_precision"] = value.precision if value else DatePrecision.DAY
            elif name in TRACKED_FIELDS and name != "cell":
                data[name] = value
        return data

    @classmethod
    def initial_for(cls, member: Member) -> dict:
        initial = {
            name: getattr(member, name)
            for name in cls.base_fields
            if name not in ("cell", "version", "effective_on", "change_note", "residence_unit")
        }
        for name in cls.PARTIAL_DATES:
            value = getattr(member, name)
            initial[name] = (
                PreciseDate(value, getattr(member, f"{name}_precision")) if value else None
            )
        initial["residence_unit"] = member.residence_unit_id
        initial["version"] = member.version
        return initial


class DecisionForm(forms.Form):
    decision_number = forms.CharField(label=_("Decision number"), max_length=60)
    decision_date = VietDateField(label=_("Decision date"))
    issuer = forms.CharField(label=_("Issued by"), max_length=160, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class CommendationForm(DecisionForm):
    form = forms.CharField(
        label=_("Form of commendation"),
        max_length=160,
        help_text=_("For example: Certificate of merit of the commune Party Committee."),
    )
    field_order = ["form", "decision_number", "decision_date", "issuer", "reason"]


class DisciplineForm(DecisionForm):
    form = forms.ChoiceField(
        label=_("Form of discipline"), choices=_choices(Discipline.Form.choices)
    )
    field_order = ["form", "decision_number", "decision_date", "issuer", "reason"]


class RelationForm(forms.Form):
    relation = forms.ChoiceField(
        label=_("Relation"), choices=_choices(FamilyRelation.Relation.choices)
    )
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    birth_year = forms.IntegerField(
        label=_("Year of birth"), required=False, min_value=1850, max_value=2100
    )
    occupation = forms.CharField(label=_("Occupation"), max_length=160, required=False)
    residence = forms.CharField(label=_("Residence"), max_length=255, required=False)
    notes = forms.CharField(label=_("Political background notes"), max_length=255, required=False)


class PaperForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of paper"), choices=_choices(Paper.Kind.choices))
    title = forms.CharField(label=pgettext_lazy("paper", "Title"), max_length=255)
    dated = VietDateField(label=_("Date of the paper"), required=False)
    upload = forms.FileField(
        label=_("Scanned file (PDF, JPEG, PNG, TIFF)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.tif,.tiff"}),
    )


class CorrectionForm(forms.Form):
    field_name = forms.ChoiceField(label=_("What is wrong"))
    proposed_value = forms.CharField(label=_("The correct value"), max_length=255)
    message = forms.CharField(
        label=_("Explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say where the correct value comes from (a paper, a decision)."),
    )

    def __init__(self, *args, **kwargs):
        from capuyso.members.selectors import correction_field_label
        from capuyso.members.services.records import CORRECTABLE_FIELDS

        super().__init__(*args, **kwargs)
        self.fields["field_name"].choices = _choices(
            (name, correction_field_label(name)) for name in CORRECTABLE_FIELDS
        )


class RefuseForm(forms.Form):
    reply = forms.CharField(label=_("Reason for refusing"), max_length=255)


class StateOnForm(forms.Form):
    on = VietDateField(label=_("Show the file as it stood on"))
