"""A CTG's name is never doubled after « CTG » (issue 19): « la CTG « Arbent » », never « la CTG
« CTG – Arbent » », in every AO message (diagnostics/ao.py), the CTG map tooltip
(analyses/overlays.py) and the pre-diagnostic (diagnostics.formatting.ctg_short_name, one rule; also the import checks)."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from diagnostics import ao
from diagnostics import formatting as fmt
from tests.unit.test_ao import COMMUNES, E1, EPCI, FAR, NAMES, A, transfers

#: names as Caf files write them -> what follows « la CTG »
NAMES_WRITTEN = [
    ("CTG – Arbent", "Arbent"),
    ("CTG - Arbent", "Arbent"),
    ("CTG — Vallée du Garon", "Vallée du Garon"),
    ("CTG Vallée du Garon", "Vallée du Garon"),
    ("ctg : Brignais", "Brignais"),
    ("CTG:Brignais", "Brignais"),
    ("Arbent", "Arbent"),
    ("CTGX Nord", "CTGX Nord"),  # not the word « CTG »
]

DOUBLED = re.compile(r"CTG\s*«\s*CTG\b", re.IGNORECASE)


@pytest.mark.parametrize(("written", "short"), NAMES_WRITTEN)
def test_short_name_and_title(written, short):
    assert fmt.ctg_short_name(written) == short
    assert fmt.ctg_quoted(written) == f"« {short} »"
    title = fmt.ctg_title(written)
    assert not re.match(r"CTG\s*:\s*CTG\b", title)
    assert short in title


def _frame(name_x: str, name_y: str, end_y: str = "2026-06-30") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id_ctg": ["X", "Y"],
            "nom": [name_x, name_y],
            "niveau": ["communal", "intercommunal"],
            "signataires": [A, E1],
            "date_debut": pd.to_datetime(["2022-01-01", "2022-01-01"]),
            "date_fin": pd.to_datetime([FAR, end_y]),
        }
    )


def _messages(name_x: str, name_y: str, ref: date) -> list[str]:
    """Every French text the AO diagnostic writes about these two CTG at `ref`."""
    ctgs = ao.parse_ctg(_frame(name_x, name_y), COMMUNES, EPCI)
    holders = ao.competence_holders(COMMUNES, transfers(), ref)
    table = ao.ao_table(holders, ctgs, ref, None)
    texts = [str(v) for col in ("detail", "chevauchement") for v in table[col].dropna()]
    by_id = {c.id_ctg: c for c in ctgs}
    texts += [ao.overlap_message(o, by_id, NAMES) for o in ao.ctg_overlaps(ctgs, ref)]
    bad = _frame(name_x, name_y).assign(signataires=["75999", E1])
    texts += list(ao.read_ctgs(bad, COMMUNES, EPCI).rejected)
    return texts


@pytest.mark.parametrize(("written", "short"), NAMES_WRITTEN[:6])
@pytest.mark.parametrize("ref", [date(2026, 1, 15), date(2026, 3, 1), date(2027, 1, 15)])
def test_ao_messages_never_double_the_ctg_name(written, short, ref):
    texts = _messages(written, f"{written} bis", ref)
    joined = "\n".join(texts)
    assert texts and f"« {short} »" in joined, joined
    assert not DOUBLED.search(joined), joined
    assert f"« {written} »" not in joined


def test_status_sentences_name_the_ctg_once():
    """Each status sentence that names a CTG (vaut schéma, échéance, avenant recommandé)."""
    from tests.unit.test_ao import PLANNING_TO_E1

    ref = date(2026, 1, 15)
    cases = [
        # (transfers, date_fin, AO row): signed by the holder; ending soon; the EPCI holds
        # planning but only the commune signed
        ((), FAR, A),
        ((), "2026-06-30", A),
        (PLANNING_TO_E1, FAR, E1),
    ]
    seen = set()
    for tr, end, code in cases:
        frame = pd.DataFrame(
            {
                "id_ctg": ["X"],
                "nom": ["CTG – Aville"],
                "niveau": ["communal"],
                "signataires": [A],
                "date_debut": pd.to_datetime(["2022-01-01"]),
                "date_fin": pd.to_datetime([end]),
            }
        )
        holders = ao.competence_holders(COMMUNES, transfers(*tr), ref)
        table = ao.ao_table(holders, ao.parse_ctg(frame, COMMUNES, EPCI), ref, None)
        hit = table.loc[table["ao_code"] == code].iloc[0]
        seen.add(hit["statut"])
        assert "CTG « Aville » (X)" in hit["detail"], hit["detail"]
        assert not DOUBLED.search(hit["detail"]), hit["detail"]
    assert len(seen) == 3, seen


@pytest.mark.parametrize(
    ("written", "tip"),
    [("CTG – Arbent", "CTG – Arbent (A)"), ("Arbent", "CTG : Arbent (A)"), ("", "CTG A (A)")],
)
def test_ctg_map_tooltip_never_doubles_the_name(written, tip):
    import json
    from dataclasses import replace

    from analyses import overlays as ov
    from tests.unit.test_overlays import VAUT, _ctg, _layers
    from tests.unit.test_overlays import grid as grid_fixture

    grid = grid_fixture.__wrapped__()
    ctg = replace(_ctg("A", ("C1", "C2"), "2023-01-01", "2029-12-31"), nom=written)
    layer = ov.ctg_overlay(grid, [ctg], _layers({"C1": VAUT, "C2": VAUT}), date(2026, 6, 1))
    tips = [f["properties"]["tip"] for f in json.loads(layer.data)["features"]]
    assert len(tips) == 1 and tips[0].startswith(tip + "\n"), tips
    assert not DOUBLED.search(tips[0]) and not tips[0].startswith("CTG CTG")


def test_import_check_of_overlapping_ctg_never_doubles_the_names():
    """datastore/ctg_checks.py (the import report) uses the same rule."""
    from pathlib import Path

    from datastore.importers import prepare

    corpus = Path(__file__).resolve().parent.parent / "corpus" / "files"
    text = prepare("ctg", corpus / "72_ctg_chevauchement.csv").report.text()
    assert "les CTG « Saint-Étienne Métropole » (C1) et « Firminy » (C2)" in text, text
    assert not DOUBLED.search(text), text
