"""QA scoring maths (performance.scoring): the issue's known answers, the scoring rules, bad input, rounding."""

from decimal import Decimal
from fractions import Fraction

import pytest

from performance.scoring import (
    BINARY,
    CriterionSpec,
    RatingError,
    ReviewScore,
    Scale,
    ScorecardError,
    ScorecardSpec,
    ScoringMode,
    SectionKind,
    SectionSpec,
    complete_ratings,
    criterion_averages,
    criterion_score,
    iqs,
    round_half_up,
    score_review,
    validate_ratings,
)

FIVE_POINT = Scale(1, 5, ("Very poor", "Poor", "Fair", "Good", "Excellent"))


def percentage_card(*sections: SectionSpec) -> ScorecardSpec:
    return ScorecardSpec(sections=sections, mode=ScoringMode.PERCENTAGE)


def points_card(*sections: SectionSpec) -> ScorecardSpec:
    return ScorecardSpec(sections=sections, mode=ScoringMode.POINTS)


# A points scorecard worth 35: 15 + 10 + 5 + 5 (the last two yes/no criteria worth 5 points each).
POINTS_35 = points_card(
    SectionSpec(
        key="handling",
        criteria=(
            CriterionSpec(key="solution", scale=Scale(0, 15)),
            CriterionSpec(key="process", scale=Scale(0, 10)),
            CriterionSpec(key="greeting", scale=BINARY, points=5, allows_na=True),
            CriterionSpec(key="closing", scale=BINARY, points=5),
        ),
    )
)

# Percentage scorecard: weights 50 / 30 / 20 on a 1-5 scale, the last one may be N/A.
WEIGHTED = percentage_card(
    SectionSpec(
        key="main",
        criteria=(
            CriterionSpec(key="solution", scale=FIVE_POINT, weight=50, name="Solution"),
            CriterionSpec(key="tone", scale=FIVE_POINT, weight=30, name="Tone"),
            CriterionSpec(key="grammar", scale=FIVE_POINT, weight=20, allows_na=True, name="Grammar"),
        ),
    )
)


# --------------------------------------------------------------------------------------------------
# Known answers from the issue
# --------------------------------------------------------------------------------------------------


def test_iqs_of_five_reviews_is_52_97_percent():
    # given five review scores
    scores = [Fraction(100), Decimal("9.91"), Decimal("63.96"), Decimal("90.99"), 0]

    # when
    result = iqs(scores)

    # then the mean is exactly 52.972, shown as 52.97
    assert result == Fraction(52972, 1000)
    assert round_half_up(result, 2) == Decimal("52.97")


def test_21_of_35_points_is_60_percent():
    # given 15-point 10, 10-point 6, yes/no 5 points yes, yes/no 5 points no: 10 + 6 + 5 + 0 = 21 of 35
    ratings = {"solution": 10, "process": 6, "greeting": 1, "closing": 0}

    # when
    result = score_review(POINTS_35, ratings)

    # then
    assert result.earned_points == 21
    assert result.possible_points == 35
    assert result.score == 60


def test_the_same_review_with_a_5_point_criterion_na_is_16_of_30():
    # given the same review with the 5-point greeting (which earned 5) marked N/A
    ratings = {"solution": 10, "process": 6, "greeting": None, "closing": 0}

    # when
    result = score_review(POINTS_35, ratings)

    # then 16 / 30 = 53.33... %, shown as 53.3
    assert result.earned_points == 16
    assert result.possible_points == 30
    assert result.score == Fraction(160, 3)
    assert round_half_up(result.score, 1) == Decimal("53.3")


# --------------------------------------------------------------------------------------------------
# Criterion score
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scale", "value", "expected"),
    [
        (BINARY, 0, Fraction(0)),
        (BINARY, 1, Fraction(100)),
        (Scale(1, 3), 1, Fraction(0)),
        (Scale(1, 3), 2, Fraction(50)),
        (Scale(1, 3), 3, Fraction(100)),
        (Scale(1, 4), 2, Fraction(100, 3)),
        (Scale(1, 4), 3, Fraction(200, 3)),
        (Scale(1, 5), 2, Fraction(25)),
        (Scale(1, 5), 4, Fraction(75)),
        (Scale(0, 15), 7, Fraction(140, 3)),
    ],
)
def test_criterion_score_is_the_position_on_the_scale(scale, value, expected):
    # given a scale and a selected value / when / then (selected − min) / (max − min) × 100
    assert criterion_score(scale, value) == expected


