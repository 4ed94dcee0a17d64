from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from capuyso.jobs.selectors import get_job_for_user, jobs_for_user


@login_required
def job_list(request):
    page = Paginator(jobs_for_user(request.user), 30).get_page(request.GET.get("page"))
    template = "jobs/list.html#job-table" if request.htmx else "jobs/list.html"
    return render(request, template, {"page": page})


@login_required
def job_detail(request, code):
    job = get_job_for_user(request.user, code)
    return render(request, "jobs/detail.html", {"job": job})
