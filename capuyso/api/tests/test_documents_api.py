import datetime as dt
import uuid

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from capuyso.accounts.services import api_token_create
from capuyso.api import documents as router_module
from capuyso.core.testing import login
from capuyso.documents.models import DocumentRead, IncomingDocument, OutgoingDocument
from capuyso.documents.services import incoming as incoming_svc
from capuyso.documents.services import outgoing as outgoing_svc
from capuyso.documents.tests.factories import doc_type, pdf_upload, register

pytestmark = pytest.mark.django_db

API = "/api/v1"
INCOMING = "/documents/incoming"
OUTGOING = "/documents/outgoing"


@pytest.fixture
def api_post(client):
    """api_post(user, path, body) -> response, sent as JSON with a fresh token of `user`."""
    tokens: dict[int, str] = {}

    def _post(user, path, body):
        if user.pk not in tokens:
            tokens[user.pk] = api_token_create(actor=None, user=user, name="test")[1]
        return client.post(
            f"{API}{path}",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {tokens[user.pk]}"},
        )

    return _post


def codes(response):
    assert response.status_code == 200, response.content
    return {item["code"] for item in response.json()["items"]}


def in_days(n):
    return timezone.localdate() + dt.timedelta(days=n)


def new_incoming(**overrides):
    body = {
        "type": "KH",
        "issuer_name": "Thành ủy Hà Nội",
        "reference": "09-KH/TU",
        "document_date": "2026-01-05",
        "summary": "Kế hoạch chuyển đổi số",
    }
    return body | overrides


@pytest.fixture
def inboxes(cast):
    """One document in each inbox of phu-cat, and one the Office passed to the cell."""
    office = register(cast, reference="01-KH/TU")
    cell = register(cast, actor=cast.cell_secretary, reference="02-KH/TU")
    other_cell = register(cast, reference="03-KH/TU", receiving_unit=cast.other_cell)
    assigned = register(cast, reference="04-KH/TU", due_date=in_days(10))
    incoming_svc.incoming_direct(
        actor=cast.secretary,
        document=assigned,
        direction="Chi bộ thôn Đồng Cát chủ trì.",
        assignments=[incoming_svc.AssignmentSpec(role="lead", unit=cast.cell)],
    )
    return {"office": office, "cell": cell, "other_cell": other_cell, "assigned": assigned}


def code_of(*documents):
    return {str(d.code) for d in documents}


# --- incoming: lists --------------------------------------------------------------------


def test_clerk_lists_every_incoming_document_of_the_committee(api_get, cast, inboxes):
    assert codes(api_get(cast.clerk, INCOMING)) == code_of(*inboxes.values())
    assert codes(api_get(cast.secretary, INCOMING)) == code_of(*inboxes.values())


def test_cell_secretary_lists_their_cell_inbox_and_what_is_assigned_to_the_cell(
    api_get, cast, inboxes
):
    assert codes(api_get(cast.cell_secretary, INCOMING)) == code_of(
        inboxes["cell"], inboxes["assigned"]
    )


def test_a_plain_member_gets_403_as_on_the_page(api_get, cast, inboxes):
    for path in (INCOMING, OUTGOING):
        response = api_get(cast.member, path)
        assert response.status_code == 403
        assert set(response.json()) == {"detail"}


def test_outsiders_list_shows_nothing_of_phu_cat(api_get, cast, inboxes):
    assert codes(api_get(cast.outsider_clerk, INCOMING)) == set()
    assert codes(api_get(cast.outsider_clerk, OUTGOING)) == set()


def test_list_item_fields(api_get, cast, inboxes):
    items = api_get(cast.clerk, INCOMING, q="01-KH").json()["items"]

    assert len(items) == 1
    item = items[0]
    assert item["code"] == str(inboxes["office"].code)
    assert item["arrival_number"] == 1
    assert item["year"] == timezone.localdate().year
    assert item["type"] == {"abbreviation": "KH", "name": "Kế hoạch"}
    assert item["issuer_name"] == "Thành ủy Hà Nội"
    assert item["reference"] == "01-KH/TU"
    assert item["document_date"] == "2026-01-05"
    assert item["summary"] == "Kế hoạch chuyển đổi số"
    assert item["channel"] == "paper"
    assert item["status"] == "registered"
    assert item["receiving_unit"]["code"] == str(inboxes["office"].receiving_unit.code)
    assert item["receiving_unit"]["name"]


