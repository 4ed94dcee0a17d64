"""The search results page: /search/?q=…&kind=…&year=…&unit=…&type=…&page=…"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from capuyso.search import selectors, services


@login_required
@require_GET
def search_page(request):
    params = request.GET
    query = params.get("q", "").strip()[: services.MAX_QUERY_LENGTH]
    kind = params.get("kind", "")
    year = params.get("year", "").strip()
    unit = params.get("unit", "")
    doc_type = params.get("type", "")
    page = services.search(
        user=request.user,
        query=query,
        kinds=[kind] if kind else None,
        year=year,
        unit=unit,
        doc_type=doc_type,
        page=params.get("page", 1),
    )
    kept = params.copy()
    kept.pop("page", None)
    context = {
        "page": page,
        "q": query,
        "kind": kind,
        "year": year,
        "unit": unit,
        "doc_type": doc_type,
        "query_string": kept.urlencode(),
        "searched": bool(query),
        **selectors.filter_options(request.user, kinds=[k for k, _label in page.kinds]),
    }
    template = "search/results.html#search-results" if request.htmx else "search/results.html"
    return render(request, template, context)
