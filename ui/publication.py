"""Streamlit glue of drafts and published versions (diagnostics.publication): the status of a
draft, the « Publier » button, and the drafts a user may pick for a watermarked preview."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import streamlit as st

from diagnostics import publication as pub
from ui import cache
from ui.text import md


def published(kind: str, territory_key: str) -> Mapping | None:
    """The published version of `territory_key` (None when none)."""
    doc = cache.workspace().document(
        pub.published_kind(kind), pub.publication_name(kind, territory_key)
    )
    return doc if isinstance(doc, Mapping) else None


def status(kind: str, version: str, territory_key: str, payload: Mapping) -> pub.Status:
    return pub.draft_status(version, payload, published(kind, territory_key))


def _publish(kind: str, version: str, territory_key: str, payload: Mapping) -> None:
    cache.workspace().save_document(*pub.publish(kind, version, territory_key, payload))
    st.session_state["publication_notice"] = (
        f"{pub.KIND_LABELS[kind].capitalize()} « {version} » publié(e) : c'est désormais la "
        "version reprise par le pré-diagnostic, le lot, le bilan et la vue atelier pour ce "
        "territoire."
    )


def _withdraw(kind: str, territory_key: str) -> None:
    cache.workspace().delete_document(
        pub.published_kind(kind), pub.publication_name(kind, territory_key)
    )
    st.session_state["publication_notice"] = (
        f"Publication retirée : aucun(e) {pub.KIND_LABELS[kind]} n'est plus repris(e) dans les "
        "documents officiels de ce territoire."
    )


def publish_controls(
    kind: str, version: str, territory_key: str, payload: Mapping, key: str
) -> pub.Status:
    """The status of the draft `version`, a button that publishes it (as the one version of
    its territory) and one that withdraws the territory's publication."""
    s = status(kind, version, territory_key, payload)
    notice = st.session_state.pop("publication_notice", None)
    if notice:
        st.success(md(notice))
    what = pub.KIND_LABELS[kind]
    if s.published_version:
        st.caption(
            f"Version publiée pour ce territoire : « {md(s.published_version)} », le "
            f"{pub.date_fr(s.published_at)}. Les documents officiels (PDF, lot, bilan, vue "
            "atelier) ne reprennent que cette version."
        )
    else:
        st.caption(
            f"Aucun(e) {what} publié(e) pour ce territoire : les documents officiels n'en "
            "reprennent aucun(e). Un brouillon n'y apparaît que choisi pour un aperçu, avec la "
            f"mention « {pub.WATERMARK} »."
        )
    c1, c2 = st.columns(2)
    c1.button(
        "Publier cette version" if not s.published else "Publier à nouveau (modifiée)",
        key=f"{key}_publish",
        on_click=_publish,
        args=(kind, version, territory_key, dict(payload)),
        disabled=s.published and not s.changed,
        help=f"Fait de ce(tte) {what} la version reprise dans les documents officiels de ce "
        "territoire (remplace la version publiée précédente).",
        width="stretch",
    )
    c2.button(
        "Retirer la publication",
        key=f"{key}_withdraw",
        on_click=_withdraw,
        args=(kind, territory_key),
        disabled=not s.published_version,
        width="stretch",
    )
    return s


def draft_previews(subject_key: str, communes: Iterable[str], key: str) -> tuple[pub.Preview, ...]:
    """A picker of drafts for a preview of an output: the zonings that touch the subject's
    communes and the trajectories of the subject; none by default (the official output)."""
    ws = cache.workspace()
    codes = set(communes)
    options: dict[str, pub.Preview] = {}
    for kind in (pub.ZONING, pub.TRAJECTORY):
        for name, doc in sorted(ws.documents(kind).items()):
            if not isinstance(doc, Mapping):
                continue
            territory = str(doc.get(pub.TERRITORY, ""))
            touches = (
                bool(codes & {str(c) for c in doc.get("communes", [])})
                if kind == pub.ZONING
                else territory == subject_key
            )
            if touches:
                label = f"{pub.KIND_LABELS[kind].capitalize()} « {name} » ({territory})"
                options[label] = pub.Preview(kind, name, territory, doc)
    if not options:
        return ()
    picked = st.multiselect(
        "Aperçu avec un brouillon (facultatif)",
        list(options),
        key=key,
        help="Le document produit porte alors la mention « "
        + pub.WATERMARK
        + " » sur chaque page ; sans choix, seules les versions publiées sont reprises.",
        placeholder="Aucun : versions publiées seulement",
    )
    return tuple(options[p] for p in picked)
