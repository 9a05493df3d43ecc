"""Socle minimum d'évaluation (diagnostics/ctg_followup.py) on hand-made follow-up tables."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from datastore.schemas import SUIVI_STATUTS, dataset_type
from diagnostics import ctg_followup as fu
from diagnostics.ao import Ctg


def ctg(start: str | None, end: str | None, initial: str | None = None) -> Ctg:
    ts = lambda v: None if v is None else pd.Timestamp(v)  # noqa: E731
    return Ctg(
        "X",
        "CTG X",
        "communal",
        ts(start),
        ts(end),
        ("01001",),
        (),
        ("01001",),
        date_fin_initiale=ts(initial or end),
    )


def rows(*points: tuple) -> pd.DataFrame:
    """points: (action, indicateur, initiale, cible, annee, trimestre, realise, statut)."""
    return pd.DataFrame(
        [
            {
                "id_ctg": "X",
                "thematique": "Petite enfance",
                "action": a,
                "indicateur": i,
                "valeur_initiale": b,
                "cible": c,
                "annee": y,
                "trimestre": q,
                "realise": r,
                "statut": s,
                "commentaire": "",
            }
            for a, i, b, c, y, q, r, s in points
        ]
    )


def test_import_checks_use_the_planning_threshold():
    from datastore import ctg_checks
    from geodata.tiers import SEUIL_PLANIFICATION

    assert ctg_checks.SEUIL_PLANIFICATION == SEUIL_PLANIFICATION


def test_columns_and_statuses_are_the_schema_ones():
    assert dataset_type("ctg_suivi").column_names == fu.FOLLOWUP_COLUMNS
    assert fu.STATUTS == SUIVI_STATUTS


@pytest.mark.parametrize(
    ("start", "end", "first", "last", "mid"),
    [
        (
            "2022-01-01",
            "2026-12-31",
            (date(2022, 1, 1), date(2022, 12, 31)),
            (date(2026, 1, 1), date(2026, 12, 31)),
            date(2024, 7, 1),
        ),
        (
            "2021-07-01",
            "2025-06-30",
            (date(2021, 7, 1), date(2022, 6, 30)),
            (date(2024, 7, 1), date(2025, 6, 30)),
            date(2023, 7, 1),
        ),
    ],
)
def test_calendar(start, end, first, last, mid):
    cal = fu.calendar(ctg(start, end))
    assert cal.first_year == first and cal.last_year == last and cal.mid_term == mid
    text = cal.diagnostic_text()
    assert f"du {first[0]:%d/%m/%Y} au {first[1]:%d/%m/%Y}" in text
    assert f"du {last[0]:%d/%m/%Y} au {last[1]:%d/%m/%Y}" in text


def test_calendar_uses_the_prolonged_end():
    cal = fu.calendar(ctg("2021-01-01", "2026-12-31", initial="2025-12-31"))
    assert cal.last_year == (date(2026, 1, 1), date(2026, 12, 31))


def test_calendar_without_dates_says_so():
    cal = fu.calendar(ctg(None, "2026-12-31"))
    assert cal.first_year is None and "ne peut pas être calculée" in cal.diagnostic_text()


@pytest.mark.parametrize(
    ("ref", "kind"),
    [
        (date(2023, 3, 1), fu.BILAN_INTERMEDIAIRE),
        (date(2025, 12, 31), fu.BILAN_INTERMEDIAIRE),
        (date(2026, 1, 1), fu.BILAN_FINAL),
        (date(2027, 5, 1), fu.BILAN_FINAL),
    ],
)
def test_default_bilan_kind(ref, kind):
    assert fu.default_bilan_kind(ctg("2022-01-01", "2026-12-31"), ref) == kind


def test_latest_points_and_progress():
    f = rows(
        ("Micro-crèche", "Places créées", 0, 12, 2025, 4, 12, "réalisée"),
        ("Micro-crèche", "Places créées", 0, 12, 2025, 2, 4, "en cours"),
        ("Micro-crèche", "Places créées", 0, 12, 2024, None, 0, "à engager"),
        ("LAEP", "Familles", 10, 40, 2025, None, 25, "en cours"),
        ("RPE", "Permanences", 5, 5, 2025, None, 5, "réalisée"),  # target = baseline
    )
    last = fu.latest_points(f).set_index("action")
    assert last.loc["Micro-crèche", "trimestre"] == 4
    assert last.loc["Micro-crèche", "avancement"] == pytest.approx(100.0)
    assert last.loc["LAEP", "avancement"] == pytest.approx(50.0)
    assert pd.isna(last.loc["RPE", "avancement"])
    counts = fu.status_counts(f)
    assert counts == {
        "à engager": 0,
        "en cours": 1,
        "réalisée": 2,
        "reportée": 0,
        "abandonnée": 0,
    }


def test_annual_point_comes_after_the_quarters_of_its_year():
    f = rows(
        ("A", "I", 0, 10, 2025, None, 9, "en cours"),
        ("A", "I", 0, 10, 2025, 3, 6, "en cours"),
    )
    assert fu.latest_points(f).iloc[0]["realise"] == 9


def test_followup_of_one_ctg_and_display_round_trip():
    f = pd.concat(
        [
            rows(("A", "I", 0, 10, 2025, 1, 3, "en cours")),
            rows(("B", "J", 0, 1, 2025, None, 0, "à engager")).assign(id_ctg="Y"),
        ]
    )
    mine = fu.followup_of(f, "X")
    assert list(mine["action"]) == ["A"]
    shown = fu.display_followup(mine)
    assert "État d'avancement" in shown.columns
    back = fu.from_display(shown.drop(columns=["CTG"]), "X")
    pd.testing.assert_frame_equal(back, mine[fu.FOLLOWUP_COLUMNS])
    assert fu.followup_of(None, "X").empty


@pytest.mark.parametrize(
    "quote",
    [
        fu.S_DEPENSE_DIAGNOSTIC,
        fu.S_TABLEAU_SUIVI,
        fu.S_BILAN_INTERMEDIAIRE,
        fu.S_BILAN_FINAL,
        fu.S_CDSF,
    ],
)
def test_sentences_are_quoted_verbatim(quote):
    path = Path("/work/shared/seeds/000_71fd8ff23175afc0.txt")
    if not path.exists():
        pytest.skip("texte de la circulaire absent de cette machine")
    text = re.sub(r"\s+", " ", re.sub(r"</?b>", "", path.read_text(encoding="utf-8")))
    assert quote in text
