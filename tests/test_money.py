"""Amounts in pounds: the one reader (parse_pounds) and its inverse (format_pounds)."""

import pytest

from shop.money import PoundsError, PoundsProblem, format_pounds, parse_pounds


@pytest.mark.parametrize(
    "typed, pence",
    [
        ("24", 2400),
        ("24.5", 2450),
        ("24.", 2400),
        ("£1,024.99", 102499),
        (" 0.10 ", 10),
        ("1 024.00", 102400),
        ("0", 0),
        ("19.99", 1999),  # 19.99 * 100 is 1998.9999... as a float
    ],
)
def test_amounts_are_read_as_exact_pence(typed, pence):
    assert parse_pounds(typed) == pence


@pytest.mark.parametrize(
    "typed, problem",
    [
        ("", PoundsProblem.EMPTY),
        (None, PoundsProblem.EMPTY),
        ("£", PoundsProblem.EMPTY),
        ("ten", PoundsProblem.NOT_AMOUNT),
        ("1e3", PoundsProblem.NOT_AMOUNT),
        ("NaN", PoundsProblem.NOT_AMOUNT),
        ("Infinity", PoundsProblem.NOT_AMOUNT),
        ("1_000", PoundsProblem.NOT_AMOUNT),
        ("½", PoundsProblem.NOT_AMOUNT),
        ("١٢", PoundsProblem.NOT_AMOUNT),  # digits, but not the ones a price is typed in
        ("-5", PoundsProblem.TOO_SMALL),
        ("-£5.00", PoundsProblem.TOO_SMALL),
        ("£-5", PoundsProblem.TOO_SMALL),
        ("-0", PoundsProblem.TOO_SMALL),
        ("24.999", PoundsProblem.TOO_PRECISE),
        ("9" * 5000, PoundsProblem.TOO_LARGE),
    ],
)
def test_what_is_not_an_amount_is_refused_with_its_reason(typed, problem):
    with pytest.raises(PoundsError) as refused:
        parse_pounds(typed)
    assert refused.value.problem is problem
    assert str(refused.value)


def test_the_caller_sets_the_range_and_the_words():
    wording = {PoundsProblem.TOO_SMALL: "More than nothing, please."}
    assert parse_pounds("0.01", least=1, most=100) == 1
    with pytest.raises(PoundsError, match="More than nothing, please."):
        parse_pounds("0", least=1, wording=wording)
    with pytest.raises(PoundsError) as refused:
        parse_pounds("1.01", most=100, wording=wording)
    assert refused.value.problem is PoundsProblem.TOO_LARGE
    assert str(refused.value) == "The amount is too large."  # the generic words fill gaps


@pytest.mark.parametrize("pence", [0, 1, 99, 2400, 102499, 10_000_000])
def test_formatted_pounds_read_back_the_same(pence):
    assert parse_pounds(format_pounds(pence)) == pence


def test_no_amount_is_an_empty_cell():
    assert format_pounds(None) == ""
    assert format_pounds(2450) == "24.50"
