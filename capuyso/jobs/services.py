"""Start background jobs and track their status for the people who started them."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.jobs.models import Job


@transaction.atomic
def job_start(*, actor, kind: str, title: str, task, **task_kwargs) -> Job:
    """Record a job and enqueue `task(job_code=..., **task_kwargs)` once the transaction commits."""
    job = Job.objects.create(
        committee_id=getattr(actor, "committee_id", None), owner=actor, kind=kind, title=title
    )

    def enqueue() -> None:
        result = task.enqueue(job_code=str(job.code), **task_kwargs)
        # The immediate backend has already run the task by now; keep what it wrote.
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])

    transaction.on_commit(enqueue)
    return job


@contextmanager
def job_running(job_code: str):
    """Mark the job running; done with the text the body leaves in `job.result`, or failed."""
    job = Job.objects.get(code=job_code)
    job.status = Job.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at", "updated_at"])
    try:
        yield job
    except Exception as exc:
        job.status = Job.Status.FAILED
        job.result = _("The job failed: %(error)s") % {"error": exc}
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "result", "finished_at", "updated_at"])
        raise
    job.status = Job.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "result", "finished_at", "updated_at"])


def run_as_job(job_code: str, body: Callable[[Job], str]) -> None:
    with job_running(job_code) as job:
        job.result = body(job)
