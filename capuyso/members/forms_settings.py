from django import forms
from django.utils.translation import gettext_lazy as _

from capuyso.core.forms import date_widget


class IntegerListField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        try:
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        except ValueError as exc:
            raise forms.ValidationError(
                _("Write whole numbers separated by commas."), code="invalid"
            ) from exc

    def prepare_value(self, value):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else value


class DayMonthListField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value


class RulesForm(forms.Form):
    effective_from = forms.DateField(label=_("Effective from"), widget=date_widget())
    probation_months = forms.IntegerField(label=_("Probation (months)"), min_value=1, max_value=36)
    recognition_working_days = forms.IntegerField(
        label=_("Recognition deadline (working days after probation)"), min_value=1, max_value=365
    )
    recognition_notice_days = forms.IntegerField(
        label=_("Remind the cell this many days before probation ends"), min_value=0, max_value=365
    )
    transfer_working_days = forms.IntegerField(
        label=_("Transfer deadline (working days)"), min_value=1, max_value=365
    )
    badge_milestones = IntegerListField(
        label=_("Badge milestones (years)"), help_text=_("For example 30, 40, 45, 50.")
    )
    badge_award_days = DayMonthListField(
        label=_("Badge award days"), help_text=_("dd/mm, for example 03/02, 19/05, 02/09, 07/11.")
    )
    early_award_split_years = forms.IntegerField(
        label=_("Early award for illness: highest milestone counted as lower (years)"),
        min_value=1,
        max_value=100,
    )
    early_award_months_lower = forms.IntegerField(
        label=_("Early award for illness, lower milestones (months)"), min_value=0, max_value=60
    )
    early_award_months_upper = forms.IntegerField(
        label=_("Early award for illness, higher milestones (months)"), min_value=0, max_value=60
    )
    posthumous_early_months = forms.IntegerField(
        label=_("Posthumous award up to (months early)"), min_value=0, max_value=60
    )
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=255, required=False)


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=date_widget())
    is_working_day = forms.TypedChoiceField(
        label=_("This day is"),
        choices=[("0", _("a day off")), ("1", _("a working day"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(
        label=_("Why"), max_length=160, help_text=_("For example the government's announcement.")
    )
