"""Dossiers (hồ sơ): the archival files that documents, meeting records and papers go into.

The documents app files a closed matter into a dossier; the archive issue adds retention,
closing and disposal on top of this model.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from capuyso.core.models import TenantModel


class Dossier(TenantModel):
    file_number = models.CharField(
        _("file number"), max_length=40, help_text=_("Its code in the yearly file list, e.g. 05.")
    )
    title = models.CharField(_("title"), max_length=255)
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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "file_number"]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year", "file_number"], name="dossier_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_number}/{self.year} – {self.title}"
