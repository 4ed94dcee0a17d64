"""The item services: confirming the metadata and filing into a dossier, with their refusals
(each with a code, nothing changed) and their audit rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from capuyso.archive.ingest import Intake
from capuyso.archive.models import Dossier
from capuyso.archive.services_items import item_confirm_metadata, item_file
from capuyso.archive.tests import ingest_samples as samples
from capuyso.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(cast):
    return Intake(committee=cast.committee).add_bytes(samples.text_pdf(), name="kh.pdf").item


def confirm(cast, item, **values):
    values.setdefault("title", "Kế hoạch chuyển đổi số")
    return item_confirm_metadata(actor=cast.clerk, item=item, **values)


def codes(error: ValidationError) -> dict[str, str]:
    return {field: errors[0].code for field, errors in error.error_dict.items()}


def test_confirm_records_who_and_when_and_indexes(cast, item, monkeypatch):
    from capuyso.archive import services_items

    indexed = []
    monkeypatch.setattr(services_items, "index_object", lambda obj: indexed.append(obj.pk))

    done = confirm(
        cast, item, reference="Số: 09-KH/ĐU", document_date=dt.date(2026, 1, 5), issuer_name=" X "
    )

    assert (done.reference, done.year, done.issuer_name) == ("09-KH/ĐU", 2026, "X")
    assert done.metadata_confirmed_by == cast.clerk and done.metadata_confirmed_at
    assert indexed == [item.pk]
    event = AuditEvent.objects.get(object_id=str(item.code), verb="update")
    assert event.changes["metadata_confirmed"] == [None, True]
    assert event.actor == cast.clerk


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"title": "  "}, {"title": "required"}),
        ({"title": "x" * 501}, {"title": "too_long"}),
        ({"reference": "9" * 81}, {"reference": "too_long"}),
        ({"document_date": dt.date(1920, 1, 1)}, {"document_date": "date_range"}),
        ({"document_date": dt.date(2999, 1, 1)}, {"document_date": "date_range"}),
        ({"year": 1900}, {"year": "year_range"}),
    ],
)
def test_bad_values_are_refused_with_a_code_and_nothing_changes(cast, item, values, expected):
    with pytest.raises(ValidationError) as error:
        confirm(cast, item, **values)
    assert codes(error.value) == expected
    item.refresh_from_db()
    assert item.metadata_confirmed_at is None and item.title == ""
    assert not AuditEvent.objects.filter(object_id=str(item.code), verb="update").exists()


def test_another_committee_type_and_dossier_are_refused(cast, item):
    from capuyso.documents.models import DocumentType

    foreign_type = DocumentType.objects.filter(committee=cast.other).first()
    foreign = Dossier.objects.create(committee=cast.other, file_number="1", title="X", year=2025)
    disposed = Dossier.objects.create(
        committee=cast.committee, file_number="2", title="Y", year=2000, disposed_at=timezone.now()
    )
    with pytest.raises(ValidationError) as error:
        confirm(cast, item, doc_type=foreign_type, dossier=foreign)
    assert codes(error.value) == {"doc_type": "foreign_doc_type", "dossier": "dossier"}
    with pytest.raises(ValidationError) as error:
        confirm(cast, item, dossier=disposed)
    assert codes(error.value) == {"dossier": "disposed"}
    item.refresh_from_db()
    assert item.dossier is None


def test_only_the_committee_registrars_confirm(cast, item):
    for user in (cast.secretary, cast.cell_secretary, cast.outsider_clerk):
        with pytest.raises(PermissionDenied):
            item_confirm_metadata(actor=user, item=item, title="X")


def test_filing_into_a_closed_dossier_of_a_past_year(cast, item):
    dossier = Dossier.objects.create(
        committee=cast.committee, file_number="3", title="Z", year=2015, closed_at=timezone.now()
    )
    assert item_file(actor=cast.clerk, item=item, dossier=dossier).dossier == dossier
    assert item_file(actor=cast.clerk, item=item, dossier=None).dossier is None
    changes = [
        e.changes["dossier"] for e in AuditEvent.objects.filter(verb="update").order_by("seq")
    ]
    assert changes == [[None, str(dossier)], [str(dossier), None]]
