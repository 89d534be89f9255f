"""Calibration maths (performance.calibration): alignment, answer distribution, Krippendorff's alpha."""

from fractions import Fraction

import pytest

from performance.calibration import (
    answer_distribution,
    criterion_alignment,
    krippendorff_alpha_ordinal,
    review_alignment,
    reviewer_alignment,
    session_alpha,
)
from performance.scoring import (
    BINARY,
    CriterionSpec,
    RatingError,
    Scale,
    ScorecardSpec,
    ScoringMode,
    SectionKind,
    SectionSpec,
)

POINTS_CARD = ScorecardSpec(
    mode=ScoringMode.POINTS,
    sections=(
        SectionSpec(
            key="handling",
            criteria=(
                CriterionSpec(key="solution", scale=Scale(0, 15)),
                CriterionSpec(key="greeting", scale=BINARY, points=5, allows_na=True),
            ),
        ),
        SectionSpec(key="zero", kind=SectionKind.AUTO_FAIL, criteria=(CriterionSpec(key="rude"),)),
    ),
)

PERCENT_CARD = ScorecardSpec(
    mode=ScoringMode.PERCENTAGE,
    sections=(
        SectionSpec(
            key="main",
            criteria=(
                CriterionSpec(key="tone", scale=Scale(1, 5), weight=30, allows_na=True),
                CriterionSpec(key="solution", scale=Scale(1, 5), weight=70),
                CriterionSpec(key="notes", scale=BINARY, weight=0),
            ),
        ),
    ),
)

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the 4 observers × 12 units example
# (None = no value); its ordinal alpha is 0.815.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


# --------------------------------------------------------------------------------------------------
# Alignment
# --------------------------------------------------------------------------------------------------


def test_reviewer_giving_10_where_the_benchmark_gives_7_on_a_15_point_criterion_is_80_percent_aligned():
    # given a 0-15 criterion, reviewer 10, benchmark 7
    # when
    result = criterion_alignment(Scale(0, 15), 10, 7)

    # then 100 − 3 / 15 × 100
    assert result == 80


@pytest.mark.parametrize(
    ("scale", "reviewer", "benchmark", "expected"),
    [
        (Scale(1, 5), 4, 4, Fraction(100)),
        (Scale(1, 5), 1, 5, Fraction(0)),
        (Scale(1, 5), 2, 3, Fraction(75)),
        (Scale(1, 4), 1, 2, Fraction(200, 3)),
        (BINARY, 1, 0, Fraction(0)),
        (BINARY, None, None, Fraction(100)),
        (BINARY, None, 1, Fraction(0)),
        (Scale(1, 5), 3, None, Fraction(0)),
    ],
)
def test_criterion_alignment_table(scale, reviewer, benchmark, expected):
    # given two answers / when / then (N/A both = 100, one N/A = 0)
    assert criterion_alignment(scale, reviewer, benchmark) == expected


def test_review_alignment_is_weighted_by_criterion_points():
    # given solution 10 vs 7 (80 %, 15 points) and greeting 1 vs 0 (0 %, 5 points)
    reviewer = {"solution": 10, "greeting": 1}
    benchmark = {"solution": 7, "greeting": 0}

    # when
    result = review_alignment(POINTS_CARD, reviewer, benchmark)

    # then (15·80 + 5·0) / 20 = 60; the auto-fail item agrees (both not selected) and carries no weight
    assert result.alignment == 60
    assert [(c.key, c.alignment, c.weight) for c in result.criteria] == [
        ("solution", Fraction(80), 15),
        ("greeting", Fraction(0), 5),
        ("rude", Fraction(100), 0),
    ]
    # the reviewer scored 15/20 = 75 %, the benchmark 7/20 = 35 %
    assert result.score_difference == 40