def test_list_filters(api_get, cast, inboxes):
    clerk = cast.clerk
    letter = register(cast, reference="05-CV/UBND", abbreviation="CV", summary="Về phòng cháy")
    IncomingDocument.objects.filter(pk=inboxes["office"].pk).update(
        status=IncomingDocument.Status.COMPLETED
    )
    IncomingDocument.objects.filter(pk=inboxes["cell"].pk).update(due_date=in_days(-1))
    year = timezone.localdate().year

    assert codes(api_get(clerk, INCOMING, type="CV")) == code_of(letter)
    assert codes(api_get(clerk, INCOMING, q="phong chay")) == code_of(letter)
    assert codes(api_get(clerk, INCOMING, status="completed")) == code_of(inboxes["office"])
    assert inboxes["office"].code not in codes(api_get(clerk, INCOMING, status="open"))
    assert codes(api_get(clerk, INCOMING, status="directed")) == code_of(inboxes["assigned"])
    assert codes(api_get(clerk, INCOMING, overdue="true")) == code_of(inboxes["cell"])
    assert len(codes(api_get(clerk, INCOMING, year=year))) == 5
    assert codes(api_get(clerk, INCOMING, year=year - 1)) == set()
    today = timezone.localdate().isoformat()
    assert len(codes(api_get(clerk, INCOMING, received_from=today, received_to=today))) == 5
    assert api_get(clerk, INCOMING, status="bogus").status_code == 422


def test_ultra_secret_summary_is_withheld_in_the_list(api_get, cast):
    document = register(cast, secrecy="tuyet_mat", summary="")

    item = api_get(cast.clerk, INCOMING).json()["items"][0]

    assert item["code"] == str(document.code)
    assert (item["summary"], item["summary_withheld"]) == ("", True)
    incoming_svc.incoming_allow_summary(actor=cast.secretary, document=document, summary="Về A")
    item = api_get(cast.clerk, INCOMING).json()["items"][0]
    assert (item["summary"], item["summary_withheld"]) == ("Về A", False)


def test_incoming_list_has_bounded_queries(api_get, cast, django_assert_max_num_queries):
    for i in range(15):
        register(cast, reference=f"{i}-KH/TU")
    api_get(cast.clerk, INCOMING)  # the first call also stamps the token's last use

    with django_assert_max_num_queries(6):
        response = api_get(cast.clerk, INCOMING, limit=200)

    assert response.json()["count"] == 15


# --- incoming: one document -------------------------------------------------------------


def test_detail_has_direction_assignments_files_and_timeline(api_get, cast):
    document = register(cast, uploads=[pdf_upload()], due_date=in_days(10))
    incoming_svc.incoming_direct(
        actor=cast.secretary,
        document=document,
        direction="Giao chi bộ thôn Đồng Cát chủ trì.",
        assignments=[
            incoming_svc.AssignmentSpec(role="lead", unit=cast.cell, due_date=in_days(7)),
            incoming_svc.AssignmentSpec(role="fyi", user=cast.standing),
        ],
    )

    response = api_get(cast.clerk, f"{INCOMING}/{document.code}")

    assert response.status_code == 200
    body = response.json()
    assert body["direction"] == "Giao chi bộ thôn Đồng Cát chủ trì."
    assert body["directed_by"]["code"] == str(cast.secretary.code)
    assert body["status"] == "directed"
    lead, fyi = body["assignments"]
    assert (lead["role"], lead["unit"]["code"], lead["status"]) == (
        "lead",
        str(cast.cell.code),
        "open",
    )
    assert lead["due_date"] == in_days(7).isoformat()
    assert (fyi["role"], fyi["user"]["code"], fyi["unit"]) == ("fyi", str(cast.standing.code), None)
    [stored] = document.files.all()
    assert body["files"] == [
        {
            "code": str(stored.code),
            "name": "van-ban.pdf",
            "size": stored.size,
            "sha256": stored.sha256,
            "content_type": "application/pdf",
            "url": reverse("documents:file", args=[stored.code]),
        }
    ]
    assert [e["kind"] for e in body["events"]] == ["registered", "directed"]
    assert body["events"][1]["actor"]["code"] == str(cast.secretary.code)
    assert body["events"][1]["text"] == "Giao chi bộ thôn Đồng Cát chủ trì."


