"""Curricula and their versions, phases, modules, prerequisites, quiz questions and choices; module due dates.

Versioning: a curriculum's content lives in versions. Only a draft is edited; ``curriculum_version_draft`` makes
the draft of the next version by copying the published one (phases, modules with their stable keys, prerequisites,
questions and choices); ``curriculum_version_publish`` publishes it and retires the previously published version.
Enrollments stay pinned to the version they started on.

Who may write: admins (or a system caller, ``user=None``). A refusal for lack of rights raises ``PermissionDenied``
(a 403); bad input or a write to a version that is not a draft raises ``ValidationError`` naming the field (a 400).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from supportops import access
from supportops.models import Market

from ..business_days import add_business_days
from ..models import (
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

__all__ = [
    "ChoiceInput",
    "curriculum_create",
    "curriculum_version_draft",
    "curriculum_version_publish",
    "due_date_for",
    "module_save",
    "module_set_prerequisites",
    "phase_save",
    "prerequisite_cycle",
    "question_choice_problems",
    "question_save",
    "version_require_editable",
]

MODULE_FIELDS = frozenset(
    {
        "key",
        "title",
        "kind",
        "phase",
        "position",
        "estimated_minutes",
        "due_business_days",
        "content",
        "pass_mark_percent",
        "max_attempts",
        "shuffle_questions",
        "required_shadowing_hours",
        "nesting_min_reviews",
        "nesting_min_average_percent",
        "nesting_aht_tolerance_percent",
        "certification",
    }
)


def _require_admin(user: Any) -> None:
    if user is not None and not access.is_admin(user):
        raise PermissionDenied("Only admins edit curricula.")


def version_require_editable(version: CurriculumVersion) -> None:
    """Refuse a change to a version that is not a draft, saying which draft to edit instead."""
    if version.status == VersionStatus.DRAFT:
        return
    draft = version.curriculum.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is not None:
        next_number = draft.number
    else:
        next_number = (version.curriculum.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    raise ValidationError(
        {"version": f"Version {version.number} is {version.status}; edit the draft of version {next_number}"}
    )


def _full_clean(instance: Any, *, exclude: Iterable[str] = ()) -> None:
    instance.full_clean(exclude=list(exclude), validate_unique=True, validate_constraints=True)


@transaction.atomic
def curriculum_create(
    *,
    user: Any,
    name: str,
    slug: str,
    description: str = "",
    team: Any = None,
    market: Market | None = None,
    role: str = "",
    tier: str = "",
    certification: Certification | None = None,
    is_recertification_path: bool = False,
) -> Curriculum:
    """A new curriculum with an empty draft of version 1 to fill in."""
    _require_admin(user)
    curriculum = Curriculum(
        name=name,
        slug=slug,
        description=description,
        team=team,
        market=market,
        role=role,
        tier=tier,
        certification=certification,
        is_recertification_path=is_recertification_path,
    )
    _full_clean(curriculum)
    curriculum.save()
    CurriculumVersion.objects.create(curriculum=curriculum, number=1, status=VersionStatus.DRAFT)
    return curriculum


@transaction.atomic
def curriculum_version_draft(*, curriculum: Curriculum, user: Any) -> CurriculumVersion:
    """The draft of the next version: the existing draft if there is one, else a copy of the published version
    (or of the latest version when none is published) numbered one above the highest."""
    _require_admin(user)
    Curriculum.objects.select_for_update().filter(pk=curriculum.pk).first()
    existing = curriculum.versions.filter(status=VersionStatus.DRAFT).first()
    if existing is not None:
        return existing
    source = (
        curriculum.versions.filter(status=VersionStatus.PUBLISHED).first()
        or curriculum.versions.order_by("-number").first()
    )
    number = (curriculum.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    draft = CurriculumVersion.objects.create(curriculum=curriculum, number=number, status=VersionStatus.DRAFT)
    if source is not None:
        _copy_version_content(source=source, target=draft)
    return draft


def _copy_version_content(*, source: CurriculumVersion, target: CurriculumVersion) -> None:
    phase_map: dict[int, Phase] = {}
    for phase in source.phases.all():
        phase_map[phase.pk] = Phase.objects.create(version=target, name=phase.name, position=phase.position)
    module_map: dict[int, Module] = {}
    sources = list(source.modules.prefetch_related("prerequisites", "questions__choices"))
    for module in sources:
        copy = Module.objects.create(
            version=target,
            phase=phase_map.get(module.phase_id) if module.phase_id else None,
            **{name: getattr(module, name) for name in MODULE_FIELDS - {"phase"}},
        )
        module_map[module.pk] = copy
        for question in module.questions.all():
            question_copy = Question.objects.create(
                module=copy,
                kind=question.kind,
                text=question.text,
                position=question.position,
                points=question.points,
                explanation=question.explanation,
            )
            Choice.objects.bulk_create(
                [
                    Choice(
                        question=question_copy, text=choice.text, is_correct=choice.is_correct, position=choice.position
                    )
                    for choice in question.choices.all()
                ]
            )
    for module in sources:
        prerequisites = [module_map[prerequisite.pk] for prerequisite in module.prerequisites.all()]
        if prerequisites:
            module_map[module.pk].prerequisites.set(prerequisites)


@transaction.atomic
def curriculum_version_publish(*, version: CurriculumVersion, user: Any, notes: str = "") -> CurriculumVersion:
    """Publish a draft; the previously published version of the curriculum becomes retired."""
    _require_admin(user)
    version = CurriculumVersion.objects.select_for_update().select_related("curriculum").get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError({"status": f"Version {version.number} is {version.status}; only a draft is published."})
    if not version.modules.exists():
        raise ValidationError({"modules": f"Version {version.number} has no modules; add at least one first."})
    problems = _quiz_problems(version)
    if problems:
        raise ValidationError({"questions": problems})
    CurriculumVersion.objects.filter(curriculum=version.curriculum, status=VersionStatus.PUBLISHED).update(
        status=VersionStatus.RETIRED
    )
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = user
    if notes:
        version.notes = notes
    version.save(update_fields=["status", "published_at", "published_by", "notes"])
    return version


def _quiz_problems(version: CurriculumVersion) -> list[str]:
    problems = []
    for module in version.modules.filter(kind=ModuleKind.QUIZ).prefetch_related("questions__choices"):
        questions = list(module.questions.all())
        if not questions:
            problems.append(f"The quiz “{module.title}” has no questions.")
        for question in questions:
            for problem in question_choice_problems(
                kind=question.kind, correct=[choice.is_correct for choice in question.choices.all()]
            ):
                problems.append(f"{module.title}: “{question}”: {problem}")
    return problems


@transaction.atomic
def phase_save(
    *, version: CurriculumVersion, user: Any, name: str, position: int = 0, phase: Phase | None = None
) -> Phase:
    """Add a phase to a draft (or rename/move ``phase``)."""
    _require_admin(user)
    version_require_editable(version)
    if phase is None:
        phase = Phase(version=version)
    elif phase.version_id != version.pk:
        raise ValidationError({"phase": "The phase belongs to another version."})
    phase.name = name
    phase.position = position
    _full_clean(phase)
    phase.save()
    return phase


@transaction.atomic
def module_save(*, version: CurriculumVersion, user: Any, module: Module | None = None, **fields: Any) -> Module:
    """Add a module to a draft, or change ``module`` (only the given fields)."""
    _require_admin(user)
    version_require_editable(version)
    unknown = set(fields) - MODULE_FIELDS
    if unknown:
        raise ValidationError({name: "Not a module field." for name in sorted(unknown)})
    if module is None:
        module = Module(version=version)
    elif module.version_id != version.pk:
        raise ValidationError({"module": "The module belongs to another version."})
    for name, value in fields.items():
        setattr(module, name, value)
    if module.phase is not None and module.phase.version_id != version.pk:
        raise ValidationError({"phase": "The phase belongs to another version."})
    _full_clean(module)
    module.save()
    return module


def prerequisite_cycle(*, module_id: int, prerequisite_ids: Iterable[int], edges: dict[int, set[int]]) -> list[int]:
    """The modules of a cycle that giving ``module_id`` these prerequisites would form, starting and ending with
    ``module_id`` (empty when none). ``edges`` maps every module of the version to its current prerequisites."""
    graph = {key: set(value) for key, value in edges.items()}
    graph[module_id] = set(prerequisite_ids)
    # Depth-first search from module_id along "requires" edges, looking for a way back to module_id.
    path: list[int] = [module_id]
    visited: set[int] = set()

    def walk(node: int) -> bool:
        for nxt in sorted(graph.get(node, ())):
            if nxt == module_id:
                path.append(nxt)
                return True
            if nxt in visited:
                continue
            visited.add(nxt)
            path.append(nxt)
            if walk(nxt):
                return True
            path.pop()
        return False

    return path if walk(module_id) else []


def cycle_message(titles: Sequence[str]) -> str:
    """``Prerequisites would form a cycle: A → B → A``."""
    return "Prerequisites would form a cycle: " + " → ".join(titles)


@transaction.atomic
def module_set_prerequisites(*, module: Module, prerequisites: Iterable[Module], user: Any) -> Module:
    """Set the modules that must be done before ``module``: same version, never itself, never a cycle."""
    _require_admin(user)
    version_require_editable(module.version)
    chosen = list(prerequisites)
    others = sorted({str(p) for p in chosen if p.version_id != module.version_id})
    if others:
        raise ValidationError(
            {"prerequisites": f"Prerequisites must be in the same version: {', '.join(others)} are not."}
        )
    through = Module.prerequisites.through
    edges: dict[int, set[int]] = {}
    for from_id, to_id in through.objects.filter(from_module__version_id=module.version_id).values_list(
        "from_module_id", "to_module_id"
    ):
        edges.setdefault(from_id, set()).add(to_id)
    cycle = prerequisite_cycle(module_id=module.pk, prerequisite_ids=[p.pk for p in chosen], edges=edges)
    if cycle:
        titles = dict(Module.objects.filter(pk__in=cycle).values_list("pk", "title"))
        raise ValidationError({"prerequisites": cycle_message([titles[pk] for pk in cycle])})
    module.prerequisites.set(chosen)
    return module


@dataclass(frozen=True)
class ChoiceInput:
    """A choice of a question being saved."""

    text: str
    is_correct: bool = False


def question_choice_problems(*, kind: str, correct: Sequence[bool]) -> list[str]:
    """What is wrong with a question's choices (``correct``: each choice's ``is_correct``), empty when fine."""
    count, right = len(correct), sum(1 for flag in correct if flag)
    if kind == QuestionKind.SHORT_TEXT:
        return ["A short-text question has no choices; a reviewer grades it."] if count else []
    if kind == QuestionKind.TRUE_FALSE and count != 2:
        return ["A true/false question has exactly two choices."]
    if kind != QuestionKind.TRUE_FALSE and count < 2:
        return ["Give at least two choices."]
    if kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and right != 1:
        return [f"Exactly one choice must be correct ({right} are)."]
    if kind == QuestionKind.MULTIPLE and right < 1:
        return ["At least one choice must be correct."]
    return []


@transaction.atomic
def question_save(
    *,
    module: Module,
    user: Any,
    text: str,
    kind: str = QuestionKind.SINGLE,
    choices: Sequence[ChoiceInput] = (),
    position: int = 0,
    points: int = 1,
    explanation: str = "",
    question: Question | None = None,
) -> Question:
    """Add a question to a quiz of a draft (or change ``question``), replacing its choices with ``choices``."""
    _require_admin(user)
    version_require_editable(module.version)
    if module.kind != ModuleKind.QUIZ:
        raise ValidationError({"module": f"“{module.title}” is a {module.get_kind_display().lower()}, not a quiz."})
    if question is None:
        question = Question(module=module)
    elif question.module_id != module.pk:
        raise ValidationError({"question": "The question belongs to another module."})
    question.kind, question.text, question.position = kind, text, position
    question.points, question.explanation = points, explanation
    _full_clean(question)
    problems = question_choice_problems(kind=kind, correct=[choice.is_correct for choice in choices])
    if problems:
        raise ValidationError({"choices": problems})
    blank = [index for index, choice in enumerate(choices) if not choice.text.strip()]
    if blank:
        raise ValidationError({"choices": f"Choice {blank[0] + 1} has no text."})
    question.save()
    question.choices.all().delete()
    Choice.objects.bulk_create(
        [
            Choice(question=question, text=choice.text.strip(), is_correct=choice.is_correct, position=index)
            for index, choice in enumerate(choices, start=1)
        ]
    )
    return question


def due_date_for(*, module: Module, start_date: date, market: Market | None) -> date:
    """The day ``module`` is due for an enrollment starting on ``start_date``: ``due_business_days`` working days
    later, skipping weekends and the public holidays of ``market`` (none when the agent's team has no market)."""
    # A window wide enough for the weekends and holidays in between.
    horizon = start_date + timedelta(days=module.due_business_days * 2 + 60)
    holidays = set(market.public_holidays(start_date, horizon)) if market is not None else set()
    return add_business_days(start_date, module.due_business_days, holidays)
