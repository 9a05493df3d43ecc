"""Importers: header mapping, examples, the real shipped files, merged communes, options."""

from __future__ import annotations

import pandas as pd
import pytest

from datastore.defaults import SHIPPED, prepare_shipped
from datastore.examples import example_csv, example_frame, example_geojson, schema_frame
from datastore.importers import ImportOptions, caf_value_column, guess_kind, prepare, year_from_name
from datastore.readers import norm_header
from datastore.schemas import DATASET_TYPES, dataset_type
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("header", "kind", "column"),
    [
        ("taux_de_couv_eaje_psu", "caf_taux", "tx_eaje_psu"),
        ("taux_de_couv_hors_eaje_psu", "caf_taux", "tx_eaje_hors_psu"),
        ("taux_de_couv_eaje_ensemble", "caf_taux", "tx_eaje"),
        ("taux_de_couv_prescolarisation", "caf_taux", "tx_prescolarisation"),
        ("taux_de_couv_assistante_maternelle", "caf_taux", "tx_assmat"),
        ("taux_de_couv_salariee_a_domicile", "caf_taux", "tx_salarie_domicile"),
        ("taux_de_couv_accueil_individuel_ensemble", "caf_taux", "tx_individuel"),
        ("taux_de_couv_global", "caf_taux", "tx_global"),
        ("Taux de couverture global", "caf_taux", "tx_global"),
        ("Taux de couverture EAJE PSU", "caf_taux", "tx_eaje_psu"),
        ("Taux de couverture assistant(e) maternel(le)", "caf_taux", "tx_assmat"),
        ("places_EAJE_PSU", "caf_places", "pl_eaje_psu"),
        ("places_hors_EAJE_PSU", "caf_places", "pl_eaje_hors_psu"),
        ("places_EAJE_ensemble", "caf_places", "pl_eaje"),
        ("places_salariee_domicile", "caf_places", "pl_salarie_domicile"),
        ("places_offertes_ensemble", "caf_places", "pl_total"),
        ("Nombre de places offertes", "caf_places", "pl_total"),
        ("Nombre de places en EAJE PSU", "caf_places", "pl_eaje_psu"),
        ("Nombre de places chez les assistants maternels", "caf_places", "pl_assmat"),
        ("nom_commune", "caf_taux", None),
        ("places_EAJE_PSU", "caf_taux", None),
        ("taux_de_couv_global", "caf_places", None),
    ],
)
def test_caf_value_column(header: str, kind: str, column: str | None) -> None:
    assert caf_value_column(norm_header(header), kind) == column


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("txcouv_pe_com.csv", "caf_taux"),
        ("nbpla_pe_epci_2023.xlsx", "caf_places"),
        ("extrait_filoue_2023.csv", "filoue"),
        ("liste_CTG.xlsx", "ctg"),
        ("qpv.geojson", "zones"),
        ("DEMO_QPV_2022.csv", "qpv"),
        ("divers.csv", None),
    ],
)
def test_guess_kind(name: str, kind: str | None) -> None:
    assert guess_kind(name) == kind


@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("insee_bpe2021_eaje.csv", 2021),
        ("caf_2017_2022.csv", 2022),
        ("grille_7niveaux_2024.csv", 2024),
        ("sans_annee.csv", None),
        ("code_42218.csv", None),
    ],
)
def test_year_from_name(name: str, year: int | None) -> None:
    assert year_from_name(name) == year


@pytest.mark.parametrize("kind", sorted(DATASET_TYPES))
def test_example_file_imports_back(kind: str) -> None:
    data = example_geojson() if kind == "zones" else example_csv(kind)
    name = f"exemple_{kind}.{'geojson' if kind == 'zones' else 'csv'}"
    prepared = prepare(kind, data, name=name)
    assert prepared.ok, prepared.report.text()
    assert prepared.frame is not None and len(prepared.frame) == len(example_frame(kind))
    assert list(prepared.frame.columns) == dataset_type(kind).column_names
    assert schema_frame(kind)["Colonne"].tolist() == dataset_type(kind).column_names


def test_example_csv_is_french() -> None:
    data = example_csv("caf_taux")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("annee;niveau;code;nom;edition;tx_eaje_psu")
    assert "12,5" in text


