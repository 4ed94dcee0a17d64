from django import forms
from django.utils.translation import gettext_lazy as _

from capuyso.audit.models import AuditEvent


class AuditFilterForm(forms.Form):
    actor = forms.ChoiceField(label=_("Person"), required=False)
    object = forms.CharField(label=_("Object"), required=False, max_length=100)
    verb = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All"))] + AuditEvent.Verb.choices
    )
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].choices = [("", _("Everyone"))] + [
            (str(p.code), f"{p.full_name} ({p.username})") for p in people
        ]
        for name in ("date_from", "date_to"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date must be before the end date."))
        return data
