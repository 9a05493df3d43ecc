"""AppTest of the « Données et sources » page on the default workspace.

The file upload itself is exercised in tests/e2e/test_donnees.py (AppTest has no file
uploader); here: the provenance list, the demo flag, schemas and examples, sources, deletion.
"""

from __future__ import annotations

import pandas as pd
import pytest

from catalogue.sources import SOURCES
from datastore.schemas import dataset_type
from datastore.store import Workspace
from tests.apptest.helpers import assert_no_exception, open_page

pytestmark = pytest.mark.apptest


_COLUMNS = {  # st.dataframe has no key in the AppTest tree: tables are told apart by a column
    "donnees_table": "Fichier source",
    "donnees_schema": "Valeurs admises",
    "donnees_sources": "Crédit",
    "donnees_nature": "Éditions",
}


def _frame(at, key: str) -> pd.DataFrame:
    hits = [d.value for d in at.dataframe if _COLUMNS[key] in d.value.columns]
    assert len(hits) == 1, [list(d.value.columns) for d in at.dataframe]
    return hits[0]


def test_list_shows_provenance_and_flags_demo_data() -> None:
    at = open_page("donnees")
    assert_no_exception(at)
    assert at.title[0].value == "Données et sources"
    table = _frame(at, "donnees_table")
    metas = Workspace().datasets()
    assert len(table) == len(metas)
    assert {
        "Type",
        "Millésime",
        "Nature",
        "Producteur",
        "Fichier source",
        "Lignes",
        "Importé le",
    } <= set(table.columns)
    row = table[table["Fichier source"] == "caf_txcouv_pe_com_2017_2022.csv"]
    assert sorted(row["Millésime"].tolist()) == [str(y) for y in range(2017, 2023)]
    assert set(row["Nature"]) == {"réel"} and set(row["Producteur"]) == {"Cnaf"}
    if any(m.is_synthetic for m in metas):
        assert (table["Nature"] == "synthétique (données de démonstration)").sum() == sum(
            m.is_synthetic for m in metas
        )
        assert any("données de démonstration" in w.value for w in at.warning)


def test_filter_by_type() -> None:
    at = open_page("donnees")
    at.multiselect(key="donnees_filter_kinds").select("qpv").run()
    table = _frame(at, "donnees_table")
    assert set(table["Type"]) == {dataset_type("qpv").label}


@pytest.mark.parametrize("kind", ["caf_taux", "ctg", "filoue"])
def test_schema_and_example(kind: str) -> None:
    at = open_page("donnees")
    at.selectbox(key="donnees_schema_kind").set_value(kind).run()
    assert_no_exception(at)
    schema = _frame(at, "donnees_schema")
    assert schema["Colonne"].tolist() == dataset_type(kind).column_names
    keys = schema.loc[schema["Clé"] == "oui", "Colonne"].tolist()
    assert keys == [c for c in dataset_type(kind).column_names if c in dataset_type(kind).keys]


def test_sources_catalogue_with_credits() -> None:
    at = open_page("donnees")
    sources = _frame(at, "donnees_sources")
    assert len(sources) == len(SOURCES)
    assert (
        "Source : Cnaf, data.caf.fr, taux de couverture petite enfance (communal) 2017-2022"
        in sources["Crédit"].tolist()
    )


def test_delete_a_dataset() -> None:
    ws = Workspace()
    frame = pd.DataFrame({"code_insee": ["42218"], "annee": [2001], "nb_eaje": [1]})
    meta = ws.commit(
        "bpe_eaje", frame, producer="Test", source_file="test_suppression.csv", millesime=2001
    )
    at = open_page("donnees")
    at.selectbox(key="donnees_pick").set_value(meta.id).run()
    assert at.button(key="donnees_delete").disabled
    at.checkbox(key=f"donnees_confirm_{meta.id}").check().run()
    at.button(key="donnees_delete").click().run()
    assert_no_exception(at)
    assert meta.id not in {m.id for m in ws.datasets()}
    assert "test_suppression.csv" not in _frame(at, "donnees_table")["Fichier source"].tolist()