@pytest.mark.parametrize(
    "item", SHIPPED, ids=[f"{s.kind}:{s.path.rsplit('/', 1)[-1]}" for s in SHIPPED]
)
def test_shipped_file_imports(item) -> None:
    prepared = prepare_shipped(item)
    assert prepared.ok, prepared.report.text()
    assert prepared.frame is not None and len(prepared.frame) > 0
    assert not prepared.report.errors


def test_caf_commune_rates_real_file() -> None:
    p = prepare("caf_taux", ROOT / "data/open/caf_txcouv_pe_com_2017_2022.csv")
    f = p.frame
    assert p.millesimes() == list(range(2017, 2023))
    assert set(f["niveau"]) == {"commune"}
    # Arrondissements kept with their own codes; PLM communes never appear as such.
    assert f["code"].str.startswith("751").sum() > 0 and not (f["code"] == "75056").any()
    # Merged since 2022: the rate of the commune nouvelle is missing, never summed.
    merged = f[(f["code"] == "93066") & (f["annee"] == 2022)]
    assert len(merged) == 1 and merged["tx_global"].isna().all()
    assert "93059 → 93066" in p.report.text()
    assert f["tx_global"].max() <= 200


def test_caf_places_merged_counts_are_summed() -> None:
    raw = pd.read_csv(ROOT / "data/open/caf_nbpla_pe_com_2017_2022.csv", dtype=str)
    raw22 = raw[raw["date_reference"] == "2022"]
    expected = (
        raw22.loc[raw22["num_commune"].isin(["93059", "93066"]), "places_offertes_ensemble"]
        .astype(float)
        .sum()
    )
    f = prepare("caf_places", ROOT / "data/open/caf_nbpla_pe_com_2017_2022.csv").frame
    got = f.loc[(f["code"] == "93066") & (f["annee"] == 2022), "pl_total"]
    assert len(got) == 1 and float(got.iloc[0]) == pytest.approx(expected)
    # National total preserved by the mapping (counts never lost).
    assert float(f.loc[f["annee"] == 2022, "pl_total"].sum()) == pytest.approx(
        raw22["places_offertes_ensemble"].astype(float).sum()
    )


@pytest.mark.parametrize("year", [2016, 2018, 2020])
def test_iris_allocataires_sum_to_communes(year: int) -> None:
    path = ROOT / f"data/open/insee_donnees_caf_iris_{year}.csv"
    raw = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig")
    total = pd.to_numeric(
        raw["A"].str.replace(r"[\s\u00a0\u202f]", "", regex=True), errors="coerce"
    ).sum()
    f = prepare("allocataires", path).frame
    assert set(f["annee"]) == {year}
    assert f["code_insee"].str.len().eq(5).all()
    assert float(f["allocataires"].sum()) == pytest.approx(total)
    assert not f.duplicated(["code_insee", "annee"]).any()


def test_qpv_real_file_every_quartier_matched() -> None:
    p = prepare("qpv", ROOT / "data/open/insee_demo_qpv_2022.csv")
    f = p.frame
    assert len(f) == 1400 and f["code_insee"].notna().all()
    row = f[f["code_qpv"] == "QP001001"].iloc[0]
    assert (row["code_insee"], float(row["population"])) == ("01053", 6490.0)
    # a quartier on two communes (Cannes, Le Cannet) is attached to both, the first cited first
    two = f[f["code_qpv"] == "QP006003"].iloc[0]
    assert (two["code_insee"], two["communes"]) == ("06029", "06029;06030")
    three = f[f["code_qpv"] == "QP010003"].iloc[0]  # La Chapelle-Saint-Luc, Les Noës, Troyes
    assert three["communes"] == "10081;10265;10387"
    assert (f["communes"].str.split(";").str.len() > 1).sum() >= 150
    assert "rattaché(s) à chacune" in p.report.text()


@pytest.mark.parametrize(
    ("options", "fragment"),
    [({}, "aucune colonne d'année"), ({"annee": 2021}, None)],
)
def test_year_option(options: dict, fragment: str | None) -> None:
    p = prepare(
        "bpe_eaje", b"CODGEO;NB_D502\n42218;40\n", name="bpe.csv", options=ImportOptions(**options)
    )
    if fragment:
        assert not p.ok and fragment in p.report.text()
    else:
        assert p.ok and p.frame["annee"].tolist() == [2021]


