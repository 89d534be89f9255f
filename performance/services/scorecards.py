"""Scorecards: which version applies to a conversation, its spec for the scoring module, drafting the next version
and publishing it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from supportops import access
from supportops.models import Conversation

from .. import scoring
from ..models import Criterion, Scorecard, ScorecardStatus, ScorecardVersion, Section

__all__ = [
    "scorecard_draft_next",
    "scorecard_for_conversation",
    "scorecard_spec",
    "scorecard_version_publish",
    "version_with_criteria",
    "versions_with_criteria",
]


def versions_with_criteria() -> QuerySet[ScorecardVersion]:
    """Versions with their scorecard, sections and criteria prefetched in order (three queries for any number)."""
    return ScorecardVersion.objects.select_related("scorecard").prefetch_related(
        Prefetch(
            "sections",
            queryset=Section.objects.order_by("position", "pk").prefetch_related(
                Prefetch("criteria", queryset=Criterion.objects.order_by("position", "pk"))
            ),
        )
    )


def version_with_criteria(pk: int) -> ScorecardVersion:
    """A version with its sections and criteria prefetched in order (three queries)."""
    return versions_with_criteria().get(pk=pk)


def scorecard_spec(version: ScorecardVersion) -> scoring.ScorecardSpec:
    """The version as the pure scoring module sees it (uses prefetched sections and criteria when present)."""
    sections = []
    for section in version.sections.all():
        criteria = tuple(
            scoring.CriterionSpec(
                key=criterion.key,
                scale=scoring.Scale(criterion.scale_min, criterion.scale_max, tuple(criterion.scale_labels)),
                weight=criterion.weight,
                points=criterion.points,
                allows_na=criterion.allows_na,
                is_critical=criterion.is_critical,
                name=criterion.name,
            )
            for criterion in section.criteria.all()
        )
        sections.append(scoring.SectionSpec(key=section.key, criteria=criteria, kind=scoring.SectionKind(section.kind)))
    try:
        return scoring.ScorecardSpec(sections=tuple(sections), mode=scoring.ScoringMode(version.scorecard.scoring_mode))
    except scoring.ScoringError as error:
        raise ValidationError({"scorecard": str(error)}) from error


def scorecard_for_conversation(conversation: Conversation) -> ScorecardVersion:
    """The published version of the scorecard that applies: one naming the conversation's queue, else one for its
    channel, else the default. A clear error when none applies."""
    published = ScorecardVersion.objects.filter(status=ScorecardStatus.PUBLISHED, scorecard__is_active=True)
    if conversation.queue_id is not None:
        found = published.filter(scorecard__queues=conversation.queue_id).order_by("scorecard__name").first()
        if found is not None:
            return found
        channel = conversation.queue.channel if conversation.queue else ""
        if channel:
            found = published.filter(scorecard__channel=channel).order_by("scorecard__name").first()
            if found is not None:
                return found
    found = published.filter(scorecard__is_default=True).first()
    if found is None:
        raise ValidationError(
            {"conversation": f"No published scorecard applies to {conversation}: publish a default scorecard first."}
        )
    return found


def _require_admin(user: Any, action: str) -> None:
    if user is not None and not access.is_admin(user):
        raise PermissionDenied(f"Only admins {action}.")


@transaction.atomic
def scorecard_draft_next(*, scorecard: Scorecard, user: Any) -> ScorecardVersion:
    """Copy the published (else newest) version into a new draft: sections and criteria, keys kept. Reviews keep
    the version they used, so editing the draft never changes old reviews."""
    _require_admin(user, "edit scorecards")
    if scorecard.versions.filter(status=ScorecardStatus.DRAFT).exists():
        raise ValidationError({"scorecard": f"{scorecard} already has a draft: edit that one."})
    source = (
        scorecard.versions.filter(status=ScorecardStatus.PUBLISHED).first()
        or scorecard.versions.order_by("-number").first()
    )
    number = (scorecard.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    draft = ScorecardVersion.objects.create(scorecard=scorecard, number=number, status=ScorecardStatus.DRAFT)
    if source is not None:
        source = version_with_criteria(source.pk)
        for section in source.sections.all():
            copy = Section.objects.create(
                version=draft, key=section.key, name=section.name, kind=section.kind, position=section.position
            )
            Criterion.objects.bulk_create(
                Criterion(
                    section=copy,
                    key=criterion.key,
                    name=criterion.name,
                    guidance=criterion.guidance,
                    scale=criterion.scale,
                    labels=criterion.labels,
                    weight=criterion.weight,
                    points=criterion.points,
                    allows_na=criterion.allows_na,
                    is_critical=criterion.is_critical,
                    position=criterion.position,
                )
                for criterion in section.criteria.all()
            )
    return draft


@transaction.atomic
def scorecard_version_publish(*, version: ScorecardVersion, user: Any, notes: str = "") -> ScorecardVersion:
    """Publish a draft: it must have criteria, unique keys, valid scales and at least one counting criterion. The
    published version before it is retired."""
    _require_admin(user, "publish scorecards")
    version = ScorecardVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != ScorecardStatus.DRAFT:
        raise ValidationError({"version": f"{version} is not a draft."})
    version = version_with_criteria(version.pk)
    criteria = [criterion for section in version.sections.all() for criterion in section.criteria.all()]
    if not criteria:
        raise ValidationError({"version": "Add at least one criterion before publishing."})
    for criterion in criteria:
        try:
            criterion.full_clean(exclude=["section"])
        except ValidationError as error:
            raise ValidationError({"version": f"{criterion.name}: {' '.join(error.messages)}"}) from error
    spec = scorecard_spec(version)  # unique keys, scales, kinds
    scored = [
        criterion
        for section in spec.sections
        if section.kind == scoring.SectionKind.NORMAL
        for criterion in section.criteria
        if spec.counting_weight(criterion) > 0
    ]
    if not scored:
        raise ValidationError({"version": "At least one scored criterion needs a weight above 0."})
    ScorecardVersion.objects.filter(scorecard=version.scorecard, status=ScorecardStatus.PUBLISHED).update(
        status=ScorecardStatus.RETIRED
    )
    version.status = ScorecardStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = user
    version.notes = notes.strip()[:300] or version.notes
    version.save(update_fields=["status", "published_at", "published_by", "notes"])
    return version
