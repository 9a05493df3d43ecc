"""AppTest of the CTG life cycle on the « Compétences AO et CTG » page (issue 16).

Loire Forez Agglomération (42) with hand-made files standing in for the workspace's CTG list,
transfers, avenants and follow-up table (`ui.cache.dataset` returns them instead of the
workspace's rows for these kinds; `ui.cache.revision` is shifted so the page's cached analysis
is keyed apart). Checklists are written for real (documents named per xdist worker, removed
afterwards). Reference date: 15/01/2026.

Cases: two CTG on one commune; an unknown signatory; a 1,585-inhabitant commune « transferring »
planning; a prolongation of a CTG ending on 31/12/2025; a CTG signed by the planning holder with
7/11 items of the décret; the follow-up table and the bilan.
"""

from __future__ import annotations

import os
from datetime import date

import pandas as pd
import pytest

from datastore.schemas import dataset_type
from datastore.store import Dataset, DatasetMeta, Workspace
from diagnostics import ao
from tests.apptest.helpers import assert_no_exception, open_page
from ui import cache as ui_cache

pytestmark = pytest.mark.apptest

EPCI = "200065886"  # Loire Forez Agglomération
MONTBRISON, SAINT_JUST, SURY, NOIRETABLE = "42147", "42279", "42304", "42159"
_W = os.environ.get("PYTEST_XDIST_WORKER", "main")
C_EPCI, C_MONT, C_PROL, C_BAD = (f"T16-{x}-{_W}" for x in ("EPCI", "MONT", "PROL", "BAD"))
REF = date(2026, 1, 15)
SHIFT = 3 * 10**9
ITEMS = [i for i, _ in ao.checklist_items()]


def _frame(kind: str, rows: list[dict]) -> pd.DataFrame:
    cols = dataset_type(kind).column_names
    df = pd.DataFrame(rows, columns=cols)
    for c in dataset_type(kind).columns:
        if c.dtype.value == "date":
            df[c.name] = pd.to_datetime(df[c.name])
    return df


FRAMES = {
    "ctg": _frame(
        "ctg",
        [
            dict(
                id_ctg=C_EPCI,
                nom="CTG Loire Forez",
                niveau="intercommunal",
                signataires=EPCI,
                date_debut="2022-01-01",
                date_fin="2027-12-31",
            ),
            dict(
                id_ctg=C_MONT,
                nom="CTG Montbrison",
                niveau="communal",
                signataires=MONTBRISON,
                date_debut="2023-01-01",
                date_fin="2027-12-31",
            ),
            dict(
                id_ctg=C_PROL,
                nom="CTG Sury-le-Comtal",
                niveau="communal",
                signataires=SURY,
                date_debut="2021-01-01",
                date_fin="2025-12-31",
            ),
            dict(
                id_ctg=C_BAD,
                nom="CTG erronée",
                niveau="communal",
                signataires="99999",
                date_debut="2022-01-01",
                date_fin="2027-12-31",
            ),
        ],
    ),
    "ao_transferts": _frame(
        "ao_transferts",
        [
            dict(siren_epci=EPCI, competence="planifier", communes=f"{SAINT_JUST}|{NOIRETABLE}"),
            dict(siren_epci=EPCI, competence="informer", communes=NOIRETABLE),
        ],
    ),
    "ctg_avenants": _frame(
        "ctg_avenants",
        [
            dict(
                id_ctg=C_PROL,
                date_avenant="2025-11-15",
                objet="Prolongation d'un an",
                nouvelle_date_fin="2026-12-31",
            )
        ],
    ),
    "ctg_suivi": _frame(
        "ctg_suivi",
        [
            dict(
                id_ctg=C_EPCI,
                thematique="Petite enfance",
                action="Micro-crèche de Saint-Just",
                indicateur="Places créées",
                valeur_initiale=0,
                cible=12,
                annee=2025,
                trimestre=2,
                realise=4,
                statut="en cours",
            ),
            dict(
                id_ctg=C_EPCI,
                thematique="Parentalité",
                action="LAEP itinérant",
                indicateur="Familles accueillies",
                valeur_initiale=0,
                cible=40,
                annee=2025,
                realise=25,
                statut="en cours",
            ),
        ],
    ),
}


def _meta(kind: str) -> DatasetMeta:
    from catalogue.sources import Nature

    return DatasetMeta(-1, kind, None, "Caf de la Loire (test)", f"{kind}.csv", 1, "", Nature.REEL)


