"""The calibration part of the performance API: calibration sessions (list, retrieve, create), closing a session, its
reviews (blind per conversation) and its results.

Sessions are listed for their reviewers, their facilitator, QA leads of the team and admins; everybody else gets an
empty list. Results open to a reviewer once they submitted a review of every conversation (or the session closed).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from supportops.api.schema import FIELD_ERRORS as _FIELD_ERRORS
from supportops.models import Conversation, Team

from .. import services
from ..models import CalibrationSession, Rating, Review, ReviewStatus, ScorecardVersion

_FORBIDDEN = OpenApiResponse(description="The user sees the session but may not do this.")


def _percent(value: Any) -> float | None:
    return None if value is None else float(services.score_to_decimal(value) or 0)


class CalibrationSessionSerializer(serializers.ModelSerializer[CalibrationSession]):
    """A session: its team, scorecard version, facilitator, conversations and reviewers, and which conversations the
    viewer has submitted a review of."""

    team_id = serializers.IntegerField(read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    version_id = serializers.IntegerField(read_only=True)
    scorecard_name = serializers.CharField(source="version.scorecard.name", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)
    facilitator_id = serializers.IntegerField(read_only=True)
    facilitator_name = serializers.SerializerMethodField()
    conversation_ids = serializers.SerializerMethodField()
    reviewer_ids = serializers.SerializerMethodField()
    submitted_conversation_ids = serializers.SerializerMethodField(
        help_text="Conversations of the session the viewer has submitted a calibration or benchmark review of."
    )

    class Meta:
        model = CalibrationSession
        fields = [
            "id", "name", "team_id", "team_name", "version_id", "scorecard_name", "version_number", "facilitator_id",
            "facilitator_name", "conversation_ids", "reviewer_ids", "status", "due_date", "created_at", "closed_at",
            "submitted_conversation_ids",
        ]  # fmt: skip
        read_only_fields = fields

    def get_facilitator_name(self, session: CalibrationSession) -> str:
        return session.facilitator.get_full_name() or session.facilitator.username

    def get_conversation_ids(self, session: CalibrationSession) -> list[int]:
        return sorted(conversation.pk for conversation in session.conversations.all())

    def get_reviewer_ids(self, session: CalibrationSession) -> list[int]:
        return sorted(reviewer.pk for reviewer in session.reviewers.all())

    def get_submitted_conversation_ids(self, session: CalibrationSession) -> list[int]:
        return sorted({review.conversation_id for review in getattr(session, "viewer_reviews", [])})


class CalibrationSessionInSerializer(serializers.Serializer[Any]):
    """A session to open: the facilitator is the user."""

    name = serializers.CharField(max_length=120, allow_blank=True)
    team_id = serializers.IntegerField()
    conversation_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    reviewer_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    version_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class CalibrationRatingSerializer(serializers.ModelSerializer[Rating]):
    """One criterion's rating in a calibration review (``value`` null: N/A)."""

    criterion_key = serializers.CharField(source="criterion.key", read_only=True)

    class Meta:
        model = Rating
        fields = ["criterion_key", "value", "comment"]
        read_only_fields = fields


class CalibrationReviewSerializer(serializers.ModelSerializer[Review]):
    """A calibration or benchmark review of the session, with its ratings."""

    conversation_id = serializers.IntegerField(read_only=True)
    reviewer_id = serializers.IntegerField(read_only=True)
    reviewer_name = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()
    ratings = CalibrationRatingSerializer(many=True, read_only=True)

    class Meta:
        model = Review
        fields = [
            "id", "conversation_id", "reviewer_id", "reviewer_name", "kind", "status", "score", "critical_failed",
            "auto_failed", "submitted_at", "comment", "ratings",
        ]  # fmt: skip
        read_only_fields = fields

    def get_reviewer_name(self, review: Review) -> str:
        return review.reviewer.get_full_name() or review.reviewer.username

    def get_score(self, review: Review) -> float | None:
        return None if review.score is None else float(review.score)


class CriterionResultSerializer(serializers.Serializer[Any]):
    """One criterion of one conversation: the answers chosen (value → count, ``na`` for N/A) and the benchmark."""

    key = serializers.CharField()
    name = serializers.CharField()
    distribution = serializers.SerializerMethodField()
    benchmark_value = serializers.IntegerField(allow_null=True)

    def get_distribution(self, result: services.CriterionResult) -> dict[str, int]:
        return {("na" if value is None else str(value)): count for value, count in result.distribution.items()}


class ConversationResultSerializer(serializers.Serializer[Any]):
    """One conversation's results."""

    conversation_id = serializers.IntegerField()
    title = serializers.CharField()
    reviews_submitted = serializers.IntegerField()
    has_benchmark = serializers.BooleanField()
    criteria = CriterionResultSerializer(many=True)


