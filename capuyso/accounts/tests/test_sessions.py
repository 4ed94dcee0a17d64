import re
import time

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from capuyso.accounts.middleware import IDLE_KEY
from capuyso.accounts.tests.helpers import sign_in
from capuyso.core.testing import PASSWORD, login

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"
NEW_PASSWORD = "Cay-tre-lang-que-2027"


def _signed_in(user) -> Client:
    client = Client()
    login(client, user)
    return client


def test_idle_session_expires(client_for, cast):
    client = client_for(cast.member)
    assert client.get(PROFILE).status_code == 200
    session = client.session
    session[IDLE_KEY] = int(time.time()) - settings.SESSION_IDLE_MINUTES * 60 - 5
    session.save()
    response = client.get(PROFILE + "?a=1&b=2")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
    login_page = client.get(response["Location"])
    assert "expired after a period of inactivity" in login_page.content.decode()
    # The whole page address survives the round trip through `next`.
    assert 'value="/accounts/profile/?a=1&amp;b=2"' in login_page.content.decode()


def test_recent_activity_keeps_the_session(client_for, cast):
    client = client_for(cast.member)
    session = client.session
    session[IDLE_KEY] = int(time.time()) - settings.SESSION_IDLE_MINUTES * 60 + 60
    session.save()
    assert client.get(PROFILE).status_code == 200


def test_sign_out_everywhere_ends_every_session_including_this_one(cast):
    laptop, phone = _signed_in(cast.member), _signed_in(cast.member)
    assert phone.get(PROFILE).status_code == 200
    url = reverse("accounts:sessions_revoke")
    assert laptop.get(url).status_code == 405
    response = laptop.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert laptop.get(PROFILE).status_code == 302
    assert phone.get(PROFILE).status_code == 302
    # Signing in again works.
    assert sign_in(Client(), "dangvien", next=PROFILE).status_code == 302


def test_admin_signs_a_user_out_everywhere(client_for, cast):
    phone = _signed_in(cast.member)
    admin = client_for(cast.admin)
    url = reverse("accounts:user_sessions_revoke", args=[cast.member.code])
    assert admin.post(url).status_code == 302
    assert phone.get(PROFILE).status_code == 302
    assert admin.get(PROFILE).status_code == 200


def test_voluntary_password_change_needs_the_old_password(client_for, cast):
    client = client_for(cast.member)
    url = reverse("accounts:password_change")
    assert 'name="old_password"' in client.get(url).content.decode()
    response = client.post(
        url,
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 400
    cast.member.refresh_from_db()
    assert cast.member.check_password(PASSWORD)


def test_password_change_rejects_weak_or_mismatched_passwords(client_for, cast):
    client = client_for(cast.member)
    url = reverse("accounts:password_change")
    weak = client.post(
        url, {"old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"}
    )
    assert weak.status_code == 400
    mismatch = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "other-1234"},
    )
    assert mismatch.status_code == 400
    assert "not the same" in mismatch.content.decode()


def test_password_change_keeps_this_session_and_ends_the_others(client_for, cast):
    phone = _signed_in(cast.member)
    client = client_for(cast.member)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(PROFILE).status_code == 200
    assert phone.get(PROFILE).status_code == 302
    assert sign_in(Client(), "dangvien", password=NEW_PASSWORD, next=PROFILE).status_code == 302


def test_admin_password_reset_gives_a_working_temporary_password_and_forces_a_change(
    client_for, cast
):
    phone = _signed_in(cast.member)
    admin = client_for(cast.admin)
    url = reverse("accounts:user_password_reset", args=[cast.member.code])
    assert admin.get(url).status_code == 405
    response = admin.post(url)
    assert response.status_code == 302
    page = admin.get(response["Location"]).content.decode()
    temporary = re.search(r'id="temporary-password">([^<]+)<', page).group(1)
    # Shown once only.
    assert temporary not in admin.get(response["Location"]).content.decode()
    assert phone.get(PROFILE).status_code == 302  # the person's sessions ended

    person = Client()
    assert sign_in(person, "dangvien", password=PASSWORD).status_code == 400
    assert sign_in(person, "dangvien", password=temporary).status_code == 302
    forced = person.get(PROFILE)
    assert forced["Location"] == reverse("accounts:password_change")
    form = person.get(reverse("accounts:password_change")).content.decode()
    assert 'name="old_password"' not in form  # the temporary password was just typed
    response = person.post(
        reverse("accounts:password_change"),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert person.get(PROFILE).status_code == 200
    cast.member.refresh_from_db()
    assert not cast.member.must_change_password


def test_password_reset_also_unlocks(client_for, cast, settings):
    settings.LOGIN_MAX_FAILURES = 1
    sign_in(Client(), "dangvien", password="wrong")
    cast.member.refresh_from_db()
    assert cast.member.locked_until
    client_for(cast.admin).post(reverse("accounts:user_password_reset", args=[cast.member.code]))
    cast.member.refresh_from_db()
    assert cast.member.locked_until is None


def test_deactivated_account_loses_its_sessions(client_for, cast):
    phone = _signed_in(cast.member)
    admin = client_for(cast.admin)
    url = reverse("accounts:user_set_active", args=[cast.member.code])
    assert admin.post(url, {"active": "0"}).status_code == 302
    cast.member.refresh_from_db()
    assert not cast.member.is_active
    assert phone.get(PROFILE).status_code == 302
    assert sign_in(Client(), "dangvien").status_code == 400
    admin.post(url, {"active": "1"})
    cast.member.refresh_from_db()
    assert cast.member.is_active
    assert sign_in(Client(), "dangvien", next=PROFILE).status_code == 302


def test_admin_cannot_deactivate_themselves(client_for, cast):
    admin = client_for(cast.admin)
    admin.post(reverse("accounts:user_set_active", args=[cast.admin.code]), {"active": "0"})
    cast.admin.refresh_from_db()
    assert cast.admin.is_active
