"""Background jobs: the caller's own, or the whole committee's with the right to see them."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from ninja import Field, Query, Router, Schema

from capuyso.jobs.models import Job
from capuyso.jobs.selectors import jobs_for_user

from .schemas import AUTH_ERRORS, PageMeta, PageParams, paginate

router = Router(tags=["jobs"])


class JobOut(Schema):
    code: UUID
    kind: str
    title: str
    status: str
    status_label: str
    owner_code: UUID | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_owner_code(obj) -> UUID | None:
        return obj.owner.code if obj.owner_id else None


class JobPage(PageMeta):
    items: list[JobOut]


class JobFilters(Schema):
    status: Job.Status | None = Field(None, description="Only jobs in this state.")


@router.get("/jobs", response={200: JobPage, **AUTH_ERRORS})
def job_list(request, filters: Query[JobFilters], page: Query[PageParams]):
    """Newest first. Everyone sees their own jobs; JOBS_VIEW_ALL sees the committee's."""
    jobs = jobs_for_user(request.auth)
    if filters.status:
        jobs = jobs.filter(status=filters.status)
    return paginate(jobs.order_by("-created_at", "-pk"), page)