@pytest.mark.parametrize(
    ("niveau", "code"),
    [("epci", "244200770"), ("region", "84"), ("france", "")],
)
def test_caf_scale_option(niveau: str, code: str) -> None:
    body = f"date_reference;code;taux_de_couv_global\n2022;{code};58,9\n".encode()
    p = prepare("caf_taux", body, name="tx.csv", options=ImportOptions(niveau=niveau))
    assert p.ok, p.report.text()
    assert p.frame["niveau"].tolist() == [niveau] and p.frame["code"].tolist() == [code]


def test_caf_national_file_without_code_column() -> None:
    p = prepare(
        "caf_taux",
        b"date_reference;taux_de_couv_global\n2021;59,8\n2022;60,1\n",
        name="txcouv_pe_nat.csv",
    )
    assert p.ok, p.report.text()
    assert set(p.frame["niveau"]) == {"france"} and "Échelle détectée : france" in p.report.text()


@pytest.mark.parametrize(
    ("cell", "found"),
    [("ABCDE", "ABCDE"), ("", ""), ("123", "123"), ("2C004", "2C004"), ("690010", "690010")],
)
def test_caf_bad_commune_code_reported_once_with_what_was_found(cell: str, found: str) -> None:
    """One error per bad cell, naming the line, the column and the value found (an empty
    second report « «  » trouvé » for the same cell came from checking the code twice)."""
    body = f"date_reference;numero_commune;taux_de_couv_global\n2022;69123;58,9\n2022;{cell};40\n"
    p = prepare("caf_taux", body.encode(), name="tx.csv")
    assert not p.ok
    errors = [i for i in p.report.issues if i.severity == "erreur"]
    assert [(e.line, e.column, e.found) for e in errors] == [(3, "numero_commune", found)]


@pytest.mark.parametrize(
    ("header", "column", "value"),
    [
        ("Type de structure", "type_structure", "RPE"),
        ("Type d'équipement", "type_structure", "RPE"),
        ("Nombre de places", "places", 12),
        ("Code de la commune", "code_insee", "01004"),
        ("Nom de la structure", "nom", "Relais du Val"),
    ],
)
def test_headers_with_french_function_words(header: str, column: str, value: object) -> None:
    """« Type de structure » is « type_structure »: a type column missed would read every RPE
    as an EAJE."""
    base = {
        "Identifiant": "A1",
        "Type": "Relais Petite Enfance",
        "Nom": "Relais du Val",
        "Code INSEE": "1004",
        "Places": "12",
    }
    old = {"type_structure": "Type", "places": "Places", "code_insee": "Code INSEE", "nom": "Nom"}
    row = {(header if k == old[column] else k): v for k, v in base.items()}
    body = ";".join(row) + "\n" + ";".join(row.values()) + "\n"
    p = prepare("structures", body.encode("cp1252"), name="structures.csv")
    assert p.ok, p.report.text()
    assert p.frame[column].tolist() == [value]
    assert p.frame["type_structure"].tolist() == ["RPE"]


@pytest.mark.parametrize(
    ("names", "warned"),
    [
        (["Crèche Les Lucioles", "Multi-accueil du Parc"], None),
        (["Crèche Les Lucioles", "RPE du Val"], "ligne 3 : « RPE du Val », RPE"),
        (["Relais petite enfance Nord", "Crèche"], "ligne 2 : « Relais petite enfance Nord », RPE"),
        (["Lieu d'accueil enfants-parents"], "LAEP"),
        (["Centre social Les Tilleuls"], "CS"),
        (["Crèche Ramona", "Micro-crèche Lescure"], None),  # words, not letters inside names
    ],
)
def test_structures_without_type_column_warn_on_names_of_other_types(names, warned) -> None:
    body = "id_structure;nom;code_insee;places\n" + "".join(
        f"S{i};{n};69123;10\n" for i, n in enumerate(names)
    )
    p = prepare("structures", body.encode(), name="liste.csv")
    assert p.ok, p.report.text()  # read, as EAJE, but the user is told
    assert set(p.frame["type_structure"]) == {"EAJE"}
    text = " ".join(w.message for w in p.report.warnings)
    if warned is None:
        assert not p.report.warnings, text
    else:
        assert warned in text and "type_structure" in text, text


