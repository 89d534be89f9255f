"""The weekly snapshot pages: your snapshots, newest first, and one snapshot as it was e-mailed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from .models import WeeklySnapshot


@login_required
@require_GET
def snapshot_list(request: HttpRequest) -> HttpResponse:
    """The snapshots built for you (managers: your teams; admins: leadership), newest first."""
    snapshots = list(WeeklySnapshot.objects.filter(recipient_id=request.user.pk).order_by("-week_start")[:52])
    return render(request, "performance/snapshots.html", {"snapshots": snapshots})


@login_required
@require_GET
def snapshot_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One of your snapshots, as it was e-mailed (anyone else's is a 404)."""
    snapshot = get_object_or_404(WeeklySnapshot.objects.filter(recipient_id=request.user.pk), pk=pk)
    # The HTML was rendered by our own template with autoescaping when the snapshot was built.
    return render(request, "performance/snapshot.html", {"snapshot": snapshot, "body": mark_safe(snapshot.html)})  # noqa: S308
