import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from capuyso.audit.models import AuditEvent
from capuyso.documents.models import (
    Delegation,
    DocumentType,
    DraftTemplate,
    IssuerBody,
    Registry,
)
from capuyso.documents.services.config import delegation_create, office_of, registry_for
from capuyso.documents.tests.factories import doc_type

pytestmark = pytest.mark.django_db


def in_days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def config_urls(cast) -> list[str]:
    kh = doc_type(cast.committee, "KH")
    issuer = IssuerBody.objects.filter(committee=cast.committee).first()
    template = DraftTemplate.objects.filter(committee=cast.committee).first()
    registry = registry_for(office_of(cast.committee), Registry.Kind.INCOMING)
    return [
        reverse("documents:config"),
        reverse("documents:config_types"),
        reverse("documents:config_type_add"),
        reverse("documents:config_type_edit", args=[kh.code]),
        reverse("documents:config_issuers"),
        reverse("documents:config_issuer_add"),
        reverse("documents:config_issuer_edit", args=[issuer.code]),
        reverse("documents:config_templates"),
        reverse("documents:config_template_add"),
        reverse("documents:config_template_edit", args=[template.code]),
        reverse("documents:config_registries"),
        reverse("documents:config_registry_edit", args=[registry.code]),
    ]


@pytest.mark.parametrize("who", ["clerk", "admin"])
def test_configurers_open_every_settings_page(cast, client_for, who):
    client = client_for(getattr(cast, who))
    for url in config_urls(cast):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["member", "cell_secretary", "secretary"])
def test_settings_pages_are_refused_to_others(cast, client_for, who):
    client = client_for(getattr(cast, who))
    for url in config_urls(cast):
        assert client.get(url).status_code == 403, url
    kh = doc_type(cast.committee, "KH")
    response = client.post(
        reverse("documents:config_type_edit", args=[kh.code]),
        {"name": "Đổi tên", "abbreviation": "KH", "sort_order": 1},
    )
    assert response.status_code == 403
    assert DocumentType.objects.get(pk=kh.pk).name == "Kế hoạch"


def test_another_committees_settings_are_not_found(cast, client_for):
    client = client_for(cast.outsider)  # the administrator of dong-xuan
    urls = config_urls(cast)
    for url in (urls[3], urls[6], urls[9], urls[11]):  # the edit pages, by code
        assert client.get(url).status_code == 404, url
    issuer = IssuerBody.objects.filter(committee=cast.committee).first()
    toggle = reverse("documents:config_issuer_toggle", args=[issuer.code])
    assert client.post(toggle).status_code == 404


def test_adding_a_type_and_a_duplicate_abbreviation(cast, client_for):
    client = client_for(cast.clerk)
    url = reverse("documents:config_type_add")
    values = {
        "name": "Quy định",
        "abbreviation": "QĐ",
        "cells_may_issue": "",
        "sequence_group": "",
        "valid_from": "2026-01-01",
        "valid_until": "",
        "sort_order": "6",
    }
    response = client.post(url, values)
    assert response.status_code == 302
    added = DocumentType.objects.get(committee=cast.committee, name="Quy định", abbreviation="QĐ")
    assert added.valid_from == dt.date(2026, 1, 1) and not added.cells_may_issue
    assert AuditEvent.objects.filter(verb="create", object_id=str(added.code)).exists()

    duplicate = client.post(url, {**values, "name": "Quy định mới"})
    assert duplicate.status_code == 200
    assert "abbreviation" in duplicate.context["form"].errors
    assert not DocumentType.objects.filter(name="Quy định mới").exists()


def test_editing_a_type_keeps_its_validity_and_checks_the_dates(cast, client_for):
    client = client_for(cast.clerk)
    kh = doc_type(cast.committee, "KH")
    url = reverse("documents:config_type_edit", args=[kh.code])
    values = {
        "name": "Kế hoạch",
        "abbreviation": "KH",
        "cells_may_issue": "on",
        "sequence_group": "dai-hoi",
        "is_official_letter": "",
        "valid_from": "2026-03-01",
        "valid_until": "2026-02-01",
        "sort_order": "3",
    }
    refused = client.post(url, values)
    assert "valid_until" in refused.context["form"].errors
    saved = client.post(url, {**values, "valid_until": ""})
    assert saved.status_code == 302
    kh.refresh_from_db()
    assert (kh.sequence_group, kh.valid_from, kh.valid_until) == (
        "dai-hoi",
        dt.date(2026, 3, 1),
        None,
    )


def test_issuer_directory_search_add_edit_and_deactivate(cast, client_for):
    client = client_for(cast.clerk)
    added = client.post(
        reverse("documents:config_issuer_add"),
        {"name": "Ban Dân vận Thành ủy Hà Nội", "abbreviation": "BDVTU", "is_active": "on"},
    )
    assert added.status_code == 302
    issuer = IssuerBody.objects.get(committee=cast.committee, abbreviation="BDVTU")

    found = client.get(reverse("documents:config_issuers"), {"q": "dan van"})
    assert [i.pk for i in found.context["page"].object_list] == [issuer.pk]

    again = client.post(
        reverse("documents:config_issuer_add"), {"name": "ban dân vận  thành ủy hà nội"}
    )
    assert "name" in again.context["form"].errors

    toggle = reverse("documents:config_issuer_toggle", args=[issuer.code])
    assert client.get(toggle).status_code == 405
    assert client.post(toggle).status_code == 302
    issuer.refresh_from_db()
    assert not issuer.is_active
    client.post(toggle)
    issuer.refresh_from_db()
    assert issuer.is_active

    edited = client.post(
        reverse("documents:config_issuer_edit", args=[issuer.code]),
        {"name": "Ban Dân vận Thành ủy", "abbreviation": "BDV", "is_active": "on"},
    )
    assert edited.status_code == 302
    issuer.refresh_from_db()
    assert (issuer.name, issuer.abbreviation) == ("Ban Dân vận Thành ủy", "BDV")


