"""Forms of the meeting pages and the work calendar. They parse input (dates dd/mm/yyyy,
times HH:MM, Asia/Ho_Chi_Minh); the services decide what is valid."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from capuyso.core.forms import add_service_errors as core_add_service_errors
from capuyso.meetings.models import Meeting
from capuyso.members.forms import VietDateField

TIME_FORMATS = ["%H:%M", "%H.%M", "%Hh%M", "%Hh", "%H"]
# A service's field name -> the form's field that holds it.
SERVICE_FIELDS = {"starts_at": "starts", "ends_at": "ends"}


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, on the field that holds the value
    (the day and times hold `starts_at` and `ends_at`)."""
    if hasattr(error, "error_dict"):
        error = ValidationError(
            {SERVICE_FIELDS.get(name, name): errors for name, errors in error.error_dict.items()}
        )
    core_add_service_errors(form, error)


class TimeField(forms.TimeField):
    default_error_messages = {"invalid": _("Enter the time as HH:MM, for example 07:30.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", TIME_FORMATS)
        kwargs.setdefault(
            "widget", forms.TimeInput(format="%H:%M", attrs={"type": "time", "size": 6})
        )
        super().__init__(**kwargs)


def local_datetime(day: dt.date, time: dt.time | None) -> dt.datetime | None:
    if day is None or time is None:
        return None
    return dt.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.username


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.username


class WhenMixin:
    """A day and a start (and optional end) time on that day."""

    def when(self) -> dict:
        data = self.cleaned_data
        starts_at = local_datetime(data["day"], data["starts"])
        ends_at = local_datetime(data["day"], data.get("ends"))
        return {"starts_at": starts_at, "ends_at": ends_at}

    @staticmethod
    def when_initial(starts_at, ends_at) -> dict:
        starts = timezone.localtime(starts_at)
        return {
            "day": starts.date(),
            "starts": starts.time().replace(second=0, microsecond=0),
            "ends": timezone.localtime(ends_at).time() if ends_at else None,
        }


class MeetingForm(WhenMixin, forms.Form):
    unit = forms.ChoiceField(label=_("Held by"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Meeting.Kind.choices)
    title = forms.CharField(label=pgettext_lazy("name", "Title"), max_length=255)
    day = VietDateField(label=_("Day"))
    starts = TimeField(label=_("From"))
    ends = TimeField(label=_("Until"), required=False)
    place = forms.CharField(label=_("Place"), max_length=255, required=False)
    mode = forms.ChoiceField(label=_("Mode"), choices=Meeting.Mode.choices)
    online_url = forms.URLField(
        label=_("Online meeting link"),
        required=False,
        assume_scheme="https",
        help_text=_("For an online or hybrid meeting."),
    )
    chair = UserChoiceField(label=_("Chair"), queryset=None, required=False, to_field_name="code")
    secretary = UserChoiceField(
        label=_("Secretary of the meeting"), queryset=None, required=False, to_field_name="code"
    )
    add_to_calendar = forms.BooleanField(
        label=_("Add it to the committee's work calendar"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, units, committee_level, people, editing=False, calendar=False, **kw):
        super().__init__(*args, **kw)
        choices = [("", _("The Party committee itself"))] if committee_level else []
        choices += [(str(u.code), u.name) for u in units]
        self.fields["unit"].choices = choices
        self.fields["unit"].required = not committee_level
        self.fields["chair"].queryset = people
        self.fields["secretary"].queryset = people
        if editing:
            del self.fields["unit"]
            del self.fields["add_to_calendar"]
        elif not calendar:
            del self.fields["add_to_calendar"]
        if not editing:
            del self.fields["version"]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"].strip(),
            **self.when(),
            "place": data.get("place", "").strip(),
            "mode": data["mode"],
            "online_url": data.get("online_url", ""),
            "chair": data.get("chair"),
            "secretary": data.get("secretary"),
        }


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the meeting cancelled?"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Agenda item"), max_length=255)
    presenter = forms.CharField(label=_("Presented by"), max_length=160, required=False)
    confidential = forms.BooleanField(
        label=_("Confidential"),
        required=False,
        help_text=_("Its documents are visible only to those present at the meeting."),
    )


class AgendaItemEditForm(AgendaItemForm):
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])


class CalendarEntryForm(WhenMixin, forms.Form):
    day = VietDateField(label=_("Day"))
    starts = TimeField(label=_("From"))
    ends = TimeField(label=_("Until"), required=False)
    title = forms.CharField(
        label=_("Work"), max_length=255, widget=forms.Textarea(attrs={"rows": 2})
    )
    leaders = UsersChoiceField(
        label=_("Leaders"),
        queryset=None,
        required=False,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    place = forms.CharField(label=_("Place"), max_length=255, required=False)
    preparing = forms.CharField(label=_("Prepared by"), max_length=255, required=False)

    def __init__(self, *args, leaders, **kw):
        super().__init__(*args, **kw)
        self.fields["leaders"].queryset = leaders

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            **self.when(),
            "title": data["title"].strip(),
            "place": data.get("place", "").strip(),
            "preparing": data.get("preparing", "").strip(),
        }


class SeriesForm(forms.Form):
    unit = forms.ChoiceField(label=_("Cell"))
    title = forms.CharField(
        label=pgettext_lazy("name", "Title"), max_length=200, initial=_("Regular cell meeting")
    )
    day_of_month = forms.IntegerField(
        label=_("Day of the month"),
        min_value=1,
        max_value=31,
        help_text=_("Days after the 28th fall back to the 28th, so February has its meeting."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 3}),
    )
    time = TimeField(label=_("Time"))
    place = forms.CharField(label=_("Place"), max_length=255)
    starts_on = VietDateField(label=_("From"))
    ends_on = VietDateField(label=_("Until"), required=False)

    def __init__(self, *args, cells, editing=False, **kw):
        super().__init__(*args, **kw)
        self.fields["unit"].choices = [(str(u.code), u.name) for u in cells]
        if editing:
            del self.fields["unit"]
