import pytest
from django.urls import reverse

from capuyso.notifications.models import Notification
from capuyso.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_notify_skips_inactive_and_duplicate_users_and_dedupes(cast):
    cast.member.is_active = False
    cast.member.save()
    created = notify(
        users=[cast.clerk, cast.clerk, cast.member, None],
        kind="info",
        title="Có văn bản mới",
        dedupe_key="k1",
    )
    assert [n.user for n in created] == [cast.clerk]
    assert notify(users=[cast.clerk], kind="info", title="lại", dedupe_key="k1") == []
    assert Notification.objects.count() == 1


def test_list_shows_only_my_notifications_and_unread_badge(cast, client_for):
    notify(users=[cast.clerk], kind="info", title="Của văn thư")
    notify(users=[cast.secretary], kind="info", title="Của bí thư")
    client = client_for(cast.clerk)
    response = client.get(reverse("notifications:list"))
    body = response.content.decode()
    assert "Của văn thư" in body and "Của bí thư" not in body
    assert response.context["unread_notifications"] == 1


def test_opening_marks_read_and_follows_only_local_links(cast, client_for):
    good = notify(users=[cast.clerk], kind="info", title="a", url="/documents/incoming/")[0]
    evil = notify(users=[cast.clerk], kind="info", title="b", url="https://evil.example/")[0]
    client = client_for(cast.clerk)
    response = client.post(reverse("notifications:open", args=[good.code]))
    assert response["Location"] == "/documents/incoming/"
    good.refresh_from_db()
    assert good.read_at is not None
    response = client.post(reverse("notifications:open", args=[evil.code]))
    assert response["Location"] == reverse("notifications:list")


def test_someone_elses_notification_is_404_and_get_is_405(cast, client_for):
    other = notify(users=[cast.secretary], kind="info", title="riêng")[0]
    client = client_for(cast.clerk)
    assert client.post(reverse("notifications:open", args=[other.code])).status_code == 404
    assert client.get(reverse("notifications:open", args=[other.code])).status_code == 405
    assert client.get(reverse("notifications:read_all")).status_code == 405


def test_read_all(cast, client_for):
    notify(users=[cast.clerk], kind="info", title="1")
    notify(users=[cast.clerk], kind="info", title="2")
    client_for(cast.clerk).post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()