def test_caf_file_without_rates_is_refused() -> None:
    p = prepare("caf_taux", b"numero_commune;nom\n42218;X\n", name="x.csv")
    assert not p.ok
    assert "aucune colonne de taux de couverture" in p.report.text()


def test_inputs_are_not_mutated() -> None:
    data = b"CODGEO;NB_D502\n1004;3\n"
    copy = bytes(data)
    prepare("bpe_eaje", data, name="bpe_2021.csv")
    assert data == copy


def test_prepared_datasets_split_by_scale_and_year() -> None:
    body = (
        b"annee;niveau;code;tx_global\n2021;commune;42218;58\n2022;commune;42218;59\n"
        b"2022;departement;42;55\n"
    )
    p = prepare("caf_taux", body, name="canon.csv")
    parts = sorted((d.scope, d.millesime, len(d.frame)) for d in p.datasets())
    # one dataset per scale, edition (decided from the file: 2 years = current) and year
    assert parts == [
        ("commune:courant", 2021, 1),
        ("commune:courant", 2022, 1),
        ("departement:courant", 2022, 1),
    ]


@pytest.mark.parametrize(
    ("cell", "key"),
    [
        ("planifier", "planifier"),
        ("Planification", "planifier"),
        ("Planifier le développement de l'offre", "planifier"),
        ("3", "planifier"),
        ("(4)", "qualite"),
        ("C1", "recenser"),
        ("Recensement des besoins", "recenser"),
        ("Informer et accompagner les familles", "informer"),
        ("Soutien à la qualité des modes d'accueil", "qualite"),
        ("QUALITÉ", "qualite"),
        ("5", None),
        ("recenser et informer", None),  # two competences in one cell: nothing is guessed
        ("gestion des crèches", None),
    ],
)
def test_competence_key(cell: str, key: str | None) -> None:
    from datastore.importers import competence_key

    assert competence_key(cell) == key


@pytest.mark.parametrize(
    ("commune", "cp", "expected"),
    [
        ("Saint-Etienne", "42000", "42218"),
        ("SAINT ETIENNE", "42100", "42218"),
        ("Paris", "75012", "75112"),  # arrondissement from the postal code
        ("PARIS 16", "75116", "75116"),
        ("Lyon", "69003", "69383"),
        ("Marseille", "13008", "13208"),
        ("Ajaccio", "20000", "2A004"),  # Corse: both départements searched
        ("Bourg-en-Bresse", "1000", "01053"),  # postal code that lost its leading zero
        ("Saint-Denis", "97400", "97411"),
        ("Atlantide", "42000", None),  # unknown: a cell error naming the line
        ("42218", "", "42218"),  # a « Commune » column that holds codes
    ],
)
def test_structures_without_insee_code_found_by_name_and_postal_code(commune, cp, expected):
    text = f"Nom;Commune;Code postal;Capacité\nCrèche;{commune};{cp};20\n".encode()
    p = prepare("structures", text, name="eaje.csv")
    if expected is None:
        assert not p.ok
        assert "eaje.csv, ligne 2, colonne « Commune »" in p.report.text()
    else:
        assert p.ok, p.report.text()
        assert p.frame["code_insee"].tolist() == [expected]
        assert "commune retrouvée par son nom" in p.report.text()


def test_structures_ambiguous_name_without_postal_code_is_refused_not_guessed():
    # « Saint-Denis » names several communes of France: without a postal code nothing is guessed
    text = "Nom;Commune;Capacité\nCrèche A;Saint-Denis;20\nCrèche B;Bourg-en-Bresse;12\n".encode()
    p = prepare("structures", text, name="eaje.csv")
    assert not p.ok
    assert "eaje.csv, ligne 2, colonne « Commune »" in p.report.text()
    assert "sans homonyme" in p.report.text()
    assert "ligne 3" not in p.report.text()  # a name unique in France is found