def test_criterion_score_refuses_a_value_off_the_scale():
    # given a 1-5 scale / when 6 is scored / then
    with pytest.raises(ValueError, match=r"^6 is not on the scale 1 to 5\.$"):
        criterion_score(FIVE_POINT, 6)


def test_scale_labels_name_each_value():
    # given a labelled 1-5 scale / when / then
    assert FIVE_POINT.label_for(1) == "Very poor"
    assert FIVE_POINT.label_for(5) == "Excellent"
    assert Scale(0, 2).label_for(2) == "2"
    assert list(FIVE_POINT.values) == [1, 2, 3, 4, 5]


# --------------------------------------------------------------------------------------------------
# Review score (percentage mode)
# --------------------------------------------------------------------------------------------------


def test_review_score_is_the_weighted_mean_of_criterion_scores():
    # given solution 5 (100 %, w 50), tone 3 (50 %, w 30), grammar 1 (0 %, w 20)
    ratings = {"solution": 5, "tone": 3, "grammar": 1}

    # when
    result = score_review(WEIGHTED, ratings)

    # then (50·100 + 30·50 + 20·0) / 100 = 65
    assert result.score == 65
    assert result.base_score == 65
    assert [(c.key, c.score) for c in result.criterion_scores] == [
        ("solution", Fraction(100)),
        ("tone", Fraction(50)),
        ("grammar", Fraction(0)),
    ]
    assert result.earned_points is None
    assert result.possible_points is None


def test_na_leaves_both_numerator_and_denominator():
    # given grammar N/A
    ratings = {"solution": 5, "tone": 3, "grammar": None}

    # when
    result = score_review(WEIGHTED, ratings)

    # then (50·100 + 30·50) / 80 = 81.25
    assert result.score == Fraction(8125, 100)
    assert result.criterion("grammar").score is None
    assert result.criterion("grammar").is_rated is False


def test_weight_zero_criterion_is_shown_but_does_not_count():
    # given a weight-0 criterion rated 0 % beside a weight-10 one rated 100 %
    card = percentage_card(
        SectionSpec(
            key="main",
            criteria=(
                CriterionSpec(key="solution", scale=BINARY, weight=10),
                CriterionSpec(key="extra", scale=BINARY, weight=0),
            ),
        )
    )

    # when
    result = score_review(card, {"solution": 1, "extra": 0})

    # then
    assert result.score == 100
    assert result.criterion("extra").score == 0
    assert result.criterion("extra").weight == 0


def test_review_where_every_criterion_is_na_has_no_score():
    # given every counting criterion N/A
    card = percentage_card(
        SectionSpec(key="main", criteria=(CriterionSpec(key="tone", scale=FIVE_POINT, allows_na=True),))
    )

    # when
    result = score_review(card, {"tone": None})

    # then
    assert result.score is None
    assert result.base_score is None


# --------------------------------------------------------------------------------------------------
# Critical, auto-fail and bonus
# --------------------------------------------------------------------------------------------------

CRITICAL = percentage_card(
    SectionSpec(
        key="main",
        criteria=(
            CriterionSpec(key="solution", scale=FIVE_POINT, weight=60),
            CriterionSpec(key="security", scale=Scale(1, 4), weight=40, is_critical=True, allows_na=True),
        ),
    ),
    SectionSpec(key="bonus", kind=SectionKind.BONUS, criteria=(CriterionSpec(key="wow", scale=BINARY, weight=10),)),
)


def test_critical_criterion_below_50_percent_sets_the_review_to_zero():
    # given security 2 on 1-4 (33.3 %) and a bonus earned
    ratings = {"solution": 5, "security": 2, "wow": 1}

    # when
    result = score_review(CRITICAL, ratings)

    # then the whole review, bonus included, is 0; the criterion keeps its own score
    assert result.score == 0
    assert result.critical_failed is True
    assert result.failed_critical_keys == ("security",)
    assert result.criterion("security").is_critical_failure is True
    assert result.criterion("security").score == Fraction(100, 3)
    assert result.base_score == Fraction(60 * 100 + 40 * Fraction(100, 3), 100)


