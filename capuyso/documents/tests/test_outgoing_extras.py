import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from capuyso.documents.models import OutgoingDocument
from capuyso.documents.services.outgoing import outgoing_create
from capuyso.documents.tests.factories import doc_type

pytestmark = pytest.mark.django_db


def test_the_same_draft_form_sent_twice_creates_one_draft(cast, client_for):
    client = client_for(cast.clerk)
    page = client.get(reverse("documents:outgoing_new"), {"template": ""})
    assert page.status_code == 200
    token = str(uuid.uuid4())
    data = {
        "doc_type": str(doc_type(cast.committee).code),
        "summary": "Kế hoạch tổ chức hội nghị",
        "body": "Nội dung",
        "secrecy": "",
        "urgency": "",
        "copies": 1,
        "external_method": "paper",
        "submit_token": token,
    }
    first = client.post(reverse("documents:outgoing_new"), data)
    second = client.post(reverse("documents:outgoing_new"), data)
    assert first.status_code == 302 and second["Location"] == first["Location"]
    assert OutgoingDocument.objects.count() == 1


def test_ultra_secret_outgoing_keeps_no_summary(cast):
    with pytest.raises(ValidationError) as caught:
        outgoing_create(
            actor=cast.clerk,
            doc_type=doc_type(cast.committee),
            summary="Về nhân sự",
            secrecy="tuyet_mat",
        )
    assert "summary" in caught.value.message_dict
    stub = outgoing_create(
        actor=cast.clerk, doc_type=doc_type(cast.committee), summary="", secrecy="tuyet_mat"
    )
    assert stub.summary == "" and not stub.versions.exists()
    with pytest.raises(ValidationError):
        outgoing_create(actor=cast.clerk, doc_type=doc_type(cast.committee), summary="")


def test_a_draft_with_content_cannot_become_classified(cast):
    from capuyso.documents.services.outgoing import outgoing_update

    draft = outgoing_create(
        actor=cast.clerk, doc_type=doc_type(cast.committee), summary="Kế hoạch", body="Nội dung"
    )
    with pytest.raises(ValidationError) as caught:
        outgoing_update(actor=cast.clerk, document=draft, version=draft.version, secrecy="mat")
    assert "secrecy" in caught.value.message_dict


def test_odd_year_parameters_do_not_crash_lists(cast, client_for):
    client = client_for(cast.clerk)
    for year in ("²", "99999999999999999999", "abc"):
        assert client.get(reverse("documents:incoming_list"), {"year": year}).status_code == 200
        assert client.get(reverse("archive:dossiers"), {"year": year}).status_code == 200
