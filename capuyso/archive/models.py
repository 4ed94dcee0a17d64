"""The archive: dossiers (hồ sơ) of the committee's yearly file list, their retention and
disposal, and archive items — the digitized papers and files taken in by bulk intake, with
their text (text layer, DOCX, or OCR) and the metadata proposed from it.

The documents app files a closed matter into a dossier (IncomingDocument.dossier); archive
items are filed the same way (ArchiveItem.dossier).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from capuyso.core.models import BaseModel, TenantModel


class RetentionPeriod(BaseModel):
    """One entry of the editable list of retention periods (Vĩnh viễn, 20 năm, 10 năm…).
    Rows without a committee are the default list every committee sees; a committee may add
    its own. `years` empty means permanent. A period in use is never deleted, only retired
    (`active` off), so dossiers keep the period they were given."""

    committee = models.ForeignKey(
        "org.Committee",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("committee"),
    )
    name = models.CharField(_("name"), max_length=80)
    years = models.PositiveSmallIntegerField(
        _("years"), null=True, blank=True, help_text=_("Leave empty for a permanent period.")
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["sort_order", "years", "name"]
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(years__isnull=True) | Q(years__gte=1), name="retention_years_positive"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def permanent(self) -> bool:
        return self.years is None


class Dossier(TenantModel):
    file_number = models.CharField(
        _("file number"), max_length=40, help_text=_("Its code in the yearly file list, e.g. 05.")
    )
    title = models.CharField(pgettext_lazy("name", "title"), max_length=255)
    title_folded = models.CharField(max_length=255, editable=False, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible unit"),
    )
    retention = models.ForeignKey(
        RetentionPeriod,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("retention period"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("closed by"),
    )
    # The year after which the dossier comes up for disposal review (closing year + the
    # retention years; moved on when a reviewer decides to keep it longer). Empty: permanent.
    review_year = models.PositiveSmallIntegerField(_("review due after"), null=True, blank=True)
    disposed_at = models.DateTimeField(_("disposed of at"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "file_number"]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year", "file_number"], name="dossier_unique_number"
            )
        ]
        indexes = [models.Index(fields=["committee", "review_year"], name="dossier_review")]

    def __str__(self) -> str:
        return f"{self.file_number}/{self.year} – {self.title}"


class DisposalDecision(TenantModel):
    """A person's decision on a dossier whose retention ran out: keep it longer (with the
    new review year) or dispose of it. Nothing is ever disposed of without one."""

    class Outcome(models.TextChoices):
        KEEP = "keep", _("Keep longer")
        PERMANENT = "permanent", _("Keep permanently")
        DISPOSE = "dispose", _("Dispose of")

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="disposal_decisions"
    )
    outcome = models.CharField(_("decision"), max_length=10, choices=Outcome.choices)
    keep_until_year = models.PositiveSmallIntegerField(_("keep until"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    decision_reference = models.CharField(_("decision reference"), max_length=80, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("disposal decision")
        verbose_name_plural = _("disposal decisions")


class ArchiveItem(TenantModel):
    """One file taken into the archive, kept byte for byte (`file`, with its SHA-256), with
    the text found in it and, for scans, a searchable copy made by OCR beside it (`ocr_file`;
    a signed PDF is never rewritten). One committee never holds the same bytes twice."""

    class TextSource(models.TextChoices):
        NONE = "none", _("No text")
        PDF = "pdf", _("PDF text layer")
        DOCX = "docx", _("Word document")
        OCR = "ocr", _("OCR")

    class OcrStatus(models.TextChoices):
        NOT_NEEDED = "not_needed", _("Not needed")
        WAITING = "waiting", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        UNAVAILABLE = "unavailable", _("OCR unavailable")

    dossier = models.ForeignKey(
        Dossier,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name=_("dossier"),
    )
    source_name = models.CharField(_("file name"), max_length=255)
    source_path = models.CharField(_("path in the intake folder"), max_length=1000, blank=True)
    file = models.FileField(_("file"), upload_to="archive/", max_length=300)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    signed = models.BooleanField(_("digitally signed"), default=False)

    text = models.TextField(_("text"), blank=True)
    text_source = models.CharField(
        _("text from"), max_length=8, choices=TextSource.choices, default=TextSource.NONE
    )
    ocr_file = models.FileField(
        _("searchable copy"), upload_to="archive/", max_length=300, blank=True
    )
    ocr_status = models.CharField(
        _("OCR"), max_length=12, choices=OcrStatus.choices, default=OcrStatus.NOT_NEEDED
    )
    ocr_pages_done = models.PositiveIntegerField(default=0)
    ocr_attempts = models.PositiveSmallIntegerField(default=0)
    ocr_error = models.TextField(_("OCR error"), blank=True)
    ocr_started_at = models.DateTimeField(null=True, blank=True)
    ocr_heartbeat = models.DateTimeField(null=True, blank=True)
    ocr_finished_at = models.DateTimeField(null=True, blank=True)

    # Metadata proposed from the text (documents.extract), then confirmed by a person.
    proposed = models.JSONField(_("proposed metadata"), default=dict, blank=True)
    title = models.CharField(pgettext_lazy("name", "title"), max_length=500, blank=True)
    reference = models.CharField(_("reference"), max_length=80, blank=True)
    document_date = models.DateField(_("document date"), null=True, blank=True)
    issuer_name = models.CharField(_("issuer"), max_length=255, blank=True)
    doc_type = models.ForeignKey(
        "documents.DocumentType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("document type"),
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    metadata_confirmed_at = models.DateTimeField(null=True, blank=True)
    metadata_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ingested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    disposed_at = models.DateTimeField(_("disposed of at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("archive item")
        verbose_name_plural = _("archive items")
        constraints = [
            models.UniqueConstraint(fields=["committee", "sha256"], name="archive_item_once")
        ]
        indexes = [
            models.Index(fields=["committee", "ocr_status"], name="archive_item_ocr"),
            models.Index(fields=["committee", "-created_at"], name="archive_item_recent"),
        ]

    def __str__(self) -> str:
        return self.title or self.source_name


class ArchivePage(models.Model):
    """OCR of one page of an item: pages are done one at a time, so a worker killed mid-item
    resumes at the first page not done, and a page that failed twice is reported."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    item = models.ForeignKey(ArchiveItem, on_delete=models.CASCADE, related_name="page_rows")
    number = models.PositiveIntegerField()  # 1-based
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    attempts = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(blank=True)
    error = models.TextField(blank=True)
    pdf = models.FileField(upload_to="archive/pages/", max_length=300, blank=True)

    class Meta:
        ordering = ["item", "number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="archive_page_once")]

    def __str__(self) -> str:
        return f"{self.item_id} p.{self.number}"
