from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class _RetentionField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class DossierForm(forms.Form):
    file_number = forms.CharField(label=_("File number"), max_length=40)
    title = forms.CharField(label=_("Dossier title"), max_length=255)
    year = forms.IntegerField(label=_("Year"), min_value=1930, max_value=2100)
    unit = forms.ModelChoiceField(
        label=_("Responsible unit"), queryset=None, required=False, to_field_name="code"
    )
    retention = _RetentionField(
        label=_("Retention period"),
        queryset=None,
        to_field_name="code",
        error_messages={"required": _("Choose how long the dossier is kept.")},
    )

    def __init__(self, *args, units, retentions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["retention"].queryset = retentions
        self.fields["year"].initial = timezone.localdate().year


class DossierEditForm(forms.Form):
    """The title, unit and retention of an open dossier; only the retention (with a
    reason) of a closed one."""

    title = forms.CharField(label=_("Dossier title"), max_length=255)
    unit = forms.ModelChoiceField(
        label=_("Responsible unit"), queryset=None, required=False, to_field_name="code"
    )
    retention = _RetentionField(
        label=_("Retention period"),
        queryset=None,
        to_field_name="code",
        error_messages={"required": _("Choose how long the dossier is kept.")},
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to change the retention of a closed dossier."),
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, units, retentions, closed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["retention"].queryset = retentions
        if closed:
            # What was filed under this title stays under it: shown, not editable.
            self.fields["title"].disabled = True
            self.fields["unit"].disabled = True
        else:
            del self.fields["reason"]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
