"""The party member file (hồ sơ đảng viên), its dated history, and the life-cycle records
around it: exemptions, transfers, periods outside the Party, badges, corrections, imports.

Rules that change with regulations (probation length, deadlines in working days, badge
milestones and award days) are rows of `MembershipRules` with an effective date, never
constants. Business logic lives in `services/` and `selectors.py`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from capuyso.core.models import BaseModel, TenantModel


class DatePrecision(models.TextChoices):
    """How much of an imported date is known: a year-only date is kept as 1 January of that
    year with precision YEAR, and is shown as the year alone; nothing is invented."""

    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year only")


class MembershipRules(BaseModel):
    """Member-related rules in force from `effective_from`; a committee's own row overrides
    the platform-wide row (committee empty) from the same date on."""

    committee = models.ForeignKey(
        "org.Committee",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("committee"),
        help_text=_("Leave empty for the rule that applies to every committee."),
    )
    effective_from = models.DateField(_("effective from"))
    probation_months = models.PositiveSmallIntegerField(_("probation (months)"), default=12)
    recognition_working_days = models.PositiveSmallIntegerField(
        _("recognition deadline (working days after probation)"), default=30
    )
    recognition_notice_days = models.PositiveSmallIntegerField(
        _("remind the cell this many days before probation ends"), default=30
    )
    transfer_working_days = models.PositiveSmallIntegerField(
        _("transfer deadline (working days)"), default=60
    )
    badge_milestones = models.JSONField(
        _("badge milestones (years)"),
        default=list,
        help_text=_("Years of party age that earn a badge, for example 30, 40, 45, 50."),
    )
    badge_award_days = models.JSONField(
        _("badge award days"),
        default=list,
        help_text=_("Days of the year on which badges are awarded, as dd/mm."),
    )
    early_award_split_years = models.PositiveSmallIntegerField(
        _("early award: milestones up to this many years"), default=65
    )
    early_award_months_lower = models.PositiveSmallIntegerField(
        _("early award for illness, lower milestones (months)"), default=12
    )
    early_award_months_upper = models.PositiveSmallIntegerField(
        _("early award for illness, higher milestones (months)"), default=24
    )
    posthumous_early_months = models.PositiveSmallIntegerField(
        _("posthumous award up to (months early)"), default=12
    )
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("membership rules")
        verbose_name_plural = _("membership rules")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "effective_from"], name="membership_rules_unique_date"
            ),
            models.UniqueConstraint(
                fields=["effective_from"],
                condition=Q(committee__isnull=True),
                name="membership_rules_unique_platform_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from:%d/%m/%Y}"


class Member(TenantModel):
    class Sex(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Status(models.TextChoices):
        PROBATIONARY = "probationary", _("Probationary member")
        FULL = "full", _("Full member")
        EXEMPT = "exempt", _("Exempt from activities")
        TRANSFERRED_OUT = "transferred_out", _("Transferred out")
        STRUCK_OFF = "struck_off", _("Struck off")
        EXPELLED = "expelled", _("Expelled")
        DECEASED = "deceased", _("Deceased")

    class GeneralEducation(models.TextChoices):
        PRIMARY = "primary", _("Primary school")
        LOWER_SECONDARY = "lower_secondary", _("Lower secondary school")
        UPPER_SECONDARY = "upper_secondary", _("Upper secondary school")

    class Qualification(models.TextChoices):
        NONE = "none", _("No professional qualification")
        ELEMENTARY = "elementary", _("Elementary vocational")
        INTERMEDIATE = "intermediate", _("Intermediate vocational")
        COLLEGE = "college", _("College")
        UNIVERSITY = "university", _("University")
        MASTER = "master", _("Master's degree")
        DOCTORATE = "doctorate", _("Doctorate")

    class Theory(models.TextChoices):
        NONE = "none", _("No political theory training")
        ELEMENTARY = "elementary", _("Elementary political theory")
        INTERMEDIATE = "intermediate", _("Intermediate political theory")
        ADVANCED = "advanced", _("Advanced political theory")
        BACHELOR = "bachelor", _("Bachelor of political theory")

    ACTIVE_STATUSES = (Status.PROBATIONARY, Status.FULL, Status.EXEMPT)
    CLOSED_STATUSES = (Status.STRUCK_OFF, Status.EXPELLED, Status.DECEASED)

    # Identity
    full_name = models.CharField(_("full name"), max_length=120)
    full_name_folded = models.CharField(max_length=120, editable=False, db_index=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    date_of_birth = models.DateField(_("date of birth"))
    date_of_birth_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    ethnicity = models.CharField(_("ethnicity"), max_length=40, blank=True, default="Kinh")
    religion = models.CharField(_("religion"), max_length=60, blank=True)
    home_town = models.CharField(_("home town"), max_length=255, blank=True)
    residence = models.CharField(_("residence"), max_length=255, blank=True)
    residence_unit = models.ForeignKey(
        "org.AdministrativeUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("commune/ward of residence"),
    )
    citizen_id = models.CharField(_("citizen ID"), max_length=12, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    # Membership
    card_number = models.CharField(_("party card number"), max_length=20, blank=True)
    cell = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="members", verbose_name=_("cell")
    )
    admission_date = models.DateField(_("admission decision date"))
    admission_date_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    admission_decision = models.CharField(_("admission decision number"), max_length=60, blank=True)
    ceremony_date = models.DateField(_("admission ceremony date"), null=True, blank=True)
    full_membership_date = models.DateField(_("full membership date"), null=True, blank=True)
    full_membership_date_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    full_membership_decision = models.CharField(
        _("recognition decision number"), max_length=60, blank=True
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    status_since = models.DateField(_("status since"), null=True, blank=True)
    closed_on = models.DateField(_("record closed on"), null=True, blank=True)
    closing_decision = models.CharField(_("closing decision"), max_length=120, blank=True)

    # Background
    general_education = models.CharField(
        _("general education"), max_length=16, choices=GeneralEducation.choices, blank=True
    )
    qualification = models.CharField(
        _("professional qualification"), max_length=16, choices=Qualification.choices, blank=True
    )
    qualification_detail = models.CharField(_("field of study"), max_length=160, blank=True)
    political_theory = models.CharField(
        _("political theory level"), max_length=16, choices=Theory.choices, blank=True
    )
    occupation = models.CharField(_("occupation"), max_length=120, blank=True)
    workplace = models.CharField(_("workplace"), max_length=255, blank=True)
    positions_held = models.TextField(_("positions held"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    # Optimistic locking for the edit form: a stale form is refused, never merged.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["full_name_folded"]
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        indexes = [
            models.Index(fields=["committee", "cell"], name="member_committee_cell"),
            # The list's default order within one committee, without walking other
            # committees' names (city-scale PostgreSQL: 414 ms → 0.5 ms).
            models.Index(
                fields=["committee", "full_name_folded", "id"], name="member_committee_name"
            ),
            models.Index(fields=["committee", "status"], name="member_committee_status"),
            models.Index(fields=["committee", "admission_date"], name="member_committee_admitted"),
            models.Index(fields=["committee", "card_number"], name="member_committee_card"),
            models.Index(fields=["committee", "citizen_id"], name="member_committee_citizen"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "card_number"],
                condition=~Q(card_number=""),
                name="member_unique_card_per_committee",
            ),
            models.UniqueConstraint(
                fields=["committee", "citizen_id"],
                condition=~Q(citizen_id=""),
                name="member_unique_citizen_id_per_committee",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED_STATUSES


class MemberRevision(models.Model):
    """One dated change to a member file: the snapshot of every tracked field after the
    change, effective from `effective_on`. The file's state on a past date is the latest
    snapshot effective on or before it."""

    class Kind(models.TextChoices):
        CREATED = "created", _("File created")
        IMPORTED = "imported", _("Imported")
        UPDATED = "updated", _("File updated")
        RECOGNIZED = "recognized", _("Recognised as full member")
        EXEMPTED = "exempted", _("Exempted from activities")
        EXEMPTION_ENDED = "exemption_ended", _("Exemption ended")
        TRANSFERRED = "transferred", _("Transferred")
        CLOSED = "closed", _("Record closed")
        CORRECTED = "corrected", _("Corrected on request")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="revisions")
    effective_on = models.DateField(_("effective on"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    snapshot = models.JSONField()
    changes = models.JSONField(default=dict)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["effective_on", "recorded_at", "pk"]
        indexes = [models.Index(fields=["member", "effective_on"], name="member_rev_member_date")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.effective_on} {self.kind}"


class Gap(BaseModel):
    """A period outside the Party (struck off, expelled, lost contact, between transfers):
    subtracted from party age."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="gaps")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=255)

    class Meta:
        ordering = ["start"]
        verbose_name = _("period outside the Party")
        verbose_name_plural = _("periods outside the Party")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="gap_end_after")
        ]


