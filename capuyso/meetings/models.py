"""Meetings: the weekly work calendar, meetings of the committee, its standing committee and
its cells, their agenda and documents (read on screen), invitations, attendance, minutes,
and votes (open, paper, secret ballot, election).

Vote thresholds are `VoteRule` rows with an effective date. The secret ballot's own records
(keys, the voter roll, the ballot box) live in `ballots.py` models of this app, designed so
that nothing stored links a voter to a choice (docs/voting.md).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from capuyso.core.models import BaseModel, TenantModel


class CalendarEntry(TenantModel):
    """One line of the committee's weekly work calendar (lịch công tác)."""

    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    title = models.CharField(_("work"), max_length=255)
    place = models.CharField(_("place"), max_length=255, blank=True)
    leaders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("leaders")
    )
    preparing = models.CharField(_("prepared by"), max_length=255, blank=True)
    meeting = models.ForeignKey(
        "Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_published = models.BooleanField(_("published"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("work calendar entry")
        verbose_name_plural = _("work calendar entries")
        indexes = [models.Index(fields=["committee", "starts_at"], name="calendar_committee_start")]

    def __str__(self) -> str:
        return self.title


class MeetingSeries(TenantModel):
    """A recurring meeting, e.g. a cell's regular monthly meeting on a set day."""

    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16)
    title = models.CharField(pgettext_lazy("name", "title"), max_length=255)
    day_of_month = models.PositiveSmallIntegerField(
        _("day of the month"), help_text=_("1–28; later days fall back to the 28th.")
    )
    time = models.TimeField(_("time"))
    place = models.CharField(_("place"), max_length=255, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")


class Meeting(TenantModel):
    class Kind(models.TextChoices):
        EXECUTIVE = "executive", _("Party committee meeting")
        STANDING = "standing", _("Standing committee meeting")
        BRIEFING = "briefing", _("Briefing")
        CELL_REGULAR = "cell_regular", _("Regular cell meeting")
        CELL_THEMATIC = "cell_thematic", _("Thematic cell meeting")
        PARTY_GROUP = "party_group", _("Party group meeting")

    CELL_KINDS = (Kind.CELL_REGULAR, Kind.CELL_THEMATIC, Kind.PARTY_GROUP)

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("In person and online")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        INVITED = "invited", _("Invitations sent")
        IN_PROGRESS = "in_progress", pgettext_lazy("meeting status", "In progress")
        CLOSED = "closed", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("held by"),
        help_text=_("The cell or organ; empty for the Party committee itself."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(pgettext_lazy("name", "title"), max_length=255)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=255, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    online_url = models.URLField(_("online meeting link"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("chair"),
    )
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("secretary of the meeting"),
    )
    series = models.ForeignKey(
        MeetingSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [
            models.Index(fields=["committee", "starts_at"], name="meeting_committee_start"),
            models.Index(fields=["unit", "kind", "starts_at"], name="meeting_unit_kind_start"),
        ]

    def __str__(self) -> str:
        return self.title


class AgendaItem(BaseModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("item"), max_length=255)
    presenter = models.CharField(_("presented by"), max_length=160, blank=True)
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("Its documents are visible only to those present at the meeting."),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")


class MeetingDocument(BaseModel):
    """A document of an agenda item, read on screen in the meeting reader."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(pgettext_lazy("name", "title"), max_length=255)
    file = models.ForeignKey(
        "documents.StoredFile", on_delete=models.PROTECT, related_name="+", verbose_name=_("file")
    )
    page_count = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("meeting document")
        verbose_name_plural = _("meeting documents")


class DocumentOpening(models.Model):
    """Who opened which meeting document, and when (first and last time, how often)."""

    document = models.ForeignKey(MeetingDocument, on_delete=models.CASCADE, related_name="opened")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_opened_at = models.DateTimeField(auto_now_add=True)
    last_opened_at = models.DateTimeField(auto_now=True)
    times = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "user"], name="document_opening_once")
        ]

    def __str__(self) -> str:
        return f"{self.document_id}:{self.user_id}"


class Invitation(BaseModel):
    class Response(models.TextChoices):
        PENDING = "pending", _("No answer yet")
        ATTENDING = "attending", _("Will attend")
        ABSENT = "absent", _("Cannot attend")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("A guest without a member file in this cell, or the member's account."),
    )
    name = models.CharField(_("name"), max_length=120)
    response = models.CharField(
        _("answer"), max_length=10, choices=Response.choices, default=Response.PENDING
    )
    reason = models.CharField(_("reason for absence"), max_length=255, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"],
                condition=Q(member__isnull=False),
                name="invitation_member_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False),
                name="invitation_user_once",
            ),
        ]


class Attendance(BaseModel):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT_EXCUSED = "absent_excused", _("Absent with reason")
        ABSENT_UNEXCUSED = "absent_unexcused", _("Absent without reason")
        EXEMPT = "exempt", _("Exempt from activities")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("attendance"), max_length=16, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once")
        ]


class Minutes(BaseModel):
    """The meeting record (biên bản). Signed minutes never change: a correction is a new
    version that keeps the old one."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="minutes")
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    sections = models.JSONField(default=dict)
    file = models.ForeignKey(
        "documents.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    correction_reason = models.CharField(_("reason for the correction"), max_length=255, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "version"], name="minutes_version_once")
        ]


class VoteRule(BaseModel):
    """When a vote passes: more than (strict) or at least `numerator/denominator` of a base,
    in force from `effective_from`; a committee's own row overrides the platform-wide one."""

    class Base(models.TextChoices):
        FULL_MEMBERS = "full_members", _("All full members of the cell who may vote")
        PRESENT = "present", _("Those present who may vote")
        VALID_BALLOTS = "valid_ballots", _("Valid ballots")

    committee = models.ForeignKey(
        "org.Committee", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("vote type"), max_length=160)
    effective_from = models.DateField(_("effective from"))
    numerator = models.PositiveSmallIntegerField(_("numerator"))
    denominator = models.PositiveSmallIntegerField(_("denominator"))
    strict = models.BooleanField(_("strictly more than"), default=True)
    base = models.CharField(_("counted against"), max_length=16, choices=Base.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)

    class Meta:
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "code", "effective_from"], name="vote_rule_unique"
            ),
            models.CheckConstraint(condition=Q(denominator__gt=0), name="vote_rule_denominator"),
        ]

    def __str__(self) -> str:
        return self.label


