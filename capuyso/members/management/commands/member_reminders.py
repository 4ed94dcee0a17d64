import json

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from capuyso.members.services.lifecycle import member_reminders_send


class Command(BaseCommand):
    help = _(
        "Remind cell secretaries of probations ending, recognitions due or overdue and "
        "transfers past their deadline, and end exemptions whose end date has passed (run "
        "daily, e.g. from cron; running it again the same day sends nothing twice)."
    )

    def handle(self, *args, **options):
        counts = member_reminders_send()
        self.stdout.write(json.dumps(counts))
