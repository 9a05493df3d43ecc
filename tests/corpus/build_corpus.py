"""Writes the awkward/broken files of tests/corpus/files (run once; the files are committed).

    .venv/bin/python tests/corpus/build_corpus.py            # writes the missing files only
    .venv/bin/python tests/corpus/build_corpus.py --force    # rewrites them all

(XLSX files embed their save time, so rewriting them changes their bytes, not their content.)

Expected outcomes are in tests/corpus/cases.json, checked by tests/corpus/test_corpus.py.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).resolve().parent / "files"
FORCE = "--force" in sys.argv


def _write(name: str, data: bytes) -> None:
    path = OUT / name
    if FORCE or not path.exists():
        path.write_bytes(data)


CAF_TX_HEADER = (
    "date_reference;numero_commune;nom_commune;numero_epci;nom_epci;numero_departement;"
    "nom_departement;taux_de_couv_eaje_psu;taux_de_couv_hors_eaje_psu;taux_de_couv_eaje_ensemble;"
    "taux_de_couv_prescolarisation;taux_de_couv_assistante_maternelle;"
    "taux_de_couv_salariee_a_domicile;taux_de_couv_accueil_individuel_ensemble;taux_de_couv_global"
)
CAF_PL_HEADER = (
    "date_reference;num_commune;nom_commune;numero_EPCI;nom_EPCI;numero_departement;nom_departement;"
    "places_EAJE_PSU;places_hors_EAJE_PSU;places_EAJE_ensemble;places_prescolarisation;"
    "places_assistante_maternelle;places_salariee_domicile;places_accueil_individuel_ensemble;"
    "places_offertes_ensemble"
)


def w(name: str, text: str, encoding: str = "utf-8", bom: bool = False) -> None:
    data = text.replace("\n", "\r\n").encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    _write(name, data)


def _write_text(name: str, text: str, encoding: str = "utf-8") -> None:
    _write(name, text.encode(encoding))


def xlsx(name: str, rows: list[list[object]], merge: str | None = None) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Données"
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    buf = io.BytesIO()
    wb.save(buf)
    _write(name, buf.getvalue())


def main() -> None:
    OUT.mkdir(exist_ok=True)
    w(
        "01_caf_taux_utf8_bom.csv",
        CAF_TX_HEADER + "\n"
        "2022;42218;SAINT ETIENNE;244200770;ST ETIENNE METROPOLE;42;LOIRE;30,1;0,5;30,6;2,1;25,3;0,9;26,2;58,9\n"
        "2022;01004;AMBERIEU EN BUGEY;240100883;CC PLAINE DE L'AIN;01;AIN;20;1;21;0;45,5;0,5;46;67\n",
        bom=True,
    )
    w(
        "02_structures_cp1252.csv",
        "id_structure;type_structure;nom;code_insee;places;psu\n"
        "E1;Crèche collective;Crèche Les Pâquerettes;42218;40;oui\n"
        "E2;Micro-crèche;Micro-crèche L'Île aux câlins;01004;10;non\n"
        "R1;Relais petite enfance;RPE Cœur de Loire;42218;;\n",
        encoding="cp1252",
    )
    w(
        "03_population_latin1_tab.tsv",
        "CODGEO\tLIBGEO\tPMUN21\n01004\tAmbérieu-en-Bugey\t14 514\n42218\tSaint-Étienne\t173 089\n",
        encoding="latin-1",
    )
    w(
        "04_enfants_virgule_point.csv",
        "code_insee,annee,enfants_moins_3,naissances\n42218,2021,5802.0,1950\n01004,2021,512.5,170\n",
    )
    w(
        "05_caf_places_milliers.csv",
        CAF_PL_HEADER + "\n"
        "2022;42218;SAINT ETIENNE;244200770;SEM;42;LOIRE;1\u202f234;12;1\u00a0246;80;2 480,5;35;2 515;3 841,5\n",
    )
    w("06_bpe_zero_perdu.csv", "CODGEO;NB_D502\n1004;3\n1033;2\n42218;40\n")
    w(
        "07_caf_taux_corse_dep.csv",
        "date_reference;numero_departement;nom_departement;taux_de_couv_global;taux_de_couv_eaje_psu\n"
        "2017;20R;CORSE;48,2;20,1\n2022;2A;CORSE DU SUD;50,3;21,0\n2022;2B;HAUTE CORSE;46,1;18,2\n",
    )
    w(
        "08_caf_places_69D_69M.csv",
        "date_reference;numero_departement;nom_departement;places_offertes_ensemble;places_EAJE_ensemble\n"
        "2022;69D;RHONE;12 000;3 000\n2022;69M;METROPOLE DE LYON;30 000;15 000\n",
    )
    w(
        "09_caf_taux_arrondissements.csv",
        CAF_TX_HEADER + "\n"
        "2022;75101;PARIS 1ER;200054781;METROPOLE DU GRAND PARIS;75;PARIS;60;2;62;1;5;10;15;78\n"
        "2022;69381;LYON 1ER;200046977;METROPOLE DE LYON;69M;METROPOLE DE LYON;50;1;51;1;20;3;23;75\n"
        "2022;13201;MARSEILLE 1ER;200054807;AIX MARSEILLE PROVENCE;13;BOUCHES DU RHONE;30;1;31;2;15;1;16;49\n",
    )
    w(
        "10_caf_places_fusion.csv",
        CAF_PL_HEADER + "\n"
        "2022;49069;CHAMPTOCEAUX;200000000;CC;49;MAINE ET LOIRE;10;0;10;2;50;1;51;63\n"
        "2022;49126;OREE D ANJOU;200000000;CC;49;MAINE ET LOIRE;20;1;21;3;80;2;82;106\n",
    )
    w(
        "11_caf_taux_fusion.csv",
        CAF_TX_HEADER + "\n"
        "2022;49069;CHAMPTOCEAUX;200000000;CC;49;MAINE ET LOIRE;10;0;10;2;30;1;31;43\n"
        "2022;49126;OREE D ANJOU;200000000;CC;49;MAINE ET LOIRE;12;1;13;3;40;2;42;58\n"
        "2022;42218;SAINT ETIENNE;244200770;SEM;42;LOIRE;30,1;0,5;30,6;2,1;25,3;0,9;26,2;58,9\n",
    )
    w(
        "12_caf_taux_anciens_libelles.csv",
        "Date de référence;Numéro de la commune;Nom de la commune;Taux de couverture EAJE PSU;"
        "Taux de couverture hors EAJE PSU;Taux de couverture EAJE;Taux de couverture préscolarisation;"
        "Taux de couverture assistant(e) maternel(le);Taux de couverture salarié(e) à domicile;"
        "Taux de couverture accueil individuel;Taux de couverture global\n"
        "2019;42218;SAINT-ETIENNE;29,0;0,4;29,4;3,0;26,0;0,8;26,8;59,2\n",
        bom=True,
    )
    w(
        "13_caf_taux_lignes_xx.csv",
        CAF_TX_HEADER + "\n"
        "2022;42218;SAINT ETIENNE;244200770;SEM;42;LOIRE;30,1;0,5;30,6;2,1;25,3;0,9;26,2;58,9\n"
        "2022;XXXXX;COMMUNES < 10 000 HAB;XXXXXXXXX;;XX;;;;;;;;;\n"
        "2022;XX;TOTAL;;;XX;;;;;;;;;\n",
    )
    xlsx(
        "14_population_titre.xlsx",
        [
            ["Populations légales 2021 — source INSEE"],
            [],
            ["CODGEO", "LIBGEO", "PMUN21"],
            ["01004", "Ambérieu-en-Bugey", 14514],
            [42218, "Saint-Étienne", 173089],
        ],
    )
    xlsx(
        "15_caf_places_entete_fusionne.xlsx",
        [
            ["Nombre de places offertes aux enfants de moins de 3 ans"],
            ["Numéro commune", "Date référence", "Places", None, None],
            [None, None, "EAJE PSU", "assistante maternelle", "offertes ensemble"],
            ["42218", 2022, 1234, 2480, 3841],
        ],
        merge="C2:E2",
    )
    w("16_vide.csv", "")
    w("17_entete_seul.csv", "CODGEO;NB_D502\n")
    w("18_colonne_manquante.csv", "CODGEO;LIBGEO\n01004;Ambérieu\n")
    w(
        "19_colonnes_en_trop.csv",
        "id_structure;type_structure;nom;code_insee;places;commentaire;responsable\n"
        "E1;EAJE;Crèche A;42218;30;ouverte en 2019;Mme X\n",
    )
    w("20_cles_en_double.csv", "CODGEO;NB_D502\n01004;3\n42218;40\n01004;4\n")
    w(
        "21_places_negatives.csv",
        CAF_PL_HEADER + "\n"
        "2022;42218;SAINT ETIENNE;244200770;SEM;42;LOIRE;-5;12;1246;80;2480;35;2515;3841\n",
    )
    w("22_non_numerique.csv", "CODGEO;NB_D502\n01004;trois\n42218;40\n")
    w("23_codes_inconnus.csv", "CODGEO;NB_D502\n99999;1\n42218;40\n")
    w("24_codes_invalides.csv", "CODGEO;NB_D502\nABCDE;1\n123;2\n42218;40\n")
    w(
        "25_trop_volumineux.csv",
        "CODGEO;NB_D502\n" + "".join(f"{42000 + i:05d};1\n" for i in range(200)),
    )
    w(
        "26_html_dans_les_noms.csv",
        "id_structure;type_structure;nom;code_insee;places\n"
        'E1;EAJE;<script>alert("x")</script> Crèche;42218;30\n'
        "E2;EAJE;<b>Gras</b> & <i>co</i>;01004;12\n",
    )
    w(
        "27_formules_dans_nombres.csv",
        "id_structure;type_structure;nom;code_insee;places\n"
        "E1;EAJE;Crèche A;42218;=1+1\nE2;EAJE;Crèche B;01004;@SUM(A1)\n",
    )
    w(
        "28_formules_dans_textes.csv",
        "id_structure;type_structure;nom;code_insee;places;gestionnaire\n"
        '"E1";EAJE;"=HYPERLINK(""http://x"";""clic"")";42218;30;+33 4 77 00 00 00\n'
        "E2;EAJE;@Crèche;01004;12;-Association\n",
    )
    wb = Workbook()
    ws = wb.active
    ws.append(["CODGEO", "NB_D502"])
    ws.append(["42218", 40])
    ws.append(["01004", "=B2*1000"])
    buf = io.BytesIO()
    wb.save(buf)
    _write("29_formule_excel.xlsx", buf.getvalue())
    w(
        "30_plusieurs_erreurs.csv",
        "id_structure;type_structure;nom;code_insee;places;psu;latitude\n"
        "E1;EAJE;Crèche A;42218;abc;oui;45,4\n"
        "E2;Garage;Crèche B;4221;10;peut-être;45,4\n"
        "E3;EAJE;Crèche C;ZZ;10;non;145\n"
        "E3;EAJE;Crèche D;42218;-2;non;45\n",
    )
    qpv_tail = ";" * 40
    w(
        "31_qpv_extrait_2022.csv",
        "CODGEO;LIBGEO;POP_MUN;POP_COM_QP;POP_COM;LIB_COM;TX_F;A;AM;ENF_2;NOTE_CNAF"
        + qpv_tail
        + "\n"
        "QP042001;Montreynaud;6\u202f490;21\u202f000;173\u202f089;Saint-Étienne;55,3;2\u202f068;350;299;0"
        + qpv_tail
        + "\n"
        "QP013003;Saint Henri;3\u202f100;3\u202f100;90\u202f000;Marseille 16e Arrondissement;51,0;900;150;77;0"
        + qpv_tail
        + "\n"
        "QP069040;Vallon;991;991;9\u202f675;Grigny;50,1;300;42;45;0" + qpv_tail + "\n"
        "QP099001;Nulle Part;100;100;1\u202f000;Atlantide;50,0;10;1;1;0" + qpv_tail + "\n",
        bom=True,
    )
    w(
        "32_allocataires_iris_2019.csv",
        "CODGEO;NOTE;A;PERCOU;AM;ENF_2;ARSAS\n"
        "420010101;0;100;250;10;12;5\n420010102;0;50;120;4;6;\n420040000;0;30;70;2;3;1\n",
    )
    _write("33_ancien_excel.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    w("34_ligne_decalee.csv", "CODGEO;NB_D502\n01004;3\n42218;40;12;x\n")
    w(
        "35_ctg_dates.csv",
        "id_ctg;nom;niveau;signataires;date_debut;date_fin\n"
        "C1;CTG Saint-Étienne Métropole;intercommunale;244200770|42218;01/01/2022;31/12/2026\n"
        "C2;CTG Ambérieu;commune;01004;2023-01-01;fin 2027\n",
    )
    w(
        "36_ctg_ok.csv",
        "id_ctg;nom;niveau;signataires;date_debut;date_fin\n"
        "C1;CTG Saint-Étienne Métropole;intercommunal;244200770, 42218;01/01/2022;31/12/2026\n",
    )
    _write_text(
        "37_zones.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {
                            "code_qp": "QP042001",
                            "nom_qp": "Montreynaud",
                            "insee_com": "42218",
                        },
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [
                                [[4.38, 45.45], [4.40, 45.45], [4.40, 45.47], [4.38, 45.45]]
                            ],
                        },
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    _write_text(
        "38_zones_casse.geojson", '{"type": "FeatureCollection", "features": [', encoding="utf-8"
    )
    w(
        "39_ao_transferts.csv",
        "siren;compétence;communes\n244200770;Planification;\n244200770;qualité;42218, 42095\n"
        "24420077;informer;\n",
    )
    wb = Workbook()
    notice = wb.active
    notice.title = "Notice"
    notice.append(["Nombre d'EAJE par commune — lisez-moi"])
    notice.append(["Source : INSEE, BPE 2021"])
    data = wb.create_sheet("Données")
    data.append(["CODGEO", "NB_D502"])
    data.append(["42218", 40])
    buf = io.BytesIO()
    wb.save(buf)
    _write("41_classeur_notice_puis_donnees.xlsx", buf.getvalue())
    wb = Workbook()
    buf = io.BytesIO()
    wb.save(buf)
    _write("42_classeur_vide.xlsx", buf.getvalue())
    w(
        "40_separateur_guillemets.csv",
        'id_structure,type_structure,nom,code_insee,places\nE1,EAJE,"Crèche ""Les Lucioles"", Nord",42218,"30"\n',
    )
    w(
        "44_ctg_entetes_longs.csv",
        "Identifiant;Nom de la CTG;Echelon;Signataires;Date de début de la convention;Fin\n"
        "CTG-02;CTG Bourg;communale;1053 | 1024;1/7/2021;30/6/2026\n",
    )
    w(
        "45_ctg_entetes_ambigus.csv",
        "Identifiant;Nom de la convention;Nom du référent;Echelon;Signataires;Début;Fin\n"
        "CTG-02;CTG Bourg;Mme X;communal;01053;01/07/2021;30/06/2026\n",
    )
    w(
        "46_ao_competences_en_clair.csv",
        "SIREN EPCI;Compétence;Communes;Date effet\n"
        "200069193;Planification du développement;;01/01/2025\n"
        "200069193;Soutenir la qualité;;01/01/2025\n"
        "200069193;Recenser les besoins;1053,1024;01/01/2025\n"
        "200069193;(2);;01/01/2025\n",
    )
    w(
        "47_ao_doublon_toutes_communes.csv",
        "siren_epci;competence;communes\n200069193;planifier;\n200069193;3;\n",
    )
    # CTG life cycle (issue 16): unknown signatory, overlaps, small communes, avenants, follow-up
    ctg_header = "id_ctg;nom;niveau;signataires;date_debut;date_fin\n"
    bad_signatory = (
        ctg_header
        + "C1;CTG Saint-Étienne Métropole;intercommunal;244200770;01/01/2022;31/12/2026\n"
        "C2;CTG Firminy;communal;42095;01/01/2023;31/12/2027\n"
        "C3;CTG Paris Sud;communal;75999|42218;01/01/2023;31/12/2027\n"
    )
    w("70_ctg_signataire_inconnu.csv", bad_signatory)
    w("71_ctg_signataire_inconnu_ligne_ignoree.csv", bad_signatory)
    w(
        "72_ctg_chevauchement.csv",
        ctg_header
        + "C1;CTG Saint-Étienne Métropole;intercommunal;244200770;01/01/2022;31/12/2026\n"
        "C2;CTG Firminy;communal;42095;01/01/2023;31/12/2027\n"
        "C3;CTG Firminy (ancienne);communal;42095;01/01/2017;31/12/2021\n",
    )
    w(
        "73_ao_petite_commune_planification.csv",
        "siren_epci;competence;communes;date_effet\n"
        "244200770;planifier;42218|42242;01/01/2025\n"
        "244200770;informer;42242;01/01/2025\n",
    )
    w(
        "74_ctg_avenants.csv",
        "Identifiant;Date de l'avenant;Objet;Signataires ajoutés;Nouvelle date de fin\n"
        "C1;15/11/2025;Prolongation d'un an;;31/12/2026\n"
        "C2;01/03/2024;Entrée de la commune;42095;\n",
    )
    w(
        "75_ctg_avenants_signataire_inconnu.csv",
        "id_ctg;date_avenant;objet;signataires_ajoutes;nouvelle_date_fin\n"
        "C1;15/11/2025;Prolongation d'un an;;31/12/2026\n"
        "C2;01/03/2024;Entrée de la commune;123456789;\n",
    )
    suivi_header = (
        "id_ctg;thematique;action;indicateur;valeur_initiale;cible;annee;trimestre;realise;"
        "statut;commentaire\n"
    )
    w(
        "76_ctg_suivi.csv",
        suivi_header
        + "C1;Petite enfance;Micro-crèche du centre;Places créées;0;12;2025;2;4;En cours;"
        "Travaux engagés\n"
        "C1;Petite enfance;Micro-crèche du centre;Places créées;0;12;2025;4;12;réalisée;\n"
        "C1;Parentalité;LAEP itinérant;Familles accueillies;0;40;2025;;25,5;en cours;\n",
    )
    w(
        "77_ctg_suivi_statut_inconnu.csv",
        suivi_header
        + "C1;Petite enfance;Micro-crèche du centre;Places créées;0;12;2025;5;4;fini;\n",
    )
    w(
        "43_caf_taux_epci_anciens.csv",
        "date_reference;numero_epci;nom_epci;taux_de_couv_global\n"
        "2018;245900410;METROPOLE EUROPEENNE DE LILLE;55,3\n"
        "2018;200046977;METROPOLE DE LYON;70,1\n",
    )
    # Issue 14: files that used to be misread or silently emptied.
    w(
        "48_caf_taux_sans_taux_global.csv",
        "date_reference;numero_commune;nom_commune;taux_de_couv_eaje_psu;taux_de_couv_assistante_maternelle\n"
        "2022;42218;SAINT ETIENNE;30,1;25,3\n",
    )
    w(
        "49_caf_taux_marqueurs.csv",
        "date_reference;numero_commune;nom_commune;taux_de_couv_eaje_psu;taux_de_couv_global\n"
        "2022;42218;SAINT ETIENNE;n.d.;58,9\n"
        "2022;01004;AMBERIEU EN BUGEY;s;61,2\n"
        "2022;01053;BOURG EN BRESSE;n.d.;secret\n"
        "2022;31555;TOULOUSE;-;\n",
    )
    w(
        "50_caf_taux_texte_numerique.csv",
        "date_reference;numero_commune;nom_commune;taux_de_couv_global\n"
        "2022;42218;SAINT ETIENNE;58,9\n"
        "2022;01004;AMBERIEU EN BUGEY;environ 60\n",
    )
    xlsx(
        "51_caf_taux_code_commune_perdu.xlsx",
        [
            ["Taux de couverture 2022", None, None, None, None, None],
            [
                None,
                "nom_commune",
                "numero_epci",
                "nom_epci",
                "date_reference",
                "taux_de_couv_global",
            ],
            ["42218", "SAINT ETIENNE", "244200770", "SAINT ETIENNE METROPOLE", 2022, 58.9],
            ["42005", "ANDREZIEUX BOUTHEON", "244200770", "SAINT ETIENNE METROPOLE", 2022, 70.2],
        ],
        merge="A1:A2",
    )
    w(
        "52_caf_taux_zero_perdu_nom_decale.csv",
        "date_reference;numero_commune;nom_commune;taux_de_couv_global\n"
        "2022;1004;AMBERIEU EN BUGEY;61,2\n"
        "2022;31555;BLAGNAC;55,0\n"
        "2022;31069;BLAGNAC;60,0\n",
    )
    w(
        "53_bpe_doublons_total.csv",
        "CODGEO;NB_D502\n"
        + "".join(
            f"{c};{i}\n"
            for i in range(2)
            for c in [
                "01004",
                "01053",
                "42218",
                "31555",
                "31069",
                "69123",
                "13055",
                "75056",
                "33063",
                "44109",
                "59350",
                "67482",
            ]
        )
        + "01004;9\n",
    )
    w("54_enfants_sans_valeur.csv", "CODGEO;ANNEE\n01004;2021\n42218;2021\n")
    w(
        "55_nbpla_pe_com_2022.csv",
        "date_reference;numero_epci;nom_epci;places_offertes_ensemble\n"
        "2022;244200770;SAINT ETIENNE METROPOLE;12000\n",
    )


if __name__ == "__main__":
    main()