class ReviewerAlignmentSerializer(serializers.Serializer[Any]):
    """A reviewer's alignment with the benchmark on one conversation (percent, three decimals)."""

    conversation_id = serializers.IntegerField()
    alignment = serializers.SerializerMethodField()
    score_difference = serializers.SerializerMethodField()

    def get_alignment(self, result: Any) -> float | None:
        return _percent(result.alignment)

    def get_score_difference(self, result: Any) -> float | None:
        return _percent(result.score_difference)


class ReviewerResultSerializer(serializers.Serializer[Any]):
    """A reviewer's alignment over the session (percent, three decimals; null without a benchmark)."""

    reviewer_id = serializers.IntegerField()
    name = serializers.CharField()
    reviews_submitted = serializers.IntegerField()
    alignment = serializers.SerializerMethodField()
    conversations = ReviewerAlignmentSerializer(many=True)

    def get_alignment(self, result: services.ReviewerResult) -> float | None:
        return _percent(result.alignment)


class CalibrationResultsSerializer(serializers.Serializer[Any]):
    """A session's results: distributions, alignment, and Krippendorff's alpha (ordinal) with why it is undefined."""

    session_id = serializers.IntegerField()
    status = serializers.CharField()
    conversations = ConversationResultSerializer(many=True)
    reviewers = ReviewerResultSerializer(many=True)
    alpha = serializers.FloatField(allow_null=True)
    alpha_reason = serializers.CharField()
    alignment_note = serializers.CharField()


def _pick_all(queryset: QuerySet[Any], ids: list[int], field: str, label: str) -> list[Any]:
    found = {item.pk: item for item in queryset.filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise serializers.ValidationError({field: [f"No {label} has id {missing[0]}."]})
    return [found[pk] for pk in dict.fromkeys(ids)]


class CalibrationSessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[CalibrationSession],
):
    """Calibration sessions: for their reviewers, facilitator, the team's QA leads and admins; QA leads and admins
    open them."""

    serializer_class = CalibrationSessionSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[CalibrationSession]:
        user = self.request.user
        return services.calibration_session_list(user=user).prefetch_related(
            Prefetch("conversations", queryset=Conversation.objects.only("pk")),
            Prefetch("reviewers", queryset=get_user_model().objects.only("pk")),
            Prefetch(
                "reviews",
                queryset=Review.objects.filter(reviewer_id=user.pk, status=ReviewStatus.SUBMITTED).only(
                    "pk", "conversation_id", "calibration_id"
                ),
                to_attr="viewer_reviews",
            ),
        )

    @extend_schema(
        request=CalibrationSessionInSerializer,
        responses={201: CalibrationSessionSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = CalibrationSessionInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        team = _pick_all(Team.objects.select_related("market"), [values["team_id"]], "team_id", "team")[0]
        version = None
        if values["version_id"] is not None:
            version = _pick_all(ScorecardVersion.objects.all(), [values["version_id"]], "version_id", "version")[0]
        session = services.calibration_session_create(
            name=values["name"],
            team=team,
            conversations=_pick_all(
                Conversation.objects.select_related("agent"),
                values["conversation_ids"],
                "conversation_ids",
                "conversation",
            ),
            reviewers=_pick_all(get_user_model().objects.all(), values["reviewer_ids"], "reviewer_ids", "user"),
            user=request.user,
            version=version,
            due_date=values["due_date"],
        )
        return Response(
            CalibrationSessionSerializer(self.get_queryset().get(pk=session.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses={200: CalibrationSessionSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close the session once every conversation has a submitted benchmark (facilitator, QA leads, admins)."""
        session = services.calibration_session_close(session=self.get_object(), user=request.user)
        return Response(CalibrationSessionSerializer(self.get_queryset().get(pk=session.pk)).data)

    @extend_schema(responses={200: CalibrationReviewSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def reviews(self, request: Request, pk: str | None = None) -> Response:
        """The session's reviews you may read: blind per conversation until you submitted yours."""
        rows = services.calibration_session_reviews(session=self.get_object(), user=request.user)
        return Response(CalibrationReviewSerializer(rows, many=True).data)

    @extend_schema(responses={200: CalibrationResultsSerializer, 403: _FORBIDDEN})
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        """Answer distributions, alignment with the benchmark and Krippendorff's alpha."""
        result = services.calibration_results(self.get_object(), user=request.user)
        return Response(CalibrationResultsSerializer(result).data)


def register(router: SimpleRouter) -> None:
    """Add this topic's viewsets to the performance router."""
    router.register("calibration-sessions", CalibrationSessionViewSet, basename="calibration-session")
