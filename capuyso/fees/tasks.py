"""Background work of the fees app: computing a month's dues for a committee."""

import datetime as dt
import json

from django.tasks import task

from capuyso.jobs.services import run_as_job


@task
def compute_dues_task(*, job_code: str, committee_id: int, month: str) -> None:
    from capuyso.fees.services.dues import dues_compute
    from capuyso.org.models import Committee

    def body(job) -> str:
        committee = Committee.objects.get(pk=committee_id)
        run = dues_compute(committee=committee, month=dt.date.fromisoformat(month), actor=job.owner)
        return json.dumps(run.as_dict(), ensure_ascii=False)

    run_as_job(job_code, body)
