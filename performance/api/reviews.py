"""Scorecards, reviews and IQS in the performance API.

Scorecards are read by anyone signed in (their guidance is what agents are rated against) and edited by admins.
Reviews follow ``Review.objects.visible_to``: agents see only their own submitted reviews (never drafts, never
calibration reviews), reviewers what they wrote and what their teams' reviews are, managers their teams' results.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from performance import selectors, services
from performance.models import (
    CalibrationSession,
    Criterion,
    Rating,
    Review,
    ReviewKind,
    Scorecard,
    ScorecardVersion,
    Section,
)
from supportops.api.schema import FIELD_ERRORS
from supportops.filtersets import IntegerFilter
from supportops.models import Conversation, Team

# --- scorecards -----------------------------------------------------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer[Criterion]):
    """A criterion with its scale's values and labels."""

    scale_min = serializers.IntegerField(read_only=True)
    scale_max = serializers.IntegerField(read_only=True)
    labels = serializers.ListField(source="scale_labels", child=serializers.CharField(), read_only=True)

    class Meta:
        model = Criterion
        fields = [
            "id", "key", "name", "guidance", "scale", "scale_min", "scale_max", "labels", "weight", "points",
            "allows_na", "is_critical", "position",
        ]  # fmt: skip
        read_only_fields = fields


class SectionSerializer(serializers.ModelSerializer[Section]):
    """A section with its criteria in order."""

    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Section
        fields = ["id", "key", "name", "kind", "position", "criteria"]
        read_only_fields = fields


class ScorecardVersionSerializer(serializers.ModelSerializer[ScorecardVersion]):
    """A version with its sections and criteria."""

    scorecard_name = serializers.CharField(source="scorecard.name", read_only=True)
    scoring_mode = serializers.CharField(source="scorecard.scoring_mode", read_only=True)
    sections = SectionSerializer(many=True, read_only=True)

    class Meta:
        model = ScorecardVersion
        fields = [
            "id", "scorecard", "scorecard_name", "number", "status", "notes", "published_at", "scoring_mode",
            "sections",
        ]  # fmt: skip
        read_only_fields = fields


class ScorecardSerializer(serializers.ModelSerializer[Scorecard]):
    """A scorecard: where it applies and its versions (numbers and statuses)."""

    queue_ids = serializers.PrimaryKeyRelatedField(  # type: ignore[var-annotated]
        source="queues", many=True, read_only=True
    )
    versions = serializers.SerializerMethodField()

    class Meta:
        model = Scorecard
        fields = ["id", "name", "slug", "description", "scoring_mode", "channel", "queue_ids", "is_default",
                  "is_active", "versions"]  # fmt: skip
        read_only_fields = fields

    def get_versions(self, scorecard: Scorecard) -> list[dict[str, Any]]:
        return [
            {"id": version.pk, "number": version.number, "status": version.status}
            for version in scorecard.versions.all()
        ]