def test_review_alignment_counts_na_against_rated_as_a_full_disagreement():
    # given the reviewer says greeting N/A, the benchmark rates it
    result = review_alignment(POINTS_CARD, {"solution": 7, "greeting": None}, {"solution": 7, "greeting": 1})

    # then (15·100 + 5·0) / 20 = 75
    assert result.alignment == 75


def test_review_alignment_counts_both_na_as_agreement():
    # given both say greeting N/A
    result = review_alignment(POINTS_CARD, {"solution": 4, "greeting": None}, {"solution": 4, "greeting": None})

    # then
    assert result.alignment == 100
    assert result.criteria[1].alignment == 100


def test_auto_fail_disagreement_shows_in_the_score_difference():
    # given identical ratings but the reviewer selects the auto-fail item
    result = review_alignment(POINTS_CARD, {"solution": 15, "greeting": 1, "rude": 1}, {"solution": 15, "greeting": 1})

    # then the weighted alignment is untouched, the auto-fail item disagrees, the scores differ by 100
    assert result.alignment == 100
    assert result.criteria[2].alignment == 0
    assert result.score_difference == -100


def test_percentage_scorecard_alignment_is_weighted_by_criterion_weights_and_ignores_weight_zero():
    # given tone 2 vs 4 (50 %, w 30), solution 5 vs 5 (100 %, w 70), notes 0 vs 1 (0 %, w 0)
    result = review_alignment(
        PERCENT_CARD, {"tone": 2, "solution": 5, "notes": 0}, {"tone": 4, "solution": 5, "notes": 1}
    )

    # then (30·50 + 70·100) / 100 = 85; notes reported but not counted
    assert result.alignment == 85
    assert result.criteria[2].alignment == 0
    assert result.criteria[2].weight == 0


def test_reviewer_alignment_is_the_mean_over_conversations_with_a_benchmark():
    # given a reviewer's three reviews, two of which have a benchmark
    reviewer = {
        "c1": {"solution": 10, "greeting": 1},  # vs 7/1: (15·80 + 5·100) / 20 = 85
        "c2": {"solution": 15, "greeting": 0},  # vs 15/0: 100
        "c3": {"solution": 0, "greeting": 0},  # no benchmark
    }
    benchmark = {"c1": {"solution": 7, "greeting": 1}, "c2": {"solution": 15, "greeting": 0}}

    # when
    result = reviewer_alignment(POINTS_CARD, reviewer, benchmark)

    # then
    assert result == Fraction(185, 2)


def test_reviewer_alignment_without_any_benchmark_is_none():
    # given no benchmark for the reviewer's conversation / when / then
    assert reviewer_alignment(POINTS_CARD, {"c1": {"solution": 1, "greeting": 1}}, {}) is None


def test_alignment_refuses_invalid_ratings():
    # given a reviewer rating solution 16 on 0-15 / when / then
    with pytest.raises(RatingError) as refused:
        review_alignment(POINTS_CARD, {"solution": 16, "greeting": 1}, {"solution": 7, "greeting": 1})

    assert refused.value.errors == {"solution": "solution: 16 is outside the scale 0 to 15."}


# --------------------------------------------------------------------------------------------------
# Answer distribution
# --------------------------------------------------------------------------------------------------


def test_answer_distribution_counts_each_value_per_criterion():
    # given four reviewers' answers on the same conversation
    reviews = [
        {"tone": 4, "solution": 5, "notes": 1},
        {"tone": 4, "solution": 3, "notes": 1},
        {"tone": None, "solution": 5, "notes": 0},
        {"tone": 2, "solution": 5, "notes": 1},
    ]

    # when
    result = answer_distribution(PERCENT_CARD, reviews)

    # then every scale value is listed (zeros too) and N/A where allowed
    assert result == {
        "tone": {1: 0, 2: 1, 3: 0, 4: 2, 5: 0, None: 1},
        "solution": {1: 0, 2: 0, 3: 1, 4: 0, 5: 3},
        "notes": {0: 1, 1: 3},
    }
    assert list(result["tone"]) == [1, 2, 3, 4, 5, None]


