"""Calibration maths: reviewer alignment with the benchmark, answer distributions and Krippendorff's alpha.

Pure module (numpy and the ``krippendorff`` package; no Django). Reviews come in as ratings mappings (criterion
key → value, ``None`` for N/A) on a ``performance.scoring.ScorecardSpec``; every reviewer's ratings and the
benchmark (final) review are validated as complete reviews first (``scoring.RatingError``). Calibration reviews
never count towards IQS: nothing here feeds ``scoring.iqs``.

Criterion alignment between a reviewer's value ``r`` and the benchmark's ``b`` on a scale ``min..max``::

    alignment = 100 % − |r − b| / (max − min) × 100 %

For the usual scales that start at 0 the divisor is the criterion's maximum (10 against 7 on a 0-15 criterion:
100 − 3/15 × 100 = 80 %); on a scale that starts at 1 it is the span, so the two ends always disagree fully
(1 against 5 on a 1-5 scale is 0 %, not 20 %). It equals ``100 − |score(r) − score(b)|`` with the criterion
scores in %. N/A is an answer of its own: both N/A → 100 %, one N/A and the other rated → 0 %. An unrated
auto-fail item counts as not selected (0); an unrated bonus criterion counts as N/A.

Review alignment is the mean of the criterion alignments weighted by each criterion's counting weight in the
score (its maximum points in points mode, its weight in percentage mode; ``ScorecardSpec.counting_weight``), so
a disagreement weighs what it can move the score. Criteria of weight 0 and auto-fail items carry no weight: their
alignment is reported per criterion, and an auto-fail disagreement shows in ``score_difference`` (the reviewer's
review score minus the benchmark's). A reviewer's alignment over a session is the mean of their review
alignments over the conversations that have a benchmark.

Answer distribution: per criterion, how many reviews selected each value of the scale (every value listed,
worst first, zeros included) and N/A (``None``, listed when the criterion allows N/A or someone chose it).

Krippendorff's alpha (ordinal) measures agreement across reviewers beyond chance: 1 is perfect agreement, 0 what
chance gives, below 0 systematic disagreement. Reliability data is a reviewers × units matrix; here a unit is
one criterion of one conversation and its value the criterion score in % (so scales of different lengths pool
on one ordered range); N/A and missing reviews are missing values (NaN). Alpha is undefined — and ``None`` is
returned — when fewer than two reviewers rated anything, when no unit has two or more values, or when the
pairable values show no variation at all (every reviewer chose the same everywhere: 0 / 0).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import krippendorff
import numpy as np

from performance.scoring import (
    CriterionSpec,
    Ratings,
    Scale,
    ScorecardSpec,
    SectionKind,
    complete_ratings,
    criterion_score,
    score_review,
    validate_ratings,
)

FULL_ALIGNMENT = Fraction(100)


@dataclass(frozen=True)
class CriterionAlignment:
    """One criterion compared with the benchmark: both values, the alignment in % and its weight in the review."""

    key: str
    reviewer_value: int | None
    benchmark_value: int | None
    alignment: Fraction
    weight: int


@dataclass(frozen=True)
class ReviewAlignment:
    """A reviewer's review compared with the benchmark review of the same conversation.

    ``alignment`` is the weighted mean in % (``None`` when no criterion has a weight); ``score_difference`` the
    reviewer's review score minus the benchmark's (``None`` when either has no score).
    """

    alignment: Fraction | None
    criteria: tuple[CriterionAlignment, ...]
    score_difference: Fraction | None


def criterion_alignment(scale: Scale, reviewer_value: int | None, benchmark_value: int | None) -> Fraction:
    """``100 − |r − b| / (max − min) × 100`` in %, exact; both N/A → 100, one N/A → 0."""
    if reviewer_value is None or benchmark_value is None:
        return FULL_ALIGNMENT if reviewer_value is None and benchmark_value is None else Fraction(0)
    return FULL_ALIGNMENT - abs(criterion_score(scale, reviewer_value) - criterion_score(scale, benchmark_value))


def review_alignment(scorecard: ScorecardSpec, reviewer: Ratings, benchmark: Ratings) -> ReviewAlignment:
    """Compare one reviewer's ratings with the benchmark's, criterion by criterion (see the module docstring)."""
    validate_ratings(scorecard, reviewer, require_complete=True)
    validate_ratings(scorecard, benchmark, require_complete=True)
    reviewer_values = complete_ratings(scorecard, reviewer)
    benchmark_values = complete_ratings(scorecard, benchmark)

    results: list[CriterionAlignment] = []
    weighted_total = Fraction(0)
    total_weight = 0
    for section in scorecard.sections:
        for criterion in section.criteria:
            weight = 0 if section.kind == SectionKind.AUTO_FAIL else scorecard.counting_weight(criterion)
            alignment = criterion_alignment(
                criterion.scale, reviewer_values[criterion.key], benchmark_values[criterion.key]
            )
            results.append(
                CriterionAlignment(
                    key=criterion.key,
                    reviewer_value=reviewer_values[criterion.key],
                    benchmark_value=benchmark_values[criterion.key],
                    alignment=alignment,
                    weight=weight,
                )
            )
            weighted_total += weight * alignment
            total_weight += weight

    reviewer_score = score_review(scorecard, reviewer).score
    benchmark_score = score_review(scorecard, benchmark).score
    score_difference = None if reviewer_score is None or benchmark_score is None else reviewer_score - benchmark_score
    return ReviewAlignment(
        alignment=weighted_total / total_weight if total_weight else None,
        criteria=tuple(results),
        score_difference=score_difference,
    )


def reviewer_alignment(
    scorecard: ScorecardSpec,
    reviewer_reviews: Mapping[Hashable, Ratings],
    benchmark_reviews: Mapping[Hashable, Ratings],
) -> Fraction | None:
    """A reviewer's alignment over a session: the mean review alignment over the conversations (keys of both
    mappings) that have a benchmark; ``None`` when there is none to compare."""
    alignments = [
        review_alignment(scorecard, ratings, benchmark_reviews[conversation]).alignment
        for conversation, ratings in reviewer_reviews.items()
        if conversation in benchmark_reviews
    ]
    counted = [alignment for alignment in alignments if alignment is not None]
    return sum(counted, Fraction(0)) / len(counted) if counted else None


def answer_distribution(scorecard: ScorecardSpec, reviews: Iterable[Ratings]) -> dict[str, dict[int | None, int]]:
    """Criterion key → {value → number of reviews that selected it}; ``None`` is N/A (see the module docstring)."""
    reviews = list(reviews)
    for ratings in reviews:
        validate_ratings(scorecard, ratings, require_complete=True)
    completed = [complete_ratings(scorecard, ratings) for ratings in reviews]
    distribution: dict[str, dict[int | None, int]] = {}
    for criterion in scorecard.criteria:
        counts: dict[int | None, int] = dict.fromkeys(criterion.scale.values, 0)
        na_count = sum(1 for values in completed if values[criterion.key] is None)
        for values in completed:
            value = values[criterion.key]
            if value is not None:
                counts[value] += 1
        if criterion.allows_na or na_count:
            counts[None] = na_count
        distribution[criterion.key] = counts
    return distribution


def krippendorff_alpha_ordinal(reliability_data: Sequence[Sequence[float | None]]) -> float | None:
    """Krippendorff's alpha, ordinal, of a reviewers × units matrix (``None`` or NaN = missing).

    ``None`` when alpha is undefined: fewer than two reviewers with a value, no unit with two values, or no
    variation among the pairable values.
    """
    rows = [[np.nan if value is None else float(value) for value in row] for row in reliability_data]
    if len({len(row) for row in rows}) > 1:
        raise ValueError("Every reviewer's row must have one value (or None) per unit.")
    if len(rows) < 2 or not rows[0]:
        return None
    matrix = np.array(rows, dtype=float)
    rated = ~np.isnan(matrix)
    if int(rated.any(axis=1).sum()) < 2:
        return None
    pairable_units = rated.sum(axis=0) >= 2
    if not pairable_units.any():
        return None
    pairable_values = matrix[:, pairable_units][rated[:, pairable_units]]
    if np.unique(pairable_values).size < 2:
        return None
    alpha = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="ordinal"))
    return alpha if np.isfinite(alpha) else None


def session_alpha(
    scorecard: ScorecardSpec,
    reviews: Mapping[Hashable, Mapping[Hashable, Ratings]],
    *,
    criterion_keys: Iterable[str] | None = None,
) -> float | None:
    """Ordinal Krippendorff's alpha across reviewers for a session.

    ``reviews`` maps reviewer → conversation → ratings. Units are (conversation, criterion) pairs over every
    conversation anyone reviewed and every criterion (or only ``criterion_keys``, e.g. one criterion); values
    are criterion scores in %. ``None`` when undefined (see ``krippendorff_alpha_ordinal``).
    """
    criteria: list[CriterionSpec] = (
        list(scorecard.criteria) if criterion_keys is None else [scorecard.criterion(key) for key in criterion_keys]
    )
    conversations: list[Hashable] = []
    for by_conversation in reviews.values():
        for conversation, ratings in by_conversation.items():
            validate_ratings(scorecard, ratings, require_complete=True)
            if conversation not in conversations:
                conversations.append(conversation)

    reliability_data: list[list[float | None]] = []
    for by_conversation in reviews.values():
        row: list[float | None] = []
        for conversation in conversations:
            values = (
                complete_ratings(scorecard, by_conversation[conversation]) if conversation in by_conversation else None
            )
            for criterion in criteria:
                value = None if values is None else values[criterion.key]
                row.append(None if value is None else float(criterion_score(criterion.scale, value)))
        reliability_data.append(row)
    return krippendorff_alpha_ordinal(reliability_data)
