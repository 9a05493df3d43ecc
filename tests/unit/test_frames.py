"""diagnostics.frames: the fast row-wise reads give exactly what pandas gives (same values,
same Python types, same missing values), on every dtype the analyses meet."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from diagnostics.frames import cells, frame_of, isin, read_only, records


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "string": pd.array(["a", None, "c"], dtype="string"),
            "str": pd.Series(["x", None, "z"], dtype="str"),
            "Float64": pd.array([1.5, None, 3.0], dtype="Float64"),
            "Int64": pd.array([1, None, 3], dtype="Int64"),
            "boolean": pd.array([True, None, False], dtype="boolean"),
            "float": [1.0, np.nan, 2.5],
            "int": [1, 2, 3],
            "bool": [True, False, True],
            "object": [(1, 2), np.int64(3), None],
            "datetime": pd.to_datetime(["2020-01-01", None, "2021-06-30"]),
            "category": pd.Categorical(["u", None, "u"]),
        }
    )


def _same(a: object, b: object) -> bool:
    if type(a) is not type(b):
        return False
    if a is pd.NA or a is pd.NaT or (isinstance(a, float) and math.isnan(a)):
        return a is b or (isinstance(b, float) and math.isnan(b))
    return bool(a == b)


@pytest.mark.parametrize("rows", [slice(None), slice(0, 0), [0, 2]])
def test_records_is_to_dict_records(rows) -> None:
    frame = _frame().iloc[rows]
    expected, got = frame.to_dict("records"), records(frame)
    assert len(got) == len(expected)
    for e, g in zip(expected, got, strict=True):
        assert list(g) == list(e)
        for key in e:
            assert _same(e[key], g[key]), (key, e[key], g[key])


def test_cells_is_list_and_isin_is_series_isin() -> None:
    frame = _frame()
    for col in frame.columns:
        expected, got = list(frame[col]), cells(frame[col])
        assert all(_same(e, g) for e, g in zip(expected, got, strict=True)), col
        for wanted in (set(), {"a", "z"}, ["c", "x", "nope"], [1, "a"]):
            pd.testing.assert_series_equal(isin(frame[col], wanted), frame[col].isin(wanted))


def test_frame_of_is_dataframe_of_records() -> None:
    frame = _frame()
    rows = records(frame)
    columns = list(frame.columns)
    pd.testing.assert_frame_equal(frame_of(rows, columns), pd.DataFrame(rows, columns=columns))
    pd.testing.assert_frame_equal(frame_of([], columns), pd.DataFrame([], columns=columns))


def test_records_refuses_duplicate_columns() -> None:
    with pytest.raises(ValueError, match="en double"):
        records(pd.DataFrame([[1, 2]], columns=["a", "a"]))


def test_read_only_refuses_writes_into_the_frame_not_into_its_copies() -> None:
    frame = read_only(_frame())
    for column, value in (("int", 9), ("Float64", 9.0), ("bool", False)):
        with pytest.raises(ValueError, match="read-only"):
            frame.loc[0, column] = value
    copy = frame.copy()
    copy.loc[0, "int"] = 9
    derived = frame[["int"]]
    derived.loc[0, "int"] = 8
    assert frame.loc[0, "int"] == 1 and copy.loc[0, "int"] == 9 and derived.loc[0, "int"] == 8