def test_critical_criterion_at_or_above_50_percent_or_na_does_not_fail():
    # given security 3 on 1-4 (66.7 %), then security N/A
    passed = score_review(CRITICAL, {"solution": 5, "security": 3})
    not_applicable = score_review(CRITICAL, {"solution": 5, "security": None})

    # then
    assert passed.critical_failed is False
    assert passed.score == Fraction(60 * 100 + 40 * Fraction(200, 3), 100)
    assert not_applicable.critical_failed is False
    assert not_applicable.score == 100


def test_critical_failure_at_exactly_50_percent_is_not_a_failure():
    # given a critical criterion on 1-3 rated 2 (exactly 50 %)
    card = percentage_card(
        SectionSpec(key="main", criteria=(CriterionSpec(key="security", scale=Scale(1, 3), is_critical=True),))
    )

    # when
    result = score_review(card, {"security": 2})

    # then
    assert result.critical_failed is False
    assert result.score == 50


AUTO_FAIL = percentage_card(
    SectionSpec(key="main", criteria=(CriterionSpec(key="solution", scale=FIVE_POINT, weight=100),)),
    SectionSpec(
        key="zero_tolerance",
        kind=SectionKind.AUTO_FAIL,
        criteria=(CriterionSpec(key="rude"), CriterionSpec(key="data_leak")),
    ),
)


def test_any_selected_auto_fail_item_sets_the_review_to_zero():
    # given a perfect review with one auto-fail item selected
    ratings = {"solution": 5, "data_leak": 1}

    # when
    result = score_review(AUTO_FAIL, ratings)

    # then
    assert result.score == 0
    assert result.auto_failed is True
    assert result.selected_auto_fail_keys == ("data_leak",)
    assert result.base_score == 100


def test_auto_fail_items_not_selected_leave_the_score_alone():
    # given items explicitly not selected, or not mentioned at all
    explicit = score_review(AUTO_FAIL, {"solution": 4, "rude": 0, "data_leak": 0})
    omitted = score_review(AUTO_FAIL, {"solution": 4})

    # then
    assert explicit.score == 75
    assert explicit.auto_failed is False
    assert omitted.score == 75
    assert omitted.criterion("rude").value == 0


def test_bonus_lifts_a_percentage_score_above_100():
    # given a perfect review (weights 60 + 40) and a 10-weight bonus earned
    ratings = {"solution": 5, "security": 4, "wow": 1}

    # when
    result = score_review(CRITICAL, ratings)

    # then the bonus adds 10 / 100 of weight to the numerator only
    assert result.base_score == 100
    assert result.bonus == 10
    assert result.score == 110


def test_bonus_not_rated_adds_nothing():
    # given no bonus rating
    result = score_review(CRITICAL, {"solution": 3, "security": 4})

    # then (60·50 + 40·100) / 100
    assert result.bonus == 0
    assert result.score == 70


def test_bonus_points_are_added_to_earned_not_to_possible():
    # given 21 of 35 points and a bonus criterion worth 7 points fully earned
    card = points_card(
        *POINTS_35.sections,
        SectionSpec(key="extra", kind=SectionKind.BONUS, criteria=(CriterionSpec(key="wow", scale=Scale(0, 7)),)),
    )

    # when
    result = score_review(card, {"solution": 15, "process": 10, "greeting": 1, "closing": 1, "wow": 7})

    # then (35 + 7) / 35 = 120 %
    assert result.earned_points == 35
    assert result.bonus_points == 7
    assert result.possible_points == 35
    assert result.score == 120


def test_points_mode_uses_points_not_weights():
    # given a yes/no criterion worth 3 points with weight 100, and a 0-1 criterion worth 1 point with weight 0
    card = points_card(
        SectionSpec(
            key="main",
            criteria=(
                CriterionSpec(key="a", scale=BINARY, weight=100, points=3),
                CriterionSpec(key="b", scale=BINARY, weight=0),
            ),
        )
    )

    # when a is missed and b is met
    result = score_review(card, {"a": 0, "b": 1})

    # then 1 of 4 points
    assert result.score == 25


# --------------------------------------------------------------------------------------------------
# IQS and criterion averages
# --------------------------------------------------------------------------------------------------