def test_answer_distribution_counts_unselected_auto_fail_items_as_0():
    # given two reviews, one selecting the auto-fail item
    result = answer_distribution(
        POINTS_CARD, [{"solution": 3, "greeting": 1}, {"solution": 3, "greeting": 1, "rude": 1}]
    )

    # then
    assert result["rude"] == {0: 1, 1: 1}
    assert result["greeting"] == {0: 0, 1: 2, None: 0}


# --------------------------------------------------------------------------------------------------
# Krippendorff's alpha
# --------------------------------------------------------------------------------------------------


def test_krippendorff_alpha_ordinal_matches_the_published_example():
    # given Krippendorff's 2011 reliability data / when
    result = krippendorff_alpha_ordinal(KRIPPENDORFF_2011)

    # then
    assert result is not None
    assert round(result, 3) == 0.815


def test_session_alpha_on_a_1_to_5_criterion_matches_the_published_example():
    # given the same data as four reviewers rating one 1-5 criterion on twelve conversations
    # (a missing value is a conversation the reviewer did not review)
    card = ScorecardSpec(sections=(SectionSpec(key="main", criteria=(CriterionSpec(key="tone", scale=Scale(1, 5)),)),))
    reviews = {
        f"reviewer{index}": {
            f"conversation{unit}": {"tone": value} for unit, value in enumerate(row) if value is not None
        }
        for index, row in enumerate(KRIPPENDORFF_2011)
    }

    # when the values are pooled as criterion scores (an ordinal alpha does not change under an order-keeping map)
    result = session_alpha(card, reviews)

    # then
    assert result is not None
    assert round(result, 3) == 0.815


def test_session_alpha_pools_criteria_and_treats_na_as_missing():
    # given two reviewers on two conversations, agreeing everywhere except one tone (N/A for the second)
    reviews = {
        "ann": {"c1": {"tone": 5, "solution": 5, "notes": 1}, "c2": {"tone": 2, "solution": 1, "notes": 0}},
        "bob": {"c1": {"tone": None, "solution": 5, "notes": 1}, "c2": {"tone": 2, "solution": 1, "notes": 0}},
    }

    # when
    result = session_alpha(PERCENT_CARD, reviews)
    only_tone = session_alpha(PERCENT_CARD, reviews, criterion_keys=["tone"])

    # then the N/A unit has one value and drops out; every pairable unit agrees: alpha 1.
    # Only tone: the single pairable unit has one value (25 %) twice, no variation: undefined.
    assert result == 1.0
    assert only_tone is None


def test_alpha_with_one_reviewer_is_undefined():
    assert krippendorff_alpha_ordinal([[1, 2, 3]]) is None
    assert krippendorff_alpha_ordinal([[1, 2, 3], [None, None, None]]) is None


def test_alpha_without_variation_is_undefined():
    # given every reviewer choosing the same value everywhere / when / then
    assert krippendorff_alpha_ordinal([[3, 3, 3], [3, 3, 3]]) is None


def test_alpha_without_a_unit_rated_twice_is_undefined():
    # given two reviewers who never rated the same unit / when / then
    assert krippendorff_alpha_ordinal([[1, None], [None, 2]]) is None


def test_alpha_of_systematic_disagreement_is_negative():
    # given two reviewers always choosing opposite ends of the scale
    # when
    result = krippendorff_alpha_ordinal([[1, 5, 1, 5], [5, 1, 5, 1]])

    # then 1 − (n − 1)·Σ o·d / Σ n_c·n_k·d = 1 − 7·(8·16) / (2·4·4·16) = −0.75
    assert result == pytest.approx(-0.75, abs=1e-12)


def test_alpha_refuses_rows_of_different_lengths():
    with pytest.raises(ValueError, match=r"^Every reviewer's row must have one value \(or None\) per unit\.$"):
        krippendorff_alpha_ordinal([[1, 2], [1]])