@pytest.fixture(scope="module")
def ws():
    real_dataset, real_revision = ui_cache.dataset, ui_cache.revision

    def dataset(kind: str) -> Dataset:
        if kind in FRAMES:
            return Dataset(kind, FRAMES[kind].copy(), (_meta(kind),))
        return real_dataset(kind)

    w = Workspace()
    w.save_document(ao.CHECKLIST_DOCUMENT_KIND, C_EPCI, ao.checklist_payload(ITEMS[:7]))
    w.save_document(ao.CHECKLIST_DOCUMENT_KIND, C_MONT, ao.checklist_payload(ITEMS))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ui_cache, "dataset", dataset)
        mp.setattr(ui_cache, "revision", lambda: real_revision() + SHIFT)
        yield w
    for ident in (C_EPCI, C_MONT):
        Workspace().delete_document(ao.CHECKLIST_DOCUMENT_KIND, ident)


@pytest.fixture(scope="module")
def at(ws):  # noqa: ARG001 - needs the wrapped datasets of `ws`
    at = open_page("ao-ctg", "epci", EPCI)
    at.date_input(key="ao_reference_date").set_value(REF).run()
    assert_no_exception(at)
    return at


def _table(at, column: str) -> pd.DataFrame:
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"tableau avec la colonne « {column} » absent")


def _ao(at) -> pd.DataFrame:
    return _table(at, "Statut au titre de la planification").set_index("Code")


def _text(elements) -> str:
    return " ".join(e.value for e in elements).replace("\\", "")  # Markdown escapes


def test_two_ctg_on_one_commune(at):
    info = _text(at.info)
    assert f"« Loire Forez » ({C_EPCI}) et « Montbrison » ({C_MONT})" in info
    assert "Montbrison (42147)" in info
    r = _ao(at).loc[MONTBRISON]
    assert r["Statut"] == ao.STATUS_LABELS[ao.ST_CHEVAUCHEMENT]
    assert r["Statut au titre de la planification"] == ao.STATUS_LABELS[ao.ST_VAUT_SCHEMA]
    assert f"la CTG retenue est « Montbrison » ({C_MONT})" in r["Ce qu'il faut faire"]
    ctg = _table(at, "Chevauche").set_index("CTG")
    assert C_MONT in ctg.loc[C_EPCI, "Chevauche"]


def test_unknown_signatory_blocks_nothing_else(at):
    assert not at.error
    warning = _text(at.warning)
    assert f"CTG « erronée » ({C_BAD}) : code signataire inconnu « 99999 »" in warning
    ctg = _table(at, "Chevauche")
    assert C_BAD not in set(ctg["CTG"]) and C_EPCI in set(ctg["CTG"])
    assert len(_ao(at)) > 10  # statuses of every other AO are there


def test_small_commune_transferring_planning(at):
    warning = _text(at.warning)
    assert "Transferts de compétences non pris en compte" in warning
    assert "Noirétable (42159," in warning and "CASF, article L.214-1-3" in warning
    epci = _ao(at).loc[EPCI]
    # only Saint-Just-Saint-Rambert's population counts for the EPCI's planning
    assert epci["Population (seuils)"].replace("\u202f", "").replace(" ", "") == "15764"


def test_prolongation_of_a_ctg_ending_31_12_2025(at):
    ctg = _table(at, "Chevauche").set_index("CTG")
    r = ctg.loc[C_PROL]
    assert r["Fin initiale"] == "31/12/2025" and r["Fin (en vigueur)"] == "31/12/2026"
    assert r["Échéance"] == "Se termine dans les 12 mois"  # not « Expirée »
    assert "fin portée au 31/12/2026" in r["Avenants"]


def test_ctg_signed_by_planning_holder_with_7_of_11_items(at):
    epci = _ao(at).loc[EPCI]
    assert epci["Statut"] == ao.STATUS_LABELS[ao.ST_CONTENU]
    assert "ne comporte que 7/11 éléments du décret 2025-253" in epci["Ce qu'il faut faire"]
    assert "Manquent : les coûts prévisionnels" in epci["Ce qu'il faut faire"]
    assert epci["Contenu de la CTG retenue (liste du décret)"] == "7/11"
    assert epci["Schéma pluriannuel"].startswith(ao.SCHEMA_CONTENU)
    metric = {m.label: m.value for m in at.metric}
    assert int(metric["Contenu à compléter"]) >= 1 and int(metric["CTG qui se chevauchent"]) >= 1


def test_followup_table_and_bilan(at):
    at.selectbox(key="ao_followup_ctg").select(C_EPCI).run()
    assert_no_exception(at)
    assert any("Dépense de diagnostic" in i.value and "01/01/2022" in i.value for i in at.info)
    followup = _table(at, "État d'avancement")
    assert list(followup["Action"]) == ["Micro-crèche de Saint-Just", "LAEP itinérant"][::-1]
    assert set(followup["État d'avancement"]) == {"en cours"}
    at.button(key="ao_bilan_build").click().run()
    assert_no_exception(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Télécharger le bilan (PDF)" in labels and "Tableaux du bilan (XLSX)" in labels
