from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "capuyso.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self):
        from capuyso.documents.services.config import committee_documents_setup
        from capuyso.org.services import register_committee_setup

        register_committee_setup(committee_documents_setup)