def test_versions_restore_and_undo_delete() -> None:
    at = open_page("donnees")  # the default data first
    ws = Workspace()
    frame = pd.DataFrame({"code_insee": ["42218"], "annee": [2002], "nb_eaje": [1]})
    meta = ws.commit("bpe_eaje", frame, producer="Test", source_file="v1.csv", millesime=2002)
    before = ws.checksum("bpe_eaje")
    first = ws.versions("bpe_eaje")[0]
    ws.commit(
        "bpe_eaje", frame.assign(nb_eaje=[2]), producer="Test", source_file="v2.csv", millesime=2002
    )
    at.run()
    at.selectbox(key="donnees_versions_kind").set_value("bpe_eaje").run()
    versions = [d.value for d in at.dataframe if "Lignes après" in d.value.columns]
    assert len(versions) == 1 and versions[0]["Fichier"].tolist()[:2] == ["v2.csv", "v1.csv"]
    at.selectbox(key="donnees_restore_pick").set_value(first.id).run()
    at.button(key="donnees_restore").click().run()
    assert_no_exception(at)
    assert ws.checksum("bpe_eaje") == before
    assert any("restaurée" in s.value for s in at.success)
    # deleting is undoable in one click
    current = next(m for m in ws.datasets("bpe_eaje") if m.source_file == "v1.csv")
    assert current.id == meta.id
    at.selectbox(key="donnees_pick").set_value(meta.id).run()
    at.checkbox(key=f"donnees_confirm_{meta.id}").check().run()
    at.button(key="donnees_delete").click().run()
    assert meta.id not in {m.id for m in ws.datasets()}
    at.button(key="donnees_undo_button").click().run()
    assert_no_exception(at)
    assert ws.checksum("bpe_eaje") == before


def test_real_estimated_synthetic_per_type_and_scale() -> None:
    """Per dataset type and scale: real, estimated or synthetic, with producer, millésimes,
    editions and files."""
    at = open_page("donnees")
    assert_no_exception(at)
    summary = _frame(at, "donnees_nature")
    rates = summary[summary["Type"] == dataset_type("caf_taux").label].set_index("Échelle")
    assert rates.loc["départements", "Nature"] == "réel"
    assert rates.loc["départements", "Millésimes"] == "2017-2023"
    assert "hist (première publication) : 2017-2022" in rates.loc["départements", "Éditions"]
    assert "courant (édition courante) : 2022, 2023" in rates.loc["départements", "Éditions"]
    assert "txcouv_pe_dep.csv" in rates.loc["départements", "Fichiers"]
    assert rates.loc["EPCI", "Nature"] == "synthétique (données de démonstration)"
    assert "régions" not in rates.index  # never a synthetic région rate
    national = summary[summary["Type"] == dataset_type("taux_national").label]
    assert national["Nature"].tolist() == ["réel"] and national["Échelle"].tolist() == ["France"]
    children = summary[summary["Type"] == dataset_type("enfants").label]
    assert children["Nature"].tolist() == ["estimé"]
    assert children["Fichiers"].iloc[0] == "insee_naissances_domiciliees_com_arm_2008_2024.csv"


def test_tables_write_french_numbers() -> None:
    """Counts with a narrow no-break space for thousands and no decimals (« 34 875 », never
    « 34875 » or « 34875.0 »), identifiers (N°, version) as written in the messages, right-
    aligned text columns (reports.tables.display_frame through ui.components.table)."""
    import re

    at = open_page("donnees")
    assert_no_exception(at)
    table = _frame(at, "donnees_table")
    metas = {m.id: m for m in Workspace().datasets()}
    french = re.compile(r"^\d{1,3}(\u202f\d{3})*$")
    assert table["Lignes"].map(lambda v: bool(french.match(str(v)))).all()
    assert table["N°"].str.fullmatch(r"\d+").all()
    big = max(metas.values(), key=lambda m: m.rows)
    assert big.rows >= 1000
    row = table[table["N°"] == str(big.id)].iloc[0]
    assert row["Lignes"] == f"{big.rows:,}".replace(",", "\u202f")
    at.selectbox(key="donnees_versions_kind").set_value(big.kind).run()
    versions = next(d.value for d in at.dataframe if "Lignes après" in d.value.columns)
    assert versions["Version"].str.fullmatch(r"\d+").all()
    for col in ("Lignes ajoutées", "Remplacées", "Retirées", "Lignes après"):
        assert versions[col].map(lambda v: bool(french.match(str(v)))).all(), versions[col]
    assert versions["Lignes après"].str.contains("\u202f").any()
