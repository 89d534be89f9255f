"""Writes of the core app: users and roles, agents and their lifecycle, conversation imports."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import access
from .choices import AGENT_STATUS_TRANSITIONS, AgentStatus, AuthorRole, JobStatus, Role
from .models import (
    Agent,
    AgentSkill,
    AgentStatusChange,
    Conversation,
    ConversationMessage,
    Job,
    Queue,
    Skill,
    Team,
)

MAX_CONVERSATIONS_PER_IMPORT = 1000


# --- Users and roles ---------------------------------------------------------------------------


@transaction.atomic
def user_set_roles(*, user: User, roles: Iterable[Role | str]) -> User:
    """Give a user exactly these roles. Admins also get access to the Django admin (``is_staff``)."""
    wanted = {Role(role) for role in roles}
    groups = {group.name: group for group in Group.objects.filter(name__in=[role.value for role in Role])}
    missing = [role.value for role in wanted if role.value not in groups]
    if missing:
        raise ValidationError({"roles": f"Role groups are missing (run migrate): {', '.join(missing)}."})
    user.groups.remove(*[groups[role.value] for role in Role if role not in wanted])
    user.groups.add(*[groups[role.value] for role in wanted])
    user.is_staff = user.is_superuser or Role.ADMIN in wanted
    user.save(update_fields=["is_staff"])
    access.forget_roles(user)
    return user


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    roles: Iterable[Role | str] = (),
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a login with the given roles; without a password the account cannot sign in until one is set."""
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user_set_roles(user=user, roles=roles)


# --- Agents --------------------------------------------------------------------------------------


@transaction.atomic
def agent_create(*, user: User, changed_by: User | None = None, **fields: Any) -> Agent:
    """Make an agent of an existing user, give them the Agent role and record their first status."""
    agent = Agent(user=user, **fields)
    agent.full_clean()
    agent.save()
    agent_record_start(agent=agent, changed_by=changed_by)
    return agent


@transaction.atomic
def agent_change_status(
    *,
    agent: Agent,
    status: AgentStatus | str,
    effective_date: date | None = None,
    changed_by: User | None = None,
    note: str = "",
) -> AgentStatusChange:
    """Move an agent along their lifecycle, keeping the dated history.

    Allowed moves are in ``choices.AGENT_STATUS_TRANSITIONS`` (onboarding → nesting → active →
    on leave → exited, plus the ways back that real organisations use).
    """
    new_status = AgentStatus(status)
    current = AgentStatus(agent.status)
    if new_status == current:
        raise ValidationError({"status": f"The agent is already {current.label.lower()}."})
    if new_status not in AGENT_STATUS_TRANSITIONS[current]:
        allowed = ", ".join(sorted(AgentStatus(s).label.lower() for s in AGENT_STATUS_TRANSITIONS[current]))
        raise ValidationError({"status": f"An agent who is {current.label.lower()} can move only to: {allowed}."})
    effective = effective_date or timezone.localdate(timezone=agent.zone)
    last = agent.status_changes.order_by("-effective_date", "-recorded_at").first()
    if last is not None and effective < last.effective_date:
        raise ValidationError(
            {"effective_date": f"Must be on or after the last change ({last.effective_date.isoformat()})."}
        )
    agent.status = new_status
    agent.save(update_fields=["status"])
    return AgentStatusChange.objects.create(
        agent=agent,
        status=new_status,
        previous_status=current,
        effective_date=effective,
        changed_by=changed_by,
        note=note,
    )


# --- Conversations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageInput:
    """One transcript message as received from a helpdesk or the API."""

    author_role: str
    body: str
    sent_at: datetime
    author_name: str = ""


@dataclass(frozen=True)
class ConversationInput:
    """One conversation as received; ``messages`` replaces the stored transcript when given."""

    source: str
    external_id: str
    created_at: datetime
    queue_id: int | None = None
    agent_id: int | None = None
    subject: str = ""
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    handle_time_seconds: int | None = None
    reopen_count: int = 0
    csat_score: int | None = None
    csat_comment: str = ""
    tags: list[str] = field(default_factory=list)
    messages: list[MessageInput] | None = None


