"""Incoming and outgoing documents, their registries, handling and dispatch (rules.md §1)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from capuyso.core.models import TenantModel


class Secrecy(models.TextChoices):
    NONE = "", _("Not classified")
    SECRET = "mat", _("Secret (Mật)")
    TOP_SECRET = "toi_mat", _("Top secret (Tối mật)")
    ULTRA_SECRET = "tuyet_mat", _("Ultra secret (Tuyệt mật)")


CLASSIFIED = (Secrecy.SECRET, Secrecy.TOP_SECRET, Secrecy.ULTRA_SECRET)


class Urgency(models.TextChoices):
    NORMAL = "", _("Normal")
    URGENT = "khan", _("Urgent (Khẩn)")
    VERY_URGENT = "thuong_khan", _("Very urgent (Thượng khẩn)")
    FLASH = "hoa_toc", _("Flash (Hỏa tốc)")


class DocumentType(TenantModel):
    """A document type and its abbreviation, as data with a validity period."""

    abbreviation = models.CharField(_("abbreviation"), max_length=10)
    name = models.CharField(_("name"), max_length=80)
    cells_may_issue = models.BooleanField(_("cells may issue"), default=True)
    # Types with the same non-empty group share one number sequence (congress documents).
    sequence_group = models.CharField(
        _("shared number sequence"),
        max_length=20,
        blank=True,
        help_text=_("Types with the same value share one number sequence."),
    )
    is_official_letter = models.BooleanField(
        _("official letter layout"),
        default=False,
        help_text=_("The summary is printed under the number as “V/v …”."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "abbreviation", "valid_from"], name="doctype_unique_abbr"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.abbreviation})"


class IssuerBody(TenantModel):
    """A body in the directory of issuers and recipients, with its abbreviation."""

    name = models.CharField(_("name"), max_length=200)
    name_folded = models.CharField(max_length=200, editable=False, db_index=True)
    abbreviation = models.CharField(_("abbreviation"), max_length=20, blank=True)
    # Bodies on this platform: another committee, or a unit of this committee.
    linked_committee = models.ForeignKey(
        "org.Committee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("committee on the platform"),
    )
    linked_unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("unit on the platform"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("issuing body")
        verbose_name_plural = _("issuing bodies")
        constraints = [
            models.UniqueConstraint(fields=["committee", "name"], name="issuer_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Registry(TenantModel):
    """A registry book: the incoming or outgoing book of one office (the committee's
    Office, or a cell)."""

    class Kind(models.TextChoices):
        INCOMING = "incoming", _("Incoming")
        OUTGOING = "outgoing", _("Outgoing")

    class Scope(models.TextChoices):
        TERM = "term", _("Per committee term")
        YEAR = "year", _("Per year")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    issuer_abbreviation = models.CharField(
        _("issuer abbreviation"), max_length=20, blank=True, help_text=_("e.g. ĐU, CB")
    )
    numbering_scope = models.CharField(
        _("numbering restarts"), max_length=10, choices=Scope.choices, default=Scope.TERM
    )

    class Meta:
        verbose_name = _("registry")
        verbose_name_plural = _("registries")
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind"], name="registry_unique_unit_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.unit}"


class RegistryCounter(models.Model):
    """The last number given in one sequence; locked with SELECT … FOR UPDATE to allocate."""

    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="counters")
    period = models.CharField(max_length=20)  # "2026" or "term-<id>"
    sequence = models.CharField(max_length=20, blank=True)  # type abbreviation or group
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registry", "period", "sequence"], name="counter_unique_sequence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registry_id}:{self.period}:{self.sequence}={self.last_number}"


class StoredFile(TenantModel):
    """An uploaded or generated file, checked against its SHA-256 whenever it is served."""

    class Purpose(models.TextChoices):
        ORIGINAL = "original", _("Document file")
        ATTACHMENT = "attachment", _("Attachment")
        DRAFT = "draft", _("Draft version")
        ISSUED = "issued", _("Issued copy")

    file = models.FileField(max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    has_text_layer = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("file")
        verbose_name_plural = _("files")

    def __str__(self) -> str:
        return self.original_name


class IncomingDocument(TenantModel):
    class Channel(models.TextChoices):
        PAPER = "paper", _("Paper")
        EMAIL = "email", _("E-mail")
        UPLOAD = "upload", _("Electronic file")
        PLATFORM = "platform", _("On the platform")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        SUBMITTED = "submitted", _("Awaiting direction")
        DIRECTED = "directed", _("Directed")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    OPEN_STATUSES = (Status.REGISTERED, Status.SUBMITTED, Status.DIRECTED, Status.IN_PROGRESS)

    registry = models.ForeignKey(
        Registry, on_delete=models.PROTECT, related_name="incoming", verbose_name=_("registry")
    )
    # Denormalised from the registry so scoped lists need no join.
    receiving_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("received by")
    )
    receiving_path = models.CharField(max_length=255, editable=False, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    arrival_number = models.PositiveIntegerField(_("arrival number"))
    received_at = models.DateTimeField(_("arrival date"))
    channel = models.CharField(_("received as"), max_length=10, choices=Channel.choices)
    issuer = models.ForeignKey(
        IssuerBody,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issuer"),
    )
    issuer_name = models.CharField(_("issuer"), max_length=200)
    reference = models.CharField(_("number and symbol"), max_length=60, blank=True)
    reference_folded = models.CharField(max_length=60, editable=False, db_index=True)
    document_date = models.DateField(_("document date"), null=True, blank=True)
    doc_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    summary = models.TextField(_("summary"), blank=True)
    summary_withheld = models.BooleanField(default=False, editable=False)
    summary_allowed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    secrecy = models.CharField(
        _("secrecy"), max_length=10, choices=Secrecy.choices, blank=True, default=""
    )
    urgency = models.CharField(
        _("urgency"), max_length=12, choices=Urgency.choices, blank=True, default=""
    )
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    paper_holder = models.CharField(
        _("paper copy held by"),
        max_length=160,
        blank=True,
        help_text=_("For a classified document: who keeps the paper original."),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REGISTERED
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("submitted to"),
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    direction = models.TextField(_("direction"), blank=True)
    directed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    directed_on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    directed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.TextField(_("result"), blank=True)
    # Closed through the platform's workflow, or recorded as handled on paper.
    handled_on_platform = models.BooleanField(default=False)
    dossier = models.ForeignKey(
        "archive.Dossier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incoming_documents",
        verbose_name=_("dossier"),
    )
    # A copy delivered by an outgoing document of this platform.
    source_recipient = models.OneToOneField(
        "documents.OutgoingRecipient",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="delivered",
    )
    files = models.ManyToManyField(StoredFile, blank=True, related_name="incoming_documents")
    submit_token = models.UUIDField(null=True, blank=True, editable=False)
    search_folded = models.TextField(editable=False, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-year", "-arrival_number"]
        verbose_name = _("incoming document")
        verbose_name_plural = _("incoming documents")
        constraints = [
            models.UniqueConstraint(
                fields=["registry", "year", "arrival_number"], name="incoming_unique_arrival"
            ),
            models.UniqueConstraint(
                fields=["committee", "submit_token"],
                condition=Q(submit_token__isnull=False),
                name="incoming_unique_submit_token",
            ),
        ]
        indexes = [
            models.Index(fields=["committee", "-received_at"], name="incoming_committee_recv"),
            models.Index(fields=["committee", "status", "due_date"], name="incoming_status_due"),
            models.Index(fields=["committee", "reference_folded"], name="incoming_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.arrival_number}/{self.year} {self.reference}".strip()

    @property
    def is_classified(self) -> bool:
        return self.secrecy in CLASSIFIED

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Assignment(TenantModel):
    """Who handles an incoming document: a lead, supporting units or people, FYI recipients."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        SUPPORT = "support", _("Support")
        FYI = "fyi", _("For information")

    class Status(models.TextChoices):
        OPEN = "open", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    document = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, related_name="assignments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="document_assignments",
        verbose_name=_("person"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.TextField(_("result"), blank=True)
    reply = models.ForeignKey(
        "documents.OutgoingDocument",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="answered_assignments",
        verbose_name=_("reply"),
    )
    done_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(user__isnull=False),
                name="assignment_has_unit_or_user",
            )
        ]
        indexes = [
            models.Index(fields=["user", "status", "due_date"], name="assignment_user_open"),
            models.Index(fields=["unit", "status", "due_date"], name="assignment_unit_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.unit or self.user}"

    @property
    def handler_label(self) -> str:
        if self.user_id and self.unit_id:
            return f"{self.user.full_name} ({self.unit.name})"
        if self.user_id:
            return self.user.full_name or self.user.get_username()
        return self.unit.name


class Delegation(TenantModel):
    """A leader away from the office lets a deputy give direction or sign for a period."""

    class Scope(models.TextChoices):
        DIRECTION = "direction", _("Direction")
        SIGNING = "signing", _("Approval and signing")

    grantor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="delegations_given",
        verbose_name=_("delegating leader"),
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="delegations_received",
        verbose_name=_("deputy"),
    )
    scope = models.CharField(_("delegated"), max_length=10, choices=Scope.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="delegation_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.grantor} → {self.delegate}"


class DraftTemplate(TenantModel):
    """A starting point for an outgoing draft, editable by the tenant administrator."""

    name = models.CharField(_("name"), max_length=120)
    doc_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    summary = models.CharField(_("summary"), max_length=255, blank=True)
    body = models.TextField(
        _("body"), blank=True, help_text=_("Paragraphs separated by an empty line.")
    )
    signature_capacity = models.CharField(
        _("signing capacity"), max_length=40, blank=True, help_text=_("e.g. T/M BAN THƯỜNG VỤ")
    )
    recipients = models.TextField(
        _("recipients"), blank=True, help_text=_("One per line; the archive line is added.")
    )
    for_cells = models.BooleanField(_("for cells"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("draft template")
        verbose_name_plural = _("draft templates")

    def __str__(self) -> str:
        return self.name


class OutgoingDocument(TenantModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        ISSUED = "issued", _("Issued")
        CANCELLED = "cancelled", _("Cancelled")

    registry = models.ForeignKey(
        Registry, on_delete=models.PROTECT, related_name="outgoing", verbose_name=_("issued by")
    )
    issuing_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("issuing office")
    )
    issuing_path = models.CharField(max_length=255, editable=False, db_index=True)
    doc_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("body"), blank=True)
    secrecy = models.CharField(
        _("secrecy"), max_length=10, choices=Secrecy.choices, blank=True, default=""
    )
    urgency = models.CharField(
        _("urgency"), max_length=12, choices=Urgency.choices, blank=True, default=""
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    template = models.ForeignKey(
        DraftTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signer"),
    )
    signature_capacity = models.CharField(_("signing capacity"), max_length=40, blank=True)
    signer_title = models.CharField(_("signer's title"), max_length=60, blank=True)
    deputy_signing = models.BooleanField(_("signed by a deputy (K/T)"), default=False)
    recipients_text = models.TextField(
        _("recipients (as printed)"), blank=True, help_text=_("One per line.")
    )
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    in_reply_to = models.ForeignKey(
        IncomingDocument,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
        verbose_name=_("in reply to"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Set at issue only, from the registry.
    period = models.CharField(max_length=20, blank=True, editable=False)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True, editable=False)
    reference = models.CharField(_("number and symbol"), max_length=60, blank=True)
    reference_folded = models.CharField(max_length=60, editable=False, db_index=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=255, blank=True)
    # The seam the signing app fills: the signed PDF and the PAdES level it reached.
    signed_file = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signature_level = models.CharField(_("signature level"), max_length=12, blank=True)
    digitally_signed_at = models.DateTimeField(null=True, blank=True)
    search_folded = models.TextField(editable=False, blank=True)
    submit_token = models.UUIDField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outgoing document")
        verbose_name_plural = _("outgoing documents")
        constraints = [
            models.UniqueConstraint(
                fields=["registry", "period", "doc_type", "number"],
                condition=Q(number__isnull=False),
                name="outgoing_unique_number",
            )
        ]
        indexes = [
            models.Index(fields=["committee", "status", "-created_at"], name="outgoing_status"),
            models.Index(fields=["committee", "-issue_date"], name="outgoing_issue_date"),
            models.Index(fields=["committee", "reference_folded"], name="outgoing_reference"),
        ]

    def __str__(self) -> str:
        return self.reference or self.summary[:60]

    @property
    def is_digitally_signed(self) -> bool:
        return self.digitally_signed_at is not None


class DraftVersion(TenantModel):
    """One version of an outgoing draft: the generated or uploaded file and its note."""

    document = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=255, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="draft_version_unique")
        ]


class Review(TenantModel):
    """A reviewer asked to read a draft version, and what they said."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("Waiting")
        AGREED = "agreed", _("Agreed")
        CHANGES = "changes", _("Changes requested")

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="reviews")
    version_number = models.PositiveSmallIntegerField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verdict = models.CharField(max_length=8, choices=Verdict.choices, default=Verdict.PENDING)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]


class OutgoingRecipient(TenantModel):
    """Where an issued document goes: a unit of this committee, another committee on the
    platform (both delivered into their incoming inbox), or an external body."""

    class Method(models.TextChoices):
        PLATFORM = "platform", _("On the platform")
        PAPER = "paper", _("By post or by hand")
        EMAIL = "email", _("By e-mail")
        OTHER = "other", _("Other")

    document = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, related_name="recipients"
    )
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_committee = models.ForeignKey(
        "org.Committee", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("recipient"), max_length=200)
    method = models.CharField(_("sent"), max_length=10, choices=Method.choices)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DocumentRead(TenantModel):
    """Read receipt: who first opened a received document, and when."""

    document = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_opened_at = models.DateTimeField()
    last_opened_at = models.DateTimeField()
    times = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "user"], name="read_unique_user")
        ]


class DocumentEvent(TenantModel):
    """One time-stamped step in a document's life, shown as its timeline."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        EDITED = "edited", _("Edited")
        SUBMITTED = "submitted", _("Submitted for direction")
        DIRECTED = "directed", _("Direction given")
        ASSIGNED = "assigned", _("Assigned")
        PROGRESS = "progress", _("Progress")
        COMMENT = "comment", _("Comment")
        SUB_ASSIGNED = "sub_assigned", _("Sub-assignment")
        RESULT = "result", _("Result")
        DEADLINE = "deadline", _("Deadline changed")
        ESCALATED = "escalated", _("Escalated")
        COMPLETED = "completed", _("Closed and filed")
        REOPENED = "reopened", _("Reopened")
        SUMMARY_ALLOWED = "summary_allowed", _("Summary allowed")
        DRAFTED = "drafted", _("Draft created")
        NEW_VERSION = "new_version", _("New version")
        REVIEW_REQUESTED = "review_requested", _("Review requested")
        REVIEWED = "reviewed", _("Reviewed")
        SENT_FOR_APPROVAL = "sent_for_approval", _("Sent for approval")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for changes")
        ISSUED = "issued", _("Issued")
        SIGNED = "signed", _("Digitally signed")
        DISPATCHED = "dispatched", _("Dispatched")
        CANCELLED = "cancelled", _("Cancelled")
        REMINDED = "reminded", _("Reminder sent")

    incoming = models.ForeignKey(
        IncomingDocument, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    outgoing = models.ForeignKey(
        OutgoingDocument, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
