"""Shared test builder: a realistic published curriculum with one module of each kind and a four-question quiz.

``build_curriculum()`` writes rows directly (no services), so every onboarding test can use it. The returned
:class:`BuiltCurriculum` names the interesting rows: ``built.modules["quiz"]``, ``built.questions["single"]``...
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from onboarding.models import (
    Certification,
    Choice,
    Curriculum,
    CurriculumVersion,
    Module,
    ModuleKind,
    Phase,
    Question,
    QuestionKind,
    VersionStatus,
)


@dataclass
class BuiltCurriculum:
    """What :func:`build_curriculum` made.

    - ``modules`` by kind value: ``lesson`` (no prerequisite), ``quiz`` (requires lesson), ``shadowing`` (requires
      quiz), ``practical`` (requires quiz), ``sign_off`` (requires practical and shadowing), ``nesting`` (requires
      sign_off).
    - ``questions`` by question kind value: ``single``, ``multiple``, ``true_false``, ``short_text`` (all in the quiz).
    - ``phases``: "Week 1: product" (lesson, quiz), "Week 2: practice" (shadowing, practical, sign-off),
      "Nesting" (nesting).
    """

    curriculum: Curriculum
    version: CurriculumVersion
    phases: list[Phase]
    modules: dict[str, Module]
    questions: dict[str, Question] = field(default_factory=dict)


LESSON_CONTENT = "# Refunds\n\nRead the **refund policy** before you answer a customer.\n"

# (kind, key, title, phase index, position, estimated minutes, due business days, prerequisite kinds)
MODULE_SPECS: list[tuple[str, str, str, int, int, int, int, tuple[str, ...]]] = [
    (ModuleKind.LESSON, "refunds-lesson", "Refund policy", 0, 1, 30, 2, ()),
    (ModuleKind.QUIZ, "refunds-quiz", "Refund policy quiz", 0, 2, 20, 3, (ModuleKind.LESSON,)),
    (ModuleKind.SHADOWING, "shadowing", "Shadow a tenured agent", 1, 3, 240, 7, (ModuleKind.QUIZ,)),
    (ModuleKind.PRACTICAL, "practical-refund", "Process a test refund", 1, 4, 60, 8, (ModuleKind.QUIZ,)),
    (ModuleKind.SIGN_OFF, "sign-off", "Manager sign-off", 1, 5, 15, 10, (ModuleKind.PRACTICAL, ModuleKind.SHADOWING)),
    (ModuleKind.NESTING, "nesting", "Nesting on the live queue", 2, 6, 600, 20, (ModuleKind.SIGN_OFF,)),
]


def build_curriculum(
    *,
    name: str = "Support basics",
    slug: str | None = None,
    status: str = VersionStatus.PUBLISHED,
    number: int = 1,
    team: Any = None,
    market: Any = None,
    role: str = "",
    tier: str = "",
    certification: Certification | None = None,
    curriculum: Curriculum | None = None,
    with_quiz_questions: bool = True,
    published_by: Any = None,
) -> BuiltCurriculum:
    """A curriculum (or a new version of ``curriculum``) with three phases, one module of each kind and a quiz.

    ``status`` is the version's status (published by default); pass ``curriculum`` to add another version to an
    existing curriculum (give ``number`` and a status that respects one-draft/one-published).
    """
    if curriculum is None:
        curriculum = Curriculum.objects.create(
            name=name,
            slug=slug or name.lower().replace(" ", "-"),
            team=team,
            market=market,
            role=role,
            tier=tier,
            certification=certification,
        )
    published = status != VersionStatus.DRAFT
    version = CurriculumVersion.objects.create(
        curriculum=curriculum,
        number=number,
        status=status,
        published_at=timezone.now() if published else None,
        published_by=published_by if published else None,
    )
    phases = [
        Phase.objects.create(version=version, name=phase_name, position=index)
        for index, phase_name in enumerate(["Week 1: product", "Week 2: practice", "Nesting"], start=1)
    ]
    modules: dict[str, Module] = {}
    for kind, key, title, phase_index, position, minutes, due, prerequisite_kinds in MODULE_SPECS:
        module = Module.objects.create(
            version=version,
            phase=phases[phase_index],
            key=key,
            title=title,
            kind=kind,
            position=position,
            estimated_minutes=minutes,
            due_business_days=due,
            content=LESSON_CONTENT if kind == ModuleKind.LESSON else f"Instructions for {title.lower()}.",
            pass_mark_percent=75,
            max_attempts=2,
            shuffle_questions=False,
            required_shadowing_hours=Decimal("4.00") if kind == ModuleKind.SHADOWING else Decimal("0"),
            nesting_min_reviews=5,
            nesting_min_average_percent=85,
            nesting_aht_tolerance_percent=20 if kind == ModuleKind.NESTING else None,
        )
        if prerequisite_kinds:
            module.prerequisites.set([modules[str(prerequisite)] for prerequisite in prerequisite_kinds])
        modules[str(kind)] = module
    built = BuiltCurriculum(curriculum=curriculum, version=version, phases=phases, modules=modules)
    if with_quiz_questions:
        built.questions = add_quiz_questions(modules[ModuleKind.QUIZ])
    return built


def add_quiz_questions(quiz: Module) -> dict[str, Question]:
    """One question of each kind on ``quiz`` (1 point each except short text: 2), with the answer key set.

    - single: "How many days does a customer have to ask for a refund?" — "30" correct; "14", "60" wrong.
    - multiple: "Which of these need a manager's approval?" — "Refunds over 500 EUR" and "Refunds to another card"
      correct; "Refunds under 10 EUR" wrong.
    - true_false: "A refund can be cancelled once issued." — "True" wrong, "False" correct.
    - short_text: "Explain to a customer why their refund is late." (no choices).
    """
    single = Question.objects.create(
        module=quiz, kind=QuestionKind.SINGLE, position=1, points=1,
        text="How many days does a customer have to ask for a refund?", explanation="The policy allows 30 days.",
    )  # fmt: skip
    for position, (text, correct) in enumerate([("14", False), ("30", True), ("60", False)], start=1):
        Choice.objects.create(question=single, text=text, is_correct=correct, position=position)
    multiple = Question.objects.create(
        module=quiz, kind=QuestionKind.MULTIPLE, position=2, points=1, text="Which of these need a manager's approval?"
    )
    for position, (text, correct) in enumerate(
        [("Refunds over 500 EUR", True), ("Refunds under 10 EUR", False), ("Refunds to another card", True)], start=1
    ):
        Choice.objects.create(question=multiple, text=text, is_correct=correct, position=position)
    true_false = Question.objects.create(
        module=quiz, kind=QuestionKind.TRUE_FALSE, position=3, points=1, text="A refund can be cancelled once issued."
    )
    Choice.objects.create(question=true_false, text="True", is_correct=False, position=1)
    Choice.objects.create(question=true_false, text="False", is_correct=True, position=2)
    short_text = Question.objects.create(
        module=quiz, kind=QuestionKind.SHORT_TEXT, position=4, points=2,
        text="Explain to a customer why their refund is late.",
    )  # fmt: skip
    return {
        QuestionKind.SINGLE.value: single,
        QuestionKind.MULTIPLE.value: multiple,
        QuestionKind.TRUE_FALSE.value: true_false,
        QuestionKind.SHORT_TEXT.value: short_text,
    }
