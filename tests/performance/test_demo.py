"""The QA and people demo: a scorecard, QA settings, past reviews scored exactly, last week drawn by the sampler,
and it loads once."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from performance import scoring, services
from performance.models import QASettings, Review, ReviewAssignment, SamplingRule, Scorecard
from supportops.choices import AuthorRole
from supportops.models import ConversationMessage
from tests.factories import ConversationFactory


def test_the_qa_demo_seeds_a_scorecard_reviews_and_a_queue_and_loads_once(org):
    # given a month of conversations with transcripts for team A's agents (every other day)
    now = timezone.now()
    for index in range(14):
        agent = (org.agent_a1, org.agent_a2)[index % 2]
        conversation = ConversationFactory(
            agent=agent, external_id=f"demo{index}", created_at=now - timedelta(days=5 + 2 * index)
        )
        ConversationMessage.objects.create(
            conversation=conversation, position=0, author_role=AuthorRole.CUSTOMER, body="Hello",
            sent_at=conversation.created_at,
        )  # fmt: skip
    out = StringIO()

    call_command("seed_qa", "--weeks", "2", stdout=out)

    scorecard = Scorecard.objects.get()
    assert (scorecard.name, scorecard.is_default) == ("Customer conversations", True)
    assert set(QASettings.objects.values_list("team__slug", flat=True)) == {"alpha"}  # the team with a QA reviewer
    assert SamplingRule.objects.get().require_transcript is True
    assert Review.objects.count() > 0
    spec = services.scorecard_spec(services.version_with_criteria(scorecard.versions.get().pk))
    for review in Review.objects.prefetch_related("ratings__criterion"):
        values = {rating.criterion.key: rating.value for rating in review.ratings.all()}
        assert review.score == services.score_to_decimal(scoring.score_review(spec, values).score)
    waiting = ReviewAssignment.objects.filter(status="assigned")
    assert waiting.count() > 0
    assert all(assignment.reviewer == org.qa for assignment in waiting)
    assert "QA seeded: 1 scorecard, 1 teams with QA settings and a sampling rule" in out.getvalue()

    skipped = StringIO()
    call_command("seed_qa", "--if-empty", stdout=skipped)
    assert skipped.getvalue().strip() == "QA data already exists; leaving it as it is (--if-empty)."
    with pytest.raises(CommandError, match="Scorecards already exist"):
        call_command("seed_qa", stdout=StringIO())


def test_the_qa_demo_samples_each_teams_own_last_week_when_utc_is_a_day_ahead(org):
    # given: Monday 00:30 UTC, when it is still Sunday evening in São Paulo and Monday morning in Singapore
    from datetime import UTC, date, datetime

    from performance.demo import seed_qa
    from performance.models import SamplingCycle
    from tests.factories import MarketFactory, TeamFactory

    TeamFactory(
        name="BR Chat", slug="br-chat", market=MarketFactory(code="br", timezone="America/Sao_Paulo"),
        timezone="America/Sao_Paulo", qa_reviewers=[org.qa],
    )  # fmt: skip
    now = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
    # when
    seed_qa(weeks=1, now=now)
    # then: São Paulo samples the week that ended a week ago Sunday; Singapore the week that just ended
    opened = {
        cycle.rule.team.slug: (cycle.period_start, cycle.period_end)
        for cycle in SamplingCycle.objects.select_related("rule__team").order_by("period_start")
    }
    assert opened["br-chat"] == (date(2026, 11, 9), date(2026, 11, 15))
    assert opened["alpha"] == (date(2026, 11, 16), date(2026, 11, 22))
