"""AppTest of the « Compétences AO et CTG » page's CTG follow-up editor: a save for one CTG
replaces that CTG's rows only. The save used to rewrite the whole dataset: the other CTG's
rows kept their figures but took the provenance « Saisie dans l'application ».

On a private copy of the session workspace (tests/apptest/conftest.py) holding two CTG of
the Territoire de Belfort (90) and a follow-up file for both; the editor is seeded through
its edit state (edited_rows), then the button is clicked.
"""

from __future__ import annotations

import pandas as pd
import pytest

from datastore.store import Workspace
from tests.apptest.helpers import assert_no_exception, open_page
from tests.unit.store_slices import EDITED, import_file, with_provenance

pytestmark = [pytest.mark.apptest, pytest.mark.usefixtures("private_workspace")]

DEP = "90"
EDITED_CTG, OTHER_CTG = "T-AO-BELFORT", "T-AO-ANDELNANS"
FOLLOWUP_PRODUCER = "Caf et signataires (tableau partagé)"

CTG_FILE = (
    "id_ctg;nom;niveau;signataires;date_debut;date_fin\n"
    f"{EDITED_CTG};CTG test Belfort;communal;90010;2023-01-01;2027-12-31\n"
    f"{OTHER_CTG};CTG test Andelnans;communal;90001;2023-01-01;2027-12-31\n"
).encode()

FOLLOWUP_FILE = (
    "id_ctg;thematique;action;indicateur;valeur_initiale;cible;annee;trimestre;realise;statut\n"
    f"{EDITED_CTG};Petite enfance;Micro-crèche;Places créées;0;12;2025;2;4;en cours\n"
    f"{OTHER_CTG};Petite enfance;Micro-crèche;Places créées;0;10;2025;2;3;en cours\n"
    f"{OTHER_CTG};Parentalité;LAEP;Familles accueillies;0;30;2025;;18;en cours\n"
).encode()


def _followup(ws: Workspace, ctg: str) -> pd.DataFrame:
    frame = ws.read("ctg_suivi").frame
    return frame[frame["id_ctg"].astype(str) == ctg]


def test_a_followup_save_for_one_ctg_keeps_the_other_ctg_rows_and_provenance() -> None:
    ws = Workspace()
    import_file(ws, "ctg", CTG_FILE, "ctg_belfort.csv", "Caf du Territoire de Belfort")
    import_file(ws, "ctg_suivi", FOLLOWUP_FILE, "suivi_belfort_2025.csv", FOLLOWUP_PRODUCER)
    before = with_provenance(ws, _followup(ws, OTHER_CTG), "ctg_suivi")
    versions = len(ws.versions("ctg_suivi"))

    at = open_page("ao-ctg", "departement", DEP, timeout=300)
    assert_no_exception(at)
    at.selectbox(key="ao_followup_ctg").select(EDITED_CTG).run()
    assert_no_exception(at)
    at.session_state[f"ao_followup_editor_{EDITED_CTG}"] = {
        "edited_rows": {0: {"Réalisé": 7.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button(key="ao_followup_save").click().run()
    assert_no_exception(at)
    assert not at.error, [e.value for e in at.error]

    # the other CTG's rows: the same figures, file, producer and date of import
    assert with_provenance(ws, _followup(ws, OTHER_CTG), "ctg_suivi") == before
    metas = {m.id: m for m in ws.datasets("ctg_suivi")}
    mine = _followup(ws, EDITED_CTG)
    assert list(mine["realise"]) == [7.0]
    assert {metas[int(i)].producer for i in mine["dataset_id"]} == {EDITED}
    (v, *_) = ws.versions("ctg_suivi")
    assert len(ws.versions("ctg_suivi")) == versions + 1
    assert v.mode == "slice" and EDITED_CTG in v.source_file
    # the page reads the saved row back
    shown = next(d.value for d in at.dataframe if "État d'avancement" in d.value.columns)
    assert list(pd.to_numeric(shown["Réalisé"])) == [7.0]
