"""Display and export helpers of ui/filoue.py: hidden figures never leave as numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from catalogue.sources import DEMO_LABEL
from reports.tables import to_csv_fr
from ui import filoue as U

COMP = pd.DataFrame(
    {
        "modalite": ["< 1 an", "1 an", "Ensemble"],
        "n_eaje": [np.nan, 12.0, 40.0],
        "part_eaje": [np.nan, 30.0, 100.0],
        "n_commune": [7.0, 1234.0, 2000.0],
        "part_commune": [0.35, 61.7, 100.0],
        "ecart_eaje_commune": [np.nan, -31.7, 0.0],
    }
)


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("Cet EAJE : effectif", ["s", "12", "40"]),
        ("Cet EAJE : part (%)", ["s", "30,0 %", "100,0 %"]),
        ("EAJE de la commune : effectif", ["7", "1\u202f234", "2\u202f000"]),
        ("Écart EAJE − commune (points)", ["s", "−31,7 pt", "0,0 pt"]),
    ],
)
def test_comparison_display(column, expected):
    assert U.comparison_display(COMP)[column].tolist() == expected


@pytest.mark.parametrize(("synthetic", "demo"), [(True, True), (False, False)])
def test_export_keeps_hidden_cells_empty_and_says_why(synthetic, demo):
    source = U.export_source(["Source : Cnaf, 2023"], 5, synthetic)
    csv = to_csv_fr(U.comparison_export(COMP), source).decode("utf-8-sig")
    lines = csv.splitlines()
    # hidden count, share and gap: empty cells; shares to one decimal (reports.tables)
    assert lines[1] == "< 1 an;;;7;0,4;"
    assert lines[2] == "1 an;12;30;1234;61,7;-31,7"
    assert "secret statistique" in csv and "inférieur à 5" in csv
    assert (DEMO_LABEL in csv) is demo


@pytest.mark.parametrize(
    ("inside", "searched", "linked", "what", "expected"),
    [
        ({"15014"}, False, False, "EAJE", "aucun EAJE de l'extrait Filoué 2024"),
        ({"15014"}, False, False, "commune", "les communes de toute la France"),
        ({"15014", "23001"}, False, False, "EAJE", "choisi dans la liste, après ceux"),
        ({"15014", "23001"}, False, False, "commune", "choisie dans la liste, après celles"),
        ({"15014"}, True, False, "EAJE", "la recherche porte sur toute la France"),
        ({"15014"}, False, True, "EAJE", "le lien ouvert désigne cet EAJE"),
    ],
)
def test_outside_reason(inside, searched, linked, what, expected):
    from ui.filoue import outside_reason

    known = {"23001", "69123"} | (inside & {"23001"})
    assert expected in outside_reason(inside, known, searched, linked, 2024, what)