def test_iqs_takes_review_results_and_skips_reviews_without_a_score():
    # given three review results: 65, unscored (all N/A) and 0 (critical failure)
    card = percentage_card(
        SectionSpec(
            key="main",
            criteria=(
                CriterionSpec(key="solution", scale=FIVE_POINT, weight=50, allows_na=True),
                CriterionSpec(key="tone", scale=FIVE_POINT, weight=50, allows_na=True, is_critical=True),
            ),
        )
    )
    reviews = [
        score_review(card, {"solution": 5, "tone": 3}),
        score_review(card, {"solution": None, "tone": None}),
        score_review(card, {"solution": 5, "tone": 1}),
    ]

    # when
    result = iqs(reviews)

    # then (75 + 0) / 2
    assert [review.score for review in reviews] == [75, None, 0]
    assert result == Fraction(75, 2)


def test_iqs_reads_floats_as_the_decimals_they_print_as():
    # given the known answer typed as floats / when / then exact 52.972
    assert iqs([100, 9.91, 63.96, 90.99, 0]) == Fraction(52972, 1000)


def test_iqs_of_no_reviews_is_none():
    # given no reviews, or only unscored ones / when / then
    assert iqs([]) is None
    assert iqs([None]) is None


def test_criterion_averages_do_not_apply_the_critical_zeroing():
    # given two reviews: the second fails the critical security criterion
    reviews: list[ReviewScore] = [
        score_review(CRITICAL, {"solution": 5, "security": 4}),
        score_review(CRITICAL, {"solution": 3, "security": 1, "wow": 1}),
        score_review(CRITICAL, {"solution": 1, "security": None}),
    ]

    # when
    averages = criterion_averages(reviews)

    # then each criterion averages its own scores over the reviews where it was rated
    assert reviews[1].score == 0
    assert averages == {
        "solution": Fraction(100 + 50 + 0, 3),
        "security": Fraction(100 + 0, 2),
        "wow": Fraction(100),
    }


# --------------------------------------------------------------------------------------------------
# Bad ratings
# --------------------------------------------------------------------------------------------------


def test_rating_outside_the_scale_is_refused_naming_the_criterion():
    # given tone 6 on a 1-5 scale / when / then
    with pytest.raises(RatingError) as refused:
        score_review(WEIGHTED, {"solution": 5, "tone": 6, "grammar": 1})

    assert refused.value.errors == {"tone": "Tone: 6 is outside the scale 1 to 5."}
    assert str(refused.value) == "Tone: 6 is outside the scale 1 to 5."


def test_na_where_not_allowed_is_refused():
    # given solution N/A (not allowed) / when / then
    with pytest.raises(RatingError) as refused:
        score_review(WEIGHTED, {"solution": None, "tone": 3, "grammar": 1})

    assert refused.value.errors == {"solution": "Solution: N/A is not allowed."}


def test_unknown_criterion_is_refused():
    # given a rating for a criterion the scorecard does not have / when / then
    with pytest.raises(RatingError) as refused:
        score_review(WEIGHTED, {"solution": 5, "tone": 3, "grammar": 1, "empathy": 4})

    assert refused.value.errors == {"empathy": "Unknown criterion 'empathy': it is not on this scorecard."}


def test_missing_rating_of_a_required_criterion_is_refused():
    # given grammar (which allows N/A) left out: N/A must be chosen, not implied / when / then
    with pytest.raises(RatingError) as refused:
        score_review(WEIGHTED, {"solution": 5, "tone": 3})

    assert refused.value.errors == {"grammar": "Grammar: a rating is required."}


def test_a_rating_that_is_not_a_whole_number_is_refused():
    # given tone 3.5 and solution True / when / then
    with pytest.raises(RatingError) as refused:
        validate_ratings(WEIGHTED, {"solution": True, "tone": 3.5, "grammar": 1})  # type: ignore[dict-item]

    assert refused.value.errors == {
        "solution": "Solution: the rating must be a whole number, not True.",
        "tone": "Tone: the rating must be a whole number, not 3.5.",
    }


def test_every_bad_rating_is_reported_at_once():
    # given three problems in one review / when / then
    with pytest.raises(RatingError) as refused:
        validate_ratings(WEIGHTED, {"solution": 0, "tone": None, "speed": 2})

    assert refused.value.errors == {
        "solution": "Solution: 0 is outside the scale 1 to 5.",
        "tone": "Tone: N/A is not allowed.",
        "speed": "Unknown criterion 'speed': it is not on this scorecard.",
        "grammar": "Grammar: a rating is required.",
    }


