"""Dispute pages: raising a dispute from a review, the list of disputes (assigned to you, raised by you, your teams'),
and one dispute's page where it is escalated or resolved.

Who sees what follows ``Dispute.objects.visible_to``; a refused write shows the service's messages on the page with
what was typed kept (400) and stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .models import Criterion, Dispute, DisputeItem, DisputeOutcomeCode, DisputeStatus
from .views import _render_review, _visible_review_or_404


@login_required
@require_POST
def review_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    """Raise a dispute of the review: a reason and the criteria disputed, each with an optional proposed rating."""
    review = _visible_review_or_404(request, pk)
    criteria = selectors.criteria_of(review)
    items: list[services.DisputeItemInput] = []
    posted: dict[str, str] = {"reason": request.POST.get("reason", "")}
    for criterion in criteria:
        if not request.POST.get(f"dispute-{criterion.key}"):
            continue
        posted[f"dispute-{criterion.key}"] = "on"
        raw = request.POST.get(f"proposed-{criterion.key}", "").strip()
        posted[f"proposed-{criterion.key}"] = raw
        if raw == "na":
            items.append(services.DisputeItemInput(criterion.key, proposes_na=True))
        elif raw.lstrip("-").isdigit():
            items.append(services.DisputeItemInput(criterion.key, proposed_value=int(raw)))
        else:
            items.append(services.DisputeItemInput(criterion.key))
    try:
        dispute = services.dispute_raise(review=review, user=request.user, reason=posted["reason"], items=items)
    except ValidationError as error:
        return _render_review(
            request, review, status=400, dispute_error=" ".join(error.messages), dispute_posted=posted
        )
    except PermissionDenied as error:
        return _render_review(request, review, status=403, dispute_error=str(error), dispute_posted=posted)
    messages.success(request, f"Dispute sent to {dispute.assigned_to.get_full_name() or dispute.assigned_to}.")
    return redirect("qa-dispute", pk=dispute.pk)


def _disputes(user: Any) -> Any:
    return (
        Dispute.objects.visible_to(user)
        .select_related(
            "review__conversation", "review__agent__user", "review__agent__team", "assigned_to", "raised_by"
        )
        .order_by("-created_at")
    )


@login_required
@require_GET
def dispute_list(request: HttpRequest) -> HttpResponse:
    """Disputes waiting for you, disputes you raised, and the other disputes you may see (resolved ones last)."""
    rows = list(_disputes(request.user)[:200])
    waiting = [row for row in rows if row.is_open and row.assigned_to_id == request.user.pk]
    mine = [row for row in rows if row.raised_by_id == request.user.pk and row not in waiting]
    others = [row for row in rows if row not in waiting and row not in mine]
    return render(
        request, "performance/disputes.html", {"waiting": waiting, "mine": mine, "others": others, "total": len(rows)}
    )


@dataclass(frozen=True)
class ItemRow:
    """A disputed criterion with its labels: the rating before, the proposal and, once resolved, the outcome."""

    item: DisputeItem
    before: str
    proposed: str
    after: str
    choices: list[tuple[int, str]]


def _label(criterion: Criterion, value: int | None, *, na: bool = False) -> str:
    if na:
        return "N/A"
    if value is None:
        return "—"
    labels = dict(criterion.choices)
    return labels.get(value, str(value))


def _render_dispute(request: HttpRequest, dispute: Dispute, status: int = 200, **extra: Any) -> HttpResponse:
    rows = [
        ItemRow(
            item=item,
            before=_label(item.criterion, item.value_before, na=item.value_before is None),
            proposed=_label(item.criterion, item.proposed_value, na=item.proposes_na)
            if (item.proposes_na or item.proposed_value is not None)
            else "No proposal",
            after=_label(item.criterion, item.value_after) if item.outcome == "accepted" else "",
            choices=item.criterion.choices,
        )
        for item in dispute.items.all()
    ]
    context = {
        "dispute": dispute,
        "review": dispute.review,
        "rows": rows,
        "may_resolve": services.may_resolve(dispute, request.user),
        "may_escalate": dispute.status == DisputeStatus.OPEN
        and request.user.pk in (dispute.assigned_to_id, dispute.raised_by_id),
        "outcomes": DisputeOutcomeCode.choices,
        **extra,
    }
    return render(request, "performance/dispute.html", context, status=status)


def _visible_dispute_or_404(request: HttpRequest, pk: int) -> Dispute:
    items = DisputeItem.objects.select_related("criterion").order_by(
        "criterion__section__position", "criterion__position"
    )
    return get_object_or_404(
        _disputes(request.user).prefetch_related(Prefetch("items", queryset=items)),
        pk=pk,
    )


@login_required
@require_GET
def dispute_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One dispute: the review's disputed criteria, the reason, and escalate or resolve when it is yours."""
    return _render_dispute(request, _visible_dispute_or_404(request, pk))


@login_required
@require_POST
def dispute_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    """Escalate to a QA lead of the team, with a note."""
    dispute = _visible_dispute_or_404(request, pk)
    try:
        dispute = services.dispute_escalate(dispute=dispute, user=request.user, note=request.POST.get("note", ""))
    except ValidationError as error:
        return _render_dispute(request, dispute, 400, escalate_error=" ".join(error.messages))
    except PermissionDenied as error:
        return _render_dispute(request, dispute, 403, escalate_error=str(error))
    messages.success(request, f"Escalated to {dispute.assigned_to.get_full_name() or dispute.assigned_to}.")
    return redirect("qa-dispute", pk=dispute.pk)


@login_required
@require_POST
def dispute_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """Decide every disputed criterion (accept, optionally with another rating, or reject), with a reason code."""
    dispute = _visible_dispute_or_404(request, pk)
    decisions: dict[str, tuple[bool, int | None]] = {}
    for item in dispute.items.all():
        key = item.criterion.key
        choice = request.POST.get(f"decision-{key}", "")
        if choice not in ("accept", "reject"):
            continue
        raw = request.POST.get(f"value-{key}", "").strip()
        decisions[key] = (choice == "accept", int(raw) if raw.lstrip("-").isdigit() else None)
    try:
        dispute = services.dispute_resolve(
            dispute=dispute,
            user=request.user,
            outcome_code=request.POST.get("outcome_code", ""),
            note=request.POST.get("note", ""),
            decisions=decisions,
        )
    except ValidationError as error:
        return _render_dispute(request, dispute, 400, resolve_error=" ".join(error.messages), posted=request.POST)
    except PermissionDenied as error:
        return _render_dispute(request, dispute, 403, resolve_error=str(error))
    messages.success(
        request, f"Dispute {dispute.get_status_display().lower()}: the review scores {dispute.score_after}%."
    )
    return redirect("qa-dispute", pk=dispute.pk)
