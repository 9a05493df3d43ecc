"""The one French formatting module: numbers, signed values, percentages, rates, sizes."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from diagnostics import formatting as fr

NN = "\u202f"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (12345.64, 1, f"12{NN}345,6"),
        (0.04, 1, "0,0"),
        (-0.04, 1, "0,0"),
        (-1234.5, 1, f"−1{NN}234,5"),
        (1_000_000, 0, f"1{NN}000{NN}000"),
        (None, 1, "—"),
        (math.nan, 1, "—"),
        (pd.NA, 1, "—"),
        (52.25, 2, "52,25"),
        (math.inf, 0, "∞"),
        (7, 0, "7"),
    ],
)
def test_fmt_number(value, decimals, expected):
    assert fr.fmt_number(value, decimals) == expected


def test_missing_wording_in_sentences():
    assert fr.fmt_number(None, 1, missing=fr.MISSING_TEXT) == "non disponible"
    assert fr.fmt_percent(math.nan, missing=fr.MISSING_TEXT) == "non disponible"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2.5, "2,5"), (10.0, "10"), (0.05, "0,05"), (1500.0, f"1{NN}500"), (-3.0, "−3")],
)
def test_fmt_compact(value, expected):
    assert fr.fmt_compact(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.54, "+1,5"), (-1.54, "−1,5"), (0.01, "0,0"), (-0.01, "0,0"), (None, "—")],
)
def test_fmt_signed_uses_one_minus_sign(value, expected):
    assert fr.fmt_signed(value, 1) == expected


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: fr.fmt_percent(23.44), f"23,4{NN}%"),
        (lambda: fr.fmt_share(0.234), f"23,4{NN}%"),
        (lambda: fr.fmt_share(0.05, trim=True), f"5{NN}%"),
        (lambda: fr.fmt_rate(58.26), "58,3"),
        (lambda: fr.fmt_size(1_500_000), "1,5 Mo"),
        (lambda: fr.fmt_size(12_000), "12,0 Ko"),
        (lambda: fr.fmt_size(800), "800 octets"),
    ],
)
def test_percent_rate_and_size(call, expected):
    assert call() == expected


def test_no_hyphen_minus_in_any_negative_number():
    for fmt in (fr.fmt_number, fr.fmt_compact, fr.fmt_signed, fr.fmt_percent, fr.fmt_rate):
        assert "-" not in fmt(-12.5)
