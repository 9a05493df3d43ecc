"""The source catalogue is complete: every shipped data file is credited, every credited file exists."""

from __future__ import annotations

import pytest

from catalogue.sources import SOURCES, Nature, credit, shipped_files, source
from tests.conftest import ROOT

DATA_SUFFIXES = {".csv", ".parquet", ".json", ".geojson", ".xlsx"}


def _data_files() -> set[str]:
    return {
        str(p.relative_to(ROOT))
        for p in (ROOT / "data").rglob("*")
        if p.is_file() and p.suffix in DATA_SUFFIXES
    }


def test_every_shipped_data_file_is_catalogued() -> None:
    missing = _data_files() - shipped_files()
    assert not missing, f"Fichiers livrés sans source au catalogue : {sorted(missing)}"


def test_every_catalogued_file_exists() -> None:
    absent = {f for f in shipped_files() if not (ROOT / f).is_file()}
    assert not absent, f"Fichiers cités au catalogue mais absents : {sorted(absent)}"


def test_ids_are_unique() -> None:
    ids = [s.id for s in SOURCES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("src", SOURCES, ids=lambda s: s.id)
def test_source_is_complete(src) -> None:
    assert src.producer.strip()
    assert src.title.strip()
    assert src.licence.strip()
    if src.nature is Nature.REEL:
        assert src.year.strip(), "une source réelle a un millésime"
        assert src.files, "une source réelle cite ses fichiers"


@pytest.mark.parametrize(
    ("source_id", "year", "expected"),
    [
        ("insee_pop_2023", None, "Source : INSEE, populations légales 2023"),
        (
            "cnaf_txcouv_com",
            2022,
            "Source : Cnaf, data.caf.fr, taux de couverture petite enfance (communal) 2022",
        ),
    ],
)
def test_credit_lines(source_id: str, year, expected: str) -> None:
    assert credit(source_id, year) == expected


def test_synthetic_credit_says_demo() -> None:
    assert "données de démonstration" in credit("demo_synthetique")


def test_unknown_source_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="Unknown source"):
        source("nope")
