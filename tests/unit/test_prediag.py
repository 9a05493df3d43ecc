"""The pre-diagnostic data structure on a small hand-made geography and hand-made datasets.

Communes are real codes (two EPCI of the Rhône, so the static maps can draw them) plus two
communes of the Ain, standing for « the rest of France ». Expected values are computed with
the same diagnostics functions the pre-diagnostic uses, never typed in by hand.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from pypdf import PdfReader

from catalogue.sources import DEMO_LABEL, Nature
from datastore.schemas import dataset_type
from datastore.store import Dataset, DatasetMeta, _apply_types
from diagnostics import ao, coverage, zones
from diagnostics import narrative as nv
from diagnostics.formatting import fmt_number
from geodata.territory import Geography, Level, make_territory
from reports import batch, prediag
from reports.pdf import render_pdf

CCVG = "246900757"  # Vallée du Garon: 69027 Brignais, 69043, 69133, 69136, 69268
CCVL = "246900724"  # Vallons du Lyonnais
TODAY = date(2026, 11, 26)

_COMMUNES = [
    # code, nom, dep, siren, epci_nom, population, dens7
    (
        "69027",
        "Brignais",
        "69",
        CCVG,
        "Communauté de communes de la Vallée du Garon (CCVG)",
        12503,
        2,
    ),
    (
        "69043",
        "Chaponost",
        "69",
        CCVG,
        "Communauté de communes de la Vallée du Garon (CCVG)",
        9382,
        4,
    ),
    (
        "69133",
        "Millery",
        "69",
        CCVG,
        "Communauté de communes de la Vallée du Garon (CCVG)",
        4299,
        4,
    ),
    (
        "69136",
        "Montagny",
        "69",
        CCVG,
        "Communauté de communes de la Vallée du Garon (CCVG)",
        3218,
        4,
    ),
    (
        "69268",
        "Vourles",
        "69",
        CCVG,
        "Communauté de communes de la Vallée du Garon (CCVG)",
        3332,
        4,
    ),
    (
        "69028",
        "Brindas",
        "69",
        CCVL,
        "Communauté de communes des Vallons du Lyonnais (CCVL)",
        6775,
        4,
    ),
    (
        "69094",
        "Grézieu-la-Varenne",
        "69",
        CCVL,
        "Communauté de communes des Vallons du Lyonnais (CCVL)",
        6472,
        4,
    ),
    (
        "69269",
        "Yzeron",
        "69",
        CCVL,
        "Communauté de communes des Vallons du Lyonnais (CCVL)",
        995,
        5,
    ),
    ("01004", "Ambérieu-en-Bugey", "01", None, None, 14000, 3),
    ("01005", "Ambérieux-en-Dombes", "01", None, None, 1800, 5),
]
DENS = {
    2: "Centres urbains intermédiaires",
    3: "Petites villes",
    4: "Ceintures urbaines",
    5: "Bourgs ruraux",
}


def small_geo() -> Geography:
    c = pd.DataFrame(
        _COMMUNES,
        columns=["code_insee", "nom", "dep", "siren_epci", "epci_nom", "population", "dens7"],
    )
    c["reg"] = c["dep"].map({"69": "84", "01": "84"})
    c["dens7_lib"] = c["dens7"].map(DENS)
    for col in ("code_insee", "dep", "reg", "siren_epci", "epci_nom"):
        c[col] = c[col].astype("string")
    c["population"] = c["population"].astype("Int64")
    c["dens7"] = c["dens7"].astype("Int64")
    epci = pd.DataFrame(
        {
            "siren_epci": [CCVG, CCVL],
            "nom": [_COMMUNES[0][4], _COMMUNES[5][4]],
            "epci_type": ["CC", "CC"],
            "population": [32734, 14242],
            "n_communes": [5, 3],
            "deps": ["69", "69"],
        }
    ).astype({"siren_epci": "string"})
    deps = pd.DataFrame(
        {
            "dep": ["01", "69"],
            "nom": ["Ain", "Rhône"],
            "reg": ["84", "84"],
            "reg_nom": ["Auvergne-Rhône-Alpes"] * 2,
            "population": [15800, 46976],
            "n_communes": [2, 8],
        }
    )
    regs = pd.DataFrame(
        {
            "reg": ["84"],
            "nom": ["Auvergne-Rhône-Alpes"],
            "population": [62776],
            "n_communes": [10],
            "n_departements": [2],
        }
    )
    return Geography(c, epci, deps, regs)


def _meta(kind: str, i: int, nature: Nature, year: int | None, producer: str) -> DatasetMeta:
    return DatasetMeta(i, kind, year, producer, f"{kind}.csv", 1, "2026-11-01", nature)


def make_ds(
    kind: str,
    rows: list[dict],
    nature: Nature = Nature.REEL,
    year: int | None = 2022,
    producer: str = "Cnaf",
    dataset_id: int = 1,
) -> Dataset:
    df = pd.DataFrame(rows)
    dtype = dataset_type(kind)
    for c in dtype.column_names:
        if c not in df:
            df[c] = None
    df["dataset_id"] = dataset_id
    frame = _apply_types(df[["dataset_id", *dtype.column_names]], dtype)
    return Dataset(kind, frame, (_meta(kind, dataset_id, nature, year, producer),))


def _taux_row(year, niveau, code, g, psu=20.0):
    return dict(
        annee=year,
        niveau=niveau,
        code=code,
        nom=code or "France",
        tx_eaje_psu=psu,
        tx_eaje_hors_psu=3.0,
        tx_assmat=g - psu - 6.0,
        tx_salarie_domicile=1.0,
        tx_prescolarisation=2.0,
        tx_global=g,
    )


def small_datasets(synthetic_epci: bool = True) -> dict[str, Dataset]:
    taux_real, taux_syn, places_real, places_syn = [], [], [], []
    for y, k in ((2021, 0.0), (2022, 1.0)):
        taux_real += [
            _taux_row(y, "commune", "69027", 48.0 + k),
            _taux_row(y, "france", None, 58.0 + k),
            _taux_row(y, "departement", "69", 60.0 + k),
        ]
        taux_syn += [_taux_row(y, "epci", CCVG, 52.3 + k), _taux_row(y, "epci", CCVL, 70.0 + k)]
        places_real += [
            dict(annee=y, niveau="commune", code="69027", pl_total=200.0, pl_assmat=120.0),
            dict(annee=y, niveau="france", code=None, pl_total=1.2e6),
            dict(annee=y, niveau="departement", code="69", pl_total=30000.0),
        ]
        places_syn += [
            dict(annee=y, niveau="epci", code=CCVG, pl_total=600.0, pl_assmat=350.0),
            dict(annee=y, niveau="epci", code=CCVL, pl_total=400.0),
        ]
    epci_nature = Nature.SYNTHETIQUE if synthetic_epci else Nature.REEL
    taux = make_ds("caf_taux", taux_real)
    taux_s = make_ds(
        "caf_taux",
        taux_syn,
        epci_nature,
        dataset_id=2,
        producer="Application (jeu de démonstration)",
    )
    places = make_ds("caf_places", places_real, dataset_id=3)
    places_s = make_ds(
        "caf_places",
        places_syn,
        epci_nature,
        dataset_id=4,
        producer="Application (jeu de démonstration)",
    )
    enfants = []
    for code, *_rest in _COMMUNES:
        pop = dict((c[0], c[5]) for c in _COMMUNES)[code]
        for y, f in ((2019, 1.0), (2023, 0.9)):
            enfants.append(
                dict(
                    code_insee=code,
                    annee=y,
                    enfants_moins_3=round(pop * 0.03 * f),
                    enfants_moins_6=round(pop * 0.065 * f),
                    naissances=round(pop * 0.011 * f),
                )
            )
    alloc = [
        dict(
            code_insee=c[0],
            annee=2020,
            allocataires=c[5] * 0.2,
            familles_monoparentales=c[5] * 0.02,
            allocataires_rsa=c[5] * (0.01 if c[3] == CCVG else 0.03),
            allocataires_aide_logement=c[5] * 0.05,
            allocataires_aah=c[5] * 0.006,
        )
        for c in _COMMUNES
    ]
    structures = [
        dict(
            id_structure="E1",
            type_structure="EAJE",
            nom="Crèche des Pins",
            code_insee="69027",
            places=40,
            psu=True,
            latitude=45.674,
            longitude=4.754,
        ),
        dict(
            id_structure="E2",
            type_structure="EAJE",
            nom="Micro-crèche Soleil",
            code_insee="69043",
            places=10,
            psu=False,
            latitude=45.71,
            longitude=4.74,
        ),
        dict(
            id_structure="L1", type_structure="LAEP", nom="LAEP Les Petits Pas", code_insee="69027"
        ),
        dict(
            id_structure="E3",
            type_structure="EAJE",
            nom="Crèche de Brindas",
            code_insee="69028",
            places=30,
            psu=True,
        ),
    ]
    ctg = [
        dict(
            id_ctg="CTG-A",
            nom="CTG Vallée du Garon",
            niveau="intercommunal",
            signataires=CCVG,
            date_debut="2023-01-01",
            date_fin="2027-06-30",
        ),
        dict(
            id_ctg="CTG-B",
            nom="CTG Brindas",
            niveau="communal",
            signataires="69028",
            date_debut="2022-01-01",
            date_fin="2030-12-31",
        ),
    ]
    return {
        "caf_taux": Dataset(
            "caf_taux",
            pd.concat([taux.frame, taux_s.frame], ignore_index=True),
            taux.metas + taux_s.metas,
        ),
        "caf_places": Dataset(
            "caf_places",
            pd.concat([places.frame, places_s.frame], ignore_index=True),
            places.metas + places_s.metas,
        ),
        "enfants": make_ds(
            "enfants", enfants, Nature.SYNTHETIQUE, 2023, "Application (jeu de démonstration)", 5
        ),
        "allocataires": make_ds("allocataires", alloc, Nature.REEL, 2020, "INSEE, Cnaf", 6),
        "structures": make_ds("structures", structures, Nature.REEL, None, "Caf du Rhône", 7),
        "ctg": make_ds("ctg", ctg, Nature.REEL, None, "Caf du Rhône", 8),
    }


def small_documents() -> dict:
    return {
        ao.CHECKLIST_DOCUMENT_KIND: {
            "CTG-A": ao.checklist_payload(["zones", "objectifs", "calendrier"])
        },
        zones.ZONING_DOCUMENT_KIND: {
            "Zonage 2026": {
                "nom": "Zonage 2026",
                "territoire": "epci:" + CCVG,
                "date": "2026-10-01T10:00:00",
                "statut": "publie",
                "publie_le": "2026-10-02T09:00:00",
                "taux_cible": 60.0,
                "communes": ["69043", "69133"],
                "zones": [{"id": "Z1", "nom": "Zone de Chaponost", "communes": ["69043", "69133"]}],
            }
        },
    }


def small_inputs(**kwargs) -> prediag.PrediagInputs:
    return prediag.PrediagInputs(small_geo(), small_datasets(**kwargs), small_documents(), TODAY)


@pytest.fixture(scope="module")
def ccvg() -> prediag.Prediag:
    inputs = small_inputs()
    subject = prediag.subject_from_territory(
        inputs.geo, make_territory(inputs.geo, Level.EPCI, CCVG)
    )
    return prediag.build_prediag(subject, inputs)


# ---------------------------------------------------------------------------------- subjects


@pytest.mark.parametrize(
    ("signataires", "communes", "unknown"),
    [
        (CCVG, ("69027", "69043", "69133", "69136", "69268"), ()),
        ("69028|69094", ("69028", "69094"), ()),
        (f"{CCVL}, 69027", ("69027", "69028", "69094", "69269"), ()),
        ("69028 ; 99999 ; 123456789", ("69028",), ("99999", "123456789")),
        ("1004", ("01004",), ()),
    ],
)
def test_ctg_communes(signataires, communes, unknown):
    assert prediag.ctg_communes(small_geo(), signataires) == (communes, unknown)


def test_subject_from_ctg_notes_unknown_codes():
    s = prediag.subject_from_ctg(
        small_geo(), {"id_ctg": "X", "nom": "CTG X", "signataires": "69028|75999"}
    )
    assert s.kind == "ctg" and s.communes == ("69028",)
    assert "75999" in s.notes[0]


@pytest.mark.parametrize(
    ("codes", "kind", "n"),
    [
        (["69027"], "commune", 1),
        (["69027", "69043"], "selection", 2),
        (["69027", "00000"], "commune", 1),
    ],
)
def test_subject_from_communes(codes, kind, n):
    s = prediag.subject_from_communes(small_geo(), codes)
    assert s.kind == kind and len(s.communes) == n


@pytest.mark.parametrize(
    ("level", "code", "expected"),
    [
        ("commune", "69027", ["epci", "departement", "france"]),
        ("epci", CCVG, ["departement", "france"]),
    ],
)
def test_comparisons(level, code, expected):
    geo = small_geo()
    subject = prediag.subject_from_territory(geo, make_territory(geo, Level(level), code))
    assert [c.level.value for c in prediag.comparisons(geo, subject)] == expected


def test_comparisons_of_a_selection_use_the_majority_epci():
    geo = small_geo()
    subject = prediag.subject_from_communes(geo, ["69027", "69043", "69028"])
    assert [c.code for c in prediag.comparisons(geo, subject)] == [CCVG, "69", ""]


def test_subject_from_territory_rejects_departement():
    geo = small_geo()
    with pytest.raises(ValueError, match="commune, un EPCI"):
        prediag.subject_from_territory(geo, make_territory(geo, Level.DEPARTEMENT, "69"))


# ---------------------------------------------------------------------------------- sections


def test_every_theme_is_a_section(ccvg):
    assert [s.id for s in ccvg.sections] == list(prediag.SECTION_TITLES)


def test_coverage_matches_diagnostics_coverage(ccvg):
    inputs = small_inputs()
    taux = coverage.with_nature(
        inputs.datasets["caf_taux"].frame, inputs.datasets["caf_taux"].metas
    )
    places = coverage.with_nature(
        inputs.datasets["caf_places"].frame, inputs.datasets["caf_places"].metas
    )
    fig = coverage.territory_figure(taux, places, coverage.Place("epci", CCVG, "x"), 2022)
    dep = coverage.territory_figure(taux, places, coverage.Place("departement", "69", "x"), 2022)
    pe = ccvg.section("petite_enfance")
    kf = next(f for f in pe.figures if f.label.startswith("Taux de couverture global"))
    assert kf.value == pytest.approx(fig["tx_global"]) and kf.synthetic
    expected = nv.compare_sentence(
        nv.TAUX_COUVERTURE,
        ccvg.subject.complement,
        fig["tx_global"],
        "du département",
        dep["tx_global"],
    )
    assert expected in pe.sentences
    table = next(t for t in pe.tables if t.id == "couverture")
    assert table.frame["Taux global"].tolist()[:2] == [fig["tx_global"], dep["tx_global"]]
    assert table.synthetic


def test_selection_coverage_is_an_estimate_with_its_method():
    inputs = small_inputs()
    subject = prediag.subject_from_communes(inputs.geo, ["69027", "69043"])
    p = prediag.build_prediag(subject, inputs)
    pe = p.section("petite_enfance")
    kf = next(f for f in pe.figures if f.label.startswith("Taux de couverture"))
    assert kf.estimated and "estimation" in kf.label
    assert kf.value == pytest.approx(
        49.0
    )  # only Brignais is published: 200 places for 408 children
    table = next(t for t in pe.tables if t.id == "couverture")
    assert "Estimation" in table.note


def test_demography_sums_children_and_trend(ccvg):
    demo = ccvg.section("demographie")
    ds = small_datasets()["enfants"].frame
    ccvg_codes = list(ccvg.subject.communes)
    expected = float(
        ds.loc[(ds["annee"] == 2023) & ds["code_insee"].isin(ccvg_codes), "enfants_moins_3"].sum()
    )
    kf = next(f for f in demo.figures if f.label.startswith("Enfants de moins de 3 ans"))
    assert kf.value == expected and kf.text == fmt_number(expected)
    births = ds.loc[ds["code_insee"].isin(ccvg_codes)].groupby("annee")["naissances"].sum()
    trend = nv.trend_sentence(
        nv.Noun("nombre de naissances"),
        ccvg.subject.complement,
        2019,
        float(births[2019]),
        2023,
        float(births[2023]),
    )
    assert trend in demo.sentences


def test_allocataires_shares_compared_with_departement(ccvg):
    sec = ccvg.section("acces_droits")
    table = next(t for t in sec.tables if t.id == "alloc_acces_droits")
    rsa = table.frame.loc[table.frame["Indicateur"] == "Allocataires du RSA"]
    assert rsa["Part des allocataires (%)"].tolist() == [
        5.0,
        pytest.approx(round((32734 * 0.01 + 14242 * 0.03) / (46976 * 0.2) * 100, 1)),
        pytest.approx(round((32734 * 0.01 + 14242 * 0.03 + 15800 * 0.03) / (62776 * 0.2) * 100, 1)),
    ]
    assert any(
        s.startswith("La part des allocataires du RSA") and "inférieure" in s for s in sec.sentences
    )
    assert not sec.synthetic


def test_missing_datasets_are_named_in_plain_french(ccvg):
    enfance = ccvg.section("enfance_jeunesse")
    assert any("« Allocataires par commune »" in m and "enfants_3_5" in m for m in enfance.missing)
    assert not any(m.startswith("Structures") for m in enfance.missing)  # ALSH list is imported
    inputs = prediag.PrediagInputs(small_geo(), {}, {}, TODAY)
    subject = prediag.subject_from_territory(
        inputs.geo, make_territory(inputs.geo, Level.EPCI, CCVG)
    )
    empty = prediag.build_prediag(subject, inputs)
    for sid in ("demographie", "petite_enfance", "parentalite", "logement", "handicap", "avs"):
        assert empty.section(sid).missing, sid
        assert all(
            "Importez" in m or "importez" in m or "aucun" in m.lower() or "module" in m
            for m in empty.section(sid).missing
        ), sid
    assert not empty.synthetic


def test_structures_and_laep(ccvg):
    pe = ccvg.section("petite_enfance")
    assert next(f for f in pe.figures if f.label == "Places en EAJE").value == 50
    assert any(
        "2 établissements d'accueil du jeune enfant totalisant 50 places, dont 80,0" in s
        for s in pe.sentences
    )
    par = ccvg.section("parentalite")
    assert next(f for f in par.figures if f.label == "LAEP").value == 1


def test_ao_ctg_and_checklist(ccvg):
    ident = ccvg.section("identite")
    ctg = next(t for t in ident.tables if t.id == "ctg")
    assert ctg.frame["CTG"].tolist() == ["CTG Vallée du Garon"]
    assert ctg.frame["Liste du décret (éléments traités)"].tolist() == ["3/11"]
    assert (
        "Liste du décret pour la CTG « Vallée du Garon » : 3 sur 11 éléments traités."
        in ident.sentences
    )
    comp = next(t for t in ident.tables if t.id == "competences_ao")
    assert len(comp.frame) == 5
    assert any("Transferts de compétences" in m for m in ident.missing)


def test_saved_zoning_is_reused(ccvg):
    pe = ccvg.section("petite_enfance")
    z = next(t for t in pe.tables if t.id == "zones_prioritaires")
    assert z.frame["Zone prioritaire"].tolist() == ["Zone de Chaponost"]
    assert (
        "2 communes du territoire appartiennent à 1 zone prioritaire d'un zonage publié (« Zonage 2026 », version publiée le 02/10/2026)."
        in pe.sentences
    )
    carte = next(c for c in pe.charts if c.id == "carte_zones")
    assert set(carte.data.loc[carte.data["valeur"] == "Zone prioritaire", "code_insee"]) == {
        "69043",
        "69133",
    }


def test_trajectory_when_below_national(ccvg):
    pe = ccvg.section("petite_enfance")
    t = next(t for t in pe.tables if t.id == "trajectoire")
    assert len(t.frame) == 3 and (t.frame["Places à créer par an"] >= 0).all()
    assert any(s.startswith("Pour atteindre le taux national en 2031") for s in pe.sentences)


def test_synthetic_flags_follow_the_data():
    real = small_inputs(synthetic_epci=False)
    subject = prediag.subject_from_territory(real.geo, make_territory(real.geo, Level.EPCI, CCVG))
    p = prediag.build_prediag(subject, real)
    assert not p.section("petite_enfance").synthetic  # EPCI rates real, enfants not used there
    assert p.section("demographie").synthetic  # enfants are synthetic
    assert any(DEMO_LABEL in s for s in p.section("demographie").sources)


def test_inputs_are_not_mutated():
    inputs = small_inputs()
    before = {k: v.frame.copy() for k, v in inputs.datasets.items()}
    subject = prediag.subject_from_communes(inputs.geo, ["69027", "69043", "69028"])
    prediag.build_prediag(subject, inputs)
    for k, frame in before.items():
        pd.testing.assert_frame_equal(frame, inputs.datasets[k].frame)


def test_workshop_slides(ccvg):
    slides = prediag.workshop_slides(ccvg)
    assert [s.title for s in slides][:5] == [
        ccvg.subject.name,
        "Le territoire",
        "L'accueil du jeune enfant",
        "Zones prioritaires",
        "Trajectoire",
    ]
    assert all(s.message for s in slides)
    assert all(s.sources for s in slides if s.figures or s.chart)
    assert slides[2].synthetic and slides[3].chart is not None


def test_workshop_coverage_slide_says_france_has_no_components():
    """The national series has a total and no split by mode: the France bar of « L'accueil du
    jeune enfant » says so instead of showing a bare total."""
    from dataclasses import replace

    base = small_inputs()
    taux = base.datasets["caf_taux"]
    frame = taux.frame.copy()
    parts = ["tx_eaje_psu", "tx_eaje_hors_psu", "tx_assmat", "tx_salarie_domicile"]
    frame.loc[frame["niveau"] == "france", [*parts, "tx_prescolarisation"]] = None
    inputs = prediag.PrediagInputs(
        base.geo, {**base.datasets, "caf_taux": replace(taux, frame=frame)}, base.documents, TODAY
    )
    subject = prediag.subject_from_territory(
        inputs.geo, make_territory(inputs.geo, Level.EPCI, CCVG)
    )
    slide = next(
        s
        for s in prediag.workshop_slides(prediag.build_prediag(subject, inputs))
        if s.title == "L'accueil du jeune enfant"
    )
    labels = dict(zip(slide.chart.categories(), slide.chart.labels, strict=True))
    assert labels["France"] == "59,0 — composantes non publiées"
    assert labels["Département : Rhône"] == "61,0"
    assert slide.chart.data.set_index("Territoire").loc["France"].isna().all()


def test_xlsx_holds_every_table(ccvg):
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(batch.prediag_xlsx(ccvg)))
    assert len(wb.sheetnames) == 1 + len(ccvg.tables())
    synth = wb["Synthèse"]
    texts = [c.value for row in synth.iter_rows() for c in row if c.value]
    assert any(DEMO_LABEL in str(t) for t in texts)
    cov = next(name for name in wb.sheetnames if name.endswith("couverture"))
    assert any(DEMO_LABEL in str(c.value) for row in wb[cov].iter_rows() for c in row if c.value)


def test_batch_writes_pdf_and_xlsx_and_reports_failures(tmp_path):
    inputs = small_inputs()
    ctg = small_datasets()["ctg"]
    bad = make_ds(
        "ctg",
        [
            dict(
                id_ctg="CTG-X",
                nom="CTG inconnue",
                niveau="communal",
                signataires="69999",
                date_debut="2024-01-01",
                date_fin="2028-12-31",
            )
        ],
        dataset_id=9,
    )
    both = Dataset(
        "ctg", pd.concat([ctg.frame, bad.frame], ignore_index=True), ctg.metas + bad.metas
    )
    inputs = prediag.PrediagInputs(
        inputs.geo, {**inputs.datasets, "ctg": both}, inputs.documents, TODAY
    )
    seen: list[tuple[int, int, str, str]] = []
    result = batch.run_batch(inputs, "69", tmp_path, progress=lambda *a: seen.append(a))
    names = sorted(p.name for p in result.written)
    assert names == [
        "ctg-a_ctg-vallee-du-garon.pdf",
        "ctg-a_ctg-vallee-du-garon.xlsx",
        "ctg-b_ctg-brindas.pdf",
        "ctg-b_ctg-brindas.xlsx",
    ]
    assert all(p.read_bytes()[:4] in (b"%PDF", b"PK\x03\x04") for p in result.written)
    assert result.failures == [("CTG-X", "aucun signataire reconnu dans le COG 2025")]
    assert [(i, n) for i, n, *_ in seen] == [(1, 3), (2, 3), (3, 3)]
    assert batch.run_batch(inputs, "01", tmp_path / "ain").written == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("CTG Pays de l'Arbresle", "ctg-pays-de-l-arbresle"), ("Œuvre/../x", "oeuvre-x"), ("", "ctg")],
)
def test_slug(text, expected):
    assert batch.slug(text) == expected


# ------------------------------------------------------------ drafts and published versions
def _zoning_draft(name: str, communes: list[str]) -> dict:
    return {
        "nom": name,
        "territoire": "epci:" + CCVG,
        "date": "2026-11-30T10:00:00",
        "taux_cible": 60.0,
        "communes": communes,
        "zones": [{"id": "Z1", "nom": "Zone de Chaponost", "communes": communes}],
    }


def _from_store(stored: dict, previews=()) -> prediag.PrediagInputs:
    from diagnostics import publication as pub

    docs = pub.official_documents(stored, previews)
    return prediag.PrediagInputs(small_geo(), small_datasets(), docs, TODAY)


def _ccvg_tables(inputs: prediag.PrediagInputs) -> prediag.Prediag:
    subject = prediag.subject_from_territory(
        inputs.geo, make_territory(inputs.geo, Level.EPCI, CCVG)
    )
    return prediag.build_prediag(subject, inputs)


@pytest.mark.parametrize(
    ("published", "preview", "zonings", "drafts"),
    [
        # a draft only: never in the output
        (False, False, [], ()),
        # the published version: in the output, not watermarked
        (True, False, ["Publié"], ()),
        # a draft picked for a preview: replaces the published version, watermarked
        (True, True, ["Essai"], ("Zonage « Essai » (brouillon)",)),
        (False, True, ["Essai"], ("Zonage « Essai » (brouillon)",)),
    ],
)
def test_only_published_zonings_reach_the_prediag(published, preview, zonings, drafts):
    from diagnostics import publication as pub

    key = "epci:" + CCVG
    stored: dict = {pub.published_kind(k): {} for k in pub.PUBLISHABLE}
    if published:
        stored["zonage_publie"] = {
            key: pub.publish("zonage", "Publié", key, _zoning_draft("Publié", ["69043"]))[2]
        }
    draft = _zoning_draft("Essai", ["69043", "69133"])
    previews = (pub.Preview("zonage", "Essai", key, draft),) if preview else ()
    p = _ccvg_tables(_from_store(stored, previews))
    tables = [t for t in p.section("petite_enfance").tables if t.id == "zones_prioritaires"]
    shown = sorted(set(tables[0].frame["Zonage"])) if tables else []
    assert shown == zonings
    assert p.drafts == drafts
    if tables:
        expected = "brouillon non publié (aperçu)" if preview else "publiée le"
        assert tables[0].frame["Version"].iloc[0].startswith(expected)
    else:
        assert any("aucun zonage publié" in m for m in p.section("petite_enfance").missing)


def test_draft_preview_pdf_is_watermarked():
    from diagnostics import publication as pub

    key = "epci:" + CCVG
    previews = (pub.Preview("zonage", "Essai", key, _zoning_draft("Essai", ["69043"])),)

    def pages(data: bytes) -> list[str]:
        return [pg.extract_text() for pg in PdfReader(io.BytesIO(data)).pages]

    official = pages(render_pdf(_ccvg_tables(_from_store({}))))
    preview = pages(render_pdf(_ccvg_tables(_from_store({}, previews))))
    assert not any("BROUILLON" in t or "« Essai »" in t for t in official)
    assert all("BROUILLON" in t for t in preview)
    assert any("« Essai »" in t for t in preview)


def test_unpublished_checklist_counts_nothing():
    from diagnostics import publication as pub

    stored = {"checklist_ctg": {"CTG-A": ao.checklist_payload(["zones", "objectifs"])}}
    p = _ccvg_tables(_from_store(stored))  # drafts in the base kind are never read
    ctg = next(t for t in p.section("identite").tables if t.id == "ctg")
    assert ctg.frame["Version de la liste"].tolist() == ["non publiée"]
    assert ctg.frame["Liste du décret (éléments traités)"].tolist() == ["0/11"]
    kind, name, snap = pub.publish(
        "checklist_ctg", "CTG-A", pub.checklist_territory("CTG-A"), stored["checklist_ctg"]["CTG-A"]
    )
    p = _ccvg_tables(_from_store({kind: {name: snap}}))
    ctg = next(t for t in p.section("identite").tables if t.id == "ctg")
    assert ctg.frame["Liste du décret (éléments traités)"].tolist() == ["2/11"]
    assert ctg.frame["Version de la liste"].iloc[0].startswith("publiée le ")


def test_published_trajectory_replaces_the_default_one():
    from diagnostics import publication as pub
    from diagnostics import trajectory as tr

    key = "epci:" + CCVG
    saved = tr.SavedTrajectory(
        "Trajectoire CTG 2027",
        key,
        "Territoire entier",
        "2026-11-30T10:00:00",
        tr.Situation(2022, 1000.0, 500.0, 200.0),
        70.0,
        2031,
        (tr.PlannedPlaces(2025, 20.0, "EAJE PSU"),),
        (tr.Scenario("Prudent", -0.01, 0.05, 0.5),),
    )
    assert tr.SavedTrajectory.from_document("x", saved.to_document()) == saved
    default = _ccvg_tables(_from_store({}))
    t0 = next(t for t in default.section("petite_enfance").tables if t.id == "trajectoire")
    assert "Aucune trajectoire publiée" in t0.note and len(t0.frame) == 3
    kind, name, snap = pub.publish("trajectoire", saved.nom, key, saved.to_document())
    p = _ccvg_tables(_from_store({kind: {name: snap}}))
    t = next(t for t in p.section("petite_enfance").tables if t.id == "trajectoire")
    assert t.title.startswith("Trajectoire « Trajectoire CTG 2027 » (publiée le ")
    assert "taux cible 70,0 en 2031" in t.title
    assert t.frame["Scénario"].tolist() == ["Prudent"]
    expected = round(saved.results()[1]["places_a_creer_total"].iloc[0])
    assert t.frame["Places à créer d'ici 2031"].tolist() == [expected]
