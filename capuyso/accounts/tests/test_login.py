import datetime as dt
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from capuyso.accounts.models import User
from capuyso.accounts.tests.helpers import sign_in
from capuyso.audit.models import AuditEvent
from capuyso.core.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_stored_passwords_are_argon2_hashes(cast):
    cast.member.refresh_from_db()
    assert cast.member.password.startswith("argon2$argon2id$")
    assert identify_hasher(cast.member.password).algorithm == "argon2"


def test_production_settings_hash_with_argon2_first():
    env = {**os.environ, "CAPUYSO_TESTING": "0", "DJANGO_SETTINGS_MODULE": "config.settings"}
    code = "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"
    out = subprocess.run(  # the test suite swaps in a cheap hasher: read the real setting
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_login_page_renders_a_large_simple_form(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="login-box' in html
    assert '<label for="id_username"' in html and '<label for="id_password"' in html


def test_member_signs_in_and_lands_on_next(client, cast):
    response = sign_in(client, "dangvien", next="/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert client.get("/accounts/profile/").status_code == 200
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.LOGIN, actor_id=cast.member.pk).exists()


def test_username_is_case_insensitive(client, cast):
    assert sign_in(client, "DangVien", next="/accounts/profile/").status_code == 302


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_login_ignores_an_offsite_next(client, cast, target):
    response = sign_in(client, "dangvien", next=target)
    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)


def test_wrong_password_shows_a_clear_message(client, cast):
    response = sign_in(client, "dangvien", password="wrong-password")
    assert response.status_code == 400
    assert "The user name or password is not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unknown_user_gets_the_same_message(client, cast):
    response = sign_in(client, "nobody", password="whatever-123")
    assert response.status_code == 400
    assert "The user name or password is not correct" in response.content.decode()


def test_inactive_account_cannot_sign_in(client, cast):
    User.objects.filter(pk=cast.member.pk).update(is_active=False)
    assert sign_in(client, "dangvien").status_code == 400


def _fail(client, times):
    for _ in range(times):
        response = sign_in(client, "dangvien", password="wrong-password")
    return response


def test_account_locks_after_max_failures_and_refuses_the_right_password(client, cast, settings):
    settings.LOGIN_MAX_FAILURES = 3
    response = _fail(client, 3)
    assert "locked" in response.content.decode()
    cast.member.refresh_from_db()
    assert cast.member.locked_until is not None
    until = timezone.localtime(cast.member.locked_until).strftime("%H:%M")
    assert until in response.content.decode()

    response = sign_in(client, "dangvien")  # right password, still refused
    assert response.status_code == 400
    assert "locked" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.LOCKED).exists()


def test_failures_below_the_limit_do_not_lock(client, cast, settings):
    settings.LOGIN_MAX_FAILURES = 3
    _fail(client, 2)
    assert sign_in(client, "dangvien", next="/accounts/profile/").status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.failed_logins == 0


def test_lock_expires(client, cast, settings):
    settings.LOGIN_MAX_FAILURES = 2
    _fail(client, 2)
    # Travel past the lock by moving it into the past.
    User.objects.filter(pk=cast.member.pk).update(
        locked_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert sign_in(client, "dangvien", next="/accounts/profile/").status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.locked_until is None


def test_admin_unlocks_a_locked_account(client, client_for, cast, settings):
    settings.LOGIN_MAX_FAILURES = 2
    _fail(client, 2)
    admin = client_for(cast.admin)
    detail = admin.get(reverse("accounts:user_detail", args=[cast.member.code]))
    assert "Locked until" in detail.content.decode()
    response = admin.post(reverse("accounts:user_unlock", args=[cast.member.code]))
    assert response.status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.locked_until is None
    other = Client()
    assert sign_in(other, "dangvien", next="/accounts/profile/").status_code == 302


def test_signed_in_user_visiting_login_is_sent_on(client_for, cast):
    client = client_for(cast.member)
    response = client.get(reverse("accounts:login") + "?next=/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"


def test_logout_is_post_only(client_for, cast):
    client = client_for(cast.member)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session


def test_logout_ends_the_session_and_is_recorded(client_for, cast):
    client = client_for(cast.member)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.LOGOUT, actor_id=cast.member.pk).exists()
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_pages_need_a_signed_in_user(client, cast):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_password_is_never_echoed_back(client, cast):
    response = sign_in(client, "dangvien", password=PASSWORD + "x")
    assert PASSWORD not in response.content.decode()


def test_right_password_on_a_deactivated_account_is_refused_without_counting(cast):
    from capuyso.accounts.services import login_check
    from capuyso.core.testing import PASSWORD

    cast.member.is_active = False
    cast.member.save()
    assert login_check(request=None, username="dangvien", password=PASSWORD) is None
    cast.member.refresh_from_db()
    assert cast.member.failed_logins == 0
