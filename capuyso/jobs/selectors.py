from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.jobs.models import Job


def jobs_for_user(user) -> QuerySet[Job]:
    """The user's own jobs; every job of the committee with JOBS_VIEW_ALL."""
    access = access_for(user)
    jobs = Job.objects.select_related("owner")
    if access.committee_id is not None and access.committee_wide(Action.JOBS_VIEW_ALL):
        return jobs.filter(committee_id=access.committee_id)
    return jobs.filter(owner_id=user.pk, committee_id=access.committee_id)


def get_job_for_user(user, code) -> Job:
    try:
        return jobs_for_user(user).get(code=code)
    except (Job.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
