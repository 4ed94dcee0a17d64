"""Committees (tenants), their units (organs, sub-committees, cells), terms and positions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from capuyso.accounts.roles import Role
from capuyso.core.models import BaseModel, TenantModel


class AdministrativeUnit(BaseModel):
    """A province or commune-level unit of the State administration (post-2025 two levels).

    Reference data shared by every tenant. Units abolished by a reorganisation keep their
    row with `valid_until` set, so history (the former communes of a merger) stays linkable.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province/city")
        COMMUNE = "commune", _("Commune/ward")

    official_code = models.CharField(_("official code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")

    def __str__(self) -> str:
        if self.parent_id:
            return f"{self.name}, {self.parent.name}"
        return self.name


class Committee(BaseModel):
    """A party organisation that is one tenant: a commune/ward committee or a city committee."""

    class Level(models.TextChoices):
        CITY = "city", _("City/provincial committee")
        COMMUNE = "commune", _("Commune/ward committee")

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=160)
    executive_name = models.CharField(
        _("executive body name"),
        max_length=160,
        help_text=_("As printed on documents, e.g. ĐẢNG ỦY XÃ PHÚ CÁT."),
    )
    level = models.CharField(
        _("level"), max_length=10, choices=Level.choices, default=Level.COMMUNE
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("superior committee"),
    )
    admin_unit = models.ForeignKey(
        AdministrativeUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("administrative unit"),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("committee")
        verbose_name_plural = _("committees")

    def __str__(self) -> str:
        return self.name


class Grouping(TenantModel):
    """A grouping of cells inside a committee, e.g. a former commune before the 2025 merger."""

    name = models.CharField(_("name"), max_length=120)
    former_admin_unit = models.ForeignKey(
        AdministrativeUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("former administrative unit"),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("grouping")
        verbose_name_plural = _("groupings")
        constraints = [
            models.UniqueConstraint(fields=["committee", "name"], name="grouping_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Unit(TenantModel):
    """An organ, sub-committee, cell or party group inside a committee."""

    class Kind(models.TextChoices):
        STANDING_COMMITTEE = "standing_committee", _("Standing committee")
        OFFICE = "office", _("Committee office")
        INSPECTION_COMMISSION = "inspection_commission", _("Inspection commission")
        PARTY_BUILDING_BOARD = "party_building_board", _("Party building board")
        SUB_COMMITTEE = "sub_committee", _("Sub-committee")
        CELL = "cell", _("Cell")
        PARTY_GROUP = "party_group", _("Party group")

    class CellKind(models.TextChoices):
        VILLAGE = "village", _("Village")
        RESIDENTIAL = "residential", _("Residential group")
        SCHOOL = "school", _("School")
        HEALTH_STATION = "health_station", _("Health station")
        POLICE = "police", _("Police")
        MILITARY = "military", _("Military")
        ENTERPRISE = "enterprise", _("Enterprise")
        AGENCY = "agency", _("State agency")
        RETIRED = "retired", _("Retired members")
        OTHER = "other", _("Other")

    ORGAN_KINDS = (
        Kind.STANDING_COMMITTEE,
        Kind.OFFICE,
        Kind.INSPECTION_COMMISSION,
        Kind.PARTY_BUILDING_BOARD,
    )
    PARTY_ORG_KINDS = (Kind.SUB_COMMITTEE, Kind.CELL)

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    cell_kind = models.CharField(
        _("cell kind"), max_length=16, choices=CellKind.choices, blank=True
    )
    name = models.CharField(_("name"), max_length=160)
    name_folded = models.CharField(max_length=160, editable=False, db_index=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    # Materialised ancestry "/<id>/<id>/" so a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, editable=False, db_index=True)
    grouping = models.ForeignKey(
        Grouping,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units",
        verbose_name=_("grouping"),
    )
    address_line = models.CharField(
        _("address"), max_length=255, blank=True, help_text=_("Village, street, house number.")
    )
    admin_unit = models.ForeignKey(
        AdministrativeUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("commune/ward"),
    )
    established_on = models.DateField(_("established on"), null=True, blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["committee", "name"], name="unit_unique_name"),
            models.CheckConstraint(
                condition=Q(cell_kind="") | Q(kind__in=["cell", "sub_committee"]),
                name="unit_cell_kind_only_for_party_orgs",
            ),
        ]
        indexes = [models.Index(fields=["committee", "kind"], name="unit_committee_kind")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_organ(self) -> bool:
        return self.kind in self.ORGAN_KINDS

    @property
    def is_active(self) -> bool:
        return self.dissolved_on is None


class Term(TenantModel):
    """A term of office (nhiệm kỳ) of the committee itself (unit empty) or of one unit.

    Outgoing document numbering restarts with each committee term.
    """

    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="terms",
        verbose_name=_("unit"),
    )
    name = models.CharField(_("name"), max_length=80, help_text=_("e.g. 2025–2030"))
    congress = models.CharField(
        _("congress"), max_length=80, blank=True, help_text=_("e.g. Congress I")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=models.F("start_date")),
                name="term_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Position(TenantModel):
    """A role a user holds, scoped to the committee (unit empty) or to one unit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="positions",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="positions",
        verbose_name=_("unit"),
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    start_date = models.DateField(_("start date"), default=timezone.localdate)
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        ordering = ["start_date"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        indexes = [models.Index(fields=["user", "end_date"], name="position_user_end")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="position_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} – {self.unit or self.committee}"

    def is_active_on(self, day) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class CalendarDay(BaseModel):
    """A correction to the public-holiday calendar: an extra day off, or a weekend day made a
    working day (swapped days). Deadlines in working days read the maintained holiday
    calendar (the `holidays` package) and then these rows; a committee's own row wins over
    the platform-wide one (committee empty)."""

    committee = models.ForeignKey(
        Committee,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("committee"),
    )
    date = models.DateField(_("date"))
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=160, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar correction")
        verbose_name_plural = _("calendar corrections")
        constraints = [
            models.UniqueConstraint(fields=["committee", "date"], name="calendar_day_unique"),
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(committee__isnull=True),
                name="calendar_day_unique_platform",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y}"
