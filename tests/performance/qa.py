"""Building blocks for the QA tests: a published default scorecard with every section kind, and an assignment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from performance.models import (
    Criterion,
    ReviewAssignment,
    SamplingCycle,
    SamplingRule,
    Scorecard,
    ScorecardStatus,
    ScorecardVersion,
    Section,
)


@dataclass
class BuiltScorecard:
    """A scorecard, its published version and its criteria by key."""

    scorecard: Scorecard
    version: ScorecardVersion
    criteria: dict[str, Criterion] = field(default_factory=dict)


# (section key, section kind, criterion key, name, scale, weight, allows N/A, critical)
CRITERIA = [
    ("communication", "normal", "greeting", "Greets the customer", "binary", 10, False, False),
    ("communication", "normal", "tone", "Tone and empathy", "5", 30, True, False),
    ("communication", "normal", "accuracy", "Accurate answer", "4", 60, False, True),
    ("compliance", "auto_fail", "data-leak", "Shared personal data", "binary", 0, False, False),
    ("extra", "bonus", "wow", "Went the extra mile", "binary", 10, False, False),
]


def build_scorecard(
    *, name: str = "Support quality", mode: str = "percentage", is_default: bool = True, **extra: Any
) -> BuiltScorecard:
    """A published scorecard: greeting (yes/no, 10), tone (5-point, 30, N/A allowed), accuracy (4-point, 60,
    critical), an auto-fail item and a bonus item."""
    scorecard = Scorecard.objects.create(
        name=name, slug=name.lower().replace(" ", "-"), scoring_mode=mode, is_default=is_default, **extra
    )
    version = ScorecardVersion.objects.create(
        scorecard=scorecard, number=1, status=ScorecardStatus.PUBLISHED, published_at=timezone.now()
    )
    built = BuiltScorecard(scorecard=scorecard, version=version)
    sections: dict[str, Section] = {}
    for position, (section_key, kind, key, title, scale, weight, allows_na, critical) in enumerate(CRITERIA):
        if section_key not in sections:
            sections[section_key] = Section.objects.create(
                version=version, key=section_key, name=section_key.title(), kind=kind, position=len(sections)
            )
        built.criteria[key] = Criterion.objects.create(
            section=sections[section_key],
            key=key,
            name=title,
            scale=scale,
            weight=weight,
            allows_na=allows_na,
            is_critical=critical,
            position=position,
            guidance=f"How to rate {title.lower()}.",
        )
    return built


def assign(conversation: Any, reviewer: Any, *, team: Any = None) -> ReviewAssignment:
    """An assignment of the conversation to the reviewer in a weekly cycle of a rule of the conversation's team."""
    team = team or conversation.agent.team
    rule, _ = SamplingRule.objects.get_or_create(team=team, name="Weekly sample")
    cycle, _ = SamplingCycle.objects.get_or_create(
        rule=rule, period_start=date(2026, 11, 16), defaults={"period_end": date(2026, 11, 22), "seed": 7}
    )
    return ReviewAssignment.objects.create(cycle=cycle, conversation=conversation, reviewer=reviewer)
