"""The QA admin: scorecards, versions and sections for admins only; drafts editable, published versions not;
draft and publish actions; reviews read-only with their history."""

from __future__ import annotations

import pytest

from performance.models import ScorecardStatus, ScorecardVersion
from tests.performance.pages import client_for
from tests.performance.qa import build_scorecard


@pytest.fixture
def card(db):
    return build_scorecard()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/performance/scorecard/",
        "/admin/performance/scorecardversion/",
        "/admin/performance/section/",
        "/admin/performance/qasettings/",
        "/admin/performance/review/",
    ],
)
def test_the_qa_admin_is_for_admins(org, card, path):
    assert client_for(org.admin).get(path).status_code == 200
    for user in (org.manager_a, org.qa, org.agent_a1.user):
        response = client_for(user).get(path)
        assert (response.status_code, response["Location"]) == (302, f"/admin/login/?next={path}")


def test_draft_and_publish_actions_and_a_published_version_is_read_only(org, card):
    client = client_for(org.admin)

    drafted = client.post(
        "/admin/performance/scorecard/",
        {"action": "draft_next", "_selected_action": [card.scorecard.pk]},
        follow=True,
    )
    draft = ScorecardVersion.objects.get(status=ScorecardStatus.DRAFT)
    section = draft.sections.get(key="communication")
    published_section = card.version.sections.get(key="communication")
    editable = client.get(f"/admin/performance/section/{section.pk}/change/").content.decode()
    frozen = client.get(f"/admin/performance/section/{published_section.pk}/change/").content.decode()
    published = client.post(
        "/admin/performance/scorecardversion/",
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )

    assert "Support quality v2 (draft) is ready to edit." in drafted.content.decode()
    assert 'name="criteria-0-weight"' in editable
    assert 'name="criteria-0-weight"' not in frozen
    assert "Support quality v2 is published." in published.content.decode()
    draft.refresh_from_db()
    card.version.refresh_from_db()
    assert (draft.status, card.version.status) == ("published", "retired")
