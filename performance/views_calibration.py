"""Calibration pages: the sessions a user takes part in, opening a session, one session's conversations and progress
(blind: a reviewer sees only their own progress), starting a calibration or benchmark review, closing, and results.

Agents get a 403 page; a session the user does not take part in is a 404. Writes go through the calibration and
review services; a refused write shows the service's message on the page it came from (400) and stores nothing.
Reviews themselves are written on the review workspace page (``qa-review``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from supportops import access
from supportops.models import Conversation, Team

from . import services
from .models import CalibrationSession, CalibrationStatus, QASettings, Review, ReviewKind, ReviewStatus, is_qa_lead
from .services.scorecards import version_with_criteria

RECENT_CONVERSATIONS = 50
ALPHA_EXPLANATION = (
    "Krippendorff's alpha (ordinal) measures how far the reviewers agree beyond chance: 1 is full agreement, "
    "0 what chance gives; above 0.8 is reliable."
)

# --- helpers ----------------------------------------------------------------------------------------------------------


def _takes_part_in_qa(user: Any) -> bool:
    return access.is_admin(user) or access.is_qa_reviewer(user) or access.is_manager(user) or is_qa_lead(user)


def _forbidden(request: HttpRequest, title: str, text: str) -> HttpResponse:
    return render(request, "performance/calibration_forbidden.html", {"title": title, "text": text}, status=403)


def _agents_forbidden(request: HttpRequest) -> HttpResponse:
    return _forbidden(
        request,
        "Calibration is for QA reviewers, QA leads and admins",
        "Your own reviews and their scores are on My reviews.",
    )


def _display_name(user: Any) -> str:
    return user.get_full_name() or user.username


def _session_or_404(request: HttpRequest, pk: int) -> CalibrationSession:
    return get_object_or_404(services.calibration_session_list(user=request.user), pk=pk)


# --- the list ---------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def calibration_list(request: HttpRequest) -> HttpResponse:
    """The sessions the user takes part in, newest first, with the viewer's own progress."""
    user: Any = request.user
    if not _takes_part_in_qa(user):
        return _agents_forbidden(request)
    mine = Q(reviews__reviewer_id=user.pk, reviews__status=ReviewStatus.SUBMITTED)
    sessions = list(
        services.calibration_session_list(user=user)
        .annotate(
            conversations_total=Count("conversations", distinct=True),
            reviewed=Count(
                "reviews__conversation", filter=mine & Q(reviews__kind=ReviewKind.CALIBRATION), distinct=True
            ),
            benchmarked=Count(
                "reviews__conversation", filter=mine & Q(reviews__kind=ReviewKind.BENCHMARK), distinct=True
            ),
            is_reviewer=Exists(
                CalibrationSession.reviewers.through.objects.filter(
                    calibrationsession_id=OuterRef("pk"), user_id=user.pk
                )
            ),
        )
        .order_by("-created_at", "-pk")
    )
    context = {"sessions": sessions, "may_create": is_qa_lead(user)}
    return render(request, "performance/calibration_list.html", context)


# --- a new session ----------------------------------------------------------------------------------------------------


def _teams_led_by(user: Any) -> QuerySet[Team]:
    teams = Team.objects.select_related("market").order_by("name")
    if access.is_admin(user):
        return teams
    return teams.filter(pk__in=QASettings.objects.filter(leads=user).values("team_id"))


