"""The mailer used when no SMTP server is configured: nothing leaves the machine.

Cấp ủy số never depends on outgoing e-mail (notifications are in-app first), so a
deployment without SMTP is a supported production setup, not a development shortcut.
"""

import logging

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)


class DisabledEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            logger.info(
                "E-mail not configured; dropped message %r to %s", message.subject, message.to
            )
        return 0
