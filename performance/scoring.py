"""QA scoring maths: criterion scores, review scores (percentage and points modes), IQS and criterion averages.

Pure module (standard library only; no Django). Scorecards come in as frozen dataclasses (``ScorecardSpec`` →
``SectionSpec`` → ``CriterionSpec`` with its ``Scale``), ratings as a mapping of criterion key → selected value
(an ``int``; ``None`` for N/A). Every result is an exact ``fractions.Fraction`` of percent (0-100, bonus can
lift a review above 100); round only for display, with ``round_half_up``.

Criterion score. A rating ``v`` on a scale ``min..max`` scores ``(v − min) / (max − min) × 100`` %: on a binary
scale (0/1) 0 or 100 %, on a 1-5 scale 1 → 0 %, 3 → 50 %, 5 → 100 %. N/A has no score.

Review score. Each criterion has a counting weight ``w``: its integer weight (0-100) in percentage mode, its
maximum points in points mode (``points``, by default the scale's span, so a 0-15 scale is worth 15 points).
Over the *rated* criteria of the normal sections only (N/A leaves both numerator and denominator)::

    score = Σ w·s / Σ w                            (s = criterion score in %; percentage mode)
          = earned / possible × 100                (points mode: earned = Σ w·s/100, possible = Σ w)

Both modes are the same formula; a criterion of weight (or points) 0 is shown but does not count. When no rated
criterion has a positive weight the review has no score (``None``) and is left out of IQS.

- Bonus sections add their earned weight to the numerator only: ``score = (Σ w·s + Σ_bonus w·s) / Σ w``, so a
  bonus can lift the score above 100 % (in points mode the bonus points are added to the earned points, not to
  the possible points).
- A critical criterion (normal sections only) rated below 50 % sets the whole review score to 0 (bonus
  included).
- An auto-fail section lists items on a binary scale; a rating of 1 means the item was selected (it happened),
  0 or no rating means it was not. Any selected item sets the whole review score to 0.

IQS over any slice of reviews (an agent, a team, a period) is the plain mean of the review scores, each review
weighing the same. The criterion-level average of a criterion is the mean of its criterion score over the
reviews where it was rated, without the critical zeroing (a failed critical criterion counts with its own low
score, not with the review's 0).

Ratings are checked by ``validate_ratings``: a value outside the scale, N/A where the criterion does not allow
it, a criterion the scorecard does not have and (when the review must be complete) a missing rating of a
normal-section criterion raise ``RatingError``, whose ``errors`` map each criterion key to a message naming the
criterion. Bonus criteria and auto-fail items are optional: no rating means no bonus, or not selected.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

Number = Fraction | Decimal | int | float
Ratings = Mapping[str, int | None]

# A critical criterion scoring strictly below this percentage fails the review.
CRITICAL_THRESHOLD = Fraction(50)


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class ScoringMode(StrEnum):
    """How a review score is expressed: a weighted mean of criterion percentages, or earned / possible points."""

    PERCENTAGE = "percentage"
    POINTS = "points"


class SectionKind(StrEnum):
    """A normal section counts towards the score; an auto-fail section zeroes it; a bonus section adds on top."""

    NORMAL = "normal"
    AUTO_FAIL = "auto_fail"
    BONUS = "bonus"


class ScoringError(ValueError):
    """Base class of the errors this module raises."""


class ScorecardError(ScoringError):
    """A scorecard definition that cannot be scored (bad scale, weight, duplicate key...)."""


class RatingError(ScoringError):
    """Ratings refused as a whole; ``errors`` maps each offending criterion key to a message naming it."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))


# --------------------------------------------------------------------------------------------------
# Scorecard definition
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """The whole numbers ``min..max`` a criterion can be rated with, and optionally one label per value.

    Binary is ``Scale(0, 1)``; a 3-, 4- or 5-point scale is ``Scale(1, 3)``, ``Scale(1, 4)``, ``Scale(1, 5)``; a
    criterion worth 15 points rated in points is ``Scale(0, 15)``.
    """

    min: int
    max: int
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", tuple(self.labels))
        if not _is_whole(self.min) or not _is_whole(self.max):
            raise ScorecardError(f"A scale's ends must be whole numbers, not {self.min!r} and {self.max!r}.")
        if self.max <= self.min:
            raise ScorecardError(f"A scale's maximum ({self.max}) must be above its minimum ({self.min}).")
        if self.labels and len(self.labels) != self.span + 1:
            raise ScorecardError(
                f"A scale from {self.min} to {self.max} needs {self.span + 1} labels, not {len(self.labels)}."
            )

    @property
    def span(self) -> int:
        """``max − min``: the distance between the worst and the best rating."""
        return self.max - self.min

    @property
    def values(self) -> range:
        """Every allowed rating, worst first."""
        return range(self.min, self.max + 1)

    def label_for(self, value: int) -> str:
        """The label of ``value`` (its number as text when the scale has no labels)."""
        if value not in self.values:
            raise ValueError(f"{value} is not on the scale {self.min} to {self.max}.")
        return self.labels[value - self.min] if self.labels else str(value)


