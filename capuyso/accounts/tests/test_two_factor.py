import re
from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from capuyso.accounts.models import User
from capuyso.accounts.tests.helpers import sign_in, totp_code
from capuyso.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"


def test_leader_with_a_device_must_verify_before_any_page(client, cast):
    assert sign_in(client, "bithu").status_code == 302
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_verify"))
    assert client.get(PROFILE).status_code == 302
    assert client.get(reverse("accounts:users")).status_code == 302


def test_leader_without_a_device_is_sent_to_setup(client, cast):
    TOTPDevice.objects.filter(user=cast.secretary).delete()
    sign_in(client, "bithu")
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_setup"))


def test_admin_must_verify_too(client, cast):
    sign_in(client, "quantri")
    response = client.get(reverse("accounts:users"))
    assert response["Location"].startswith(reverse("accounts:otp_verify"))


def test_valid_code_verifies_the_session_and_follows_next(client, cast):
    sign_in(client, "bithu")
    device = TOTPDevice.objects.get(user=cast.secretary)
    page = client.get(reverse("accounts:otp_verify") + "?next=" + PROFILE)
    assert page.status_code == 200
    assert '<label for="id_token"' in page.content.decode()
    response = client.post(
        reverse("accounts:otp_verify"), {"token": totp_code(device), "next": PROFILE}
    )
    assert response.status_code == 302
    assert response["Location"] == PROFILE
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(PROFILE).status_code == 200


def test_wrong_code_is_refused_and_recorded(client, cast):
    sign_in(client, "bithu")
    response = client.post(reverse("accounts:otp_verify"), {"token": "000000"})
    assert response.status_code == 400
    assert "not correct" in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(
        verb=AuditEvent.Verb.LOGIN_FAILED, object_id=str(cast.secretary.code)
    ).exists()


def test_repeated_wrong_codes_are_throttled(client, cast):
    sign_in(client, "bithu")
    device = TOTPDevice.objects.get(user=cast.secretary)
    client.post(reverse("accounts:otp_verify"), {"token": "000000"})
    # Right after a failure even the right code must wait (django-otp throttling).
    response = client.post(reverse("accounts:otp_verify"), {"token": totp_code(device)})
    assert response.status_code == 400
    assert "Wait one minute" in response.content.decode()


def test_code_must_be_six_digits(client, cast):
    sign_in(client, "bithu")
    response = client.post(reverse("accounts:otp_verify"), {"token": "12ab"})
    assert response.status_code == 400
    assert "6 digits" in response.content.decode()


def _secret_from(page) -> bytes:
    secret = re.search(r'class="secret">([A-Z2-7=]+)<', page.content.decode()).group(1)
    return b32decode(secret)


def test_setup_shows_an_inline_qr_and_the_secret_then_confirms(client, cast):
    TOTPDevice.objects.filter(user=cast.secretary).delete()
    sign_in(client, "bithu")
    page = client.get(reverse("accounts:otp_setup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "http" not in html.split("<svg", 1)[1].split("</svg>")[0]
    device = TOTPDevice.objects.get(user=cast.secretary, confirmed=False)
    assert _secret_from(page) == device.bin_key
    # Reloading keeps the same secret (the phone may already have scanned it).
    assert _secret_from(client.get(reverse("accounts:otp_setup"))) == device.bin_key

    response = client.post(
        reverse("accounts:otp_setup"), {"token": totp_code(device), "next": PROFILE}
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(PROFILE).status_code == 200
    assert AuditEvent.objects.filter(
        verb=AuditEvent.Verb.SECURITY,
        object_id=str(cast.secretary.code),
        changes__two_factor__1="enabled",
    ).exists()


def test_setup_refuses_a_wrong_code(client, cast):
    TOTPDevice.objects.filter(user=cast.secretary).delete()
    sign_in(client, "bithu")
    client.get(reverse("accounts:otp_setup"))
    response = client.post(reverse("accounts:otp_setup"), {"token": "123456"})
    assert response.status_code == 400
    assert not TOTPDevice.objects.filter(user=cast.secretary, confirmed=True).exists()


def test_setup_cannot_bypass_an_existing_device(client, cast):
    """With a password alone, nobody can register a new phone on a protected account."""
    sign_in(client, "bithu")
    response = client.get(reverse("accounts:otp_setup"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_verify"))
    assert not TOTPDevice.objects.filter(user=cast.secretary, confirmed=False).exists()


def test_verified_user_moves_to_a_new_phone(client_for, cast):
    client = client_for(cast.secretary)
    old = TOTPDevice.objects.get(user=cast.secretary)
    client.get(reverse("accounts:otp_setup"))
    new = TOTPDevice.objects.get(user=cast.secretary, confirmed=False)
    response = client.post(reverse("accounts:otp_setup"), {"token": totp_code(new)})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=cast.secretary)) == [new]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert client.get(PROFILE).status_code == 200


def test_member_uses_the_app_without_two_factor(client, cast):
    sign_in(client, "dangvien")
    assert client.get(PROFILE).status_code == 200
    assert client.get(reverse("accounts:password_change")).status_code == 200


def test_verify_without_a_device_goes_to_setup(client_for, cast):
    client = client_for(cast.member)
    response = client.get(reverse("accounts:otp_verify"))
    assert response["Location"].startswith(reverse("accounts:otp_setup"))


def test_member_enables_then_disables_two_factor(client_for, cast):
    client = client_for(cast.member)
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=cast.member)
    client.post(reverse("accounts:otp_setup"), {"token": totp_code(device)})
    assert TOTPDevice.objects.filter(user=cast.member, confirmed=True).exists()
    assert "Turn off" in client.get(PROFILE).content.decode()

    assert client.get(reverse("accounts:otp_disable")).status_code == 405
    response = client.post(reverse("accounts:otp_disable"))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.member).exists()
    # Still signed in, and no longer asked for a code.
    assert client.get(PROFILE).status_code == 200


@pytest.mark.parametrize("name", ["secretary", "deputy", "standing", "admin"])
def test_leaders_and_admins_cannot_disable_two_factor(client_for, cast, name):
    user = getattr(cast, name)
    client = client_for(user)
    assert "cannot be turned off" in client.get(PROFILE).content.decode()
    client.post(reverse("accounts:otp_disable"))
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_admin_resets_two_factor_and_the_leader_must_set_it_up_again(client_for, cast):
    from django.test import Client

    from capuyso.core.testing import login

    old_session = Client()
    login(old_session, cast.secretary)
    assert old_session.get(PROFILE).status_code == 200
    admin = client_for(cast.admin)
    url = reverse("accounts:user_otp_reset", args=[cast.secretary.code])
    assert admin.get(url).status_code == 405
    assert admin.post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.secretary).exists()
    event = AuditEvent.objects.filter(verb=AuditEvent.Verb.SECURITY).latest("seq")
    assert event.actor_id == cast.admin.pk

    # The leader's existing session ended with the reset.
    assert old_session.get(PROFILE)["Location"].startswith(reverse("accounts:login"))
    cast.secretary.refresh_from_db()
    leader = client_for(cast.secretary)  # signing in again: a new phone must be set up
    response = leader.get(PROFILE)
    assert response["Location"].startswith(reverse("accounts:otp_setup"))


def test_superuser_without_committee_must_use_two_factor(client):
    User.objects.create_superuser(username="root", password="Very-long-pass-42", full_name="Root")
    sign_in(client, "root", password="Very-long-pass-42")
    response = client.get(PROFILE)
    assert response["Location"].startswith(reverse("accounts:otp_setup"))