class Commendation(BaseModel):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="commendations")
    form = models.CharField(_("form of commendation"), max_length=160)
    decision_number = models.CharField(_("decision number"), max_length=60)
    decision_date = models.DateField(_("decision date"))
    issuer = models.CharField(_("issued by"), max_length=160, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        ordering = ["-decision_date"]
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")


class Discipline(BaseModel):
    class Form(models.TextChoices):
        REPRIMAND = "reprimand", _("Reprimand")
        WARNING = "warning", _("Warning")
        DISMISSAL = "dismissal", _("Dismissal from post")
        EXPULSION = "expulsion", _("Expulsion")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="disciplines")
    form = models.CharField(_("form of discipline"), max_length=12, choices=Form.choices)
    decision_number = models.CharField(_("decision number"), max_length=60)
    decision_date = models.DateField(_("decision date"))
    issuer = models.CharField(_("issued by"), max_length=160, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        ordering = ["-decision_date"]
        verbose_name = _("discipline")
        verbose_name_plural = _("disciplines")


class FamilyRelation(BaseModel):
    class Relation(models.TextChoices):
        FATHER = "father", _("Father")
        MOTHER = "mother", _("Mother")
        FATHER_IN_LAW = "father_in_law", _("Father-in-law")
        MOTHER_IN_LAW = "mother_in_law", _("Mother-in-law")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        SIBLING = "sibling", _("Brother or sister")
        OTHER = "other", _("Other")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="relatives")
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    full_name = models.CharField(_("full name"), max_length=120)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    occupation = models.CharField(_("occupation"), max_length=160, blank=True)
    residence = models.CharField(_("residence"), max_length=255, blank=True)
    notes = models.CharField(_("political background notes"), max_length=255, blank=True)

    class Meta:
        ordering = ["relation", "birth_year"]
        verbose_name = _("family relation")
        verbose_name_plural = _("family relations")


