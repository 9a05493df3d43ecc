"""The corpus of broken or awkward files: each gets its expected message or expected import.

Files are in tests/corpus/files (written by build_corpus.py), expectations in cases.json:
`ok` (import accepted or refused), `rows`, `errors` (exact number of errors), `messages`
(substrings that must appear in the French report) and `values` (cells of the imported frame).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from datastore.importers import ImportOptions, prepare

HERE = Path(__file__).resolve().parent
CASES = json.loads((HERE / "cases.json").read_text(encoding="utf-8"))


def test_corpus_is_large_enough() -> None:
    files = {p.name for p in (HERE / "files").iterdir()}
    assert len(CASES) >= 25
    assert {c["file"] for c in CASES} == files, "every corpus file has exactly one case"


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_corpus_file(case: dict) -> None:
    opts = ImportOptions(**case.get("options", {}))
    prepared = prepare(case["kind"], HERE / "files" / case["file"], options=opts)
    text = prepared.report.text()
    assert prepared.ok is case["ok"], text
    for fragment in case.get("messages", []):
        assert fragment in text, f"« {fragment} » absent du rapport :\n{text}"
    if "errors" in case:
        assert len(prepared.report.errors) == case["errors"], text
    if not case["ok"]:
        assert prepared.frame is None
        assert all(case["file"] in e.message for e in prepared.report.errors), (
            "every error names the file"
        )
        return
    frame = prepared.frame
    assert frame is not None
    if "rows" in case:
        assert len(frame) == case["rows"]
    for check in case.get("values", []):
        mask = pd.Series(True, index=frame.index)
        for col, val in check["where"].items():
            mask &= frame[col].astype("string") == val
        assert int(mask.sum()) == 1, f"{check['where']} : une ligne attendue"
        got = frame.loc[mask, check["column"]].iloc[0]
        expected = check["value"]
        if expected is None:
            assert pd.isna(got), got
        elif isinstance(got, pd.Timestamp):
            assert got.strftime("%Y-%m-%d") == expected
        elif isinstance(expected, float):
            assert float(got) == pytest.approx(expected)
        else:
            assert got == expected
