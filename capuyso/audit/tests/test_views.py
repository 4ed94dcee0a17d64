from django.utils.translation import gettext

from capuyso.audit.models import AuditEvent
from capuyso.jobs.models import Job


def test_leader_reads_the_trail_filtered_by_person(cast, client_for):
    client_for(cast.admin).post(
        "/org/units/new/", {"kind": "cell", "name": "Chi bộ X", "cell_kind": "other"}
    )
    client = client_for(cast.secretary)
    response = client.get("/audit/", {"actor": str(cast.admin.code)})
    assert response.status_code == 200
    events = list(response.context["page"])
    assert events
    assert all(e.actor_id == cast.admin.pk for e in events)


def test_filter_by_object_and_date(cast, client_for):
    client = client_for(cast.secretary)
    response = client.get("/audit/", {"object_id": str(cast.cell.code)})
    assert {e.object_id for e in response.context["page"]} == {str(cast.cell.code)}
    response = client.get("/audit/", {"date_from": "2001-01-01", "date_to": "2001-01-02"})
    assert list(response.context["page"]) == []
    response = client.get("/audit/", {"date_from": "2030-01-02", "date_to": "2030-01-01"})
    assert response.context["form"].non_field_errors()


def test_trail_shows_only_own_committee(cast, client_for):
    response = client_for(cast.secretary).get("/audit/")
    assert {e.committee_id for e in response.context["page"]} == {cast.committee.pk}


def test_clerk_and_cell_roles_cannot_read_the_trail(cast, client_for):
    for who in ("clerk", "cell_secretary", "member"):
        assert client_for(getattr(cast, who)).get("/audit/").status_code == 403
        assert client_for(getattr(cast, who)).post("/audit/verify/").status_code == 403


def test_verify_runs_as_a_job(cast, client_for, django_capture_on_commit_callbacks):
    client = client_for(cast.secretary)
    assert client.get("/audit/verify/").status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/audit/verify/")
    job = Job.objects.get(kind="audit.verify")
    assert response["Location"] == f"/jobs/{job.code}/"
    assert job.status == Job.Status.DONE
    count = AuditEvent.objects.filter(chain=cast.committee.pk).count()
    expected = gettext("The audit trail is intact: %(count)s rows verified.") % {"count": count}
    assert job.result == expected


def test_verify_job_reports_tampering(cast, client_for, django_capture_on_commit_callbacks):
    row = AuditEvent.objects.filter(committee=cast.committee).order_by("seq")[2]
    AuditEvent.objects.filter(pk=row.pk).update(actor_label="kẻ giả mạo")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(cast.secretary).post("/audit/verify/")
    job = Job.objects.get(kind="audit.verify")
    assert job.status == Job.Status.DONE
    assert f"row id={row.pk}" in job.result