BINARY = Scale(0, 1)


@dataclass(frozen=True)
class CriterionSpec:
    """One criterion of a scorecard: its scale, weight (0-100), points (points mode), N/A and critical flags.

    ``key`` identifies the criterion in ratings and results; ``name`` is what error messages show (the key when
    empty). ``points`` is the most a criterion earns in points mode; ``None`` means the scale's span.
    """

    key: str
    scale: Scale = BINARY
    weight: int = 1
    points: int | None = None
    allows_na: bool = False
    is_critical: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            raise ScorecardError("A criterion needs a key.")
        if not _is_whole(self.weight) or not 0 <= self.weight <= 100:
            raise ScorecardError(f"{self.label}: the weight must be a whole number from 0 to 100, not {self.weight!r}.")
        if self.points is not None and (not _is_whole(self.points) or self.points < 0):
            raise ScorecardError(f"{self.label}: points must be a whole number of at least 0, not {self.points!r}.")

    @property
    def label(self) -> str:
        """How messages name the criterion."""
        return self.name or self.key

    @property
    def max_points(self) -> int:
        """Points earned by the best rating in points mode."""
        return self.scale.span if self.points is None else self.points


@dataclass(frozen=True)
class SectionSpec:
    """A group of criteria of one kind (normal, auto-fail or bonus)."""

    key: str
    criteria: tuple[CriterionSpec, ...]
    kind: SectionKind = SectionKind.NORMAL

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", tuple(self.criteria))
        object.__setattr__(self, "kind", SectionKind(self.kind))
        for criterion in self.criteria:
            if self.kind == SectionKind.AUTO_FAIL and criterion.scale.values != BINARY.values:
                raise ScorecardError(f"{criterion.label}: an auto-fail item is rated on the binary scale (0 or 1).")
            if self.kind != SectionKind.NORMAL and criterion.is_critical:
                raise ScorecardError(f"{criterion.label}: only a criterion of a normal section can be critical.")


