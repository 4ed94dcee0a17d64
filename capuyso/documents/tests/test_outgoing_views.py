import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from capuyso.accounts.roles import Role
from capuyso.core.testing import make_user
from capuyso.documents.models import (
    Delegation,
    DocumentType,
    DraftTemplate,
    IncomingDocument,
    OutgoingDocument,
    Review,
    Secrecy,
)
from capuyso.documents.services import outgoing as svc
from capuyso.documents.services.config import delegation_create
from capuyso.documents.tests.factories import doc_type, pdf_upload, png_upload, register

pytestmark = pytest.mark.django_db

Status = OutgoingDocument.Status


def draft(cast, *, actor=None, abbreviation="KH", summary="Kế hoạch tổ chức Đại hội", **kw):
    values = {
        "doc_type": doc_type(cast.committee, abbreviation),
        "summary": summary,
        "body": "I. MỤC ĐÍCH, YÊU CẦU\n\nBảo đảm dân chủ.",
        "signer": cast.secretary,
    }
    values.update(kw)
    return svc.outgoing_create(actor=actor or cast.clerk, **values)


def approved(cast, **kw):
    document = draft(cast, **kw)
    return svc.outgoing_approve(actor=document.signer, document=document)


def issued(cast, **kw):
    document = approved(cast, **kw)
    return svc.outgoing_issue(actor=cast.clerk, document=document)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def detail_url(document):
    return reverse("documents:outgoing_detail", args=[document.code])


def form_data(cast, **overrides):
    data = {
        "doc_type": str(doc_type(cast.committee, "KH").code),
        "summary": "Kế hoạch tổ chức Đại hội Đảng bộ xã",
        "body": "I. MỤC ĐÍCH\n\nBảo đảm dân chủ.\n\nII. NỘI DUNG\n\nChuẩn bị nhân sự.",
        "secrecy": "",
        "urgency": "",
        "signer": str(cast.secretary.code),
        "signature_capacity": "T/M BAN THƯỜNG VỤ",
        "signer_title": "BÍ THƯ",
        "recipients_text": "- Ban Thường vụ Thành ủy (để báo cáo)\n- Các chi bộ trực thuộc",
        "external_names": "",
        "external_method": "paper",
        "copies": "3",
    }
    data.update(overrides)
    return data


# --- the list -------------------------------------------------------------------------


def test_the_list_shows_only_what_the_user_may_see(cast, client_for):
    other_secretary = make_user(
        cast.committee, "bithu-truong", "Lương Thị Hoa", Role.CELL_SECRETARY, cast.other_cell
    )
    draft(cast, summary="Kế hoạch của Đảng ủy")
    draft(
        cast,
        actor=cast.cell_secretary,
        abbreviation="NQ",
        summary="Nghị quyết chi bộ Đồng Cát",
        signer=cast.cell_secretary,
    )
    draft(
        cast,
        actor=other_secretary,
        abbreviation="NQ",
        summary="Nghị quyết chi bộ Trường Tiểu học",
        signer=other_secretary,
    )
    url = reverse("documents:outgoing_list")

    page = client_for(cast.cell_secretary).get(url).content.decode()
    assert "Nghị quyết chi bộ Đồng Cát" in page
    assert "Nghị quyết chi bộ Trường Tiểu học" not in page
    assert "Kế hoạch của Đảng ủy" not in page
    assert reverse("documents:outgoing_new") in page  # may draft

    page = client_for(cast.clerk).get(url).content.decode()
    for summary in ("Kế hoạch của Đảng ủy", "Đồng Cát", "Trường Tiểu học"):
        assert summary in page

    page = client_for(cast.outsider_clerk).get(url).content.decode()
    assert "Kế hoạch của Đảng ủy" not in page and "Đồng Cát" not in page

    assert client_for(cast.member).get(url).status_code == 403