def test_opening_through_the_api_records_the_read_receipt(api_get, cast):
    document = register(cast, actor=cast.cell_secretary)

    api_get(cast.cell_secretary, f"{INCOMING}/{document.code}")
    api_get(cast.cell_secretary, f"{INCOMING}/{document.code}")

    read = DocumentRead.objects.get(document=document)
    assert (read.user, read.times) == (cast.cell_secretary, 2)


def test_detail_without_the_right_to_see_it_is_403(api_get, cast, inboxes):
    assert api_get(cast.cell_secretary, f"{INCOMING}/{inboxes['office'].code}").status_code == 403
    assert api_get(cast.member, f"{INCOMING}/{inboxes['cell'].code}").status_code == 403
    assert not DocumentRead.objects.exists()


def test_outsider_gets_404_on_phu_cat_documents(api_get, cast, inboxes):
    draft = outgoing_svc.outgoing_create(
        actor=cast.clerk, doc_type=doc_type(cast.committee), summary="Kế hoạch"
    )
    for outsider in (cast.outsider, cast.outsider_clerk):
        for path in (f"{INCOMING}/{inboxes['office'].code}", f"{OUTGOING}/{draft.code}"):
            response = api_get(outsider, path)
            assert response.status_code == 404, (outsider, path)
            assert set(response.json()) == {"detail"}


def test_unknown_or_malformed_code_is_404(api_get, cast):
    assert api_get(cast.clerk, f"{INCOMING}/{uuid.uuid4()}").status_code == 404
    assert api_get(cast.clerk, f"{INCOMING}/not-a-code").status_code == 404


def test_session_sign_in_works_as_well(client, cast, inboxes):
    login(client, cast.clerk)

    response = client.get(f"{API}{INCOMING}/{inboxes['office'].code}")

    assert response.status_code == 200
    assert response.json()["code"] == str(inboxes["office"].code)


def test_no_credentials_is_401(client, cast, inboxes):
    assert client.get(f"{API}{INCOMING}").status_code == 401
    assert client.post(f"{API}{INCOMING}", {}, content_type="application/json").status_code == 401


# --- incoming: registering ----------------------------------------------------------------


def test_register_gives_arrival_numbers_in_order(api_post, cast):
    first = api_post(cast.clerk, INCOMING, new_incoming(reference="01-KH/TU"))
    second = api_post(cast.clerk, INCOMING, new_incoming(reference="02-KH/TU", urgency="khan"))

    assert first.status_code == 201, first.content
    assert second.status_code == 201, second.content
    assert (first.json()["arrival_number"], second.json()["arrival_number"]) == (1, 2)
    document = IncomingDocument.objects.get(code=second.json()["code"])
    assert document.registered_by == cast.clerk
    assert document.urgency == "khan"
    assert document.receiving_unit.kind == "office"
    assert second.json()["events"][0]["kind"] == "registered"


def test_cell_secretary_registers_into_the_cell_book(api_post, cast):
    api_post(cast.clerk, INCOMING, new_incoming(reference="01-KH/TU"))

    response = api_post(cast.cell_secretary, INCOMING, new_incoming(reference="02-KH/TU"))

    assert response.status_code == 201
    assert response.json()["arrival_number"] == 1
    assert response.json()["receiving_unit"]["code"] == str(cast.cell.code)


def test_the_same_submit_token_returns_the_same_document_with_200(api_post, cast):
    token = str(uuid.uuid4())

    first = api_post(cast.clerk, INCOMING, new_incoming(submit_token=token))
    again = api_post(cast.clerk, INCOMING, new_incoming(submit_token=token, reference="x"))

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["code"] == again.json()["code"]
    assert IncomingDocument.objects.count() == 1


