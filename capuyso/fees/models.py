"""Party fees (đảng phí): the rules in force on a date, each member's declared fee basis and
reliefs, the monthly dues computed from them, payments, the cells' month books, remittances
and bank statements.

Money is integer đồng everywhere (BigIntegerField), never floats. Rates are basis points
(100 = 1 %), shares too (9000 = 90 %). A "month" field always holds the first day of the month.
Rules (`FeeSettings`, `FeeRule`, `RetentionRule`) carry effective dates and may be platform-wide
(committee empty) or a committee's own, which overrides the platform row from its date on.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from capuyso.core.models import BaseModel, TenantModel


def _platform_or_committee():
    return models.ForeignKey(
        "org.Committee",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("committee"),
        help_text=_("Leave empty for the rule that applies to every committee."),
    )


class FeeSettings(BaseModel):
    """Settings of the fee computation in force from `effective_from`."""

    class RoundingMode(models.TextChoices):
        HALF_UP = "half_up", _("To the nearest unit (half up)")
        DOWN = "down", pgettext_lazy("rounding", "Down")
        UP = "up", pgettext_lazy("rounding", "Up")

    committee = _platform_or_committee()
    effective_from = models.DateField(_("effective from"))
    rounding_unit = models.PositiveIntegerField(
        _("round dues to (đồng)"),
        default=1,
        help_text=_("1 means no rounding beyond whole đồng; 100 or 1,000 round to that unit."),
    )
    rounding_mode = models.CharField(
        _("rounding"), max_length=8, choices=RoundingMode.choices, default=RoundingMode.HALF_UP
    )
    basis_min = models.PositiveBigIntegerField(
        _("smallest accepted fee basis (đồng)"), default=100_000
    )
    basis_max = models.PositiveBigIntegerField(
        _("largest accepted fee basis (đồng)"), default=500_000_000
    )
    exemption_party_age_years = models.PositiveSmallIntegerField(
        _("exempt from this party age (years)"), default=50
    )
    reduction_percents = models.JSONField(
        _("allowed reductions (%)"), default=list, help_text=_("For example 30, 50, 70.")
    )
    max_reduction_months = models.PositiveSmallIntegerField(
        _("longest reduction (months)"), default=12
    )
    unpaid_months_threshold = models.PositiveSmallIntegerField(
        _("unpaid months in a year that call for striking off"), default=3
    )
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("fee settings")
        verbose_name_plural = _("fee settings")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "effective_from"], name="fee_settings_unique_date"
            ),
            models.UniqueConstraint(
                fields=["effective_from"],
                condition=Q(committee__isnull=True),
                name="fee_settings_unique_platform_date",
            ),
            models.CheckConstraint(
                condition=Q(rounding_unit__gte=1), name="fee_settings_rounding_unit_positive"
            ),
            models.CheckConstraint(
                condition=Q(basis_max__gt=models.F("basis_min")), name="fee_settings_basis_bounds"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from:%d/%m/%Y}"


class FeeGroup(BaseModel):
    """A group of members paying on the same basis: salaried, on leave, retired, students…"""

    class BasisKind(models.TextChoices):
        SALARY = "salary", _("Social-insurance salary base of the previous month")
        ALLOWANCE = "allowance", _("Sick or maternity leave allowance")
        PENSION = "pension", _("Pension")
        FIXED = "fixed", _("Fixed amount")

    committee = _platform_or_committee()
    slug = models.SlugField(_("short name"), max_length=40)
    name = models.CharField(pgettext_lazy("name", "name"), max_length=160)
    basis_kind = models.CharField(_("basis"), max_length=12, choices=BasisKind.choices)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("fee group")
        verbose_name_plural = _("fee groups")
        constraints = [
            models.UniqueConstraint(fields=["committee", "slug"], name="fee_group_unique_slug"),
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(committee__isnull=True),
                name="fee_group_unique_platform_slug",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_amount(self) -> bool:
        return self.basis_kind != self.BasisKind.FIXED


class FeeRule(BaseModel):
    """The rate of a fee group from `effective_from` to `effective_until` (inclusive, open when
    empty). Either a rate of the declared amount or a fixed monthly amount. Rules of one group
    and scope never overlap (checked by the service)."""

    committee = _platform_or_committee()
    group = models.ForeignKey(
        FeeGroup, on_delete=models.PROTECT, related_name="rules", verbose_name=_("fee group")
    )
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    rate_bp = models.PositiveIntegerField(
        _("rate (basis points)"), null=True, blank=True, help_text=_("100 means 1%.")
    )
    fixed_amount = models.PositiveBigIntegerField(
        _("fixed amount per month (đồng)"), null=True, blank=True
    )
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["group__sort_order", "-effective_from"]
        verbose_name = _("fee rule")
        verbose_name_plural = _("fee rules")
        constraints = [
            models.CheckConstraint(
                condition=(Q(rate_bp__isnull=False) & Q(fixed_amount__isnull=True))
                | (Q(rate_bp__isnull=True) & Q(fixed_amount__isnull=False)),
                name="fee_rule_rate_or_fixed",
            ),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True)
                | Q(effective_until__gte=models.F("effective_from")),
                name="fee_rule_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.effective_from:%d/%m/%Y}"


class RetentionRule(BaseModel):
    """How much of the collected fees each level keeps, in basis points, from a date."""

    committee = _platform_or_committee()
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    cell_keeps_bp = models.PositiveIntegerField(
        _("a cell keeps (basis points of what it collects)"), default=3000
    )
    committee_keeps_bp = models.PositiveIntegerField(
        _("the committee keeps (basis points of what it receives)"), default=9000
    )
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("retention share")
        verbose_name_plural = _("retention shares")
        constraints = [
            models.CheckConstraint(
                condition=Q(cell_keeps_bp__lte=10000) & Q(committee_keeps_bp__lte=10000),
                name="retention_rule_at_most_whole",
            ),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True)
                | Q(effective_until__gte=models.F("effective_from")),
                name="retention_rule_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from:%d/%m/%Y}"


class FeeReference(TenantModel):
    """A short number per member or cell, used in payment notes and VietQR codes
    (`DP C7 M1234 T112026`), so a bank statement line can be matched back."""

    class Kind(models.TextChoices):
        MEMBER = "member", _("Member")
        CELL = "cell", _("Cell")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    member = models.OneToOneField(
        "members.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="fee_ref"
    )
    cell = models.OneToOneField(
        "org.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="fee_ref"
    )
    number = models.PositiveIntegerField(_("number"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "kind", "number"], name="fee_reference_unique_number"
            ),
            models.CheckConstraint(
                condition=(Q(kind="member") & Q(member__isnull=False) & Q(cell__isnull=True))
                | (Q(kind="cell") & Q(cell__isnull=False) & Q(member__isnull=True)),
                name="fee_reference_kind_matches",
            ),
            # The payment note has room for cells 1-999 and members 1-999999 (docs/vietqr.md).
            models.CheckConstraint(
                condition=Q(number__gte=1)
                & (Q(kind="member", number__lte=999_999) | Q(kind="cell", number__lte=999)),
                name="fee_reference_number_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"


class FeeBasis(TenantModel):
    """What a member declares (or the cell declares for them) as the basis of their fee, from
    the month `effective_from` on: their group and, unless the group pays a fixed amount, the
    amount (salary base of the previous month, allowance or pension). The history is the rows."""

    class DeclaredBy(models.TextChoices):
        MEMBER = "member", _("The member")
        CELL = "cell", _("The cell")
        IMPORT = "import", _("Imported")

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="fee_bases")
    group = models.ForeignKey(
        FeeGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("fee group")
    )
    effective_from = models.DateField(_("from month"))
    amount = models.PositiveBigIntegerField(_("declared amount (đồng)"), null=True, blank=True)
    declared_by = models.CharField(
        _("declared by"), max_length=8, choices=DeclaredBy.choices, default=DeclaredBy.CELL
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["member", "-effective_from"]
        verbose_name = _("fee basis")
        verbose_name_plural = _("fee bases")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "effective_from"], name="fee_basis_unique_month"
            ),
        ]
        indexes = [models.Index(fields=["committee", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.member_id} {self.effective_from:%m/%Y}"


class FeeRelief(TenantModel):
    """An exemption (100 %) or a reduction (30/50/70 %…) of a member's dues over months
    `start_month`..`end_month` (inclusive; an exemption may be open-ended)."""

    class Kind(models.TextChoices):
        EXEMPTION = "exemption", pgettext_lazy("fee relief", "Exemption")
        REDUCTION = "reduction", _("Reduction")

    class Reason(models.TextChoices):
        PARTY_AGE = "party_age", _("Long party age")
        SOCIAL_PENSION = "social_pension", _("Social pension")
        POOR_HOUSEHOLD = "poor_household", _("Poor household")
        NEAR_POOR_HOUSEHOLD = "near_poor_household", _("Near-poor household")
        ILLNESS = "illness", _("Serious illness")
        HARDSHIP = "hardship", _("Hardship")
        OTHER = "other", _("Other reason")

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="fee_reliefs"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    percent = models.PositiveSmallIntegerField(_("relief (%)"))
    decision = models.CharField(_("decision"), max_length=120)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    start_month = models.DateField(_("from month"))
    end_month = models.DateField(_("to month"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("withdrawal reason"), max_length=255, blank=True)

    class Meta:
        ordering = ["member", "-start_month"]
        verbose_name = _("fee relief")
        verbose_name_plural = _("fee reliefs")
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=1) & Q(percent__lte=100), name="fee_relief_percent"
            ),
            models.CheckConstraint(
                condition=Q(end_month__isnull=True) | Q(end_month__gte=models.F("start_month")),
                name="fee_relief_months_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.percent}%"


class MonthlyDue(models.Model):
    """What a member owes for one month, computed from the rules in force that month, with the
    inputs kept so the figure can be explained. Recomputed until the cell's month is closed.

    Derived data written in bulk (400,000 rows a month in a city): the references other than
    the member carry no database constraint, and no column has an index of its own (the
    unique (member, month) and the composite indexes below serve every read; deleting a rule
    or a relief, rare, scans), so a month's upsert checks and maintains only what matters. The
    ORM still applies on_delete, and the rows are recomputed from the sources at will."""

    id = models.BigAutoField(primary_key=True)
    committee = models.ForeignKey(
        "org.Committee",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="dues", db_index=False
    )
    cell = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    month = models.DateField(_("month"))
    group = models.ForeignKey(
        FeeGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    rule = models.ForeignKey(
        FeeRule,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    basis_amount = models.BigIntegerField(null=True, blank=True)
    rate_bp = models.PositiveIntegerField(null=True, blank=True)
    gross = models.BigIntegerField(_("before relief"), default=0)
    relief_percent = models.PositiveSmallIntegerField(default=0)
    relief = models.ForeignKey(
        FeeRelief,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    relief_reason = models.CharField(max_length=20, blank=True)
    amount = models.BigIntegerField(_("due"), default=0)
    basis_missing = models.BooleanField(default=False)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["month"]
        verbose_name = _("monthly due")
        verbose_name_plural = _("monthly dues")
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="monthly_due_unique_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="monthly_due_not_negative"),
        ]
        indexes = [
            models.Index(fields=["committee", "month"]),
            models.Index(fields=["cell", "month"]),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month:%m/%Y} {self.amount}"


class Payment(TenantModel):
    """A payment of a member's fee for the month `month`, collected in the cell's book of
    `book_month`. `amount` counts against dues; `extra_amount` is a voluntary payment above them.
    Payments are never deleted: a mistaken one is voided with a reason."""

    class Method(models.TextChoices):
        CASH = "cash", _("Cash at the cell meeting")
        PORTAL = "portal", _("National public-service portal")
        BANK = "bank", _("Bank transfer")

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="payments")
    cell = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("for month"))
    book_month = models.DateField(_("recorded in the book of"))
    amount = models.BigIntegerField(_("amount (đồng)"))
    extra_amount = models.BigIntegerField(_("voluntary extra (đồng)"), default=0)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("transaction reference"), max_length=80, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    void_reason = models.CharField(_("reason for voiding"), max_length=255, blank=True)

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = _("fee payment")
        verbose_name_plural = _("fee payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(extra_amount__gte=0), name="payment_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0) | Q(extra_amount__gt=0), name="payment_not_empty"
            ),
            models.UniqueConstraint(
                fields=["committee", "method", "reference", "member", "month"],
                condition=~Q(reference="") & Q(voided_at__isnull=True),
                name="payment_unique_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "month"]),
            models.Index(fields=["cell", "book_month"]),
            models.Index(fields=["committee", "book_month"]),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month:%m/%Y} {self.amount}"


class UnpaidExcuse(TenantModel):
    """The cell's reason why a member did not pay a month; an excused month does not count
    towards the unpaid months that call for striking off."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="fee_excuses"
    )
    month = models.DateField(_("month"))
    reason = models.CharField(_("reason"), max_length=255)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["member", "month"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="unpaid_excuse_unique_month")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month:%m/%Y}"