class Paper(BaseModel):
    """A scanned paper of the member file (personal history, decisions, certificates)."""

    class Kind(models.TextChoices):
        BIOGRAPHY = "biography", _("Personal history")
        DECISION = "decision", _("Decision")
        CERTIFICATE = "certificate", pgettext_lazy("paper", "Certificate")
        APPLICATION = "application", _("Application")
        OTHER = "other", _("Other paper")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="papers")
    kind = models.CharField(_("kind of paper"), max_length=12, choices=Kind.choices)
    title = models.CharField(pgettext_lazy("paper", "title"), max_length=255)
    dated = models.DateField(_("date of the paper"), null=True, blank=True)
    file = models.ForeignKey(
        "documents.StoredFile", on_delete=models.PROTECT, related_name="+", verbose_name=_("file")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-dated", "-created_at"]
        verbose_name = _("member paper")
        verbose_name_plural = _("member papers")


class Exemption(BaseModel):
    """Miễn sinh hoạt: on the member's application and a cell resolution, with dates."""

    class Reason(models.TextChoices):
        AGE = "age", _("Old age")
        HEALTH = "health", _("Health")
        OTHER = "other", _("Other reason")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="exemptions")
    reason = models.CharField(_("reason"), max_length=8, choices=Reason.choices)
    reason_detail = models.CharField(_("details"), max_length=255, blank=True)
    applied_on = models.DateField(_("application date"))
    decision_number = models.CharField(_("cell resolution number"), max_length=60, blank=True)
    decision_date = models.DateField(_("cell resolution date"))
    starts_on = models.DateField(_("exempt from"))
    ends_on = models.DateField(_("exempt until"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("exemption from activities")
        verbose_name_plural = _("exemptions from activities")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="exemption_end_after_start",
            )
        ]