def test_a_parallel_submit_with_the_same_token_returns_the_winner_with_200(
    api_post, cast, monkeypatch
):
    """The other request registered between our check and our insert: the unique
    constraint refuses ours, and the answer is the document the other one registered."""
    token = uuid.uuid4()

    def lose_the_race(**values):
        register(cast, submit_token=token)
        raise IntegrityError("UNIQUE constraint failed: incoming_unique_submit_token")

    monkeypatch.setattr(router_module, "incoming_register", lose_the_race)

    response = api_post(cast.clerk, INCOMING, new_incoming(submit_token=str(token)))

    assert response.status_code == 200, response.content
    assert response.json()["code"] == str(IncomingDocument.objects.get(submit_token=token).code)


def test_someone_elses_submit_token_reveals_nothing(api_post, cast):
    token = str(uuid.uuid4())
    office = api_post(cast.clerk, INCOMING, new_incoming(submit_token=token)).json()

    response = api_post(cast.cell_secretary, INCOMING, new_incoming(submit_token=token))

    assert response.status_code == 422
    assert office["code"] not in response.content.decode()
    assert response.json()["detail"][0]["loc"][-1] == "submit_token"


def test_likely_duplicate_is_409_with_the_existing_code(api_post, cast):
    original = api_post(cast.clerk, INCOMING, new_incoming()).json()

    response = api_post(cast.clerk, INCOMING, new_incoming(reference="09-kh/tu"))

    assert response.status_code == 409
    assert response.json()["existing_code"] == original["code"]
    assert "09-KH/TU" in response.json()["detail"]
    assert IncomingDocument.objects.count() == 1
    confirmed = api_post(cast.clerk, INCOMING, new_incoming(confirm_duplicate=True))
    assert confirmed.status_code == 201
    assert confirmed.json()["arrival_number"] == 2


def test_ultra_secret_with_a_summary_is_422_on_the_summary(api_post, cast):
    response = api_post(cast.clerk, INCOMING, new_incoming(secrecy="tuyet_mat"))

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "payload", "summary"]
    assert "Tuyệt mật" in error["msg"]
    assert not IncomingDocument.objects.exists()


