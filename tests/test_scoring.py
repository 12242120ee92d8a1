import pytest

from bot.scoring import Criterion, band_for, feedback_text, level_for, quote, weighted_score


@pytest.mark.parametrize(
    ("score", "band"),
    [(0, "needs work"), (39, "needs work"), (40, "developing"), (59, "developing"), (60, "solid"),
     (79, "solid"), (80, "strong"), (100, "strong")],
)
def test_bands(score, band):
    assert band_for(score) == band


@pytest.mark.parametrize(
    ("score", "levels", "reads_as"),
    [
        (90, ("mid", "senior"), "senior"),
        (70, ("mid", "senior"), "mid"),
        (50, ("mid", "senior"), "junior"),
        (20, ("mid", "senior"), "below mid"),
        (50, ("junior", "mid"), "below junior"),
        (85, ("staff",), "staff"),
        (65, ("senior", "staff"), "senior"),
    ],
    ids=["strong-reads-top", "solid-reads-lowest", "developing-reads-one-below", "weak", "no-level-below-junior",
         "staff-only", "solid-senior-staff"],
)
def test_level_an_answer_reads_as(score, levels, reads_as):
    assert level_for(score, levels) == reads_as


def criterion(point_id, weight, credit):
    return Criterion(point_id=point_id, point=f"Point {point_id}.", weight=weight, credit=credit)


def test_weighted_score_counts_partial_as_half_and_not_assessed_as_zero():
    criteria = [criterion("a", 2, "full"), criterion("b", 3, "partial"), criterion("c", 1, "not_assessed"),
                criterion("d", 2, "none")]
    assert weighted_score(criteria) == 44  # (2 + 1.5) / 8


def test_each_red_flag_costs_ten_points_and_the_score_stays_in_range():
    criteria = [criterion("a", 1, "full"), criterion("b", 1, "partial")]
    assert weighted_score(criteria, red_flags=1) == 65
    assert weighted_score([criterion("a", 1, "none")], red_flags=2) == 0


def test_feedback_lists_covered_partial_missed_and_red_flags():
    criteria = [criterion("kinds", 2, "full"), criterion("tests", 3, "partial"), criterion("alerts", 1, "not_assessed")]
    text = feedback_text(criteria, ["Kinds anchor.", "Tests anchor.", "Route alerts to the owning team."],
                         ["Retraining daily fixes drift."])
    assert text.splitlines() == [
        "Covered well: kinds.",
        "Partly covered (tests): a full answer point tests.",
        "Missed (alerts): Route alerts to the owning team.",
        "Red flag: the answer seems to claim that retraining daily fixes drift.",
    ]


def test_quote_keeps_short_text_and_cuts_long_text_at_a_word():
    assert quote("  two\n words ") == "two words"
    assert quote("alpha beta gamma delta", limit=12) == "alpha beta…"