class ScorecardPublishInSerializer(serializers.Serializer[Any]):
    """What changed in the version being published."""

    notes = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class ScorecardViewSet(viewsets.ReadOnlyModelViewSet[Scorecard]):
    """Scorecards (read for everyone signed in); admins draft the next version."""

    serializer_class = ScorecardSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[Scorecard]:
        return Scorecard.objects.prefetch_related("queues", "versions").order_by("name")

    @extend_schema(request=None, responses={201: ScorecardVersionSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def draft(self, request: Request, pk: str | None = None) -> Response:
        """Copy the published version into a new draft to edit (admins)."""
        draft = services.scorecard_draft_next(scorecard=self.get_object(), user=request.user)
        version = services.version_with_criteria(draft.pk)
        return Response(ScorecardVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class ScorecardVersionViewSet(viewsets.ReadOnlyModelViewSet[ScorecardVersion]):
    """Scorecard versions with their sections and criteria; admins publish a draft."""

    serializer_class = ScorecardVersionSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[ScorecardVersion]:
        return services.versions_with_criteria().order_by("scorecard__name", "-number")

    @extend_schema(request=ScorecardPublishInSerializer, responses={200: ScorecardVersionSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Publish a draft version; the one before is retired (admins)."""
        body = ScorecardPublishInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = services.scorecard_version_publish(
            version=self.get_object(), user=request.user, notes=body.validated_data["notes"]
        )
        return Response(ScorecardVersionSerializer(self.get_queryset().get(pk=version.pk)).data)


# --- reviews --------------------------------------------------------------------------------------------------------


class RatingSerializer(serializers.ModelSerializer[Rating]):
    """A rating (``value`` null: N/A) with its criterion's key and name and the reviewer's comment."""

    criterion = serializers.CharField(source="criterion.key", read_only=True)
    criterion_name = serializers.CharField(source="criterion.name", read_only=True)

    class Meta:
        model = Rating
        fields = ["criterion", "criterion_name", "value", "comment"]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer[Review]):
    """A review with its score and ratings; coaching fields only for reviewers, managers and admins."""

    conversation_subject = serializers.CharField(source="conversation.subject", read_only=True)
    agent_name = serializers.CharField(source="agent.display_name", read_only=True)
    reviewer_name = serializers.SerializerMethodField()
    scorecard = serializers.CharField(source="version.scorecard.name", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)
    ratings = RatingSerializer(many=True, read_only=True)

    class Meta:
        model = Review
        fields = [
            "id", "conversation", "conversation_subject", "agent", "agent_name", "reviewer", "reviewer_name",
            "scorecard", "version", "version_number", "kind", "status", "score", "critical_failed", "auto_failed",
            "comment", "submitted_at", "acknowledged_at", "locked_at", "coaching_reason", "coaching_flagged_at",
            "ratings",
        ]  # fmt: skip
        read_only_fields = fields

    def get_reviewer_name(self, review: Review) -> str:
        reviewer = review.reviewer
        return reviewer.get_full_name() or reviewer.get_username()

    def to_representation(self, instance: Review) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if (
            request is not None
            and instance.agent.user_id == request.user.pk
            and instance.reviewer_id != request.user.pk
        ):
            data.pop("coaching_reason")
            data.pop("coaching_flagged_at")
        return data


class ReviewListSerializer(ReviewSerializer):
    """A review row without its ratings."""

    class Meta(ReviewSerializer.Meta):
        fields = [name for name in ReviewSerializer.Meta.fields if name != "ratings"]
        read_only_fields = fields


class ReviewFilterSet(django_filters.FilterSet):
    """Filters of the review list."""

    agent_id = IntegerFilter(field_name="agent_id")
    conversation_id = IntegerFilter(field_name="conversation_id")
    team = django_filters.CharFilter(field_name="agent__team__slug")
    mine = django_filters.BooleanFilter(method="filter_mine", label="Only the reviews I wrote")

    class Meta:
        model = Review
        fields = ["status", "kind"]

    def filter_mine(self, queryset: QuerySet[Review], name: str, value: bool) -> QuerySet[Review]:
        return queryset.filter(reviewer=self.request.user) if value else queryset


class QAReviewInSerializer(serializers.Serializer[Any]):
    """A review to open on a conversation (a draft is returned when one exists)."""

    conversation_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReviewKind.choices, default=ReviewKind.STANDARD)
    calibration_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class RatingInSerializer(serializers.Serializer[Any]):
    """One rating: the criterion's key and a value on its scale (null: N/A), with an optional comment."""

    criterion = serializers.CharField(max_length=64)
    value = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class RatingsInSerializer(serializers.Serializer[Any]):
    """The review's ratings (all of them: a criterion left out is unrated) and overall comment."""

    ratings = RatingInSerializer(many=True)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=8000, allow_null=True, default=None)
    seconds_spent = serializers.IntegerField(required=False, min_value=0, max_value=24 * 3600, default=0)


class ReviewViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[Review]):
    """Reviews you may see; reviewers open, rate and submit; agents acknowledge theirs."""

    serializer_class = ReviewSerializer
    filterset_class = ReviewFilterSet
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[Review]:
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        if self.action == "list":
            return selectors.review_list(user=self.request.user)
        return selectors.review_detail(user=self.request.user)

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return ReviewListSerializer if self.action == "list" else ReviewSerializer

    def _detail(self, review: Review) -> dict[str, Any]:
        fresh = selectors.review_detail(user=self.request.user).get(pk=review.pk)
        return dict(ReviewSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=QAReviewInSerializer, responses={201: ReviewSerializer, 400: FIELD_ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = QAReviewInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        conversation = Conversation.objects.visible_to(request.user).select_related("agent__team", "queue")
        found = conversation.filter(pk=values["conversation_id"]).first()
        if found is None:
            raise serializers.ValidationError(
                {"conversation_id": [f"No conversation {values['conversation_id']} that you can see."]}
            )
        calibration = None
        if values["calibration_id"] is not None:
            calibration = CalibrationSession.objects.filter(pk=values["calibration_id"]).first()
            if calibration is None:
                raise serializers.ValidationError(
                    {"calibration_id": [f"No calibration session {values['calibration_id']}."]}
                )
        review = services.review_start(
            conversation=found, reviewer=request.user, kind=values["kind"], calibration=calibration
        )
        return Response(self._detail(review), status=status.HTTP_201_CREATED)

    @extend_schema(request=RatingsInSerializer, responses={200: ReviewSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["put"])
    def ratings(self, request: Request, pk: str | None = None) -> Response:
        """Replace the ratings and comment of a draft (or, until locked, of a submitted review: scored again)."""
        review = self.get_object()
        body = RatingsInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        services.review_save(
            review=review,
            ratings=[
                services.RatingInput(criterion=item["criterion"], value=item["value"], comment=item["comment"])
                for item in values["ratings"]
            ],
            comment=values["comment"],
            seconds_spent=values["seconds_spent"],
            user=request.user,
        )
        return Response(self._detail(review))

    @extend_schema(request=None, responses={200: ReviewSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit a draft: every scored criterion rated; the score is computed exactly."""
        review = services.review_submit(review=self.get_object(), user=request.user)
        return Response(self._detail(review))

    @extend_schema(request=None, responses={200: ReviewSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """The reviewed agent confirms they read the review."""
        review = services.review_acknowledge(review=self.get_object(), user=request.user)
        return Response(self._detail(review))


# --- IQS ------------------------------------------------------------------------------------------------------------


class IQSRowSerializer(serializers.Serializer[Any]):
    """IQS of one slice."""

    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, collected by the metaclass
    iqs = serializers.FloatField(allow_null=True)
    reviews = serializers.IntegerField()


class IQSSerializer(serializers.Serializer[Any]):
    """IQS over the filtered reviews and its breakdown."""

    total = IQSRowSerializer()
    group_by = serializers.CharField()
    rows = IQSRowSerializer(many=True)


GROUPS = ("agent", "week", "criterion", "reviewer")


class IQSView(APIView):
    """IQS (mean score of submitted standard reviews) over a slice, broken down by agent, week, criterion or
    reviewer, over the reviews the user may see (an agent: their own)."""

    serializer_class = IQSSerializer
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("team", str, description="Team slug."),
            OpenApiParameter("agent_id", int),
            OpenApiParameter("start", date, description="First day (inclusive)."),
            OpenApiParameter("end", date, description="Last day (inclusive)."),
            OpenApiParameter("group_by", str, enum=list(GROUPS), description="Breakdown (default agent)."),
        ],
        responses={200: IQSSerializer, 400: FIELD_ERRORS},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        errors: dict[str, list[str]] = {}
        team = None
        if params.get("team"):
            team = Team.objects.visible_to(request.user).filter(slug=params["team"]).first()
            if team is None:
                errors["team"] = [f"No team {params['team']!r} that you can see."]
        agent_id = None
        if params.get("agent_id"):
            if not params["agent_id"].isdigit():
                errors["agent_id"] = ["Give a whole number."]
            else:
                agent_id = int(params["agent_id"])
        dates: dict[str, date | None] = {}
        for name in ("start", "end"):
            raw = params.get(name)
            try:
                dates[name] = date.fromisoformat(raw) if raw else None
            except ValueError:
                errors[name] = [f"Write the date as YYYY-MM-DD (got {raw!r})."]
        group_by = params.get("group_by", "agent")
        if group_by not in GROUPS:
            errors["group_by"] = [f"Choose one of {', '.join(GROUPS)}."]
        if dates.get("start") and dates.get("end") and dates["start"] > dates["end"]:  # type: ignore[operator]
            errors["end"] = ["The end comes before the start."]
        if errors:
            raise serializers.ValidationError(errors)
        reviews = selectors.counted_reviews(
            user=request.user, team=team, agent_id=agent_id, start=dates.get("start"), end=dates.get("end")
        )
        zone = team.zone if team is not None else None
        rows = {
            "agent": lambda: selectors.iqs_by_agent(reviews),
            "week": lambda: selectors.iqs_by_week(reviews, zone=zone),
            "criterion": lambda: selectors.iqs_by_criterion(reviews),
            "reviewer": lambda: selectors.iqs_by_reviewer(reviews),
        }[group_by]()
        data = {"total": selectors.iqs_total(reviews), "group_by": group_by, "rows": rows}
        return Response(IQSSerializer(data).data)


def register(router: SimpleRouter) -> None:
    """Add this topic's viewsets to the performance router."""
    router.register("scorecards", ScorecardViewSet, basename="scorecard")
    router.register("scorecard-versions", ScorecardVersionViewSet, basename="scorecard-version")
    router.register("reviews", ReviewViewSet, basename="review")
