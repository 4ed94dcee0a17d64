from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "capuyso.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        # The sources of the platform's own apps; another app adds its own with
        # capuyso.search.registry.register() from its AppConfig.ready().
        from capuyso.search import sources  # noqa: F401