def test_the_list_filters_by_text_without_diacritics_status_type_and_year(cast, client_for):
    plan = issued(cast, summary="Kế hoạch tổ chức Đại hội")
    draft(cast, summary="Kế hoạch kiểm tra giám sát")
    issued(cast, abbreviation="BC", summary="Báo cáo sơ kết")
    client = client_for(cast.clerk)
    url = reverse("documents:outgoing_list")

    page = client.get(url, {"q": "to chuc dai hoi"}).content.decode()
    assert "Kế hoạch tổ chức Đại hội" in page and "kiểm tra" not in page
    page = client.get(url, {"q": "01-kh"}).content.decode()
    assert plan.reference in page and "Báo cáo sơ kết" not in page

    page = client.get(url, {"status": "draft"}).content.decode()
    assert "kiểm tra giám sát" in page and "Đại hội" not in page

    report_type = doc_type(cast.committee, "BC")
    page = client.get(url, {"type": str(report_type.code)}).content.decode()
    assert "Báo cáo sơ kết" in page and "Đại hội" not in page

    year = timezone.localdate().year
    page = client.get(url, {"year": year - 1}).content.decode()
    assert "Đại hội" not in page and "Báo cáo sơ kết" not in page
    page = client.get(url, {"year": year, "issued_from": "not-a-date"}).content.decode()
    assert "Đại hội" in page and "Báo cáo sơ kết" in page
    assert "kiểm tra giám sát" not in page  # never issued, so in no year


