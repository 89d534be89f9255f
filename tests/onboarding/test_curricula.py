"""Curricula: versioning (draft, publish, retire), module and question rules, acyclic prerequisites, due dates,
targeting, the API per role (no answer key for agents) and the Django admin with its agent preview."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from onboarding import selectors, services
from onboarding.models import (
    Curriculum,
    CurriculumVersion,
    Enrollment,
    Module,
    ModuleKind,
    Question,
    QuestionKind,
    VersionStatus,
)
from onboarding.services import ChoiceInput
from supportops.choices import Role, Tier
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import PASSWORD, MarketFactory, UserFactory
from tests.onboarding.curricula import build_curriculum

API = "/api/onboarding"


def enrol(agent, version) -> Enrollment:
    return Enrollment.objects.create(agent=agent, version=version, start_date=date(2026, 11, 2))


def logged_in(user) -> Client:
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


def messages_of(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


# --- versions -------------------------------------------------------------------------------------------------


def test_creating_a_curriculum_starts_an_empty_draft_of_version_1(org):
    curriculum = services.curriculum_create(
        user=org.admin, name="Payments", slug="payments", team=org.team_a, role=Role.AGENT, tier=Tier.L1
    )

    assert list(curriculum.versions.values_list("number", "status")) == [(1, VersionStatus.DRAFT)]
    assert (curriculum.team, curriculum.role, curriculum.tier) == (org.team_a, Role.AGENT, Tier.L1)


def test_only_admins_create_curricula(org):
    with pytest.raises(PermissionDenied):
        services.curriculum_create(user=org.manager_a, name="Payments", slug="payments")

    assert not Curriculum.objects.exists()


def test_the_draft_of_the_next_version_copies_the_published_one(org):
    built = build_curriculum()

    draft = services.curriculum_version_draft(curriculum=built.curriculum, user=org.admin)

    assert (draft.number, draft.status) == (2, VersionStatus.DRAFT)
    assert list(draft.phases.values_list("name", "position")) == list(
        built.version.phases.values_list("name", "position")
    )
    copied = {module.key: module for module in draft.modules.all()}
    assert sorted(copied) == sorted(module.key for module in built.modules.values())
    assert not set(copied[key].pk for key in copied) & {module.pk for module in built.modules.values()}
    assert copied["sign-off"].phase.version == draft
    assert sorted(m.key for m in copied["sign-off"].prerequisites.all()) == ["practical-refund", "shadowing"]
    assert all(p.version_id == draft.pk for p in copied["sign-off"].prerequisites.all())
    quiz = copied["refunds-quiz"]
    assert (quiz.pass_mark_percent, quiz.max_attempts, quiz.estimated_minutes) == (75, 2, 20)
    assert [
        (question.kind, [(choice.text, choice.is_correct) for choice in question.choices.all()])
        for question in quiz.questions.all()
    ] == [
        (QuestionKind.SINGLE, [("14", False), ("30", True), ("60", False)]),
        (
            QuestionKind.MULTIPLE,
            [("Refunds over 500 EUR", True), ("Refunds under 10 EUR", False), ("Refunds to another card", True)],
        ),
        (QuestionKind.TRUE_FALSE, [("True", False), ("False", True)]),
        (QuestionKind.SHORT_TEXT, []),
    ]
    assert built.version.modules.count() == 6
    assert services.curriculum_version_draft(curriculum=built.curriculum, user=org.admin) == draft


def test_publishing_a_draft_retires_the_published_version(org):
    built = build_curriculum()
    draft = services.curriculum_version_draft(curriculum=built.curriculum, user=org.admin)

    published = services.curriculum_version_publish(version=draft, user=org.admin, notes="Longer refund window.")

    assert (published.status, published.published_by, published.notes) == (
        VersionStatus.PUBLISHED,
        org.admin,
        "Longer refund window.",
    )
    assert published.published_at is not None
    assert dict(built.curriculum.versions.values_list("number", "status")) == {
        1: VersionStatus.RETIRED,
        2: VersionStatus.PUBLISHED,
    }


def test_enrollments_stay_on_their_version_when_a_new_one_is_published(org):
    built = build_curriculum()
    enrollment = enrol(org.agent_a1, built.version)
    draft = services.curriculum_version_draft(curriculum=built.curriculum, user=org.admin)

    services.curriculum_version_publish(version=draft, user=org.admin)

    enrollment.refresh_from_db()
    assert enrollment.version == built.version


def test_a_version_without_modules_cannot_be_published(org):
    curriculum = services.curriculum_create(user=org.admin, name="Payments", slug="payments")
    draft = curriculum.versions.get()

    with pytest.raises(ValidationError) as refused:
        services.curriculum_version_publish(version=draft, user=org.admin)

    assert messages_of(refused.value) == {"modules": ["Version 1 has no modules; add at least one first."]}
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_a_published_version_is_not_published_again_and_only_admins_publish(org):
    built = build_curriculum()

    with pytest.raises(ValidationError) as refused:
        services.curriculum_version_publish(version=built.version, user=org.admin)
    with pytest.raises(PermissionDenied):
        services.curriculum_version_draft(curriculum=built.curriculum, user=org.manager_a)

    assert messages_of(refused.value) == {"status": ["Version 1 is published; only a draft is published."]}
    assert built.curriculum.versions.count() == 1


def test_a_quiz_without_questions_is_not_published(org):
    built = build_curriculum(status=VersionStatus.DRAFT, with_quiz_questions=False)

    with pytest.raises(ValidationError) as refused:
        services.curriculum_version_publish(version=built.version, user=org.admin)

    assert messages_of(refused.value) == {"questions": ["The quiz “Refund policy quiz” has no questions."]}


# --- editing only drafts ----------------------------------------------------------------------------------------


def test_a_published_version_is_not_edited(org):
    built = build_curriculum(number=2)
    built.version.number = 2
    lesson = built.modules[ModuleKind.LESSON]

    with pytest.raises(ValidationError) as refused:
        services.module_save(version=built.version, user=org.admin, module=lesson, title="Changed")

    assert messages_of(refused.value) == {"version": ["Version 2 is published; edit the draft of version 3"]}
    lesson.refresh_from_db()
    assert lesson.title == "Refund policy"


def test_a_retired_version_points_to_the_existing_draft(org):
    built = build_curriculum()
    services.curriculum_version_publish(
        version=services.curriculum_version_draft(curriculum=built.curriculum, user=org.admin), user=org.admin
    )
    services.curriculum_version_draft(curriculum=built.curriculum, user=org.admin)
    built.version.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        services.phase_save(version=built.version, user=org.admin, name="Week 3")

    assert messages_of(refused.value) == {"version": ["Version 1 is retired; edit the draft of version 3"]}


def test_modules_are_added_and_changed_on_a_draft(org):
    built = build_curriculum(status=VersionStatus.DRAFT)
    phase = built.phases[0]

    module = services.module_save(
        version=built.version,
        user=org.admin,
        key="chargebacks",
        title="Chargebacks",
        kind=ModuleKind.LESSON,
        phase=phase,
        position=7,
        estimated_minutes=45,
        due_business_days=4,
        content="# Chargebacks",
    )
    services.module_save(version=built.version, user=org.admin, module=module, estimated_minutes=50)

    module.refresh_from_db()
    assert (module.key, module.phase, module.estimated_minutes, module.due_business_days) == (
        "chargebacks",
        phase,
        50,
        4,
    )


def test_a_module_key_is_unique_in_its_version_and_kinds_are_checked(org):
    built = build_curriculum(status=VersionStatus.DRAFT)

    with pytest.raises(ValidationError) as duplicate:
        services.module_save(
            version=built.version, user=org.admin, key="refunds-lesson", title="Again", kind=ModuleKind.LESSON
        )
    with pytest.raises(ValidationError) as bad_kind:
        services.module_save(version=built.version, user=org.admin, key="x", title="X", kind="webinar")

    assert "__all__" in messages_of(duplicate.value)
    assert list(messages_of(bad_kind.value)) == ["kind"]
    assert built.version.modules.count() == 6


def test_a_module_phase_must_be_in_its_version(org):
    draft = build_curriculum(status=VersionStatus.DRAFT)
    other = build_curriculum(name="Other")

    with pytest.raises(ValidationError) as refused:
        services.module_save(
            version=draft.version, user=org.admin, key="x", title="X", kind=ModuleKind.LESSON, phase=other.phases[0]
        )

    assert messages_of(refused.value) == {"phase": ["The phase belongs to another version."]}


# --- prerequisites --------------------------------------------------------------------------------------------


def test_a_two_module_cycle_is_refused_naming_the_modules(org):
    built = build_curriculum(status=VersionStatus.DRAFT)
    lesson, quiz = built.modules[ModuleKind.LESSON], built.modules[ModuleKind.QUIZ]

    with pytest.raises(ValidationError) as refused:
        services.module_set_prerequisites(module=lesson, prerequisites=[quiz], user=org.admin)

    assert messages_of(refused.value) == {
        "prerequisites": ["Prerequisites would form a cycle: Refund policy → Refund policy quiz → Refund policy"]
    }
    assert list(lesson.prerequisites.all()) == []


def test_a_long_cycle_names_every_module_in_it(org):
    built = build_curriculum(status=VersionStatus.DRAFT)

    with pytest.raises(ValidationError) as refused:
        services.module_set_prerequisites(
            module=built.modules[ModuleKind.LESSON], prerequisites=[built.modules[ModuleKind.NESTING]], user=org.admin
        )

    assert messages_of(refused.value) == {
        "prerequisites": [
            "Prerequisites would form a cycle: Refund policy → Nesting on the live queue → Manager sign-off → "
            "Shadow a tenured agent → Refund policy quiz → Refund policy"
        ]
    }


def test_a_module_is_not_its_own_prerequisite(org):
    built = build_curriculum(status=VersionStatus.DRAFT)
    lesson = built.modules[ModuleKind.LESSON]

    with pytest.raises(ValidationError) as refused:
        services.module_set_prerequisites(module=lesson, prerequisites=[lesson], user=org.admin)

    assert messages_of(refused.value) == {
        "prerequisites": ["Prerequisites would form a cycle: Refund policy → Refund policy"]
    }


def test_prerequisites_must_be_in_the_same_version(org):
    built = build_curriculum(status=VersionStatus.DRAFT)
    other = build_curriculum(name="Other")

    with pytest.raises(ValidationError) as refused:
        services.module_set_prerequisites(
            module=built.modules[ModuleKind.NESTING], prerequisites=[other.modules[ModuleKind.LESSON]], user=org.admin
        )

    assert messages_of(refused.value) == {
        "prerequisites": ["Prerequisites must be in the same version: Refund policy are not."]
    }
    assert [m.key for m in built.modules[ModuleKind.NESTING].prerequisites.all()] == ["sign-off"]


def test_acyclic_prerequisites_are_stored(org):
    built = build_curriculum(status=VersionStatus.DRAFT)
    nesting = built.modules[ModuleKind.NESTING]

    services.module_set_prerequisites(
        module=nesting,
        prerequisites=[built.modules[ModuleKind.SIGN_OFF], built.modules[ModuleKind.LESSON]],
        user=org.admin,
    )

    assert sorted(m.key for m in nesting.prerequisites.all()) == ["refunds-lesson", "sign-off"]


def test_prerequisites_of_a_published_version_are_not_changed(org):
    built = build_curriculum()

    with pytest.raises(ValidationError) as refused:
        services.module_set_prerequisites(module=built.modules[ModuleKind.NESTING], prerequisites=[], user=org.admin)

    assert messages_of(refused.value) == {"version": ["Version 1 is published; edit the draft of version 2"]}
    assert built.modules[ModuleKind.NESTING].prerequisites.count() == 1


# --- questions ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "choices"),
    [
        (QuestionKind.SINGLE, [ChoiceInput("A", True), ChoiceInput("B")]),
        (QuestionKind.MULTIPLE, [ChoiceInput("A", True), ChoiceInput("B", True), ChoiceInput("C")]),
        (QuestionKind.TRUE_FALSE, [ChoiceInput("True"), ChoiceInput("False", True)]),
        (QuestionKind.SHORT_TEXT, []),
    ],
)
def test_valid_questions_are_saved_with_their_choices(org, kind, choices):
    built = build_curriculum(status=VersionStatus.DRAFT, with_quiz_questions=False)

    question = services.question_save(
        module=built.modules[ModuleKind.QUIZ], user=org.admin, text="Q?", kind=kind, choices=choices, points=2
    )

    assert [(c.text, c.is_correct, c.position) for c in question.choices.all()] == [
        (choice.text, choice.is_correct, index) for index, choice in enumerate(choices, start=1)
    ]
    assert (question.kind, question.points) == (kind, 2)


@pytest.mark.parametrize(
    ("kind", "choices", "message"),
    [
        (
            QuestionKind.SINGLE,
            [ChoiceInput("A", True), ChoiceInput("B", True)],
            "Exactly one choice must be correct (2 are).",
        ),
        (QuestionKind.SINGLE, [ChoiceInput("A"), ChoiceInput("B")], "Exactly one choice must be correct (0 are)."),
        (QuestionKind.SINGLE, [ChoiceInput("A", True)], "Give at least two choices."),
        (QuestionKind.MULTIPLE, [ChoiceInput("A"), ChoiceInput("B")], "At least one choice must be correct."),
        (
            QuestionKind.TRUE_FALSE,
            [ChoiceInput("True", True), ChoiceInput("False", True)],
            "Exactly one choice must be correct (2 are).",
        ),
        (QuestionKind.TRUE_FALSE, [ChoiceInput("True", True)], "A true/false question has exactly two choices."),
        (
            QuestionKind.SHORT_TEXT,
            [ChoiceInput("A", True)],
            "A short-text question has no choices; a reviewer grades it.",
        ),
    ],
)
def test_invalid_choices_are_refused_and_nothing_is_stored(org, kind, choices, message):
    built = build_curriculum(status=VersionStatus.DRAFT, with_quiz_questions=False)

    with pytest.raises(ValidationError) as refused:
        services.question_save(
            module=built.modules[ModuleKind.QUIZ], user=org.admin, text="Q?", kind=kind, choices=choices
        )

    assert messages_of(refused.value) == {"choices": [message]}
    assert not Question.objects.exists()


def test_questions_belong_to_quizzes_of_drafts(org):
    draft = build_curriculum(status=VersionStatus.DRAFT, with_quiz_questions=False)
    published = build_curriculum(name="Published")

    with pytest.raises(ValidationError) as not_a_quiz:
        services.question_save(module=draft.modules[ModuleKind.LESSON], user=org.admin, text="Q?")
    with pytest.raises(ValidationError) as not_a_draft:
        services.question_save(
            module=published.modules[ModuleKind.QUIZ],
            user=org.admin,
            text="Q?",
            kind=QuestionKind.SHORT_TEXT,
        )

    assert messages_of(not_a_quiz.value) == {"module": ["“Refund policy” is a lesson, not a quiz."]}
    assert messages_of(not_a_draft.value) == {"version": ["Version 1 is published; edit the draft of version 2"]}
    assert Question.objects.count() == 4


def test_saving_a_question_replaces_its_choices(org):
    built = build_curriculum(status=VersionStatus.DRAFT)
    single = built.questions[QuestionKind.SINGLE]

    services.question_save(
        module=built.modules[ModuleKind.QUIZ],
        user=org.admin,
        question=single,
        text="How many days?",
        kind=QuestionKind.SINGLE,
        choices=[ChoiceInput("30", True), ChoiceInput("90")],
    )

    assert [(c.text, c.is_correct) for c in single.choices.all()] == [("30", True), ("90", False)]


# --- due dates and targeting ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_due_dates_skip_weekends_and_the_market_holidays():
    gb = MarketFactory(code="uk", name="United Kingdom", timezone="Europe/London", holiday_country="GB")
    module = Module(due_business_days=4)

    with_holidays = services.due_date_for(module=module, start_date=date(2026, 12, 21), market=gb)
    without_market = services.due_date_for(module=module, start_date=date(2026, 12, 21), market=None)

    # 25 Dec (Friday) and 28 Dec (Boxing Day, substitute) are holidays in the United Kingdom.
    assert with_holidays == date(2026, 12, 29)
    assert without_market == date(2026, 12, 25)


@pytest.mark.django_db
def test_a_module_due_on_day_zero_is_due_on_the_start_day_or_the_next_working_day():
    module = Module(due_business_days=0)

    assert services.due_date_for(module=module, start_date=date(2026, 11, 2), market=None) == date(2026, 11, 2)
    assert services.due_date_for(module=module, start_date=date(2026, 11, 7), market=None) == date(2026, 11, 9)


def test_curricula_for_an_agent_match_team_market_role_and_tier(org):
    other_market = MarketFactory(code="de", name="Germany", timezone="Europe/Berlin", holiday_country="DE")
    anyone = build_curriculum(name="Anyone").curriculum
    team_a = build_curriculum(name="Team A", team=org.team_a).curriculum
    build_curriculum(name="Team B", team=org.team_b)
    market = build_curriculum(name="Singapore", market=org.market, role=Role.AGENT).curriculum
    build_curriculum(name="Germany", market=other_market)
    build_curriculum(name="Managers", role=Role.MANAGER)
    build_curriculum(name="L2", tier=Tier.L2)
    l1 = build_curriculum(name="L1", tier=Tier.L1).curriculum
    build_curriculum(name="Draft only", status=VersionStatus.DRAFT)
    recertification = build_curriculum(name="Recert")
    recertification.curriculum.is_recertification_path = True
    recertification.curriculum.save()

    found = list(selectors.curricula_for_agent(org.agent_a1))

    assert found == [anyone, l1, market, team_a]


# --- API ------------------------------------------------------------------------------------------------------


@pytest.fixture
def two_curricula(org):
    enrolled = build_curriculum(name="Enrolled")
    other = build_curriculum(name="Other")
    enrol(org.agent_a1, enrolled.version)
    return enrolled, other


def test_curricula_api_access_per_role(org, two_curricula):
    enrolled, other = two_curricula
    both = {enrolled.curriculum.pk, other.curriculum.pk}

    assert_role_access(
        list_url=f"{API}/curricula/",
        detail_url=lambda pk: f"{API}/curricula/{pk}/",
        all_ids=both,
        cases={
            "admin": RoleCase(org.admin, sees=both),
            "manager": RoleCase(org.manager_a, sees=both),
            "other manager": RoleCase(org.manager_b, sees=both),
            "enrolled agent": RoleCase(org.agent_a1.user, sees={enrolled.curriculum.pk}),
            "agent not enrolled": RoleCase(org.agent_b1.user, sees=set()),
            "qa reviewer": RoleCase(org.qa, sees=set(), denied=True),
        },
    )


def test_versions_api_access_per_role(org, two_curricula):
    enrolled, other = two_curricula
    draft = services.curriculum_version_draft(curriculum=other.curriculum, user=org.admin)
    every = {enrolled.version.pk, other.version.pk, draft.pk}

    assert_role_access(
        list_url=f"{API}/curriculum-versions/",
        detail_url=lambda pk: f"{API}/curriculum-versions/{pk}/",
        all_ids=every,
        cases={
            "admin": RoleCase(org.admin, sees=every),
            "manager": RoleCase(org.manager_a, sees=every),
            "enrolled agent": RoleCase(org.agent_a1.user, sees={enrolled.version.pk}),
            "agent not enrolled": RoleCase(org.agent_a2.user, sees=set()),
            "qa reviewer": RoleCase(org.qa, sees=set(), denied=True),
        },
    )


def test_modules_api_access_per_role(org, two_curricula):
    enrolled, other = two_curricula
    mine = {module.pk for module in enrolled.modules.values()}
    every = mine | {module.pk for module in other.modules.values()}

    assert_role_access(
        list_url=f"{API}/modules/",
        detail_url=lambda pk: f"{API}/modules/{pk}/",
        all_ids=every,
        cases={
            "admin": RoleCase(org.admin, sees=every),
            "manager": RoleCase(org.manager_b, sees=every),
            "enrolled agent": RoleCase(org.agent_a1.user, sees=mine),
            "agent not enrolled": RoleCase(org.agent_b2.user, sees=set()),
            "qa reviewer": RoleCase(org.qa, sees=set(), denied=True),
        },
    )


def test_a_version_lists_its_phases_and_module_outline(org, two_curricula):
    enrolled, _ = two_curricula

    body = api_client_for(org.agent_a1.user).get(f"{API}/curriculum-versions/{enrolled.version.pk}/").json()

    assert (body["curriculum_name"], body["number"], body["status"]) == ("Enrolled", 1, "published")
    assert [phase["name"] for phase in body["phases"]] == ["Week 1: product", "Week 2: practice", "Nesting"]
    assert [module["key"] for module in body["modules"]] == [
        "refunds-lesson",
        "refunds-quiz",
        "shadowing",
        "practical-refund",
        "sign-off",
        "nesting",
    ]
    sign_off = body["modules"][4]
    assert sign_off["prerequisite_ids"] == sorted(
        [enrolled.modules[ModuleKind.SHADOWING].pk, enrolled.modules[ModuleKind.PRACTICAL].pk]
    )
    assert sign_off["phase_id"] == enrolled.phases[1].pk


def test_an_agent_never_receives_the_answer_key(org, two_curricula):
    enrolled, _ = two_curricula
    quiz = enrolled.modules[ModuleKind.QUIZ]
    client = api_client_for(org.agent_a1.user)

    detail = client.get(f"{API}/modules/{quiz.pk}/")
    listing = client.get(f"{API}/modules/")

    assert detail.status_code == 200
    assert b"is_correct" not in detail.content
    assert b"is_correct" not in listing.content
    assert b"explanation" not in detail.content
    questions = detail.json()["questions"]
    assert questions[0] == {
        "id": enrolled.questions[QuestionKind.SINGLE].pk,
        "kind": "single",
        "text": "How many days does a customer have to ask for a refund?",
        "position": 1,
        "points": 1,
        "choices": [
            {"id": choice.pk, "text": choice.text, "position": choice.position}
            for choice in enrolled.questions[QuestionKind.SINGLE].choices.all()
        ],
    }


def test_managers_and_admins_receive_the_answer_key(org, two_curricula):
    enrolled, _ = two_curricula
    quiz = enrolled.modules[ModuleKind.QUIZ]

    for user in (org.manager_a, org.admin):
        questions = api_client_for(user).get(f"{API}/modules/{quiz.pk}/").json()["questions"]
        assert [choice["is_correct"] for choice in questions[0]["choices"]] == [False, True, False]
        assert questions[0]["explanation"] == "The policy allows 30 days."


def test_lesson_content_is_sent_sanitised(org):
    built = build_curriculum()
    enrol(org.agent_a1, built.version)
    lesson = built.modules[ModuleKind.LESSON]
    Module.objects.filter(pk=lesson.pk).update(content="Hi <script>alert(1)</script>[x](javascript:alert(1))")

    body = api_client_for(org.agent_a1.user).get(f"{API}/modules/{lesson.pk}/").json()

    assert body["content_html"] == '<p>Hi <a rel="noopener noreferrer">x</a></p>'


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        # token + roles, count, page
        ("curricula", 4),
        # token + roles, count, page, phases, modules, prerequisites
        ("curriculum-versions", 7),
        # token + roles, count, page, prerequisites, questions, choices
        ("modules", 7),
    ],
)
def test_lists_take_a_fixed_number_of_queries(org, django_assert_num_queries, path, queries):
    build_curriculum(name="One")
    enrol(org.agent_a1, build_curriculum(name="Two").version)
    for user in (org.admin, org.agent_a1.user):
        client = api_client_for(user)
        with django_assert_num_queries(queries):
            first = client.get(f"{API}/{path}/")
        build_curriculum(name=f"More for {user.username}")
        with django_assert_num_queries(queries):
            second = client.get(f"{API}/{path}/")
        assert (first.status_code, second.status_code) == (200, 200)


def test_admins_create_curricula_through_the_api(org):
    response = api_client_for(org.admin).post(
        f"{API}/curricula/", {"name": "Payments", "slug": "payments", "team_id": org.team_a.pk, "tier": "L2"}
    )

    assert response.status_code == 201
    curriculum = Curriculum.objects.get()
    assert response.json()["id"] == curriculum.pk
    assert (curriculum.team, curriculum.tier) == (org.team_a, Tier.L2)
    assert list(curriculum.versions.values_list("number", "status")) == [(1, VersionStatus.DRAFT)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Payments", "slug": "not a slug"}, "slug"),
        ({"name": "Payments", "slug": "payments", "team_id": 999999}, "team_id"),
        ({"name": "Payments", "slug": "payments", "tier": "L9"}, "tier"),
        ({"slug": "payments"}, "name"),
    ],
)
def test_bad_curriculum_input_is_a_400_naming_the_field(org, body, field):
    response = api_client_for(org.admin).post(f"{API}/curricula/", body)

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Curriculum.objects.exists()


def test_a_duplicate_slug_is_a_400(org):
    build_curriculum(name="Payments", slug="payments")

    response = api_client_for(org.admin).post(f"{API}/curricula/", {"name": "Again", "slug": "payments"})

    assert response.status_code == 400
    assert list(response.json()) == ["slug"]
    assert Curriculum.objects.count() == 1


@pytest.mark.parametrize("who", ["manager_a", "agent", "qa"])
def test_only_admins_write_through_the_api(org, two_curricula, who):
    enrolled, _ = two_curricula
    user = org.agent_a1.user if who == "agent" else getattr(org, who)
    client = api_client_for(user)

    created = client.post(f"{API}/curricula/", {"name": "Payments", "slug": "payments"})
    drafted = client.post(f"{API}/curricula/{enrolled.curriculum.pk}/draft/")
    published = client.post(f"{API}/curriculum-versions/{enrolled.version.pk}/publish/")

    assert (created.status_code, drafted.status_code, published.status_code) == (403, 403, 403)
    assert Curriculum.objects.count() == 2
    assert CurriculumVersion.objects.count() == 2


def test_admins_draft_and_publish_through_the_api(org, two_curricula):
    enrolled, _ = two_curricula
    client = api_client_for(org.admin)

    drafted = client.post(f"{API}/curricula/{enrolled.curriculum.pk}/draft/")
    published = client.post(f"{API}/curriculum-versions/{drafted.json()['id']}/publish/", {"notes": "Clearer quiz."})
    again = client.post(f"{API}/curriculum-versions/{enrolled.version.pk}/publish/")

    assert drafted.status_code == 201
    assert (drafted.json()["number"], drafted.json()["status"], len(drafted.json()["modules"])) == (2, "draft", 6)
    assert published.status_code == 200
    assert (published.json()["status"], published.json()["notes"]) == ("published", "Clearer quiz.")
    assert again.status_code == 400
    assert again.json() == {"status": ["Version 1 is retired; only a draft is published."]}


# --- Django admin ---------------------------------------------------------------------------------------------


def admin_urls(built) -> list[str]:
    return [
        "/admin/onboarding/curriculum/",
        "/admin/onboarding/curriculum/add/",
        f"/admin/onboarding/curriculum/{built.curriculum.pk}/change/",
        "/admin/onboarding/curriculumversion/",
        f"/admin/onboarding/curriculumversion/{built.version.pk}/change/",
        f"/admin/onboarding/curriculumversion/{built.version.pk}/preview/",
        "/admin/onboarding/module/",
        f"/admin/onboarding/module/{built.modules[ModuleKind.QUIZ].pk}/change/",
        "/admin/onboarding/question/",
        f"/admin/onboarding/question/{built.questions[QuestionKind.SINGLE].pk}/change/",
    ]


def test_admin_pages_load_for_admins_and_redirect_everyone_else(org):
    built = build_curriculum()
    admin_client = logged_in(org.admin)

    for url in admin_urls(built):
        assert admin_client.get(url).status_code == 200, url
    for user in (org.manager_a, org.qa, org.agent_a1.user):
        client = logged_in(user)
        for url in admin_urls(built):
            response = client.get(url)
            assert response.status_code == 302, (user, url)
            assert response["Location"].startswith("/admin/login/")


def test_a_published_version_is_read_only_in_the_admin_and_a_draft_is_editable(org):
    built = build_curriculum()
    draft = services.curriculum_version_draft(curriculum=built.curriculum, user=org.admin)
    client = logged_in(org.admin)

    published_page = client.get(f"/admin/onboarding/curriculumversion/{built.version.pk}/change/").content.decode()
    draft_page = client.get(f"/admin/onboarding/curriculumversion/{draft.pk}/change/").content.decode()
    quiz_page = client.get(f"/admin/onboarding/module/{built.modules[ModuleKind.QUIZ].pk}/change/").content.decode()

    assert 'name="_save"' not in published_page
    assert 'name="_save"' in draft_page
    assert 'name="_save"' not in quiz_page
    assert "Preview as the agent sees it" in published_page
    refused = client.post(
        f"/admin/onboarding/module/{built.modules[ModuleKind.LESSON].pk}/change/", {"title": "Changed"}
    )
    assert refused.status_code == 403
    assert Module.objects.get(pk=built.modules[ModuleKind.LESSON].pk).title == "Refund policy"


def test_the_admin_actions_make_a_draft_and_publish_it(org):
    built = build_curriculum()
    client = logged_in(org.admin)

    client.post(
        "/admin/onboarding/curriculumversion/",
        {"action": "make_draft", "_selected_action": [built.version.pk]},
        follow=True,
    )
    draft = built.curriculum.versions.get(status=VersionStatus.DRAFT)
    page = client.post(
        "/admin/onboarding/curriculumversion/",
        {"action": "publish", "_selected_action": [draft.pk, built.version.pk]},
        follow=True,
    ).content.decode()

    assert dict(built.curriculum.versions.values_list("number", "status")) == {
        1: VersionStatus.RETIRED,
        2: VersionStatus.PUBLISHED,
    }
    assert "Support basics: version 2 is published." in page
    assert "Support basics: Version 1 is retired; only a draft is published." in page


def test_the_admin_refuses_a_prerequisite_cycle_naming_the_modules(org):
    built = build_curriculum(status=VersionStatus.DRAFT)
    lesson, quiz = built.modules[ModuleKind.LESSON], built.modules[ModuleKind.QUIZ]
    client = logged_in(org.admin)
    form = {
        "version": built.version.pk,
        "phase": built.phases[0].pk,
        "key": lesson.key,
        "title": lesson.title,
        "kind": lesson.kind,
        "position": 1,
        "estimated_minutes": 30,
        "due_business_days": 2,
        "content": "x",
        "prerequisites": [quiz.pk],
        "pass_mark_percent": 80,
        "max_attempts": 3,
        "required_shadowing_hours": "0",
        "nesting_min_reviews": 5,
        "nesting_min_average_percent": 85,
        "questions-TOTAL_FORMS": 0,
        "questions-INITIAL_FORMS": 0,
    }

    response = client.post(f"/admin/onboarding/module/{lesson.pk}/change/", form)

    assert response.status_code == 200
    assert "Prerequisites would form a cycle: Refund policy → Refund policy quiz → Refund policy" in (
        response.content.decode()
    )
    assert list(lesson.prerequisites.all()) == []


def test_the_admin_refuses_a_single_choice_question_with_two_correct_choices(org):
    built = build_curriculum(status=VersionStatus.DRAFT)
    question = built.questions[QuestionKind.SINGLE]
    choices = list(question.choices.all())
    form = {
        "module": built.modules[ModuleKind.QUIZ].pk,
        "kind": "single",
        "text": question.text,
        "position": 1,
        "points": 1,
        "explanation": "",
        "choices-TOTAL_FORMS": 3,
        "choices-INITIAL_FORMS": 3,
    }
    for index, choice in enumerate(choices):
        form |= {
            f"choices-{index}-id": choice.pk,
            f"choices-{index}-question": question.pk,
            f"choices-{index}-position": choice.position,
            f"choices-{index}-text": choice.text,
        }
        if index < 2:
            form[f"choices-{index}-is_correct"] = "on"

    response = logged_in(org.admin).post(f"/admin/onboarding/question/{question.pk}/change/", form)

    assert response.status_code == 200
    assert "Exactly one choice must be correct (2 are)." in response.content.decode()
    assert [c.is_correct for c in question.choices.all()] == [False, True, False]


def test_the_preview_renders_sanitised_lessons_and_quizzes_without_answers(org):
    built = build_curriculum()
    Module.objects.filter(pk=built.modules[ModuleKind.LESSON].pk).update(
        content="# Refunds\n\n<script>alert('x')</script>[Policy](javascript:alert(1)) <b onclick='x()'>Bold</b>"
    )

    page = logged_in(org.admin).get(f"/admin/onboarding/curriculumversion/{built.version.pk}/preview/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Refunds</h1>" in html
    assert '<a rel="noopener noreferrer">Policy</a>' in html
    assert "<b>Bold</b>" in html
    assert "alert(" not in html
    assert "javascript:" not in html
    assert "onclick" not in html
    for phase in ("Week 1: product", "Week 2: practice", "Nesting"):
        assert f"<h2>{phase}</h2>" in html
    assert "How many days does a customer have to ask for a refund?" in html
    assert "<li>Refunds over 500 EUR</li>" in html
    assert "is_correct" not in html
    assert "The policy allows 30 days." not in html
    assert "correct" not in html.lower().split('id="content-main"')[1]


def test_a_user_without_roles_gets_nothing_from_the_curricula_api(org):
    nobody = UserFactory(username="nobody", roles=[])

    assert api_client_for(nobody).get(f"{API}/curricula/").status_code == 403


def test_adding_a_curriculum_in_the_admin_starts_a_draft_of_version_1(org):
    response = logged_in(org.admin).post(
        "/admin/onboarding/curriculum/add/",
        {
            "name": "Payments",
            "slug": "payments",
            "description": "",
            "team": org.team_a.pk,
            "role": "",
            "tier": "",
            "versions-TOTAL_FORMS": 0,
            "versions-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302
    curriculum = Curriculum.objects.get()
    assert (curriculum.name, curriculum.team) == ("Payments", org.team_a)
    assert list(curriculum.versions.values_list("number", "status")) == [(1, VersionStatus.DRAFT)]
