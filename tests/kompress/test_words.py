"""Word layout, budgeted choice, query boost, markup ties and rendering."""

from __future__ import annotations

import pytest

from headroom.kompress._words import (
    boost,
    bound_spans,
    choose,
    layout,
    merge_spans,
    name_spans,
    render,
    sentence_ends,
    share_best,
    tie_markup,
    together_spans,
    token_costs,
    units,
)


def test_layout_keeps_lines_and_trailing_newline() -> None:
    words = layout("alpha beta\n\n  gamma   delta\n")
    assert words.lines == [["alpha", "beta"], [], ["gamma", "delta"]]
    assert words.flat == ["alpha", "beta", "gamma", "delta"]
    assert words.trailing_newline


def test_render_never_joins_lines_and_keeps_indentation() -> None:
    words = layout("one two three\n    four five\nsix")
    out = render(words, [True, False, True, False, True, True])
    assert out == "one three\n    five\nsix"


def test_render_keeps_crlf_line_ends() -> None:
    assert render(layout("a b c\r\nd e\r\n"), [True, False, True, True, True]) == "a c\r\nd e\r\n"


def test_render_keeps_untouched_lines_byte_identical() -> None:
    words = layout("a  b\tc\nd e")
    assert render(words, [True] * 5) == "a  b\tc\nd e"


def test_render_drops_emptied_lines_without_stacking_blanks() -> None:
    words = layout("keep this\n\ndrop all of it\n\nkeep that\n")
    keep = [True, True, False, False, False, False, True, True]
    assert render(words, keep) == "keep this\n\nkeep that\n"


def test_sentence_ends_mark_sentence_and_line_ends() -> None:
    assert sentence_ends([["It", "rained.", "Then", "sun"], ["next"]]) == [False, True, False, True, True]


@pytest.mark.parametrize(
    ("probs", "forced", "rate", "expected"),
    [
        ([0.9, 0.1, 0.5, 0.2], [False] * 4, 0.5, [True, False, True, False]),
        ([0.9, 0.1, 0.5, 0.2], [False, True, False, False], 0.5, [True, True, False, False]),
        ([0.5, 0.5, 0.5, 0.5], [False] * 4, 0.5, [True, True, False, False]),  # ties: text order
        ([0.1, 0.2], [True, True], 0.1, [True, True]),  # forced words exceed the budget and stay
    ],
)
def test_choose_fills_the_budget_forced_first(
    probs: list[float], forced: list[bool], rate: float, expected: list[bool]
) -> None:
    assert choose(probs, forced, [1] * len(probs), rate, None) == expected


def test_a_word_too_dear_for_what_is_left_is_skipped_for_cheaper_ones() -> None:
    # budget 0.5 * 24 = 12: the 10-token word fits, the 5-token one does not, the 2-token one does
    assert choose([0.9, 0.8, 0.7, 0.1], [False] * 4, [10, 5, 2, 7], 0.5, None) == [True, False, True, False]


def test_choose_by_threshold() -> None:
    assert choose([0.9, 0.2, 0.6], [False, True, False], [1, 1, 1], 0.1, 0.5) == [True, True, True]
    assert choose([0.9, 0.2, 0.4], [False, False, False], [1, 1, 1], 0.9, 0.5) == [True, False, False]


def test_boost_raises_query_words_and_their_neighbours() -> None:
    words = layout("the glacier retreated quickly during a very warm decade overall")
    out = boost(words, [0.0] * 10, "glacier", 0.4)
    assert out[1] == pytest.approx(0.4)
    assert out[0] == out[2] == out[4] == pytest.approx(0.2)
    assert out[9] == 0.0
    assert boost(words, [0.0] * 10, None, 0.4) == [0.0] * 10


def test_markup_lives_and_dies_with_its_line() -> None:
    words = layout("- first item here\n- second")
    assert tie_markup(words, [False, True, False, False, False, False]) == [
        True,
        True,
        False,
        False,
        False,
        False,
    ]


def test_token_costs_count_each_word_with_its_space() -> None:
    costs = token_costs(["hello", "internationalisation"], "o200k_base")
    assert costs[0] == 1 and costs[1] >= 2


def test_a_name_shares_its_best_probability_so_it_is_kept_or_dropped_whole() -> None:
    words = layout("designed by Raymond Unwin and Barry Parker in York.\nThe end")
    probs = [0.1, 0.1, 0.2, 0.9, 0.1, 0.3, 0.4, 0.1, 0.5, 0.6, 0.7]
    assert share_best(probs, together_spans(words)) == [0.1, 0.1, 0.9, 0.9, 0.1, 0.4, 0.4, 0.1, 0.5, 0.6, 0.7]
    # one capitalised word is not a run, and runs never cross lines ("York." / "The")


def test_name_spans_group_capitalised_runs_into_units() -> None:
    words = layout("filmed in Sudbury, Parry Sound, and Sault Ste. Marie\nby Old Trafford")
    assert name_spans(words) == [(2, 5), (6, 9), (10, 12)]
    assert units(12, name_spans(words)) == [[0], [1], [2, 3, 4], [5], [6, 7, 8], [9], [10, 11]]


def test_a_bound_stays_with_the_date_or_quantity_it_bounds() -> None:
    words = layout(
        "rain lasts till September, costs more than 40 dollars\nsince (2017) and at least ~5 of 7 by hand"
    )
    assert bound_spans(words) == [(2, 4), (5, 8), (9, 11), (12, 15)]
    # "of 7" is no bound and "by hand" bounds no quantity; "at least ~5" is one span
    assert [" ".join(words.flat[a:b]) for a, b in bound_spans(words)] == [
        "till September,",
        "more than 40",
        "since (2017)",
        "at least ~5",
    ]


def test_merged_spans_are_disjoint_and_in_order() -> None:
    assert merge_spans([(4, 6), (0, 2)], [(1, 3), (6, 8), (10, 11)]) == [(0, 3), (4, 6), (6, 8), (10, 11)]
    words = layout("held Since January 20, 2017, by Maria Lopez")
    assert together_spans(words) == [(1, 3), (6, 8)]  # "Since January" is a name run and a bound


def test_choose_takes_a_name_whole_or_not_at_all() -> None:
    # budget 0.5 * 6 = 3 tokens: the name costs 4, so it is skipped for the two cheaper words,
    # where word by word its first two words would have been taken and the name cut in half
    probs, costs = [0.9, 0.9, 0.9, 0.2, 0.5, 0.4], [1, 1, 2, 0, 1, 1]
    groups = [[0, 1, 2], [3], [4], [5]]
    assert choose(probs, [False] * 6, costs, 0.5, None) == [True, True, False, False, True, False]
    assert choose(probs, [False] * 6, costs, 0.5, None, groups=groups) == [
        False,
        False,
        False,
        True,
        True,
        True,
    ]