def test_templates_are_added_and_edited_with_a_type_of_the_committee(cast, client_for):
    client = client_for(cast.clerk)
    tb = doc_type(cast.committee, "TB")
    response = client.post(
        reverse("documents:config_template_add"),
        {
            "name": "Thông báo kết luận",
            "doc_type": tb.code,
            "signature_capacity": "T/L BAN THƯỜNG VỤ",
            "recipients": "Các chi bộ trực thuộc",
            "body": "Nội dung",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    template = DraftTemplate.objects.get(committee=cast.committee, name="Thông báo kết luận")
    assert template.doc_type == tb and not template.for_cells

    foreign = doc_type(cast.other, "KH")
    refused = client.post(
        reverse("documents:config_template_edit", args=[template.code]),
        {"name": "Thông báo kết luận", "doc_type": foreign.code, "is_active": "on"},
    )
    assert "doc_type" in refused.context["form"].errors
    template.refresh_from_db()
    assert template.doc_type == tb


def test_registry_settings_are_edited(cast, client_for):
    registry = registry_for(office_of(cast.committee), Registry.Kind.OUTGOING)
    client = client_for(cast.clerk)
    listing = client.get(reverse("documents:config_registries"))
    assert registry in list(listing.context["registries"])
    response = client.post(
        reverse("documents:config_registry_edit", args=[registry.code]),
        {"issuer_abbreviation": "ĐU ", "numbering_scope": Registry.Scope.YEAR},
    )
    assert response.status_code == 302
    registry.refresh_from_db()
    assert (registry.issuer_abbreviation, registry.numbering_scope) == ("ĐU", "year")


# --- delegations -----------------------------------------------------------------------


def delegation_values(cast, grantor, **extra):
    return {
        "grantor": grantor.code,
        "delegate": cast.deputy.code,
        "scope": Delegation.Scope.DIRECTION,
        "starts_on": timezone.localdate().isoformat(),
        "ends_on": in_days(7).isoformat(),
        "reason": "Đi công tác",
        **extra,
    }


def test_a_leader_delegates_and_revokes(cast, client_for):
    client = client_for(cast.secretary)
    form = client.get(reverse("documents:delegation_create"))
    assert form.context["form"].initial["grantor"] == cast.secretary.code
    deputies = set(form.context["form"].fields["delegate"].queryset)
    assert cast.deputy in deputies and cast.standing in deputies
    assert not deputies & {cast.member, cast.cell_secretary, cast.clerk, cast.admin}
    response = client.post(
        reverse("documents:delegation_create"), delegation_values(cast, cast.secretary)
    )
    assert response.status_code == 302
    delegation = Delegation.objects.get(grantor=cast.secretary)
    assert delegation.delegate == cast.deputy and delegation.created_by == cast.secretary

    listing = client.get(reverse("documents:delegations"))
    assert [d.pk for d in listing.context["current"]] == [delegation.pk]
    assert listing.context["current"][0].may_revoke

    revoke = reverse("documents:delegation_revoke", args=[delegation.code])
    assert client.get(revoke).status_code == 405
    assert client.post(revoke).status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None
    listing = client.get(reverse("documents:delegations"))
    assert [d.pk for d in listing.context["past"]] == [delegation.pk]


def test_a_leader_cannot_delegate_for_another_leader(cast, client_for):
    client = client_for(cast.deputy)
    response = client.post(
        reverse("documents:delegation_create"),
        delegation_values(cast, cast.secretary, delegate=cast.standing.code),
    )
    assert response.status_code == 200
    assert "grantor" in response.context["form"].errors
    assert not Delegation.objects.exists()


def test_the_administrator_delegates_for_a_leader(cast, client_for):
    response = client_for(cast.clerk).post(
        reverse("documents:delegation_create"),
        delegation_values(cast, cast.secretary, scope=Delegation.Scope.SIGNING),
    )
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert (delegation.grantor, delegation.scope) == (cast.secretary, "signing")
    assert delegation.created_by == cast.clerk


def test_service_errors_show_on_the_delegation_form(cast, client_for):
    response = client_for(cast.secretary).post(
        reverse("documents:delegation_create"),
        delegation_values(cast, cast.secretary, delegate=cast.secretary.code),
    )
    assert response.status_code == 200
    assert "delegate" in response.context["form"].errors


def test_non_leaders_have_no_delegation_pages(cast, client_for):
    delegation = delegation_create(
        actor=cast.secretary,
        grantor=cast.secretary,
        delegate=cast.deputy,
        scope=Delegation.Scope.DIRECTION,
        starts_on=timezone.localdate(),
        ends_on=in_days(3),
    )
    revoke = reverse("documents:delegation_revoke", args=[delegation.code])
    for who in ("committee_member", "member", "cell_secretary"):
        client = client_for(getattr(cast, who))
        assert client.get(reverse("documents:delegations")).status_code == 403
        assert client.get(reverse("documents:delegation_create")).status_code == 403
        assert client.post(revoke).status_code == 403
    # Another leader sees the delegation only if it concerns them, and cannot revoke it.
    standing = client_for(cast.standing)
    assert standing.get(reverse("documents:delegations")).context["current"] == []
    assert standing.post(revoke).status_code == 403
    assert client_for(cast.outsider).post(revoke).status_code == 404
    delegation.refresh_from_db()
    assert delegation.revoked_at is None
