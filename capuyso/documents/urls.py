"""URLs of the documents app. Each views module owns its own `urlpatterns` list."""

from capuyso.documents.views import config, incoming, outgoing, registry

app_name = "documents"

urlpatterns = [
    *incoming.urlpatterns,
    *outgoing.urlpatterns,
    *registry.urlpatterns,
    *config.urlpatterns,
]
