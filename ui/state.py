"""The shared territory picker (sidebar) and the selected territory.

The selection lives in `st.session_state["territory_key"]` (one key, no sprawl) and is
mirrored in the URL query parameters `niveau` and `code`, so a copied link reopens the
same territory on the same page.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from geodata.territory import (
    FRANCE,
    LEVEL_LABELS,
    Level,
    Territory,
    from_query_params,
    make_territory,
    parents,
    to_query_params,
)
from ui import cache

_KEY = "territory_key"
_REFERENCE_DATE = "reference_date"


def reference_date() -> date:
    """The reference date the AO statuses and holders are read at (set on the AO page,
    shared with the zones page; default: today)."""
    return st.session_state.get(_REFERENCE_DATE, date.today())


def set_reference_date(value: date) -> None:
    st.session_state[_REFERENCE_DATE] = value


def _from_key(key: str) -> Territory:
    level, _, code = key.partition(":")
    try:
        return make_territory(cache.geography(), Level(level), code)
    except (KeyError, ValueError):
        return FRANCE


def current_territory() -> Territory:
    """The selected territory (from session, else from the URL, else France)."""
    if _KEY not in st.session_state:
        t = from_query_params(cache.geography(), dict(st.query_params))
        st.session_state[_KEY] = t.key
    return _from_key(st.session_state[_KEY])


def select_territory(territory: Territory, rerun: bool = True) -> None:
    """Make `territory` the selection (e.g. after a click on the map)."""
    if st.session_state.get(_KEY) == territory.key:
        return
    st.session_state[_KEY] = territory.key
    _sync_url(territory)
    if rerun:
        st.rerun()


def _sync_url(territory: Territory) -> None:
    wanted = to_query_params(territory)
    for k in ("niveau", "code"):
        if k not in wanted and k in st.query_params:
            del st.query_params[k]
    for k, v in wanted.items():
        if st.query_params.get(k) != v:
            st.query_params[k] = v


def _pick_from_search() -> None:
    key = st.session_state.get("territory_hits")
    if key:
        st.session_state[_KEY] = key
        st.session_state["territory_query"] = ""
        st.session_state["territory_hits"] = None


def _pick_key(key: str) -> None:
    st.session_state[_KEY] = key


def render_sidebar() -> Territory:
    """Draw the territory picker in the sidebar and return the selection."""
    territory = current_territory()
    _sync_url(territory)
    with st.sidebar:
        st.markdown("#### Territoire")
        # Plain markdown + caption: no HTML, so pages do not load Streamlit's raw-HTML
        # markdown plugin (about 190 kB of JS) just for the sidebar.
        st.markdown(f"**{territory.label}**")
        st.caption(LEVEL_LABELS[territory.level])
        query = st.text_input(
            "Rechercher un territoire",
            key="territory_query",
            placeholder="Nom ou code : Saint-Étienne, 69123, 2A, 200046977…",
            help="Région, département, EPCI ou commune ; sans tenir compte des accents ni des majuscules.",
        )
        if query.strip():
            hits = cache.search_index().search(query, limit=15)
            if not hits:
                st.caption("Aucun territoire ne correspond.")
            else:
                labels = {h.territory.key: f"{h.territory.label} — {h.detail}" for h in hits}
                st.radio(
                    "Résultats",
                    list(labels),
                    index=None,
                    key="territory_hits",
                    format_func=labels.__getitem__,
                    on_change=_pick_from_search,
                    label_visibility="collapsed",
                )
        ups = parents(cache.geography(), territory)
        if ups:
            st.caption("Remonter à :")
            for up in ups:
                st.button(
                    up.label,
                    key=f"up_{up.key}",
                    width="stretch",
                    on_click=_pick_key,
                    args=(up.key,),
                )
    return territory
