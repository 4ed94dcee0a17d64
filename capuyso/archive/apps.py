from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "capuyso.archive"
    label = "archive"
    verbose_name = _("Archive")

    def ready(self) -> None:
        # Archive items in the platform-wide search (capuyso.search).
        from capuyso.archive.search import ArchiveItemSource
        from capuyso.search.registry import register

        register(ArchiveItemSource())
