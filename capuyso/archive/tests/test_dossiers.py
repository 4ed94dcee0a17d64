import pytest
from django.urls import reverse

from capuyso.archive.models import Dossier

pytestmark = pytest.mark.django_db


def test_clerk_creates_a_dossier_and_numbers_are_unique_per_year(cast, client_for):
    client = client_for(cast.clerk)
    data = {"file_number": "05", "title": "Chuyển đổi số", "year": 2026}
    response = client.post(reverse("archive:dossier_new"), data)
    dossier = Dossier.objects.get()
    assert response["Location"] == reverse("archive:dossier", args=[dossier.code])
    response = client.post(reverse("archive:dossier_new"), data)
    assert response.status_code == 200 and "file_number" in response.context["form"].errors
    client.post(reverse("archive:dossier_new"), {**data, "year": 2025})
    assert Dossier.objects.count() == 2


def test_create_returns_to_the_document_being_closed(cast, client_for):
    url = reverse("archive:dossier_new") + "?next=/documents/incoming/abc/"
    response = client_for(cast.clerk).post(
        url, {"file_number": "01", "title": "Văn bản cấp trên", "year": 2026}
    )
    assert response["Location"] == "/documents/incoming/abc/"
    response = client_for(cast.clerk).post(
        reverse("archive:dossier_new") + "?next=https://evil.example/",
        {"file_number": "02", "title": "Khác", "year": 2026},
    )
    assert response["Location"].startswith("/archive/dossiers/")


@pytest.mark.parametrize("who", ["member", "cell_secretary", "admin"])
def test_only_committee_readers_list_and_only_registrars_create(cast, client_for, who):
    client = client_for(getattr(cast, who))
    assert client.get(reverse("archive:dossiers")).status_code == 403
    assert client.get(reverse("archive:dossier_new")).status_code == 403


def test_secretary_reads_but_does_not_create(cast, client_for):
    client = client_for(cast.secretary)
    assert client.get(reverse("archive:dossiers")).status_code == 200
    assert client.get(reverse("archive:dossier_new")).status_code == 403


def test_other_committee_gets_404(cast, client_for):
    dossier = Dossier.objects.create(
        committee=cast.committee, file_number="01", title="Hồ sơ", year=2026
    )
    response = client_for(cast.outsider_clerk).get(reverse("archive:dossier", args=[dossier.code]))
    assert response.status_code == 404
    listing = client_for(cast.outsider_clerk).get(reverse("archive:dossiers"))
    assert list(listing.context["page"]) == []
