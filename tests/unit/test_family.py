"""Family key figures of a territory (analyses.family) on small hand-made frames."""

from __future__ import annotations

import pandas as pd
import pytest

from analyses.family import family_figures
from catalogue.sources import Nature
from datastore.store import Dataset, DatasetMeta
from geodata.territory import Geography, Level, Territory

COMMUNES = pd.DataFrame(
    {
        "code_insee": ["01001", "01002", "69123"],
        "nom": ["A", "B", "Lyon"],
        "dep": ["01", "01", "69"],
        "reg": ["84", "84", "84"],
        "siren_epci": ["200000001", "200000001", "200046977"],
        "population": [1000, 2000, 500000],
    }
)
GEO = Geography(COMMUNES, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())


def _ds(kind: str, frame: pd.DataFrame, nature: Nature = Nature.REEL) -> Dataset:
    meta = DatasetMeta(1, kind, 2024, "INSEE", f"{kind}.csv", len(frame), "", nature)
    return Dataset(kind, frame.assign(dataset_id=1), (meta,))


ENFANTS = _ds(
    "enfants",
    pd.DataFrame(
        {
            "code_insee": ["01001", "01002", "01001", "69381", "69382"],
            "annee": [2024, 2024, 2023, 2024, 2024],
            "enfants_moins_3": [30.0, 60.0, 10.0, 100.0, 200.0],
            "naissances": [10.0, None, 9.0, 30.0, 70.0],
        }
    ),
)
TAUX = _ds(
    "caf_taux",
    pd.DataFrame(
        {
            "annee": [2022, 2023, 2023],
            "niveau": ["epci", "epci", "departement"],
            "code": ["200000001", "200000001", "01"],
            "tx_global": [50.0, 52.5, 60.0],
        }
    ),
)


@pytest.mark.parametrize(
    ("territory", "expected"),
    [
        (
            Territory(Level.EPCI, "200000001", "CC"),
            {
                "enfants_moins_3": ("Enfants de moins de 3 ans (2024)", "90", ""),
                "naissances": ("Naissances domiciliées (2024)", "10", "1 commune(s) sur 2"),
                "couverture": (
                    "Taux de couverture global (2023)",
                    "52,5 places pour 100 enfants",
                    "",
                ),
            },
        ),
        (
            # Lyon: files by arrondissement are summed into the city
            Territory(Level.COMMUNE, "69123", "Lyon"),
            {
                "enfants_moins_3": ("Enfants de moins de 3 ans (2024)", "300", ""),
                "naissances": ("Naissances domiciliées (2024)", "100", ""),
                "couverture": ("Taux de couverture global", "—", ""),
            },
        ),
    ],
)
def test_family_figures(territory, expected):
    figs = {f.id: f for f in family_figures(GEO, territory, ENFANTS, None, TAUX)}
    for fid, (label, text, share) in expected.items():
        f = figs[fid]
        assert (f.label, f.text) == (label, text), fid
        assert share.replace(" ", "\u202f") in f.source or share in f.source
        if text != "—":
            assert f.source.startswith("Source : INSEE")
    assert figs["allocataires"].missing  # no dataset: said, not shown as zero
    assert figs["couverture"].missing == "" or territory.level is Level.COMMUNE


def test_synthetic_figures_are_labelled():
    demo = _ds("enfants", ENFANTS.frame.drop(columns="dataset_id"), Nature.SYNTHETIQUE)
    f = family_figures(GEO, Territory(Level.EPCI, "200000001", "CC"), demo, None, None)[0]
    assert f.synthetic and "démonstration" in f.source
