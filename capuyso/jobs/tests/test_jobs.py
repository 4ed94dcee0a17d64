import pytest
from django.tasks import task

from capuyso.jobs.models import Job
from capuyso.jobs.services import job_start, run_as_job


@task
def failing_task(*, job_code: str) -> None:
    def body(job):
        raise RuntimeError("hỏng")

    run_as_job(job_code, body)


def test_failed_job_is_marked_failed(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(actor=cast.clerk, kind="test", title="Thử", task=failing_task)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "hỏng" in job.result
    assert job.finished_at is not None


def test_users_see_only_their_jobs_admins_see_all(cast, client_for):
    mine = Job.objects.create(
        committee=cast.committee, owner=cast.clerk, kind="x", title="Việc của văn thư"
    )
    theirs = Job.objects.create(
        committee=cast.committee, owner=cast.secretary, kind="x", title="Việc của bí thư"
    )
    client = client_for(cast.clerk)
    assert [j.pk for j in client.get("/jobs/").context["page"]] == [mine.pk]
    assert client.get(f"/jobs/{theirs.code}/").status_code == 404
    client = client_for(cast.admin)
    assert {j.pk for j in client.get("/jobs/").context["page"]} == {mine.pk, theirs.pk}


@pytest.mark.parametrize("who", ["outsider", "city_viewer"])
def test_other_committees_never_see_jobs(cast, client_for, who):
    job = Job.objects.create(committee=cast.committee, owner=cast.clerk, kind="x", title="Việc")
    assert client_for(getattr(cast, who)).get(f"/jobs/{job.code}/").status_code == 404
