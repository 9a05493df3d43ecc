"""The dataset-kinds registry (datastore/kinds.py) and what reads it (issue 11).

Before issue 11 the batch listed its dataset kinds by hand without « population »: the batch
PDF of a CTG read the AO thresholds on the population municipale while the page used an
imported population totale.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from datastore import importers, kinds
from datastore.kinds import Analysis, Kind
from datastore.schemas import DATASET_TYPES
from datastore.store import Workspace
from diagnostics import ao
from geodata.territory import Level, make_territory
from reports import batch, prediag
from tests.unit.test_prediag import small_geo
from ui import ao as ui_ao
from ui import cache as ui_cache

TODAY = date(2026, 11, 26)
VOURLES = "69268"  # population municipale 3 332 in the small geography


def test_every_schema_kind_is_registered_and_back():
    assert set(DATASET_TYPES) == {k.value for k in Kind}
    assert list(kinds.KINDS) == list(Kind)


def test_import_tables_cover_registered_kinds_only():
    assert set(importers.ALIASES) <= set(Kind)
    assert set(importers._PRE_HOOKS) <= set(Kind)
    assert set(importers._POST_HOOKS) <= set(Kind)


def test_file_hints_are_registered_kinds():
    assert {k for _, k in kinds.FILE_HINTS} <= set(Kind)
    assert kinds.KINDS[Kind.STRUCTURES].file_hints == ("eaje", "creche", "structure")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("filoue_reference_2023.csv", "filoue_reference"),
        ("filoue_2023.xlsx", "filoue"),
        ("bpe_eaje_2023.csv", "bpe_eaje"),
        ("liste_eaje.csv", "structures"),
        ("TXCOUV_COM_2022.csv", "caf_taux"),
        ("zonage.geojson", "zones"),
        ("notes.csv", None),
    ],
)
def test_guess_kind_keeps_its_order(name, expected):
    assert importers.guess_kind(name) == expected


def test_unknown_kind_is_a_french_key_error():
    with pytest.raises(KeyError, match="Type de jeu de données inconnu"):
        kinds.info("inconnu")


def test_every_analysis_that_shows_ao_reads_the_population():
    for analysis in (Analysis.AO, Analysis.ZONES, Analysis.PREDIAG):
        assert Kind.POPULATION in kinds.kinds_read_by(analysis)
        assert Kind.AO_TRANSFERTS in kinds.kinds_read_by(analysis)
    assert tuple(batch.KINDS) == kinds.kinds_read_by(Analysis.PREDIAG)


def _strata(table: pd.DataFrame, column: str, strate: str) -> dict[str, str]:
    return dict(zip(table[column].astype(str), table[strate].astype(str), strict=True))


def test_batch_pdf_and_page_agree_on_ao_thresholds_with_population_totale(tmp_path, monkeypatch):
    geo = small_geo()
    ws = Workspace(tmp_path / "ws")
    ws.commit(
        "population",
        pd.DataFrame(
            {
                "code_insee": [VOURLES],
                "annee": [2022],
                "type_population": ["totale"],
                "population": [3600],
            }
        ),
        producer="INSEE",
        source_file="population_totale_2022.csv",
        millesime=2022,
    )
    territory = make_territory(geo, Level.COMMUNE, VOURLES)

    # the batch: reads the workspace itself (reports.batch.workspace_inputs)
    inputs = batch.workspace_inputs(ws, geo, TODAY)
    built = prediag.build_prediag(prediag.subject_from_territory(geo, territory), inputs)
    ident = built.section("identite")
    competences = next(t for t in ident.tables if t.id == "competences_ao")
    assert "population totale 2022" in competences.note
    statut = next(t for t in ident.tables if t.id == "statut_ao").frame
    batch_strata = _strata(statut, "Autorité organisatrice", "Strate")

    # the page: the cached AO analysis of ui/ao.py over the same workspace
    monkeypatch.setattr(ui_cache, "geography", lambda: geo)
    monkeypatch.setattr(ui_cache, "dataset", ws.read)
    monkeypatch.setattr(ui_cache, "revision", lambda: 10**12 + ws.revision())
    page = ui_ao.analysis(territory, TODAY)
    assert page.basis.type_population == "totale"
    page_strata = _strata(page.table, "ao_nom", "strate")

    assert batch_strata["Vourles"] == "3 500 à 10 000"
    assert page_strata["Vourles"] == batch_strata["Vourles"]
    assert ao.resolve_population(geo.communes, ws.read("population").frame)[1].n_totale == 1
