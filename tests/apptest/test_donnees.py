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
