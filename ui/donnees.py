"""Streamlit glue of the Données page: dataset list, import flow, schemas, sources.

Everything shown is French. Names read from files are displayed only through
st.dataframe / plain text (never rendered as HTML or Markdown).
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from catalogue.sources import DEMO_LABEL, SOURCES, Nature
from datastore.changes import Change, lost_text, scope_year_label
from datastore.cli import versions_frame
from datastore.examples import example_csv, example_geojson, schema_frame
from datastore.filenames import check_upload_name
from datastore.importers import ImportOptions, Prepared, commit, guess_kind, plan, prepare
from datastore.schemas import DATASET_TYPES, EDITION_LABELS, EDITIONS, NIVEAUX_CAF, dataset_type
from datastore.store import (
    MODE_LABELS,
    CommitPlan,
    DatasetMeta,
    StoreError,
    default_author,
    scope_family,
)
from diagnostics.formatting import fmt_number
from ui import auth, cache
from ui.components import table
from ui.text import md

REPLACE_LABELS = MODE_LABELS
NATURE_LABELS = {
    Nature.REEL: "réel",
    Nature.ESTIME: "estimé",
    Nature.SYNTHETIQUE: f"synthétique ({DEMO_LABEL})",
}
UPLOAD_TYPES = ["csv", "txt", "tsv", "xlsx", "parquet", "geojson", "json"]


def kind_label(kind: str) -> str:
    return dataset_type(kind).label


SCALE_LABELS = {
    "commune": "communes",
    "epci": "EPCI",
    "departement": "départements",
    "region": "régions",
    "france": "France",
    "": "communes",
}


def _scale(m: DatasetMeta) -> str:
    return SCALE_LABELS.get(scope_family(m.scope), scope_family(m.scope))


def _years(values: list[int]) -> str:
    years = sorted(set(values))
    if not years:
        return ""
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]}-{years[-1]}"
    return ", ".join(map(str, years))


def provenance_summary(metas: list[DatasetMeta]) -> pd.DataFrame:
    """What the screens show, per dataset type and scale: real, estimated or synthetic, with
    producer, millésimes, editions and files (one row per type × scale × nature)."""
    groups: dict[tuple[str, str, str], list[DatasetMeta]] = {}
    for m in metas:
        groups.setdefault((kind_label(m.kind), _scale(m), NATURE_LABELS[m.nature]), []).append(m)
    rows = []
    for (kind, scale, nature), ms in sorted(groups.items()):
        editions = sorted({m.edition for m in ms if m.edition}, key=("hist", "courant").index)
        rows.append(
            {
                "Type": kind,
                "Échelle": scale,
                "Nature": nature,
                "Producteur": ", ".join(dict.fromkeys(m.producer for m in ms)),
                "Millésimes": _years([m.millesime for m in ms if m.millesime]),
                "Éditions": ", ".join(
                    f"{e} ({EDITION_LABELS[e]}) : "
                    + _years([m.millesime for m in ms if m.edition == e and m.millesime])
                    for e in editions
                ),
                "Fichiers": ", ".join(dict.fromkeys(m.source_file for m in ms)),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["Type", "Échelle", "Nature", "Producteur", "Millésimes", "Éditions", "Fichiers"],
    )


def datasets_table(metas: list[DatasetMeta]) -> pd.DataFrame:
    """Provenance of every stored dataset, one row each (French headers)."""
    return pd.DataFrame(
        {
            "N°": [m.id for m in metas],
            "Type": [kind_label(m.kind) for m in metas],
            "Échelle": [scope_family(m.scope) for m in metas],
            "Édition": [EDITION_LABELS[m.edition] if m.edition else "" for m in metas],
            "Millésime": [str(m.millesime) if m.millesime else "" for m in metas],
            "Nature": [NATURE_LABELS[m.nature] for m in metas],
            "Producteur": [m.producer for m in metas],
            "Fichier source": [m.source_file for m in metas],
            "Lignes": [m.rows for m in metas],
            "Importé le": [
                m.imported_at.replace("T", " ").replace("+00:00", " UTC") for m in metas
            ],
        }
    )


def render_datasets() -> None:
    ws = cache.workspace()
    metas = ws.datasets()
    if not metas:
        st.info(
            "Aucun jeu de données dans l'espace de travail. Importez un fichier dans l'onglet « Importer »."
        )
        return
    n_demo = sum(m.is_synthetic for m in metas)
    c1, c2, c3 = st.columns(3)
    c1.metric("Jeux de données", fmt_number(len(metas)))
    c2.metric("Lignes", fmt_number(sum(m.rows for m in metas)))
    c3.metric("Jeux de démonstration", fmt_number(n_demo))
    if n_demo:
        st.warning(
            f"**{n_demo} jeu(x) de {DEMO_LABEL}** (nature « synthétique ») : chiffres fictifs, générés pour ce "
            "qui n'est pas public (liste d'EAJE, Filoué, CTG, transferts AO, taux et places Cnaf des EPCI). "
            "Importer le fichier réel du même type les remplace.",
            icon=":material/science:",
        )
    st.markdown("##### Ce que les écrans affichent : réel, estimé ou synthétique")
    st.dataframe(provenance_summary(metas), hide_index=True, width="stretch", key="donnees_nature")
    st.caption(
        "Réel : fichier d'un producteur (tel que publié). Estimé : calculé par l'application à "
        "partir de données réelles, méthode indiquée (enfants de moins de 3 ans d'après les "
        "naissances). Synthétique : données de démonstration. Éditions des taux Cnaf : hist = "
        "première publication, courant = édition courante (année révisée)."
    )
    kinds = sorted({m.kind for m in metas}, key=kind_label)
    chosen = st.multiselect(
        "Filtrer par type",
        kinds,
        format_func=kind_label,
        key="donnees_filter_kinds",
        placeholder="Tous les types",
    )
    shown = [m for m in metas if not chosen or m.kind in chosen]
    table(datasets_table(shown), key="donnees_table")

    st.markdown("##### Détail, notes d'import et suppression")
    by_id = {m.id: m for m in metas}
    picked = st.selectbox(
        "Jeu de données",
        [m.id for m in shown],
        index=None,
        key="donnees_pick",
        format_func=lambda i: _meta_label(by_id[i]),
        placeholder="Choisir un jeu de données…",
    )
    if picked is None:
        return
    meta = by_id[picked]
    st.text(f"{kind_label(meta.kind)} — {meta.credit()}")
    if meta.notes:
        with st.expander(f"Notes d'import ({len(meta.notes)})"):
            st.dataframe(pd.DataFrame({"Note": list(meta.notes)}), hide_index=True, width="stretch")
    confirm = st.checkbox(
        f"Je confirme la suppression du jeu n° {meta.id}", key=f"donnees_confirm_{meta.id}"
    )
    if st.button(
        "Supprimer ce jeu de données", key="donnees_delete", disabled=not confirm, type="secondary"
    ):
        previous = ws.versions(meta.kind)[0]
        try:
            ws.delete(meta.id, author=_author())
        except StoreError as exc:
            st.error(md(exc))
            return
        st.session_state.pop("donnees_pick", None)
        st.session_state["donnees_undo"] = (meta.kind, previous.id, _meta_label(meta))
        st.toast(f"Jeu n° {meta.id} retiré.")
        st.rerun()


def _author() -> str:
    return (st.session_state.get("donnees_auteur") or "").strip() or default_author()


def render_undo() -> None:
    """After a deletion: one click puts the dataset back (restores the version before)."""
    undo = st.session_state.get("donnees_undo")
    if not undo:
        return
    kind, version_id, label = undo
    c1, c2 = st.columns([4, 1], vertical_alignment="center")
    c1.info(md(f"Jeu retiré : {label}. Ses lignes sont conservées dans l'historique."))
    if c2.button("Annuler la suppression", key="donnees_undo_button"):
        try:
            version = cache.workspace().restore(kind, version_id, author=_author())
        except StoreError as exc:
            st.error(str(exc))
            return
        st.session_state.pop("donnees_undo", None)
        st.toast(f"Suppression annulée (version n° {version.id}).")
        st.rerun()


def render_versions() -> None:
    """Versions of one dataset type (who, when, file, rows) and a one-step restore."""
    ws = cache.workspace()
    kinds = sorted(
        [k for k in DATASET_TYPES if ws.versions(k)],
        key=kind_label,
    )
    if not kinds:
        st.caption("Aucune version enregistrée.")
        return
    kind = st.selectbox(
        "Type de données (versions)", kinds, format_func=kind_label, key="donnees_versions_kind"
    )
    versions = ws.versions(kind)
    versions_shown = versions_frame(versions).rename(
        columns={
            "version": "Version",
            "le": "Date",
            "par": "Par",
            "action": "Action",
            "fichier": "Fichier",
            "ajoutées": "Lignes ajoutées",
            "remplacées": "Remplacées",
            "retirées": "Retirées",
            "lignes courantes": "Lignes après",
        }
    )
    table(versions_shown, key="donnees_versions")
    older = [v for v in versions[1:]]
    if not older:
        st.caption("Une seule version : rien à restaurer.")
        return
    by_id = {v.id: v for v in versions}
    picked = st.selectbox(
        "Version à restaurer",
        [v.id for v in older],
        index=None,
        key="donnees_restore_pick",
        format_func=lambda i: (
            f"n° {i} — {by_id[i].created_at.replace('T', ' ').replace('+00:00', ' UTC')} — "
            f"{by_id[i].action_label} {by_id[i].source_file} — {fmt_number(by_id[i].rows)} lignes"
        ),
        placeholder="Choisir une version…",
    )
    if picked is None:
        return
    metas = ws.version_datasets(picked)
    st.caption(
        f"La version n° {picked} comptait {fmt_number(by_id[picked].rows)} ligne(s) dans "
        f"{len(metas)} jeu(x) ; la restaurer crée une nouvelle version (la version actuelle reste "
        "dans l'historique et peut être restaurée à son tour)."
    )
    table(datasets_table(metas), key="donnees_restore_table")
    if st.button("Restaurer cette version", key="donnees_restore", type="primary"):
        try:
            version = ws.restore(kind, picked, author=_author())
        except StoreError as exc:
            st.error(str(exc))
            return
        st.session_state.pop("donnees_restore_pick", None)
        st.session_state["donnees_last_commit"] = [
            f"version n° {picked} de « {kind_label(kind)} » restaurée (nouvelle version n° "
            f"{version.id}, {fmt_number(version.rows)} lignes)"
        ]
        st.rerun()


def _meta_label(m: DatasetMeta) -> str:
    parts = [f"n° {m.id}", kind_label(m.kind)]
    if m.scope:
        parts.append(m.scope)
    if m.millesime:
        parts.append(str(m.millesime))
    parts.append(NATURE_LABELS[m.nature])
    return " · ".join(parts)


def _prepared_key(data: bytes, name: str, kind: str, opts: ImportOptions) -> str:
    h = hashlib.sha256(data).hexdigest()[:16]
    return f"{h}|{name}|{kind}|{opts.annee}|{opts.producteur}|{opts.niveau}|{opts.edition}"


def render_import() -> None:
    st.markdown(
        "Déposez un fichier tel qu'il vient (CSV `;` `,` ou tabulation, UTF-8 ou Windows-1252, virgule "
        "décimale, XLSX avec lignes de titre, Parquet, GeoJSON : contours des zones, points ou tableaux pour les autres types). Un **aperçu** et un "
        "**rapport de validation** s'affichent avant tout enregistrement ; un fichier en erreur n'est pas "
        "importé et les données déjà présentes restent intactes."
    )
    upload = st.file_uploader("Fichier à importer", type=UPLOAD_TYPES, key="donnees_upload")
    if upload is None:
        return
    checked = check_upload_name(upload.name)
    if checked.error:
        st.error(md(checked.error), icon=":material/error:")
        return
    if checked.note:
        st.warning(md(checked.note))
    file_name = checked.name
    data = upload.getvalue()
    kinds = list(DATASET_TYPES)
    guessed = guess_kind(file_name)
    kind = st.selectbox(
        "Type de données",
        kinds,
        index=kinds.index(guessed) if guessed else None,
        format_func=kind_label,
        key="donnees_kind",
        placeholder="Choisir le type…",
    )
    if kind is None:
        st.info("Choisissez le type de données du fichier.")
        return
    c1, c2, c3 = st.columns(3)
    annee = c1.number_input(
        "Millésime (si absent du fichier)",
        min_value=1990,
        max_value=2100,
        value=None,
        step=1,
        key="donnees_annee",
        placeholder="lu dans le fichier",
    )
    producteur = c2.text_input(
        "Producteur", value=dataset_type(kind).default_producer, key="donnees_producteur"
    )
    niveau = None
    if kind in ("caf_taux", "caf_places"):
        niveau = c3.selectbox(
            "Échelle (si absente du fichier)",
            NIVEAUX_CAF,
            index=None,
            key="donnees_niveau",
            placeholder="détectée d'après les colonnes",
        )
    drop_bad = False
    if kind in ("ctg", "ctg_avenants"):
        drop_bad = st.checkbox(
            "Importer sans les lignes dont un code signataire est inconnu",
            key="donnees_drop_bad_signatories",
            help="Par défaut, un code signataire qui n'est ni une commune ni un EPCI du "
            "référentiel fait refuser tout le fichier. Cochée, chaque ligne concernée est "
            "laissée de côté (et citée dans le rapport) et les autres sont importées.",
        )
    edition = None
    if kind in ("caf_taux", "taux_national"):
        edition = c3.selectbox(
            "Édition des taux (si absente du fichier)",
            EDITIONS,
            index=None,
            key="donnees_edition",
            format_func=lambda e: f"{e} : {EDITION_LABELS[e]}",
            placeholder=(
                "déduite du fichier (nom « _hist », nombre d'années)"
                if kind == "caf_taux"
                else "lue dans la colonne « edition » du fichier"
            ),
        )
    opts = ImportOptions(
        annee=int(annee) if annee else None,
        producteur=producteur or None,
        niveau=niveau,
        drop_bad_signatory_lines=drop_bad,
        edition=edition,
    )
    key = f"{_prepared_key(data, file_name, kind, opts)}|{drop_bad}"
    if st.session_state.get("donnees_prepared_key") != key:
        with st.spinner("Lecture et validation du fichier…"):
            st.session_state["donnees_prepared"] = prepare(kind, data, name=file_name, options=opts)
        st.session_state["donnees_prepared_key"] = key
    prepared: Prepared = st.session_state["donnees_prepared"]
    render_report(prepared)
    if not prepared.ok:
        return
    replace = st.radio(
        "Enregistrement",
        list(REPLACE_LABELS),
        key="donnees_replace",
        format_func=REPLACE_LABELS.__getitem__,
    )
    ws = cache.workspace()
    drop_demo = bool(st.session_state.get("donnees_drop_demo"))
    plan_key = (key, replace, drop_demo, ws.revision())
    if st.session_state.get("donnees_plan_key") != plan_key:
        st.session_state["donnees_plan"] = plan(ws, prepared, replace, drop_demo=drop_demo)
        st.session_state["donnees_plan_key"] = plan_key
    preview: CommitPlan = st.session_state["donnees_plan"]
    render_plan(preview)
    if drop_demo or any(c.demo_kept for c in preview.changes):
        st.checkbox(
            "Retirer aussi les données de démonstration de ce type et de cette échelle (toutes les "
            "années)",
            key="donnees_drop_demo",
        )
    st.text_input(
        "Votre nom (historique des versions)",
        key="donnees_auteur",
        placeholder=default_author(),
    )
    if st.button("Enregistrer dans l'espace de travail", type="primary", key="donnees_commit"):
        try:
            metas = commit(
                ws,
                prepared,
                replace,
                drop_demo=drop_demo,
                expected_revision=preview.revision,
                author=_author(),
            )
        except StoreError as exc:  # full disk, read-only or damaged workspace, or a stale preview
            st.session_state.pop("donnees_plan_key", None)
            st.error(md(exc), icon=":material/error:")
            return
        st.session_state.pop("donnees_prepared_key", None)
        st.session_state.pop("donnees_plan_key", None)
        version = ws.versions(kind)[0]
        st.session_state["donnees_last_commit"] = [_meta_label(m) for m in metas] + [
            f"version n° {version.id} (restauration possible dans « Jeux de données », section « Versions »)"
        ]
        st.rerun()


def plan_table(changes: tuple[Change, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Échelle et millésime": [scope_year_label(c) for c in changes],
            "Lignes ajoutées": [c.added for c in changes],
            "Remplacées": [c.replaced for c in changes],
            "Retirées": [c.removed for c in changes],
            "Territoires perdant un chiffre": [c.lost_count for c in changes],
            "Démonstration conservée": [c.demo_kept for c in changes],
        }
    )


def render_plan(preview: CommitPlan) -> None:
    """What the commit will change, before it happens: counts, then what will be removed."""
    changes = preview.changes
    st.markdown("**Ce que l'enregistrement va changer**")
    if not changes:
        st.caption("Rien ne change : le fichier ne contient aucune ligne à enregistrer.")
        return
    table(plan_table(changes), key="donnees_plan")
    losing = [c for c in changes if c.lost_count]
    if not losing:
        st.success(
            "Aucune donnée existante ne sera retirée ni vidée : seules les lignes du fichier sont "
            "ajoutées ou remplacées.",
            icon=":material/verified:",
        )
    for c in losing:
        with st.container(key=f"donnees_will_remove_{c.scope}_{c.millesime}"):
            st.warning(
                md(f"Va retirer ou vider — {scope_year_label(c)} : {lost_text(c)}."),
                icon=":material/warning:",
            )
            with st.expander(f"Liste complète ({fmt_number(c.lost_count)})"):
                shown = list(c.lost)
                st.dataframe(
                    pd.DataFrame({"Territoire ou élément": shown}),
                    hide_index=True,
                    width="stretch",
                )
                if c.lost_count > len(shown):
                    st.caption(f"{fmt_number(len(shown))} premiers affichés.")
    demo = sum(c.demo_kept for c in changes)
    if demo:
        st.info(
            f"{fmt_number(demo)} ligne(s) de {DEMO_LABEL} du même type restent à côté des lignes du "
            "fichier (elles restent signalées comme telles). Cochez la case ci-dessous pour les "
            "retirer aussi.",
            icon=":material/science:",
        )


def render_last_commit() -> None:
    done = st.session_state.pop("donnees_last_commit", None)
    if done:
        st.success(md("Import enregistré : " + " ; ".join(done)))
        warning = cache.workspace().disk_warning()
        if warning:
            st.warning(warning, icon=":material/storage:")


def render_report(prepared: Prepared) -> None:
    rep = prepared.report
    if prepared.ok:
        st.success(md(rep.summary()), icon=":material/check_circle:")
    else:
        st.error(md(rep.summary()), icon=":material/error:")
    if prepared.mapping:
        st.caption(
            "Colonnes reconnues : "
            + " · ".join(f"{md(h)} → {md(c)}" for h, c in prepared.mapping.items())
        )
    if rep.issues:
        frame = rep.as_frame()
        st.markdown(
            f"**Rapport de validation** — {len(rep.errors)} erreur(s), {len(rep.warnings)} "
            f"avertissement(s), {len(rep.notes)} note(s)"
        )
        table(  # line numbers as the messages write them (« 1234 »), never « 2.0 »
            frame,
            key="donnees_report",
            # the message before what was found and expected: visible at 1024 px
            column_order=["Gravité", "Ligne", "Colonne", "Message", "Trouvé", "Attendu"],
            column_config={"Message": st.column_config.TextColumn(width="large")},
        )
    if prepared.frame is not None:
        years = prepared.millesimes()
        st.markdown(
            f"**Aperçu** — {fmt_number(len(prepared.frame))} ligne(s)"
            + (f", millésime(s) {', '.join(map(str, years))}" if years else "")
        )
        table(prepared.frame.head(50), key="donnees_preview", exact=True)


def render_schemas() -> None:
    kinds = list(DATASET_TYPES)
    kind = st.selectbox("Type de données", kinds, format_func=kind_label, key="donnees_schema_kind")
    dtype = dataset_type(kind)
    st.markdown(f"**{dtype.label}**")
    st.text(dtype.description)
    st.caption(
        f"Clé (une ligne par) : {' + '.join(dtype.keys)}"
        + (f" · millésime lu dans « {dtype.year_column} »" if dtype.year_column else "")
    )
    st.dataframe(schema_frame(kind), hide_index=True, width="stretch", key="donnees_schema")
    if kind == "zones":
        auth.download_button(
            st,
            "Télécharger un exemple (GeoJSON)",
            example_geojson(),
            file_name="exemple_zones.geojson",
            mime="application/geo+json",
            key="donnees_example",
            export="donnees",
            on_click="ignore",
        )
    else:
        auth.download_button(
            st,
            "Télécharger un fichier d'exemple (CSV ;)",
            example_csv(kind),
            file_name=f"exemple_{kind}.csv",
            mime="text/csv",
            key="donnees_example",
            export="donnees",
            on_click="ignore",
        )
    st.caption(
        "Les en-têtes usuels des producteurs (data.caf.fr, INSEE, SID…) sont aussi reconnus ; "
        "l'import en ligne de commande est décrit dans docs/donnees.md."
    )


def sources_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Producteur": [s.producer for s in SOURCES],
            "Jeu de données": [s.title for s in SOURCES],
            "Année": [s.year for s in SOURCES],
            "Nature": [NATURE_LABELS[s.nature] for s in SOURCES],
            "Licence": [s.licence for s in SOURCES],
            "Fichiers": [", ".join(s.files) for s in SOURCES],
            "Via": [s.via for s in SOURCES],
            "Notes": [s.notes for s in SOURCES],
            "Lien": [s.url for s in SOURCES],
            "Crédit": [s.credit() for s in SOURCES],
        }
    )


def render_sources() -> None:
    st.markdown(
        "Toutes les données embarquées sont publiées sous Licence Ouverte / Etalab 2.0, sauf le jeu de "
        f"démonstration ({DEMO_LABEL}, fictives). Chaque figure de l'application cite sa source et son "
        "année."
    )
    st.dataframe(
        sources_table(),
        hide_index=True,
        width="stretch",
        key="donnees_sources",
        column_config={"Lien": st.column_config.LinkColumn("Lien")},
    )
