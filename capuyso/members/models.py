"""The party member record. The foundation keeps the card fields; the members module
(issue 5) adds the full file, life cycle, transfers and badges."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from capuyso.core.models import TenantModel


class Member(TenantModel):
    class Sex(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Status(models.TextChoices):
        PROBATIONARY = "probationary", _("Probationary member")
        FULL = "full", _("Full member")

    cell = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="members", verbose_name=_("cell")
    )
    full_name = models.CharField(_("full name"), max_length=120)
    full_name_folded = models.CharField(max_length=120, editable=False, db_index=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    date_of_birth = models.DateField(_("date of birth"))
    admission_date = models.DateField(_("admission date"))
    full_membership_date = models.DateField(_("full membership date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    card_number = models.CharField(_("party card number"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        ordering = ["full_name_folded"]
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        indexes = [
            models.Index(fields=["committee", "cell"], name="member_committee_cell"),
        ]

    def __str__(self) -> str:
        return self.full_name
