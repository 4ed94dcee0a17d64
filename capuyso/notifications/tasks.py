from django.tasks import task


@task
def send_notification_emails(codes: list[str]) -> int:
    from capuyso.notifications.services import notification_emails_send

    return notification_emails_send(codes)