@dataclass(frozen=True)
class ConversationImportResult:
    """What an import did: how many rows it created and updated, and the stored conversations in order."""

    created: int
    updated: int
    conversations: list[Conversation]


class ConversationImportError(ValidationError):
    """An import refused as a whole; ``row_errors`` maps a 0-based row index to field → messages."""

    def __init__(self, row_errors: dict[int, dict[str, list[str]]]):
        self.row_errors = row_errors
        first_row = min(row_errors)
        first_field, first_messages = next(iter(row_errors[first_row].items()))
        super().__init__(f"Row {first_row}: {first_field}: {first_messages[0]}")


_CONVERSATION_FIELDS = (
    "queue_id",
    "agent_id",
    "subject",
    "created_at",
    "first_response_at",
    "resolved_at",
    "handle_time_seconds",
    "reopen_count",
    "csat_score",
    "csat_comment",
    "tags",
)


def _validate_rows(rows: Sequence[ConversationInput]) -> dict[int, dict[str, list[str]]]:
    errors: dict[int, dict[str, list[str]]] = {}
    known_queues = set(
        Queue.objects.filter(pk__in={r.queue_id for r in rows if r.queue_id}).values_list("pk", flat=True)
    )
    known_agents = set(
        Agent.objects.filter(pk__in={r.agent_id for r in rows if r.agent_id}).values_list("pk", flat=True)
    )
    first_row_of_key: dict[tuple[str, str], int] = {}
    valid_roles = set(AuthorRole.values)
    for index, row in enumerate(rows):
        row_errors: dict[str, list[str]] = {}
        key = (row.source, row.external_id)
        if key in first_row_of_key:
            row_errors["external_id"] = [
                f"Repeats row {first_row_of_key[key]} ({row.source} #{row.external_id}); send each once."
            ]
        else:
            first_row_of_key[key] = index
        if row.queue_id is not None and row.queue_id not in known_queues:
            row_errors["queue_id"] = [f"No queue has id {row.queue_id}."]
        if row.agent_id is not None and row.agent_id not in known_agents:
            row_errors["agent_id"] = [f"No agent has id {row.agent_id}."]
        candidate = Conversation(
            source=row.source,
            external_id=row.external_id,
            **{name: getattr(row, name) for name in _CONVERSATION_FIELDS},
        )
        try:
            candidate.full_clean(exclude=["queue", "agent"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for field_name, messages in error.message_dict.items():
                row_errors.setdefault(field_name, []).extend(messages)
        for position, message in enumerate(row.messages or []):
            if message.author_role not in valid_roles:
                row_errors.setdefault(f"messages[{position}].author_role", []).append(
                    f"“{message.author_role}” is not one of {', '.join(sorted(valid_roles))}."
                )
            if timezone.is_naive(message.sent_at):
                row_errors.setdefault(f"messages[{position}].sent_at", []).append("Give a time zone offset.")
        for name in ("created_at", "first_response_at", "resolved_at"):
            value = getattr(row, name)
            if value is not None and timezone.is_naive(value):
                row_errors.setdefault(name, []).append("Give a time zone offset (e.g. 2026-03-01T09:00:00Z).")
        if row_errors:
            errors[index] = row_errors
    return errors


@transaction.atomic
def conversations_import(*, rows: Sequence[ConversationInput]) -> ConversationImportResult:
    """Create or update conversations all-or-nothing, keyed by (source, external id).

    Every row is checked before anything is written; one bad row refuses the whole batch with
    the row and field named (``ConversationImportError``). A row whose key exists updates that conversation,
    and its transcript is replaced when the row carries one.
    """
    if not rows:
        raise ConversationImportError({0: {"non_field_errors": ["Send at least one conversation."]}})
    if len(rows) > MAX_CONVERSATIONS_PER_IMPORT:
        raise ConversationImportError(
            {0: {"non_field_errors": [f"Send at most {MAX_CONVERSATIONS_PER_IMPORT} conversations at once."]}}
        )
    errors = _validate_rows(rows)
    if errors:
        raise ConversationImportError(errors)

    existing: dict[tuple[str, str], Conversation] = {}
    for source in {row.source for row in rows}:
        ids = [row.external_id for row in rows if row.source == source]
        for conversation in Conversation.objects.filter(source=source, external_id__in=ids):
            existing[(conversation.source, conversation.external_id)] = conversation

    to_create: list[Conversation] = []
    to_update: list[Conversation] = []
    ordered: list[Conversation] = []
    for row in rows:
        values = {name: getattr(row, name) for name in _CONVERSATION_FIELDS}
        found = existing.get((row.source, row.external_id))
        if found is None:
            conversation = Conversation(source=row.source, external_id=row.external_id, **values)
            to_create.append(conversation)
        else:
            conversation = found
            for name, value in values.items():
                setattr(conversation, name, value)
            to_update.append(conversation)
        ordered.append(conversation)

    now = timezone.now()
    for conversation in to_create:
        conversation.imported_at = now
        conversation.updated_at = now
    Conversation.objects.bulk_create(to_create)
    if to_create and to_create[0].pk is None:  # databases that do not return ids (none we support)
        raise RuntimeError("The database did not return ids for created conversations.")
    for conversation in to_update:
        conversation.updated_at = now
    if to_update:
        Conversation.objects.bulk_update(to_update, [*_CONVERSATION_FIELDS, "updated_at"], batch_size=500)

    with_transcripts = [(conv, row) for conv, row in zip(ordered, rows, strict=True) if row.messages is not None]
    if with_transcripts:
        ConversationMessage.objects.filter(conversation__in=[conv for conv, _ in with_transcripts]).delete()
        ConversationMessage.objects.bulk_create(
            [
                ConversationMessage(
                    conversation=conv,
                    position=position,
                    author_role=message.author_role,
                    author_name=message.author_name,
                    body=message.body,
                    sent_at=message.sent_at,
                )
                for conv, row in with_transcripts
                for position, message in enumerate(row.messages or [])
            ],
            batch_size=1000,
        )
    return ConversationImportResult(created=len(to_create), updated=len(to_update), conversations=ordered)


# --- Agents as the API creates and changes them ---------------------------------------------------

_AGENT_LOGIN_FIELDS = ("username", "first_name", "last_name", "email")


@dataclass(frozen=True)
class SkillLevel:
    """One skill of an agent with its proficiency, 1 (learning) to 5 (expert)."""

    skill: Skill
    proficiency: int


def _check_team_placement(*, team: Team, changed_by: User | None) -> None:
    """Admins place agents in any team, managers only in teams they manage (``None``: the system itself)."""
    if changed_by is not None and not Team.objects.editable_by(changed_by).filter(pk=team.pk).exists():
        raise ValidationError({"team": f"You can place agents only in teams you manage, and “{team}” is not one."})


@transaction.atomic
def agent_set_skills(*, agent: Agent, skills: Sequence[SkillLevel]) -> list[AgentSkill]:
    """Give the agent exactly these skills: new ones are added, changed levels updated, missing ones removed."""
    skill_ids = [level.skill.pk for level in skills]
    if len(skill_ids) != len(set(skill_ids)):
        raise ValidationError({"skills": "List each skill once."})
    existing = {agent_skill.skill_id: agent_skill for agent_skill in agent.agent_skills.all()}
    for skill_id, agent_skill in existing.items():
        if skill_id not in skill_ids:
            agent_skill.delete()
    kept: list[AgentSkill] = []
    for level in skills:
        agent_skill = existing.get(level.skill.pk) or AgentSkill(agent=agent, skill=level.skill)
        if agent_skill.pk is None or agent_skill.proficiency != level.proficiency:
            agent_skill.proficiency = level.proficiency
            agent_skill.full_clean(validate_unique=False, validate_constraints=False)
            agent_skill.save()
        kept.append(agent_skill)
    return kept


@transaction.atomic
def agent_register(
    *,
    username: str,
    team: Team,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    skills: Sequence[SkillLevel] = (),
    changed_by: User | None = None,
    **fields: Any,
) -> Agent:
    """Create a login and its agent record in one step, in a team the creator may place agents in.

    ``fields`` are the other agent fields (tier, start_date, manager...). Nothing is stored when any
    part is refused.
    """
    _check_team_placement(team=team, changed_by=changed_by)
    user = user_create(username=username, password=password, first_name=first_name, last_name=last_name, email=email)
    agent = agent_create(user=user, changed_by=changed_by, team=team, **fields)
    if skills:
        agent_set_skills(agent=agent, skills=skills)
    return agent


@transaction.atomic
def agent_update(
    *, agent: Agent, changed_by: User | None = None, skills: Sequence[SkillLevel] | None = None, **fields: Any
) -> Agent:
    """Change an agent's details, login names and (when given) skills.

    The status is not changed here but by ``agent_change_status``, which keeps the dated history.
    Moving the agent to another team needs the right to place agents in that team.
    """
    if "status" in fields:
        raise ValidationError({"status": "Change the status through a status change, which keeps its history."})
    team = fields.get("team")
    if team is not None and team.pk != agent.team_id:
        _check_team_placement(team=team, changed_by=changed_by)
    login_fields = {name: fields.pop(name) for name in _AGENT_LOGIN_FIELDS if name in fields}
    if login_fields:
        user = agent.user
        for name, value in login_fields.items():
            setattr(user, name, value)
        user.full_clean()
        user.save(update_fields=list(login_fields))
    for name, value in fields.items():
        setattr(agent, name, value)
    agent.full_clean()
    agent.save()
    if skills is not None:
        agent_set_skills(agent=agent, skills=skills)
    return agent


@transaction.atomic
def agent_record_start(*, agent: Agent, changed_by: User | None = None) -> AgentStatusChange:
    """Record the first status of a newly saved agent and give their login the Agent role.

    ``agent_create`` calls it; so does the Django admin, which saves the row itself.
    """
    change = AgentStatusChange.objects.create(
        agent=agent, status=agent.status, effective_date=agent.start_date, changed_by=changed_by, note="Created"
    )
    if not access.has_role(agent.user, Role.AGENT):
        agent.user.groups.add(Group.objects.get(name=Role.AGENT.value))
        access.forget_roles(agent.user)
    return change


# --- Background jobs -----------------------------------------------------------------------------


ProgressCallback = Callable[[float, str], None]


def job_create(*, kind: str, created_by: User | None, parameters: dict[str, Any] | None = None) -> Job:
    """Record a piece of background work before its task is enqueued (queued, 0 % done)."""
    return Job.objects.create(kind=kind, created_by=created_by, parameters=parameters or {})


def job_report_progress(*, job_id: int, fraction: float, message: str = "") -> None:
    """Store how far a running job is (0 to 1). Written outside any surrounding transaction's result,
    as a single UPDATE, so a watcher sees it while the work goes on."""
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        progress=min(1.0, max(0.0, float(fraction))), message=message[:255]
    )


def job_run(*, job_id: int, work: Callable[[ProgressCallback], dict[str, Any]]) -> Job:
    """Run ``work`` for a queued job: running → succeeded with its result, or failed with the reason.

    Idempotent: a job that is not queued (already running elsewhere, or finished) is left alone, so a
    redelivered task does nothing. ``work`` receives a progress callback. A ``ValidationError`` fails
    the job with its message; any other exception fails it and is raised again for the worker's log.
    """
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), message="Started"
    )
    job = Job.objects.get(pk=job_id)
    if not claimed:
        return job

    def progress(fraction: float, message: str = "") -> None:
        job_report_progress(job_id=job_id, fraction=fraction, message=message)

    try:
        result = work(progress)
    except ValidationError as error:
        _job_finish(job, status=JobStatus.FAILED, error="; ".join(error.messages))
        return job
    except Exception as error:
        _job_finish(job, status=JobStatus.FAILED, error=f"{type(error).__name__}: {error}")
        raise
    _job_finish(job, status=JobStatus.SUCCEEDED, result=result)
    return job


def _job_finish(job: Job, *, status: str, result: dict[str, Any] | None = None, error: str = "") -> None:
    job.status = status
    job.result = result
    job.error = error
    job.finished_at = timezone.now()
    job.message = "Done" if status == JobStatus.SUCCEEDED else "Failed"
    if status == JobStatus.SUCCEEDED:
        job.progress = 1.0
    else:
        job.progress = Job.objects.values_list("progress", flat=True).get(pk=job.pk)
    job.save(update_fields=["status", "result", "error", "finished_at", "message", "progress"])
