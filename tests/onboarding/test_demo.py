"""The onboarding demo: a published new-hire curriculum with every module kind, and the learners enrolled."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from onboarding.models import Curriculum, Enrollment, ModuleKind, ModuleProgress, VersionStatus
from supportops.choices import AgentStatus
from supportops.models import Agent
from tests.factories import AgentFactory


def test_the_demo_curriculum_has_every_module_kind_and_enrols_onboarding_and_nesting_agents(org):
    Agent.objects.filter(pk=org.agent_a2.pk).update(status=AgentStatus.ONBOARDING)
    Agent.objects.filter(pk=org.agent_b1.pk).update(status=AgentStatus.NESTING)
    Agent.objects.filter(pk=org.agent_a1.pk).update(start_date=date(2020, 1, 6))  # the buddy: the longest serving
    graduate = AgentFactory(team=org.team_a, user__username="graduate", start_date=date(2026, 6, 1))  # a Monday
    out = StringIO()

    call_command("seed_onboarding", stdout=out)

    curriculum = Curriculum.objects.get()
    version = curriculum.versions.get()
    assert version.status == VersionStatus.PUBLISHED
    assert sorted(set(version.modules.values_list("kind", flat=True))) == sorted(ModuleKind.values)
    assert version.modules.get(key="policy-quiz").questions.count() == 4
    enrolled = dict(Enrollment.objects.filter(status="active").values_list("agent__user__username", "cohort__name"))
    assert enrolled == {"agent_a2": "Alpha hire class", "agent_b1": "Bravo hire class"}
    # the team's other active agent graduated from an earlier class in 18 business days: 1 June 2026 is Vesak Day
    # (observed) in Singapore, so counting starts on 2 June and ends on 26 June
    earlier = Enrollment.objects.get(agent=graduate)
    assert (earlier.status, earlier.cohort.name, earlier.start_date) == (
        "completed",
        "Alpha earlier class",
        date(2026, 6, 1),
    )
    assert earlier.completed_at.astimezone(graduate.zone).date() == date(2026, 6, 26)
    assert not ModuleProgress.objects.filter(enrollment=earlier).exclude(state="completed").exists()
    done = ModuleProgress.objects.filter(state="completed")
    assert done.filter(enrollment__agent=org.agent_a2).count() == 2
    assert done.filter(enrollment__agent=org.agent_b1).count() == 7
    assert "Onboarding seeded: 1 curriculum, 2 enrollments, 9 modules already done, 1 earlier graduates." in (
        out.getvalue()
    )


def test_the_demo_is_loaded_once(org):
    call_command("seed_onboarding", stdout=StringIO())
    skipped = StringIO()

    call_command("seed_onboarding", "--if-empty", stdout=skipped)
    with pytest.raises(CommandError, match="Curricula already exist"):
        call_command("seed_onboarding", stdout=StringIO())

    assert skipped.getvalue().strip() == "Onboarding data already exists; leaving it as it is (--if-empty)."
    assert Curriculum.objects.count() == 1
