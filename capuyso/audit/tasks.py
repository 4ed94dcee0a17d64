from django.db.models import Count
from django.tasks import task
from django.utils.translation import gettext as _

from capuyso.audit.models import AuditEvent
from capuyso.audit.services import audit_verify
from capuyso.jobs.services import run_as_job


@task
def verify_chain(*, job_code: str, chain: int) -> None:
    def body(job) -> str:
        problems = audit_verify([chain])
        count = AuditEvent.objects.filter(chain=chain).aggregate(n=Count("id"))["n"]
        if problems:
            return _("The audit trail is NOT intact. First bad row: %(problem)s") % {
                "problem": problems[0]
            }
        return _("The audit trail is intact: %(count)s rows verified.") % {"count": count}

    run_as_job(job_code, body)