def test_ultra_secret_without_a_summary_is_registered(api_post, cast):
    response = api_post(cast.clerk, INCOMING, new_incoming(secrecy="tuyet_mat", summary=""))

    assert response.status_code == 201
    assert response.json()["summary_withheld"] is True


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": "XX"}, "type"),
        ({"summary": "  "}, "summary"),
        ({"issuer_name": ""}, "issuer_name"),
        ({"channel": "fax"}, "channel"),
        ({"urgency": "now"}, "urgency"),
        ({"due_date": "2020-01-01"}, "due_date"),
        ({"reference": "x" * 61}, "reference"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(api_post, cast, overrides, field):
    response = api_post(cast.clerk, INCOMING, new_incoming(**overrides))

    assert response.status_code == 422, response.content
    assert field in {error["loc"][-1] for error in response.json()["detail"]}
    assert all(error["msg"] for error in response.json()["detail"])
    assert not IncomingDocument.objects.exists()


def test_register_without_the_right_is_403(api_post, cast):
    for user in (cast.member, cast.secretary, cast.outsider):
        assert api_post(user, INCOMING, new_incoming()).status_code == 403, user
    assert not IncomingDocument.objects.exists()


def test_put_on_the_collection_is_405(client, cast):
    _, raw = api_token_create(actor=None, user=cast.clerk)

    response = client.put(
        f"{API}{INCOMING}",
        {},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )

    assert response.status_code == 405


# --- outgoing ------------------------------------------------------------------------------


def new_draft(**overrides):
    body = {
        "type": "KH",
        "summary": "Kế hoạch tổ chức Đại hội chi bộ",
        "body": "I. MỤC ĐÍCH\n\nTổ chức tốt Đại hội.",
        "recipients_text": "Các chi bộ trực thuộc",
    }
    return body | overrides


def test_create_draft_then_list_and_open_it(api_post, api_get, cast):
    response = api_post(cast.clerk, OUTGOING, new_draft(signer=str(cast.secretary.code)))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["type"]["abbreviation"] == "KH"
    assert body["signer"]["code"] == str(cast.secretary.code)
    assert body["drafted_by"]["code"] == str(cast.clerk.code)
    assert body["recipients_text"] == "Các chi bộ trực thuộc"
    assert body["versions"][0]["number"] == 1
    assert body["versions"][0]["file"]["url"]
    assert body["events"][0]["kind"] == "drafted"

    assert codes(api_get(cast.clerk, OUTGOING)) == {body["code"]}
    assert codes(api_get(cast.clerk, OUTGOING, status="draft", type="KH")) == {body["code"]}
    assert codes(api_get(cast.clerk, OUTGOING, status="issued")) == set()
    assert codes(api_get(cast.secretary, OUTGOING)) == {body["code"]}
    detail = api_get(cast.secretary, f"{OUTGOING}/{body['code']}")
    assert detail.status_code == 200
    assert detail.json()["body"] == "I. MỤC ĐÍCH\n\nTổ chức tốt Đại hội."


def test_cell_secretary_drafts_for_the_cell_and_sees_only_the_cells(api_post, api_get, cast):
    office = api_post(cast.clerk, OUTGOING, new_draft()).json()

    response = api_post(cast.cell_secretary, OUTGOING, new_draft(type="BC", summary="Báo cáo"))

    assert response.status_code == 201, response.content
    assert response.json()["issuing_unit"]["code"] == str(cast.cell.code)
    assert codes(api_get(cast.cell_secretary, OUTGOING)) == {response.json()["code"]}
    assert api_get(cast.cell_secretary, f"{OUTGOING}/{office['code']}").status_code == 403


def test_draft_validation_is_422_naming_the_field(api_post, cast):
    cases = [
        (new_draft(summary=""), "summary"),
        (new_draft(type="??"), "type"),
        (new_draft(secrecy="mat"), "body"),
        (new_draft(signer=str(cast.clerk.code)), "signer"),
        (new_draft(signer=str(cast.outsider.code)), "signer"),
        (new_draft(signer=str(uuid.uuid4())), "signer"),
    ]
    for body, field in cases:
        response = api_post(cast.clerk, OUTGOING, body)
        assert response.status_code == 422, (field, response.content)
        assert response.json()["detail"][0]["loc"] == ["body", "payload", field]
    assert not OutgoingDocument.objects.exists()


def test_draft_without_the_right_is_403(api_post, cast):
    for user in (cast.member, cast.admin, cast.outsider):
        assert api_post(user, OUTGOING, new_draft()).status_code == 403, user


def test_outgoing_detail_shows_recipients_and_who_read_the_delivered_copy(api_post, api_get, cast):
    draft = outgoing_svc.outgoing_create(
        actor=cast.clerk,
        doc_type=doc_type(cast.committee),
        summary="Kế hoạch tổ chức Đại hội",
        signer=cast.secretary,
        recipients=[
            outgoing_svc.RecipientSpec(unit=cast.cell),
            outgoing_svc.RecipientSpec(name="UBND xã Phú Cát", method="paper"),
        ],
    )
    outgoing_svc.outgoing_send_for_approval(actor=cast.clerk, document=draft)
    outgoing_svc.outgoing_approve(actor=cast.secretary, document=draft)
    outgoing_svc.outgoing_issue(actor=cast.clerk, document=draft)
    delivered = IncomingDocument.objects.get(source_recipient__document=draft)

    before = api_get(cast.clerk, f"{OUTGOING}/{draft.code}").json()
    api_get(cast.cell_secretary, f"{INCOMING}/{delivered.code}")
    after = api_get(cast.clerk, f"{OUTGOING}/{draft.code}").json()

    assert after["status"] == "issued"
    assert after["number"] == 1 and after["reference"]
    rows = {row["name"]: row for row in after["recipients"]}
    cell = rows[cast.cell.name]
    assert (cell["method"], cell["delivered"], cell["unit"]["code"]) == (
        "platform",
        True,
        str(cast.cell.code),
    )
    assert (cell["readers"], cell["first_reader"]) == (1, cast.cell_secretary.full_name)
    assert cell["first_read_at"]
    assert {r["name"]: r["readers"] for r in before["recipients"]}[cast.cell.name] == 0
    assert rows["UBND xã Phú Cát"]["delivered"] is False
    issued = api_get(cast.clerk, OUTGOING, status="issued")
    assert codes(issued) == {str(draft.code)}