def test_insee_births_header_gives_the_year() -> None:
    p = prepare(
        "enfants", b"CODGEO;LIBGEO;NAISD22\n1053;Bourg-en-Bresse;480\n", name="naissances.csv"
    )
    assert p.ok, p.report.text()
    assert p.frame[["code_insee", "annee", "naissances"]].values.tolist() == [
        ["01053", 2022, 480.0]
    ]
    assert "Millésime 2022 lu dans l'en-tête « NAISD22 »" in p.report.text()


def _insee_births_workbook(commune_rows: list[list[object]]) -> bytes:
    """A workbook laid out as INSEE's NAIS_DOM_ANNUELLES.xlsx: a « Métadonnées » sheet first
    (whose « COM » cell names the other sheet), then per-geography sheets whose header has no
    name over the code and name columns, bare years, and notes under the table."""
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    meta = wb.active
    meta.title = "Métadonnées"
    meta.append(["Nom du fichier xlsx", "NAIS_DOM_ANNUELLES"])
    meta.append(["Onglet", "COM", "Nombre de naissances annuelles domiciliées par commune"])
    meta.append(["Onglet", "DEP", "Nombre de naissances annuelles domiciliées par département"])
    for title, what, rows in (
        ("DEP", "département", [["01", "Ain", 7323, 7157, 7282]]),
        ("COM", "commune", commune_rows),
    ):
        ws = wb.create_sheet(title)
        ws.append([f"Nombre de naissances annuelles domiciliées par {what}"])
        ws.append([])
        ws.append([None, None, "2012", "2013", "2014"])
        for r in rows:
            ws.append(r)
        ws.append([])
        ws.append(["so : sans objet"])
        ws.append(["Source : État civil"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_insee_births_workbook_as_published() -> None:
    """INSEE's own births workbook reads like the tidy CSV: the commune sheet (not the
    metadata nor the département sheet), codes and bare years, « so » as missing, the notes
    under the table left out."""
    data = _insee_births_workbook(
        [
            ["01053", "Bourg-en-Bresse", 480.0, 470.0, 460.0],
            ["97601", "Acoua", "so", "so", 143.0],
        ]
    )
    p = prepare("enfants", data, name="NAIS_DOM_ANNUELLES.xlsx")
    assert p.ok, p.report.text()
    got = p.frame.sort_values(["code_insee", "annee"])
    assert got[["code_insee", "annee"]].values.tolist() == [
        ["01053", 2012],
        ["01053", 2013],
        ["01053", 2014],
        ["97601", 2012],
        ["97601", 2013],
        ["97601", 2014],
    ]
    assert got["naissances"].tolist()[:3] == [480.0, 470.0, 460.0]
    assert got["naissances"].isna().tolist() == [False, False, False, True, True, False]
    # children under 3 in 2014: births of 2012–2014, none where a year is « sans objet »
    under3 = got.set_index(["code_insee", "annee"])["enfants_moins_3"]
    assert under3[("01053", 2014)] == 1410 and pd.isna(under3[("97601", 2014)])
    text = p.report.text()
    assert "feuille « COM »" in text and "2 ligne(s) de notes sous le tableau ignorée(s)" in text


@pytest.mark.parametrize(
    ("edition", "ok", "said"),
    [
        (None, False, "indiquez-la à l'import (option « édition »)"),
        ("hist", True, "toutes les lignes sont lues comme édition « hist »"),
        ("courant", True, "toutes les lignes sont lues comme édition « courant »"),
    ],
)
def test_national_series_without_edition_column(edition, ok, said) -> None:
    """ONAPE's published table has no edition column: the option gives it, else the refusal
    says how to."""
    body = (
        b"annee_reference,taux_global,eaje,source_publication,url\n"
        b"2022,60.3,22.1,ONAPE rapport 2023,https://example.org/onape-2023\n"
        b"2023,60.9,,ONAPE rapport 2024,https://example.org/onape-2024\n"
    )
    p = prepare(
        "taux_national", body, name="taux_national.csv", options=ImportOptions(edition=edition)
    )
    assert p.ok is ok, p.report.text()
    assert said in p.report.text()
    if ok:
        assert p.frame["edition"].tolist() == [edition, edition]
        assert p.frame["tx_global"].tolist() == [60.3, 60.9]
