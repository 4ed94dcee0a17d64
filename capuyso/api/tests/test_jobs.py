import pytest

from capuyso.jobs.models import Job

pytestmark = pytest.mark.django_db


def codes(response):
    return {item["code"] for item in response.json()["items"]}


@pytest.fixture
def jobs(cast):
    def job(owner, title):
        return Job.objects.create(committee=owner.committee, owner=owner, kind="test", title=title)

    return {
        "clerk": job(cast.clerk, "Xuất danh sách"),
        "member": job(cast.member, "Tải hồ sơ"),
        "outsider": job(cast.outsider, "Báo cáo Đông Xuân"),
    }


def test_a_user_sees_only_their_own_jobs(api_get, cast, jobs):
    assert codes(api_get(cast.clerk, "/jobs")) == {str(jobs["clerk"].code)}
    assert codes(api_get(cast.member, "/jobs")) == {str(jobs["member"].code)}


def test_admin_with_view_all_sees_the_committee_jobs_only(api_get, cast, jobs):
    assert codes(api_get(cast.admin, "/jobs")) == {
        str(jobs["clerk"].code),
        str(jobs["member"].code),
    }
    assert codes(api_get(cast.outsider, "/jobs")) == {str(jobs["outsider"].code)}


def test_jobs_filter_by_status(api_get, cast, jobs):
    Job.objects.filter(pk=jobs["clerk"].pk).update(status=Job.Status.DONE)

    assert codes(api_get(cast.admin, "/jobs", status="done")) == {str(jobs["clerk"].code)}
    assert api_get(cast.admin, "/jobs", status="queued").json()["count"] == 1
