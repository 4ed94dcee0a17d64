from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DossierForm(forms.Form):
    file_number = forms.CharField(label=_("File number"), max_length=40)
    title = forms.CharField(label=_("Dossier title"), max_length=255)
    year = forms.IntegerField(label=_("Year"), min_value=1930, max_value=2100)
    unit = forms.ModelChoiceField(
        label=_("Responsible unit"), queryset=None, required=False, to_field_name="code"
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["year"].initial = timezone.localdate().year
