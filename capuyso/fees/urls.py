"""The fees area. Each feature keeps its own URL module so features grow independently."""

from capuyso.fees import (
    urls_bases,
    urls_ledger,
    urls_mine,
    urls_qr,
    urls_reports,
    urls_rules,
    urls_statements,
)

app_name = "fees"

urlpatterns = [
    *urls_mine.urlpatterns,
    *urls_rules.urlpatterns,
    *urls_bases.urlpatterns,
    *urls_ledger.urlpatterns,
    *urls_statements.urlpatterns,
    *urls_reports.urlpatterns,
    *urls_qr.urlpatterns,
]
