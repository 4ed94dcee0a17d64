"""The meetings area. Each feature keeps its own URL module so features grow independently."""

from capuyso.meetings import (
    urls_attendance,
    urls_ballots,
    urls_calendar,
    urls_meetings,
    urls_minutes,
    urls_settings,
    urls_votes,
)

app_name = "meetings"

urlpatterns = [
    *urls_settings.urlpatterns,
    *urls_meetings.urlpatterns,
    *urls_calendar.urlpatterns,
    *urls_attendance.urlpatterns,
    *urls_minutes.urlpatterns,
    *urls_votes.urlpatterns,
    *urls_ballots.urlpatterns,
]