@dataclass(frozen=True)
class ScorecardSpec:
    """A scorecard version as the scoring sees it: a mode and its sections, in display order."""

    sections: tuple[SectionSpec, ...]
    mode: ScoringMode = ScoringMode.PERCENTAGE
    _by_key: dict[str, tuple[SectionSpec, CriterionSpec]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sections", tuple(self.sections))
        object.__setattr__(self, "mode", ScoringMode(self.mode))
        section_keys = [section.key for section in self.sections]
        duplicate_sections = sorted({key for key in section_keys if section_keys.count(key) > 1})
        if duplicate_sections:
            raise ScorecardError(f"Section keys must be unique: {', '.join(duplicate_sections)}.")
        by_key: dict[str, tuple[SectionSpec, CriterionSpec]] = {}
        for section in self.sections:
            for criterion in section.criteria:
                if criterion.key in by_key:
                    raise ScorecardError(f"{criterion.label}: the criterion key {criterion.key!r} is used twice.")
                by_key[criterion.key] = (section, criterion)
        object.__setattr__(self, "_by_key", by_key)

    @property
    def criteria(self) -> tuple[CriterionSpec, ...]:
        """Every criterion of every section, in display order."""
        return tuple(criterion for section in self.sections for criterion in section.criteria)

    def criterion(self, key: str) -> CriterionSpec:
        """The criterion with ``key`` (``KeyError`` when there is none)."""
        return self._by_key[key][1]

    def section_of(self, key: str) -> SectionSpec:
        """The section holding the criterion with ``key`` (``KeyError`` when there is none)."""
        return self._by_key[key][0]

    def counting_weight(self, criterion: CriterionSpec) -> int:
        """The criterion's weight in the score: its weight in percentage mode, its maximum points in points mode."""
        return criterion.max_points if self.mode == ScoringMode.POINTS else criterion.weight


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionScore:
    """One criterion's result in a review: the value selected and its score in % (``None`` when not rated)."""

    key: str
    section_key: str
    kind: SectionKind
    value: int | None
    score: Fraction | None
    weight: int
    is_critical_failure: bool = False

    @property
    def is_rated(self) -> bool:
        """A value was selected (not N/A, not left empty)."""
        return self.value is not None


@dataclass(frozen=True)
class ReviewScore:
    """A review's result. ``score`` is the final % (``None`` when nothing counted), exact; round for display.

    ``base_score`` is the weighted mean of the normal sections before the bonus and before any zeroing;
    ``bonus`` the percentage points the bonus sections add. ``earned_points``, ``bonus_points`` and
    ``possible_points`` are set in points mode only.
    """

    score: Fraction | None
    base_score: Fraction | None
    bonus: Fraction
    criterion_scores: tuple[CriterionScore, ...]
    critical_failed: bool
    auto_failed: bool
    failed_critical_keys: tuple[str, ...] = ()
    selected_auto_fail_keys: tuple[str, ...] = ()
    earned_points: Fraction | None = None
    bonus_points: Fraction | None = None
    possible_points: Fraction | None = None

    def criterion(self, key: str) -> CriterionScore:
        """The result of the criterion with ``key`` (``KeyError`` when there is none)."""
        for result in self.criterion_scores:
            if result.key == key:
                return result
        raise KeyError(key)


# --------------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------------


def criterion_score(scale: Scale, value: int) -> Fraction:
    """``(value − min) / (max − min) × 100``, exact, for a value on the scale."""
    if value not in scale.values:
        raise ValueError(f"{value} is not on the scale {scale.min} to {scale.max}.")
    return Fraction(value - scale.min, scale.span) * 100


def validate_ratings(scorecard: ScorecardSpec, ratings: Ratings, *, require_complete: bool = True) -> None:
    """Refuse ratings that do not fit the scorecard, naming every offending criterion (``RatingError``).

    ``require_complete=False`` checks a draft: missing ratings are allowed, wrong ones are not.
    """
    errors: dict[str, str] = {}
    for key, value in ratings.items():
        try:
            criterion = scorecard.criterion(key)
        except KeyError:
            errors[key] = f"Unknown criterion {key!r}: it is not on this scorecard."
            continue
        if value is None:
            if not criterion.allows_na:
                errors[key] = f"{criterion.label}: N/A is not allowed."
        elif not _is_whole(value):
            errors[key] = f"{criterion.label}: the rating must be a whole number, not {value!r}."
        elif value not in criterion.scale.values:
            errors[key] = (
                f"{criterion.label}: {value} is outside the scale {criterion.scale.min} to {criterion.scale.max}."
            )
    if require_complete:
        for section in scorecard.sections:
            if section.kind != SectionKind.NORMAL:
                continue
            for criterion in section.criteria:
                if criterion.key not in ratings:
                    errors[criterion.key] = f"{criterion.label}: a rating is required."
    if errors:
        raise RatingError(errors)


def complete_ratings(scorecard: ScorecardSpec, ratings: Ratings) -> dict[str, int | None]:
    """Every criterion key → its value, in scorecard order: an unrated auto-fail item is 0, anything else unrated
    is ``None``. The ratings are not validated here."""
    completed: dict[str, int | None] = {}
    for section in scorecard.sections:
        for criterion in section.criteria:
            default = 0 if section.kind == SectionKind.AUTO_FAIL else None
            completed[criterion.key] = ratings.get(criterion.key, default)
    return completed


def score_review(scorecard: ScorecardSpec, ratings: Ratings) -> ReviewScore:
    """Score one complete review (validated first: ``RatingError`` on bad ratings). See the module docstring."""
    validate_ratings(scorecard, ratings, require_complete=True)
    values = complete_ratings(scorecard, ratings)

    criterion_scores: list[CriterionScore] = []
    earned = Fraction(0)  # Σ w·s/100 over rated normal criteria
    possible = 0  # Σ w over rated normal criteria
    bonus_earned = Fraction(0)
    failed_critical: list[str] = []
    selected_auto_fail: list[str] = []
    for section in scorecard.sections:
        for criterion in section.criteria:
            value = values[criterion.key]
            weight = scorecard.counting_weight(criterion)
            score = None if value is None else criterion_score(criterion.scale, value)
            is_critical_failure = criterion.is_critical and score is not None and score < CRITICAL_THRESHOLD
            if is_critical_failure:
                failed_critical.append(criterion.key)
            if score is not None:
                if section.kind == SectionKind.NORMAL:
                    earned += weight * score / 100
                    possible += weight
                elif section.kind == SectionKind.BONUS:
                    bonus_earned += weight * score / 100
                elif value == 1:
                    selected_auto_fail.append(criterion.key)
            criterion_scores.append(
                CriterionScore(
                    key=criterion.key,
                    section_key=section.key,
                    kind=section.kind,
                    value=value,
                    score=score,
                    weight=weight,
                    is_critical_failure=is_critical_failure,
                )
            )

    base_score = earned / possible * 100 if possible else None
    bonus = bonus_earned / possible * 100 if possible else Fraction(0)
    critical_failed = bool(failed_critical)
    auto_failed = bool(selected_auto_fail)
    if critical_failed or auto_failed:
        final: Fraction | None = Fraction(0)
    else:
        final = None if base_score is None else base_score + bonus
    is_points = scorecard.mode == ScoringMode.POINTS
    return ReviewScore(
        score=final,
        base_score=base_score,
        bonus=bonus,
        criterion_scores=tuple(criterion_scores),
        critical_failed=critical_failed,
        auto_failed=auto_failed,
        failed_critical_keys=tuple(failed_critical),
        selected_auto_fail_keys=tuple(selected_auto_fail),
        earned_points=earned if is_points else None,
        bonus_points=bonus_earned if is_points else None,
        possible_points=Fraction(possible) if is_points else None,
    )


# --------------------------------------------------------------------------------------------------
# Aggregates
# --------------------------------------------------------------------------------------------------


def iqs(scores: Iterable[Number | ReviewScore | None]) -> Fraction | None:
    """Internal Quality Score: the mean of the review scores, each review weighing the same.

    Takes review scores (``Fraction``, ``Decimal``, ``int``, ``float``) or ``ReviewScore`` results; reviews
    without a score (``None``) are left out; ``None`` when no review has a score. A float is read as the
    decimal it prints as (9.91 is 991/100), so stored or typed figures average exactly.
    """
    total = Fraction(0)
    count = 0
    for item in scores:
        value = item.score if isinstance(item, ReviewScore) else item
        if value is None:
            continue
        total += to_fraction(value)
        count += 1
    return total / count if count else None


def criterion_averages(reviews: Iterable[ReviewScore]) -> dict[str, Fraction]:
    """Criterion key → mean criterion score over the reviews where it was rated (no critical zeroing).

    A criterion never rated in these reviews is absent; an auto-fail item (always rated: unselected is 0) averages
    to the percentage of reviews that selected it. Keys are matched across scorecard versions, so a
    criterion should keep its key from one version to the next.
    """
    totals: dict[str, Fraction] = {}
    counts: dict[str, int] = {}
    for review in reviews:
        for result in review.criterion_scores:
            if result.score is None:
                continue
            totals[result.key] = totals.get(result.key, Fraction(0)) + result.score
            counts[result.key] = counts.get(result.key, 0) + 1
    return {key: totals[key] / counts[key] for key in totals}


# --------------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------------


def to_fraction(value: Number) -> Fraction:
    """The exact value of a number; a float is read as the decimal it prints as (``repr``)."""
    if isinstance(value, bool):
        raise TypeError(f"Expected a number, not {value!r}.")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"Expected a finite number, not {value!r}.")
        return Fraction(repr(value))
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"Expected a finite number, not {value!r}.")
    return Fraction(value)


def round_half_up(value: Number, places: int) -> Decimal:
    """``value`` rounded to ``places`` decimals, halves away from zero (52.972 → 52.97, 0.125 → 0.13), exactly.

    For display only: the functions of this module return exact values.
    """
    if not _is_whole(places) or places < 0:
        raise ValueError(f"places must be a whole number of at least 0, not {places!r}.")
    exact = to_fraction(value)
    scaled = abs(exact) * Fraction(10) ** places
    rounded = math.floor(scaled + Fraction(1, 2))
    if exact < 0:
        rounded = -rounded
    quantum = Decimal(1).scaleb(-places)
    return Decimal(rounded).scaleb(-places).quantize(quantum)