def test_the_list_table_alone_for_htmx(cast, client_for):
    issued(cast)
    response = client_for(cast.clerk).get(
        reverse("documents:outgoing_list"), {"q": "ke hoach"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert 'id="outgoing-table"' in page and "<html" not in page
    assert "01-KH/ĐU" in page


def test_the_list_issues_a_bounded_number_of_queries(
    cast, client_for, django_assert_max_num_queries
):
    for number in range(8):
        issued(cast, summary=f"Kế hoạch số {number}")
        draft(cast, actor=cast.cell_secretary, abbreviation="BC", signer=cast.cell_secretary)
    client = client_for(cast.clerk)
    url = reverse("documents:outgoing_list")
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 16


# --- drafting -------------------------------------------------------------------------


def test_new_draft_offers_the_committees_templates_and_a_cell_its_own(cast, client_for):
    url = reverse("documents:outgoing_new")
    page = client_for(cast.clerk).get(url).content.decode()
    assert "Kế hoạch của Đảng ủy" in page and "Nghị quyết của chi bộ" not in page
    page = client_for(cast.cell_secretary).get(url).content.decode()
    assert "Nghị quyết của chi bộ" in page and "Kế hoạch của Đảng ủy" not in page
    assert client_for(cast.member).get(url).status_code == 403


def test_a_template_fills_the_form(cast, client_for):
    template = DraftTemplate.objects.get(committee=cast.committee, name="Kế hoạch của Đảng ủy")
    response = client_for(cast.clerk).get(
        reverse("documents:outgoing_new"), {"template": str(template.code)}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "T/M BAN THƯỜNG VỤ" in page and "III. TỔ CHỨC THỰC HIỆN" in page
    assert f'value="{template.doc_type.code}" selected' in page
    foreign = DraftTemplate.objects.filter(committee=cast.other).first()
    response = client_for(cast.clerk).get(
        reverse("documents:outgoing_new"), {"template": str(foreign.code)}
    )
    assert response.status_code == 404


def test_saving_a_new_draft_generates_version_one_and_opens_it(cast, client_for):
    incoming = register(cast)
    template = DraftTemplate.objects.get(committee=cast.committee, name="Kế hoạch của Đảng ủy")
    client = client_for(cast.clerk)
    data = form_data(
        cast,
        template=str(template.code),
        reply_to=str(incoming.code),
        all_cells="on",
        committees=[str(cast.other.code)],
        external_names="Ủy ban nhân dân xã Phú Cát\nMặt trận Tổ quốc xã",
        external_method="email",
    )
    response = client.post(reverse("documents:outgoing_new"), data)
    document = OutgoingDocument.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(document)
    assert document.template == template and document.in_reply_to == incoming
    assert document.signer == cast.secretary and document.copies == 3
    assert document.versions.get().number == 1
    recipients = {(r.name, r.method) for r in document.recipients.all()}
    assert (cast.cell.name, "platform") in recipients
    assert (cast.other.name, "platform") in recipients
    assert ("Mặt trận Tổ quốc xã", "email") in recipients

    page = client.get(detail_url(document)).content.decode()
    assert "Kế hoạch tổ chức Đại hội Đảng bộ xã" in page
    assert reverse("documents:file", args=[document.versions.get().file.code]) in page
    assert reverse("documents:outgoing_edit", args=[document.code]) in page


def test_a_reply_starts_from_the_incoming_document(cast, client_for):
    incoming = register(cast)
    response = client_for(cast.clerk).get(
        reverse("documents:outgoing_new"), {"blank": "1", "reply_to": str(incoming.code)}
    )
    assert incoming.reference in response.content.decode()
    assert response.context["form"].initial["reply_to"] == incoming.code
    response = client_for(cast.outsider_clerk).get(
        reverse("documents:outgoing_new"), {"blank": "1", "reply_to": str(incoming.code)}
    )
    assert response.status_code == 404


def test_a_classified_draft_with_platform_recipients_is_refused_on_the_form(cast, client_for):
    data = form_data(cast, secrecy=Secrecy.SECRET, body="", all_cells="on")
    response = client_for(cast.clerk).post(reverse("documents:outgoing_new"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["units"]
    data = form_data(cast, secrecy=Secrecy.SECRET)
    response = client_for(cast.clerk).post(reverse("documents:outgoing_new"), data)
    assert response.context["form"].errors["body"]
    assert not OutgoingDocument.objects.exists()


def test_a_cell_cannot_pick_a_committee_only_type(cast, client_for):
    notice = doc_type(cast.committee, "TB")
    data = form_data(cast, doc_type=str(notice.code), signer=str(cast.cell_secretary.code))
    response = client_for(cast.cell_secretary).post(reverse("documents:outgoing_new"), data)
    assert response.status_code == 200 and response.context["form"].errors["doc_type"]


# --- editing --------------------------------------------------------------------------


def test_editing_saves_a_new_version_from_an_uploaded_file(cast, client_for):
    document = draft(cast, all_cells=True)
    client = client_for(cast.clerk)
    url = reverse("documents:outgoing_edit", args=[document.code])
    page = client.get(url).content.decode()
    assert f'name="version" value="{document.version}"' in page
    assert "Bảo đảm dân chủ" in page

    data = form_data(cast, version=document.version, note="Sửa theo góp ý", upload=pdf_upload())
    data["units"] = [str(cast.cell.code)]
    response = client.post(url, data)
    assert response.status_code == 302
    latest = document.versions.first()
    assert latest.number == 2 and latest.note == "Sửa theo góp ý"
    assert latest.file.content_type == "application/pdf"
    assert [r.unit for r in document.recipients.all()] == [cast.cell]


def test_an_upload_of_the_wrong_kind_is_refused_on_its_field(cast, client_for):
    document = draft(cast)
    response = client_for(cast.clerk).post(
        reverse("documents:outgoing_edit", args=[document.code]),
        form_data(cast, version=document.version, upload=png_upload()),
    )
    assert response.status_code == 200 and response.context["form"].errors["upload"]
    assert document.versions.count() == 1


def test_a_stale_edit_is_refused_with_a_message(cast, client_for):
    document = draft(cast)
    stale = document.version
    svc.outgoing_update(actor=cast.clerk, document=document, version=stale, note="v2")
    url = reverse("documents:outgoing_edit", args=[document.code])
    response = client_for(cast.clerk).post(url, form_data(cast, version=stale, summary="Khác"))
    assert response.status_code == 302 and response["Location"] == url
    assert len(texts(response)) == 1
    document.refresh_from_db()
    assert document.summary == "Kế hoạch tổ chức Đại hội"


def test_an_approved_document_is_no_longer_edited(cast, client_for):
    document = approved(cast)
    response = client_for(cast.clerk).get(reverse("documents:outgoing_edit", args=[document.code]))
    assert response.status_code == 302 and response["Location"] == detail_url(document)
    response = client_for(cast.standing).get(
        reverse("documents:outgoing_edit", args=[draft(cast).code])
    )
    assert response.status_code == 403


# --- permissions of the actions -------------------------------------------------------

ACTIONS = [
    "outgoing_review_request",
    "outgoing_send",
    "outgoing_approve",
    "outgoing_return",
    "outgoing_issue",
    "outgoing_cancel",
    "outgoing_remind",
]


def _action_url(cast, name):
    document = draft(cast)
    if name == "review_answer":
        (review,) = svc.review_request(actor=cast.clerk, document=document, reviewers=[cast.deputy])
        return reverse("documents:review_answer", args=[review.code])
    return reverse(f"documents:{name}", args=[document.code])


@pytest.mark.parametrize("name", [*ACTIONS, "review_answer"])
def test_actions_accept_only_post(cast, client_for, name):
    assert client_for(cast.clerk).get(_action_url(cast, name)).status_code == 405


@pytest.mark.parametrize("name", [*ACTIONS, "review_answer"])
def test_actions_are_forbidden_without_the_right(cast, client_for, name):
    url = _action_url(cast, name)
    assert client_for(cast.member).post(url, {"version": 1}).status_code == 403


@pytest.mark.parametrize("name", [*ACTIONS, "review_answer"])
def test_actions_are_not_found_from_another_committee(cast, client_for, name):
    url = _action_url(cast, name)
    assert client_for(cast.outsider).post(url, {"version": 1}).status_code == 404


@pytest.mark.parametrize("name", ACTIONS)
def test_a_reader_without_the_right_gets_403_whatever_the_form_holds(cast, client_for, name):
    """The committee member reads every document but drafts only their own, approves and
    issues nothing: the permission is checked before the form's content."""
    url = _action_url(cast, name)
    client = client_for(cast.committee_member)
    assert client.get(detail_url(OutgoingDocument.objects.get())).status_code == 200
    assert client.post(url, {"version": 1}).status_code == 403
    assert client.post(url, {"version": 1, "comment": "x", "reason": "y"}).status_code == 403
    document = OutgoingDocument.objects.get()
    assert document.status == Status.DRAFT and not document.reviews.exists()


@pytest.mark.parametrize("name", ["outgoing_detail", "outgoing_edit"])
def test_pages_are_forbidden_or_not_found_outside_the_users_scope(cast, client_for, name):
    url = reverse(f"documents:{name}", args=[draft(cast).code])
    assert client_for(cast.member).get(url).status_code == 403
    assert client_for(cast.cell_secretary).get(url).status_code == 403
    assert client_for(cast.outsider).get(url).status_code == 404


def test_a_signer_without_the_issue_right_cannot_issue(cast, client_for):
    document = approved(cast)
    response = client_for(cast.secretary).post(
        reverse("documents:outgoing_issue", args=[document.code]), {"version": document.version}
    )
    assert response.status_code == 403
    document.refresh_from_db()
    assert document.status == Status.APPROVED


# --- the workflow through the pages ----------------------------------------------------


def post(client, name, document, **data):
    data.setdefault("version", OutgoingDocument.objects.get(pk=document.pk).version)
    return client.post(reverse(f"documents:{name}", args=[document.code]), data)


def test_the_whole_workflow_through_the_pages(cast, client_for):
    document = draft(cast, all_cells=True)
    clerk = client_for(cast.clerk)
    page = clerk.get(detail_url(document)).content.decode()
    assert reverse("documents:outgoing_review_request", args=[document.code]) in page
    assert reverse("documents:outgoing_issue", args=[document.code]) not in page

    response = post(clerk, "outgoing_review_request", document, reviewers=[str(cast.deputy.code)])
    assert response.status_code == 302
    review = Review.objects.get(document=document)

    deputy = client_for(cast.deputy)
    page = deputy.get(detail_url(document)).content.decode()
    assert reverse("documents:review_answer", args=[review.code]) in page
    response = deputy.post(
        reverse("documents:review_answer", args=[review.code]),
        {"verdict": "changes", "comment": ""},
    )
    assert texts(response)  # a comment is needed to ask for changes
    review.refresh_from_db()
    assert review.verdict == Review.Verdict.PENDING
    deputy.post(
        reverse("documents:review_answer", args=[review.code]),
        {"verdict": "agreed", "comment": "Nhất trí"},
    )
    review.refresh_from_db()
    assert review.verdict == Review.Verdict.AGREED

    clerk = client_for(cast.clerk)
    assert post(clerk, "outgoing_send", document).status_code == 302

    secretary = client_for(cast.secretary)
    page = secretary.get(detail_url(document)).content.decode()
    assert reverse("documents:outgoing_approve", args=[document.code]) in page
    assert "Nhất trí" in page
    post(secretary, "outgoing_approve", document)

    clerk = client_for(cast.clerk)
    page = clerk.get(detail_url(document)).content.decode()
    assert reverse("documents:outgoing_issue", args=[document.code]) in page
    stale_version = OutgoingDocument.objects.get(pk=document.pk).version
    response = post(clerk, "outgoing_issue", document)
    assert response.status_code == 302 and response["Location"] == detail_url(document)
    assert any("01-KH/ĐU" in m for m in texts(response))

    # A double submit of the issue form: refused with a message, never a second number.
    response = post(clerk, "outgoing_issue", document, version=stale_version)
    assert response.status_code == 302 and texts(response)
    document.refresh_from_db()
    assert document.status == Status.ISSUED and document.reference == "01-KH/ĐU"
    assert OutgoingDocument.objects.filter(number__isnull=False).count() == 1
    assert IncomingDocument.objects.count() == 2  # one per cell, delivered once

    page = clerk.get(detail_url(document)).content.decode()
    assert 'id="distribution"' in page and cast.other_cell.name in page
    assert reverse("documents:outgoing_remind", args=[document.code]) in page
    assert "01-KH/ĐU" in page


def test_returning_needs_a_comment(cast, client_for):
    document = draft(cast)
    secretary = client_for(cast.secretary)
    response = post(secretary, "outgoing_return", document, comment="")
    assert texts(response)
    response = post(secretary, "outgoing_return", document, comment="Bổ sung số liệu")
    document.refresh_from_db()
    assert document.events.filter(kind="returned", text="Bổ sung số liệu").exists()


def test_a_stale_approval_is_refused_with_a_message(cast, client_for):
    document = draft(cast)
    stale = document.version
    svc.outgoing_update(actor=cast.clerk, document=document, version=stale, note="v2")
    response = post(client_for(cast.secretary), "outgoing_approve", document, version=stale)
    assert response.status_code == 302 and response["Location"] == detail_url(document)
    assert len(texts(response)) == 1
    document.refresh_from_db()
    assert document.status == Status.DRAFT


def test_a_delegated_deputy_approves_through_the_page(cast, client_for):
    today = timezone.localdate()
    delegation_create(
        actor=cast.secretary,
        grantor=cast.secretary,
        delegate=cast.deputy,
        scope=Delegation.Scope.SIGNING,
        starts_on=today,
        ends_on=today + dt.timedelta(days=3),
    )
    document = draft(cast)
    deputy = client_for(cast.deputy)
    page = deputy.get(detail_url(document)).content.decode()
    assert cast.secretary.full_name in page
    assert reverse("documents:outgoing_approve", args=[document.code]) in page
    post(deputy, "outgoing_approve", document)
    document.refresh_from_db()
    assert document.status == Status.APPROVED
    assert document.approved_on_behalf_of == cast.secretary
    page = deputy.get(detail_url(document)).content.decode()
    note = gettext("on delegation from %(name)s") % {"name": cast.secretary.full_name}
    assert note in page


def test_cancelling_needs_a_reason_and_keeps_the_number(cast, client_for):
    document = issued(cast)
    clerk = client_for(cast.clerk)
    response = post(clerk, "outgoing_cancel", document, reason="")
    assert texts(response)
    document.refresh_from_db()
    assert document.status == Status.ISSUED
    post(clerk, "outgoing_cancel", document, reason="Ban hành nhầm")
    document.refresh_from_db()
    assert document.status == Status.CANCELLED and document.reference == "01-KH/ĐU"
    page = clerk.get(detail_url(document)).content.decode()
    assert "Ban hành nhầm" in page


def test_remind_tells_how_many_were_reminded(cast, client_for):
    document = issued(cast, all_cells=True)
    clerk = client_for(cast.clerk)
    response = post(clerk, "outgoing_remind", document)
    assert response.status_code == 302
    assert any("2" in m for m in texts(response))

    response = clerk.post(
        reverse("documents:outgoing_remind", args=[document.code]), HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert 'id="distribution"' in page and response.context["reminded"] == 2


def test_the_issued_docx_is_downloaded_by_an_allowed_user_only(cast, client_for):
    document = issued(cast)
    stored = svc.issued_file(document)
    url = reverse("documents:file", args=[stored.code])
    response = client_for(cast.clerk).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client_for(cast.outsider).get(url).status_code == 404
    assert client_for(cast.cell_secretary).get(url).status_code == 403


def test_document_types_out_of_force_are_not_offered_for_a_new_draft(cast, client_for):
    expired = DocumentType.objects.create(
        committee=cast.committee,
        abbreviation="XX",
        name="Loại đã bỏ",
        valid_until=timezone.localdate() - dt.timedelta(days=1),
    )
    response = client_for(cast.clerk).get(reverse("documents:outgoing_new"), {"blank": "1"})
    assert str(expired.code) not in response.content.decode()
