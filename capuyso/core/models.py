import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Every row gets an opaque `code` for URLs and creation/update timestamps."""

    code = models.UUIDField(_("code"), default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class TenantModel(BaseModel):
    """A row that belongs to exactly one committee (the tenant)."""

    committee = models.ForeignKey(
        "org.Committee", on_delete=models.PROTECT, related_name="+", verbose_name=_("committee")
    )

    class Meta:
        abstract = True
