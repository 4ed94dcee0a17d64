from django.core.management.base import BaseCommand, CommandError

from capuyso.audit.models import AuditEvent
from capuyso.audit.services import audit_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chains. Exits non-zero naming the first bad row."

    def handle(self, *args, **options):
        problems = audit_verify()
        if problems:
            for problem in problems:
                self.stderr.write(f"BROKEN {problem}")
            raise CommandError(f"Audit trail is NOT intact: first bad row: {problems[0]}")
        count = AuditEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {count} rows verified."))