def _reviewer_candidates(team: Team) -> list[Any]:
    leads = QASettings.objects.filter(team=team, leads__isnull=False).values("leads")
    return list(
        get_user_model()
        .objects.filter(Q(reviewed_teams=team) | Q(pk__in=leads), is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def _recent_conversations(team: Team) -> list[Conversation]:
    return list(
        Conversation.objects.filter(agent__team=team)
        .select_related("agent__user")
        .order_by("-created_at", "-pk")[:RECENT_CONVERSATIONS]
    )


def _ids(values: list[str]) -> tuple[list[int], list[str]]:
    """Integers out of checkbox values and typed text (ids separated by commas or spaces), and what was not one."""
    ids: list[int] = []
    bad: list[str] = []
    for value in values:
        for part in value.replace(",", " ").split():
            if part.isdigit():
                ids.append(int(part))
            else:
                bad.append(part)
    return ids, bad


@dataclass
class NewSessionForm:
    """What the new-session form shows and what was posted (kept on a refused post)."""

    name: str = ""
    due_date: str = ""
    typed_ids: str = ""
    conversation_ids: set[int] = field(default_factory=set)
    reviewer_ids: set[int] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


def _render_new(
    request: HttpRequest, teams: list[Team], team: Team, form: NewSessionForm, status: int = 200
) -> HttpResponse:
    context = {
        "teams": teams,
        "team": team,
        "form": form,
        "conversations": _recent_conversations(team),
        "candidates": _reviewer_candidates(team),
        "recent_count": RECENT_CONVERSATIONS,
    }
    return render(request, "performance/calibration_new.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def calibration_new(request: HttpRequest) -> HttpResponse:
    """Open a calibration session (QA leads of a team and admins): name, team, conversations, reviewers, due date."""
    teams = list(_teams_led_by(request.user))
    if not teams:
        return _forbidden(
            request,
            "Only QA leads and admins open calibration sessions",
            "Ask a QA lead of your team to add you to a session.",
        )
    data = request.POST if request.method == "POST" else request.GET
    chosen = data.get("team", "")
    team = next((team for team in teams if str(team.pk) == chosen or team.slug == chosen), teams[0])
    if request.method == "GET":
        return _render_new(request, teams, team, NewSessionForm())

    form = NewSessionForm(
        name=request.POST.get("name", "").strip(),
        due_date=request.POST.get("due_date", "").strip(),
        typed_ids=request.POST.get("conversation_ids", "").strip(),
    )
    checked, _ = _ids(request.POST.getlist("conversation"))
    typed, bad_typed = _ids([form.typed_ids])
    reviewer_ids, _ = _ids(request.POST.getlist("reviewer"))
    form.conversation_ids = set(checked)
    form.reviewer_ids = set(reviewer_ids)
    if chosen and str(team.pk) != chosen and team.slug != chosen:
        form.errors.append("Choose a team you lead.")
    if bad_typed:
        form.errors.append(f"Conversation ids are numbers: {', '.join(bad_typed)} is not one.")
    due: date | None = None
    if form.due_date:
        try:
            due = date.fromisoformat(form.due_date)
        except ValueError:
            form.errors.append("Enter the due date as YYYY-MM-DD.")
    wanted = list(dict.fromkeys([*checked, *typed]))
    visible = Conversation.objects.visible_to(request.user).values("pk")
    found = {
        conversation.pk: conversation
        for conversation in Conversation.objects.filter(pk__in=wanted)
        .filter(Q(agent__team=team) | Q(pk__in=visible))
        .select_related("agent")
    }
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        form.errors.append(f"No conversation with id {', '.join(missing)}.")
    users = {user.pk: user for user in get_user_model().objects.filter(pk__in=reviewer_ids)}
    if form.errors:
        return _render_new(request, teams, team, form, status=400)
    try:
        session = services.calibration_session_create(
            name=form.name,
            team=team,
            conversations=[found[pk] for pk in wanted],
            reviewers=[users[pk] for pk in reviewer_ids if pk in users],
            user=request.user,
            due_date=due,
        )
    except ValidationError as error:
        form.errors = list(error.messages)
        return _render_new(request, teams, team, form, status=400)
    except PermissionDenied as error:
        form.errors = [str(error)]
        return _render_new(request, teams, team, form, status=403)
    messages.success(request, f"Session “{session}” opened.")
    return redirect("qa-calibration-session", pk=session.pk)


# --- one session ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewState:
    """One review slot of a conversation: not started, draft or submitted (with the review when there is one)."""

    review: Review | None

    @property
    def label(self) -> str:
        if self.review is None:
            return "Not started"
        return "Submitted" if self.review.is_submitted else "Draft"

    @property
    def css(self) -> str:
        if self.review is None:
            return "state-declined"
        return "state-approved" if self.review.is_submitted else "state-pending"


@dataclass
class ConversationRow:
    """A conversation of the session with the viewer's own review, the benchmark (facilitator) and, for managers
    of the session, each reviewer's state."""

    conversation: Conversation
    mine: ReviewState
    benchmark: ReviewState
    reviewers: list[ReviewState]


@dataclass(frozen=True)
class ReviewerProgress:
    """A reviewer of the session and how many of its conversations they submitted."""

    name: str
    submitted: int
    total: int


def _render_session(
    request: HttpRequest, session: CalibrationSession, *, status: int = 200, error: str = ""
) -> HttpResponse:
    user: Any = request.user
    conversations = list(session.conversations.select_related("agent__user", "queue").order_by("created_at", "pk"))
    reviewers = list(session.reviewers.order_by("first_name", "last_name", "username", "pk"))
    may_manage = services.calibration_sessions_may_manage(session, user)
    is_reviewer = any(reviewer.pk == user.pk for reviewer in reviewers)
    is_facilitator = session.facilitator_id == user.pk
    reviews = services.calibration_session_reviews(session=session, user=user)
    calibration = {
        (review.conversation_id, review.reviewer_id): review
        for review in reviews
        if review.kind == ReviewKind.CALIBRATION
    }
    benchmarks = {review.conversation_id: review for review in reviews if review.kind == ReviewKind.BENCHMARK}
    rows = [
        ConversationRow(
            conversation=conversation,
            mine=ReviewState(calibration.get((conversation.pk, user.pk))),
            benchmark=ReviewState(benchmarks.get(conversation.pk)),
            # blind: other reviewers' progress is only for those who run the session
            reviewers=[ReviewState(calibration.get((conversation.pk, reviewer.pk))) for reviewer in reviewers]
            if may_manage
            else [],
        )
        for conversation in conversations
    ]
    progress = (
        [
            ReviewerProgress(
                name=_display_name(reviewer),
                submitted=sum(1 for row in rows if row.reviewers[index].label == "Submitted"),
                total=len(rows),
            )
            for index, reviewer in enumerate(reviewers)
        ]
        if may_manage
        else []
    )
    my_submitted = sum(1 for row in rows if row.mine.label == "Submitted")
    closed = session.status == CalibrationStatus.CLOSED
    # the same rule as calibration_results(user=...): managers, and reviewers done with every conversation
    results_allowed = may_manage or (is_reviewer and (closed or my_submitted == len(rows)))
    context = {
        "session": session,
        "rows": rows,
        "reviewers": [_display_name(reviewer) for reviewer in reviewers],
        "progress": progress,
        "may_manage": may_manage,
        "is_reviewer": is_reviewer,
        "is_facilitator": is_facilitator,
        "is_open": not closed,
        "my_submitted": my_submitted,
        "benchmarks_submitted": sum(1 for row in rows if row.benchmark.label == "Submitted"),
        "results_allowed": results_allowed,
        "error": error,
    }
    return render(request, "performance/calibration_session.html", context, status=status)


@login_required
@require_GET
def calibration_session(request: HttpRequest, pk: int) -> HttpResponse:
    """A session's conversations with the viewer's own review state; progress of every reviewer for its managers."""
    if not _takes_part_in_qa(request.user):
        return _agents_forbidden(request)
    return _render_session(request, _session_or_404(request, pk))


@login_required
@require_POST
def calibration_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the session (its facilitator, a QA lead of the team or an admin; every benchmark submitted)."""
    if not _takes_part_in_qa(request.user):
        return _agents_forbidden(request)
    session = _session_or_404(request, pk)
    try:
        services.calibration_session_close(session=session, user=request.user)
    except ValidationError as error:
        return _render_session(request, session, status=400, error=" ".join(error.messages))
    except PermissionDenied as error:
        return _render_session(request, session, status=403, error=str(error))
    messages.success(request, f"“{session}” is closed: every reviewer now sees every review and the results.")
    return redirect("qa-calibration-session", pk=session.pk)


@login_required
@require_POST
def calibration_review(request: HttpRequest, pk: int, conversation_id: int) -> HttpResponse:
    """Open (or continue) the viewer's calibration review, or the facilitator's benchmark, of a conversation."""
    if not _takes_part_in_qa(request.user):
        return _agents_forbidden(request)
    session = _session_or_404(request, pk)
    conversation = get_object_or_404(session.conversations.select_related("agent"), pk=conversation_id)
    kind = request.POST.get("kind", ReviewKind.CALIBRATION)
    if kind not in (ReviewKind.CALIBRATION, ReviewKind.BENCHMARK):
        return _render_session(request, session, status=400, error="Choose a calibration or a benchmark review.")
    try:
        review = services.review_start(conversation=conversation, reviewer=request.user, kind=kind, calibration=session)
    except ValidationError as error:
        return _render_session(request, session, status=400, error=" ".join(error.messages))
    except PermissionDenied as error:
        return _render_session(request, session, status=403, error=str(error))
    return redirect("qa-review", pk=review.pk)


# --- results ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One value of a criterion's scale: its label, how many reviewers chose it, whether the benchmark did."""

    label: str
    count: int
    is_benchmark: bool


@dataclass(frozen=True)
class CriterionAnswers:
    """A row of a conversation's results table."""

    name: str
    answers: list[Answer]


@dataclass(frozen=True)
class ConversationAnswers:
    """One conversation's results: reviews counted, whether a benchmark exists, its criteria rows."""

    conversation: Conversation | None
    title: str
    reviews_submitted: int
    has_benchmark: bool
    criteria: list[CriterionAnswers]


@dataclass(frozen=True)
class AlignmentBar:
    """A reviewer's alignment with the benchmark in %, as a bar."""

    name: str
    value: float | None
    reviews: int


@login_required
@require_GET
def calibration_results(request: HttpRequest, pk: int) -> HttpResponse:
    """Krippendorff's alpha, each reviewer's alignment with the benchmark, and each criterion's answers."""
    if not _takes_part_in_qa(request.user):
        return _agents_forbidden(request)
    session = _session_or_404(request, pk)
    try:
        results = services.calibration_results(session, user=request.user)
    except PermissionDenied:
        return _forbidden(
            request,
            "Submit your reviews first",
            "Calibration is blind: the results open once you submitted your review of every conversation.",
        )
    version = version_with_criteria(session.version_id)
    choices = {
        criterion.key: dict(criterion.choices)
        for section in version.sections.all()
        for criterion in section.criteria.all()
    }
    conversations = {
        conversation.pk: conversation for conversation in session.conversations.select_related("agent__user")
    }
    tables = [
        ConversationAnswers(
            conversation=conversations.get(result.conversation_id),
            title=result.title,
            reviews_submitted=result.reviews_submitted,
            has_benchmark=result.has_benchmark,
            criteria=[
                CriterionAnswers(
                    name=criterion.name,
                    answers=[
                        Answer(
                            label="N/A" if value is None else choices[criterion.key].get(value, str(value)),
                            count=count,
                            is_benchmark=result.has_benchmark and value == criterion.benchmark_value,
                        )
                        for value, count in criterion.distribution.items()
                    ],
                )
                for criterion in result.criteria
            ],
        )
        for result in results.conversations
    ]
    bars = [
        AlignmentBar(
            name=reviewer.name,
            value=None if reviewer.alignment is None else float(reviewer.alignment),
            reviews=reviewer.reviews_submitted,
        )
        for reviewer in results.reviewers
    ]
    context = {
        "session": session,
        "results": results,
        "alpha_explanation": ALPHA_EXPLANATION,
        "bars": bars,
        "tables": tables,
    }
    return render(request, "performance/calibration_results.html", context)