class Transfer(BaseModel):
    """Chuyển sinh hoạt đảng. Within the committee it is a move; between committees on the
    platform the receiving side accepts; to or from outside it carries an introduction letter."""

    class Kind(models.TextChoices):
        PERMANENT = "permanent", _("Permanent transfer")
        TEMPORARY = "temporary", _("Temporary transfer")

    class Scope(models.TextChoices):
        INTERNAL = "internal", _("Between cells of this committee")
        PLATFORM = "platform", _("To another committee on the platform")
        EXTERNAL_OUT = "external_out", _("To an organisation outside the platform")
        EXTERNAL_IN = "external_in", _("From an organisation outside the platform")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the receiving side")
        COMPLETED = "completed", _("Received")
        REJECTED = "rejected", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transfers")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    from_committee = models.ForeignKey(
        "org.Committee",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("organisation", "from"),
    )
    from_cell = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_committee = models.ForeignKey(
        "org.Committee",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("organisation", "to"),
    )
    to_cell = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    external_organisation = models.CharField(
        _("organisation outside the platform"), max_length=255, blank=True
    )
    decision_number = models.CharField(_("decision or letter number"), max_length=60, blank=True)
    decision_date = models.DateField(_("decision date"))
    deadline = models.DateField(_("must be received by"))
    until = models.DateField(_("temporary until"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    letter = models.ForeignKey(
        "documents.StoredFile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("introduction letter"),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-decision_date", "-created_at"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        indexes = [
            models.Index(fields=["from_committee", "status"], name="transfer_from_status"),
            models.Index(fields=["to_committee", "status"], name="transfer_to_status"),
        ]


class BadgeAward(BaseModel):
    class Kind(models.TextChoices):
        REGULAR = "regular", _("On time")
        EARLY_ILLNESS = "early_illness", _("Early, for serious illness")
        POSTHUMOUS = "posthumous", _("Posthumous")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="badges")
    milestone = models.PositiveSmallIntegerField(_("badge (years)"))
    award_date = models.DateField(_("award date"))
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    decision_number = models.CharField(_("decision number"), max_length=60)
    decision_date = models.DateField(_("decision date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-award_date"]
        verbose_name = _("party badge")
        verbose_name_plural = _("party badges")
        constraints = [
            models.UniqueConstraint(fields=["member", "milestone"], name="badge_once_per_milestone")
        ]


class CorrectionRequest(BaseModel):
    """A member asks for a correction of their own file; a person with the right accepts
    (the change is then made through the normal update service) or refuses with a reply."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting")
        ACCEPTED = "accepted", _("Corrected")
        REJECTED = "rejected", _("Refused")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="corrections")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    field_name = models.CharField(_("what is wrong"), max_length=60)
    proposed_value = models.CharField(_("correct value"), max_length=255)
    message = models.TextField(_("explanation"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    reply = models.CharField(pgettext_lazy("correction", "reply"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")


class ImportBatch(TenantModel):
    """One import of a members workbook: previewed (dry run) and then applied, with its
    report kept for the record."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        APPLIED = "applied", _("Applied")
        DISCARDED = "discarded", _("Discarded")

    file = models.ForeignKey("documents.StoredFile", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    create_cells = models.BooleanField(default=False)
    report = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
