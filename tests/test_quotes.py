"""Reading numbers, years and names as sources print them."""

from __future__ import annotations

import pytest

from analysis.study import quotes


@pytest.mark.parametrize(
    "quote, value",
    [
        ("more than 8.000 Pflegefachkräfte", 8000),            # German thousands separator
        ("EUR 1,496,448.50 (94.99% from AMIF)", 1496448.5),    # English separators and decimals
        ("se destinan 2,6 millones de euros", 2_600_000),       # decimal comma and a multiplier word
        ("a budget of EUR 25 Mio for the programme", 25_000_000),
        ("9 677 applicants", 9677),                             # space as thousands separator
        ("Europe 0.6351 0.6440 0.6411 0.6589 Euro", 0.6351),    # four decimals are not a thousands group
        ("Only 18 of 47 workers returned", 47),
    ],
)
def test_numbers_are_read_in_their_printed_forms(quote, value):
    assert quotes.prints_number(value, [quote])


@pytest.mark.parametrize(
    "quote, value",
    [
        ("more than 8.000 nurses", 800),
        ("Europe 0.6351 0.6440", 0.635),
        ("2,6 millones", 2_600_001),
        ("120 of them started", 12),
    ],
)
def test_numbers_not_printed_are_not_found(quote, value):
    assert not quotes.prints_number(value, [quote])


def test_shares_are_read_from_percentages_only_when_asked():
    assert quotes.prints_number(0.18, ["women made up 18 % of the trainees"], share=True)
    assert quotes.prints_number(0.27, ["27 per cent had returned"], share=True)
    assert not quotes.prints_number(0.18, ["women made up 18 % of the trainees"], share=False)
    assert quotes.prints_number(18, ["women made up 18 % of the trainees"], share=False)


def test_a_zero_may_be_printed_as_a_negation():
    assert quotes.prints_number(0, ["geen enkele deelnemer is naar België vertrokken"])
    assert not quotes.prints_number(0, ["some participants left"])


def test_years_and_short_ranges():
    assert quotes.years_in("the 2019-20 campaign, signed in 2006") == {2006, 2019, 2020}
    assert quotes.years_in("EUR 20000 for 1500 workers") == set()


def test_mentions_needs_a_shared_word_beyond_common_ones():
    assert quotes.mentions("GIZ and Bundesagentur für Arbeit", ["Die GIZ vermittelt Pflegekräfte"])
    assert not quotes.mentions("the pilot programme", ["a pilot programme of the partnership"])
    assert quotes.mentions("Enabel", ["ENABEL, the Belgian development agency"])