def test_a_draft_may_leave_ratings_out_but_not_get_them_wrong():
    # given a draft with one rating / when / then no error
    validate_ratings(WEIGHTED, {"tone": 3}, require_complete=False)

    with pytest.raises(RatingError) as refused:
        validate_ratings(WEIGHTED, {"tone": 9}, require_complete=False)
    assert refused.value.errors == {"tone": "Tone: 9 is outside the scale 1 to 5."}


def test_auto_fail_item_rated_off_its_binary_scale_is_refused():
    # given an auto-fail item rated 2 / when / then
    with pytest.raises(RatingError) as refused:
        score_review(AUTO_FAIL, {"solution": 5, "rude": 2})

    assert refused.value.errors == {"rude": "rude: 2 is outside the scale 0 to 1."}


def test_complete_ratings_fills_unrated_auto_fail_items_and_bonus():
    # given a review naming only the normal criteria / when / then
    assert complete_ratings(CRITICAL, {"solution": 5, "security": 4}) == {
        "solution": 5,
        "security": 4,
        "wow": None,
    }
    assert complete_ratings(AUTO_FAIL, {"solution": 5}) == {"solution": 5, "rude": 0, "data_leak": 0}


# --------------------------------------------------------------------------------------------------
# Bad scorecards
# --------------------------------------------------------------------------------------------------


def test_scale_whose_maximum_is_not_above_its_minimum_is_refused():
    with pytest.raises(ScorecardError, match=r"^A scale's maximum \(1\) must be above its minimum \(1\)\.$"):
        Scale(1, 1)


def test_scale_with_the_wrong_number_of_labels_is_refused():
    with pytest.raises(ScorecardError, match=r"^A scale from 1 to 3 needs 3 labels, not 2\.$"):
        Scale(1, 3, ("Bad", "Good"))


@pytest.mark.parametrize("weight", [-1, 101])
def test_weight_outside_0_to_100_is_refused(weight):
    with pytest.raises(
        ScorecardError, match=rf"^Tone: the weight must be a whole number from 0 to 100, not {weight}\.$"
    ):
        CriterionSpec(key="tone", name="Tone", weight=weight)


def test_negative_points_are_refused():
    with pytest.raises(ScorecardError, match=r"^tone: points must be a whole number of at least 0, not -5\.$"):
        CriterionSpec(key="tone", points=-5)


def test_criterion_key_used_twice_is_refused():
    with pytest.raises(ScorecardError, match=r"^Tone again: the criterion key 'tone' is used twice\.$"):
        percentage_card(
            SectionSpec(key="a", criteria=(CriterionSpec(key="tone"),)),
            SectionSpec(key="b", criteria=(CriterionSpec(key="tone", name="Tone again"),)),
        )


def test_section_key_used_twice_is_refused():
    with pytest.raises(ScorecardError, match=r"^Section keys must be unique: a\.$"):
        percentage_card(
            SectionSpec(key="a", criteria=(CriterionSpec(key="tone"),)),
            SectionSpec(key="a", criteria=(CriterionSpec(key="solution"),)),
        )


def test_auto_fail_item_on_a_longer_scale_is_refused():
    with pytest.raises(ScorecardError, match=r"^rude: an auto-fail item is rated on the binary scale \(0 or 1\)\.$"):
        SectionSpec(key="zero", kind=SectionKind.AUTO_FAIL, criteria=(CriterionSpec(key="rude", scale=FIVE_POINT),))


def test_critical_criterion_outside_a_normal_section_is_refused():
    with pytest.raises(ScorecardError, match=r"^wow: only a criterion of a normal section can be critical\.$"):
        SectionSpec(key="extra", kind="bonus", criteria=(CriterionSpec(key="wow", is_critical=True),))


# --------------------------------------------------------------------------------------------------
# Rounding for display
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(52972, 1000), 2, Decimal("52.97")),
        (Fraction(160, 3), 1, Decimal("53.3")),
        (Fraction(200, 3), 1, Decimal("66.7")),
        (Fraction(1, 8), 2, Decimal("0.13")),
        (Fraction(-1, 8), 2, Decimal("-0.13")),
        (2.675, 2, Decimal("2.68")),
        (Decimal("0.005"), 2, Decimal("0.01")),
        (0, 2, Decimal("0.00")),
        (Fraction(1099, 10), 0, Decimal("110")),
    ],
)
def test_round_half_up_rounds_halves_away_from_zero(value, places, expected):
    # given a value / when rounded for display / then
    result = round_half_up(value, places)

    assert result == expected
    assert str(result) == str(expected)