class CellMonthBook(TenantModel):
    """A cell's fee book for one month. Closing it freezes the totals below (the dues and
    payments of a closed month cannot change); reopening needs a reason and is audited."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("book status", "Open")
        CLOSED = "closed", pgettext_lazy("book status", "Closed")

    cell = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    members_count = models.PositiveIntegerField(default=0)
    paying_count = models.PositiveIntegerField(default=0)
    paid_count = models.PositiveIntegerField(default=0)
    due_total = models.BigIntegerField(default=0)
    collected_cash = models.BigIntegerField(default=0)
    collected_portal = models.BigIntegerField(default=0)
    collected_bank = models.BigIntegerField(default=0)
    extra_total = models.BigIntegerField(default=0)
    collected_total = models.BigIntegerField(default=0)
    cell_keeps_bp = models.PositiveIntegerField(null=True, blank=True)
    retained = models.BigIntegerField(default=0)
    to_remit = models.BigIntegerField(default=0)
    retention_rule = models.ForeignKey(
        RetentionRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopened_count = models.PositiveSmallIntegerField(default=0)
    reopen_reason = models.CharField(_("reason for reopening"), max_length=255, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("cell month book")
        verbose_name_plural = _("cell month books")
        constraints = [
            models.UniqueConstraint(fields=["cell", "month"], name="cell_month_book_unique")
        ]
        indexes = [models.Index(fields=["committee", "month"])]

    def __str__(self) -> str:
        return f"{self.cell_id} {self.month:%m/%Y}"


class Remittance(TenantModel):
    """Money handed upward: a cell's share to the committee, or the committee's to the level
    above, for the fees of `month`."""

    class Direction(models.TextChoices):
        CELL_TO_COMMITTEE = "cell", _("Cell to committee")
        COMMITTEE_TO_UPPER = "upper", _("Committee to the level above")

    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    cell = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("for month"))
    amount = models.BigIntegerField(_("amount (đồng)"))
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=8, choices=Payment.Method.choices)
    reference = models.CharField(_("transaction reference"), max_length=80, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("reason for voiding"), max_length=255, blank=True)

    class Meta:
        ordering = ["-month", "-paid_on"]
        verbose_name = _("remittance")
        verbose_name_plural = _("remittances")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="remittance_positive"),
            models.CheckConstraint(
                condition=(Q(direction="cell") & Q(cell__isnull=False))
                | (Q(direction="upper") & Q(cell__isnull=True)),
                name="remittance_direction_matches",
            ),
        ]
        indexes = [models.Index(fields=["committee", "month"])]

    def __str__(self) -> str:
        return f"{self.direction} {self.month:%m/%Y} {self.amount}"


class BankAccount(TenantModel):
    """A bank account that receives fees: the committee's (no cell) or a cell's."""

    cell = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cell"),
    )
    bank_bin = models.CharField(_("bank BIN"), max_length=6)
    bank_name = models.CharField(_("bank"), max_length=120)
    account_number = models.CharField(_("account number"), max_length=19)
    account_name = models.CharField(_("account holder"), max_length=120)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["cell", "bank_name"]
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "bank_bin", "account_number"],
                name="bank_account_unique_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_number}"


class BankStatement(TenantModel):
    """An imported bank statement file (CSV/XLSX with date, amount and note)."""

    account = models.ForeignKey(
        BankAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="statements"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    layout = models.CharField(_("layout"), max_length=40)
    line_count = models.PositiveIntegerField(default=0)
    matched_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    debit_count = models.PositiveIntegerField(_("debit lines skipped"), default=0)
    skipped_count = models.PositiveIntegerField(_("other rows skipped"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        constraints = [
            models.UniqueConstraint(fields=["committee", "sha256"], name="bank_statement_unique")
        ]

    def __str__(self) -> str:
        return self.file_name


class StatementLine(BaseModel):
    """One credit line of a statement, matched to a member and month by its note, or left for
    a person to resolve. `fingerprint` (date, amount, bank reference, folded note) is unique per
    committee, so the same line imported twice is refused; a matched line has one payment."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("Matched")
        UNMATCHED = "unmatched", _("To resolve")
        RESOLVED = "resolved", _("Resolved by hand")
        IGNORED = "ignored", _("Not a fee")

    committee = models.ForeignKey("org.Committee", on_delete=models.PROTECT, related_name="+")
    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    posted_on = models.DateField(_("date"))
    amount = models.BigIntegerField(_("amount (đồng)"))
    note = models.TextField(_("note"))
    bank_reference = models.CharField(_("bank reference"), max_length=80, blank=True)
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UNMATCHED
    )
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("for month"), null=True, blank=True)
    payment = models.OneToOneField(
        Payment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_line",
    )
    remittance = models.OneToOneField(
        Remittance,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_line",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.CharField(_("note"), max_length=255, blank=True)
    unmatched_reason = models.CharField(
        _("why it was not matched"),
        max_length=40,
        blank=True,
        help_text=_("A code: no fee note, unknown member, closed month…"),
    )

    class Meta:
        ordering = ["statement", "line_no"]
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "fingerprint"], name="statement_line_unique_fingerprint"
            ),
        ]
        indexes = [models.Index(fields=["committee", "status"])]

    def __str__(self) -> str:
        return f"{self.posted_on:%d/%m/%Y} {self.amount}"
