import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from capuyso.documents.models import Assignment
from capuyso.documents.services import incoming as svc
from capuyso.documents.services.reminders import deadline_reminders_send
from capuyso.documents.tests.factories import register
from capuyso.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _directed(cast, due_in):
    today = timezone.localdate()
    document = register(cast, reference=f"{due_in}-CV/TU")
    svc.incoming_submit(actor=cast.clerk, document=document, leader=cast.secretary)
    svc.incoming_direct(
        actor=cast.secretary,
        document=document,
        direction="Thực hiện",
        assignments=[
            svc.AssignmentSpec(role="lead", unit=cast.cell, due_date=today + dt.timedelta(9))
        ],
    )
    Assignment.objects.filter(document=document).update(due_date=today + dt.timedelta(days=due_in))
    return document


def test_due_soon_and_overdue_are_notified_once(cast):
    _directed(cast, 2)
    _directed(cast, -1)
    _directed(cast, 30)
    counts = deadline_reminders_send()
    assert counts == {"due_soon": 2, "overdue": 3}  # 2 cell secretaries; + the leader
    assert Notification.objects.filter(user=cast.secretary, kind="overdue").count() == 1
    assert deadline_reminders_send() == {"due_soon": 0, "overdue": 0}


def test_a_closed_document_is_not_reminded(cast):
    document = _directed(cast, -1)
    svc.incoming_complete(actor=cast.secretary, document=document, result="Xong")
    assert deadline_reminders_send() == {"due_soon": 0, "overdue": 0}


def test_email_copy_goes_out_when_smtp_is_configured(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_ENABLED = True
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    cast.cell_secretary.email = "minh@example.vn"
    cast.cell_secretary.save()
    _directed(cast, 1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        deadline_reminders_send()
    sent = [m for m in mail.outbox if m.to == ["minh@example.vn"]]
    assert len(sent) == 1
    assert Notification.objects.get(user=cast.cell_secretary, kind="due_soon").emailed_at


def test_command_prints_counts(cast, capsys):
    _directed(cast, -3)
    call_command("send_deadline_reminders")
    assert '"overdue": 3' in capsys.readouterr().out
