"""Row-wise reads of a DataFrame, fast: `records(frame)` is `frame.to_dict("records")` and
`cells(column)` is `list(column)`, with the same values of the same types, and `isin` is
`Series.isin`.

pandas reads the Arrow-backed text columns of pandas 3 (dtype « str » or « string ») cell by
cell, each through `pyarrow.Scalar.as_py` (about 2 µs a cell): 12 of the 23 s that the AO
analysis of France took under cProfile went into `to_dict("records")` (seven reads of the
34,871 communes by 20 to 40 columns). Here each column is converted once, as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionDtype

# pandas' own boxing of a cell in to_dict("records") (numpy scalars to Python ones, pd.NA to
# None), so that `records` gives exactly what to_dict gives
from pandas.core.dtypes.cast import maybe_box_native

_MASKED = (pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)


def _arrow_text(values: pd.Series) -> list[Any] | None:
    """The cells of an Arrow-backed text column (None for a missing one), else None."""
    arr = values.array
    if not isinstance(arr, pd.arrays.ArrowExtensionArray):
        return None
    chunks = arr.__arrow_array__()
    if not (pa.types.is_string(chunks.type) or pa.types.is_large_string(chunks.type)):
        return None
    return chunks.to_pylist()


def cells(values: pd.Series) -> list[Any]:
    """`list(values)`: the cells as iterating the column gives them (a missing text is the
    column's own NA: pd.NA for « string », NaN for « str »)."""
    text = _arrow_text(values)
    if text is None:
        return list(values)
    na = values.dtype.na_value
    return [na if v is None else v for v in text]


def column_values(values: pd.Series) -> list[Any]:
    """The cells of a column as `to_dict("records")` gives them: Python scalars, pd.NA boxed
    as None (NaN and NaT stay)."""
    dtype = values.dtype
    text = _arrow_text(values)
    if text is not None:
        na = None if dtype.na_value is pd.NA else dtype.na_value
        return text if na is None else [na if v is None else v for v in text]
    arr = values.array
    if isinstance(arr, _MASKED):
        missing = np.asarray(arr.isna())
        filled = arr.to_numpy(dtype=arr.dtype.numpy_dtype, na_value=False).tolist()
        if not missing.any():
            return filled
        return [None if m else v for v, m in zip(filled, missing.tolist(), strict=True)]
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        return values.to_numpy().tolist()
    out = list(values)
    if dtype == np.dtype(object) or isinstance(dtype, ExtensionDtype):
        return [maybe_box_native(v) for v in out]
    return out


def records(frame: pd.DataFrame) -> list[dict[Any, Any]]:
    """`frame.to_dict("records")`: one dict per row, column name -> cell (unique columns)."""
    if not frame.columns.is_unique:
        raise ValueError("records : noms de colonnes en double")
    keys = frame.columns.tolist()
    columns = [column_values(frame.iloc[:, i]) for i in range(frame.shape[1])]
    if not columns:
        return [{} for _ in range(len(frame))]
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


def isin(values: pd.Series, wanted: Iterable[object]) -> pd.Series:
    """`values.isin(wanted)` (bool, same index). For an Arrow-backed text column and text
    values, the value set is handed to Arrow as one array: pandas builds it one
    `pyarrow.scalar` at a time (0,2 s for the 34,871 codes of France)."""
    items = list(wanted)
    arr = values.array
    if _arrow_text(values) is None or not all(isinstance(v, str) for v in items):
        return values.isin(items)
    if not items:
        return pd.Series(False, index=values.index, name=values.name, dtype=bool)
    chunks = arr.__arrow_array__()
    mask = pc.is_in(chunks, value_set=pa.array(items, type=chunks.type))
    return pd.Series(np.array(mask, dtype=np.bool_), index=values.index, name=values.name)


def frame_of(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """`pd.DataFrame(rows, columns=columns)` for rows that all hold every column, built
    column by column (a third of the time for the 29,075 AO of France by 26 columns)."""
    if not rows:
        return pd.DataFrame(rows, columns=columns)
    return pd.DataFrame({c: [r[c] for r in rows] for c in columns}, columns=columns)


def read_only(frame: pd.DataFrame) -> pd.DataFrame:
    """Mark the numpy-backed columns of `frame` read-only (in place; returns `frame`): a
    write into the shared frame itself (`df.loc[i, "population"] = …`) raises ValueError
    while no derived frame shares the column. Copies and derived frames stay writable
    (copy-on-write copies before writing). Not caught: a write when a derived frame shares
    the column (pandas then copies it and replaces it in the shared frame), a write into an
    Arrow-backed text column (pandas replaces it), a new column; the guard of the shared
    objects is tests/apptest/test_shared_geography.py (the shared object after the pages is
    equal to a fresh one)."""
    for block in frame._mgr.blocks:
        values = block.values
        if isinstance(values, np.ndarray):
            values.flags.writeable = False
        elif isinstance(values, _MASKED):
            values._data.flags.writeable = False
            values._mask.flags.writeable = False
        elif isinstance(getattr(values, "_ndarray", None), np.ndarray):  # dates, categories
            values._ndarray.flags.writeable = False
    return frame
