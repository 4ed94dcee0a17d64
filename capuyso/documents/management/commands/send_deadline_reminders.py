import json

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from capuyso.documents.services.reminders import deadline_reminders_send


class Command(BaseCommand):
    help = _(
        "Notify handlers of due-soon and overdue documents (run daily, e.g. from cron; "
        "running it again sends nothing twice)."
    )

    def handle(self, *args, **options):
        counts = deadline_reminders_send()
        self.stdout.write(json.dumps(counts))