class Vote(BaseModel):
    class Method(models.TextChoices):
        OPEN = "open", _("Open vote (raised party card)")
        SECRET = "secret", _("Secret ballot on the phone")
        PAPER = "paper", _("Paper ballot counted in the room")
        ELECTION = "election", _("Election (strike-out ballot)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Not started")
        OPEN = "open", _("Voting")
        CLOSED = "closed", _("Closed")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="votes")
    item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="votes"
    )
    question = models.CharField(_("question"), max_length=255)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    rule = models.ForeignKey(VoteRule, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    seats = models.PositiveSmallIntegerField(_("seats"), null=True, blank=True)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    previous_round = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Counts of an open or paper vote (and the result of a secret one once counted).
    count_for = models.PositiveIntegerField(null=True, blank=True)
    count_against = models.PositiveIntegerField(null=True, blank=True)
    count_abstain = models.PositiveIntegerField(null=True, blank=True)
    count_invalid = models.PositiveIntegerField(null=True, blank=True)
    named = models.JSONField(
        default=dict, blank=True, help_text=_("Names per choice, when an open vote records them.")
    )
    result = models.JSONField(default=dict, blank=True)
    # What the counting committee (ban kiểm phiếu) reports for a paper ballot or an
    # election, and what the box holds once a secret ballot is closed (tokens issued,
    # ballots cast).
    ballots_issued = models.PositiveIntegerField(_("ballots issued"), null=True, blank=True)
    ballots_collected = models.PositiveIntegerField(_("ballots collected"), null=True, blank=True)
    counting_committee = models.TextField(
        _("counting committee"),
        blank=True,
        help_text=_("The members of the counting committee, one name per line."),
    )
    counting_minutes = models.ForeignKey(
        "documents.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")

    def __str__(self) -> str:
        return self.question

    @property
    def counting_committee_names(self) -> list[str]:
        return [line for line in self.counting_committee.splitlines() if line.strip()]


class MeetingResolution(BaseModel):
    """A resolution of the meeting (nghị quyết), drafted from its minutes and handed to the
    documents registry as an outgoing document, which numbers and issues it. The link
    lives here, on the meetings side, so the documents app does not know about meetings."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="resolutions")
    minutes = models.ForeignKey(
        Minutes, null=True, blank=True, on_delete=models.SET_NULL, related_name="resolutions"
    )
    document = models.OneToOneField(
        "documents.OutgoingDocument",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("outgoing document"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("resolution of a meeting")
        verbose_name_plural = _("resolutions of meetings")


class Candidate(BaseModel):
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(_("full name"), max_length=120)
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.PositiveSmallIntegerField(default=0)
    votes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["order", "name"]


from capuyso.meetings.models_ballots import Ballot, BallotKey, VoterRoll  # noqa: E402, F401 - the secret ballot
