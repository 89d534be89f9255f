"""Pages of the core app, and the health endpoint.

Every page but sign-in needs a login, reads through the role-scoped selectors and answers 404 for
an object outside the viewer's scope. List pages answer an htmx request (``HX-Request``) with the
results fragment only, so filters update the table without a full reload.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from . import access, selectors
from .choices import JobStatus, Role
from .forms import AgentFilterForm, ConversationFilterForm
from .health import system_health
from .models import Job, Team

PAGE_SIZE = 50


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """JSON health of database and broker: 200 when all are healthy, 503 otherwise. Needs no login."""
    is_healthy, body = system_health()
    return JsonResponse(body, status=200 if is_healthy else 503)


def _is_htmx_fragment_request(request: HttpRequest) -> bool:
    """True for an htmx swap; htmx's history restore asks for the whole page."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def _has_filters(request: HttpRequest) -> bool:
    return any(value for name, value in request.GET.items() if name != "page")


def _page(request: HttpRequest, queryset: QuerySet[Any]) -> Page:
    """The requested page (50 rows); a missing or malformed ``page`` gives the first, too high the last."""
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in person's home: one section per role they hold."""
    viewer_zone = selectors.display_zone_for(request.user)
    dashboard = selectors.home_dashboard(user=request.user, now=timezone.now())
    return render(request, "supportops/home.html", {"dashboard": dashboard, "viewer_zone": viewer_zone})


@require_GET
@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    """Teams the viewer may see, as cards."""
    teams = selectors.team_list(user=request.user)
    heading = "My team" if access.primary_role(request.user) == Role.AGENT else "Teams"
    return render(request, "supportops/teams/list.html", {"teams": teams, "heading": heading})


@require_GET
@login_required
def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One team: its people, managers and QA reviewers."""
    team = get_object_or_404(selectors.team_detail(user=request.user), slug=slug)
    agents = selectors.agent_list(user=request.user).filter(team=team)
    return render(request, "supportops/teams/detail.html", {"team": team, "agents": agents})


@require_GET
@login_required
@vary_on_headers("HX-Request")
def agent_list(request: HttpRequest) -> HttpResponse:
    """The agent directory with search, filters and pagination."""
    form = AgentFilterForm(request.GET, teams=Team.objects.visible_to(request.user).order_by("name"))
    page = _page(request, selectors.agent_directory(user=request.user, **form.search()))
    context = {
        "form": form,
        "page": page,
        "ignored_filters": form.ignored_filters(),
        "has_filters": _has_filters(request),
    }
    if _is_htmx_fragment_request(request):
        return render(request, "supportops/agents/_results.html", context)
    return render(request, "supportops/agents/list.html", context)


@require_GET
@login_required
def agent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One agent: profile, skills, status history and, where the viewer may see them, conversations."""
    agent = get_object_or_404(selectors.agent_detail(user=request.user), pk=pk)
    may_see_conversations = selectors.may_see_conversations_of(user=request.user, agent=agent)
    conversations = (
        list(selectors.conversation_list(user=request.user).filter(agent=agent)[:10]) if may_see_conversations else []
    )
    context = {
        "agent": agent,
        "may_see_conversations": may_see_conversations,
        "conversations": conversations,
        "viewer_zone": selectors.display_zone_for(request.user),
    }
    return render(request, "supportops/agents/detail.html", context)


@require_GET
@login_required
@vary_on_headers("HX-Request")
def conversation_list(request: HttpRequest) -> HttpResponse:
    """Conversations the viewer may see, with search, filters and pagination."""
    viewer_zone = selectors.display_zone_for(request.user)
    calendar_zone = selectors.calendar_zone_for(request.user, personal_zone=viewer_zone)
    form = ConversationFilterForm(request.GET, zone=calendar_zone)
    page = _page(request, selectors.conversation_search(user=request.user, **form.search()))
    context = {
        "form": form,
        "page": page,
        "ignored_filters": form.ignored_filters(),
        "has_filters": _has_filters(request),
        "viewer_zone": viewer_zone,
        "calendar_zone": calendar_zone,
    }
    if _is_htmx_fragment_request(request):
        return render(request, "supportops/conversations/_results.html", context)
    return render(request, "supportops/conversations/list.html", context)


@require_GET
@login_required
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One conversation: the transcript as a thread, its timings and CSAT."""
    conversation = get_object_or_404(selectors.conversation_detail(user=request.user), pk=pk)
    context = {"conversation": conversation, "viewer_zone": selectors.display_zone_for(request.user)}
    return render(request, "supportops/conversations/detail.html", context)


def _local_next_url(request: HttpRequest) -> str:
    """The ``next`` parameter when it is a path on this site (never another host), else an empty string."""
    candidate = request.GET.get("next", "")
    is_local = candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if is_local else ""


@require_GET
@login_required
@never_cache
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar of a background job the viewer may see (404 otherwise), polled by htmx while it runs.

    ``next`` is the page that shows the job's result: once the job succeeded, an htmx poll is answered
    with ``HX-Redirect`` to it (a plain request gets a link); a failed job shows its error.
    """
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    next_url = _local_next_url(request)
    response = render(request, "supportops/includes/job_progress.html", {"job": job, "next_url": next_url})
    if job.status == JobStatus.SUCCEEDED and next_url and _is_htmx_fragment_request(request):
        response["HX-Redirect"] = next_url
    return response
