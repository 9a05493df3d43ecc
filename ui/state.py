"""The shared territory picker (sidebar) and the selected territory.

The selection lives in `st.session_state["territory_key"]` (one key, no sprawl) and is
mirrored in the URL query parameters `niveau` and `code`, so a copied link reopens the
same territory on the same page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TypeVar

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from geodata.territory import (
    ARRONDISSEMENT_PARENT,
    FRANCE,
    LEVEL_LABELS,
    Level,
    Territory,
    is_arrondissement,
    make_territory,
    parents,
    resolve_query_params,
    to_query_params,
)
from ui import cache

T = TypeVar("T")

_KEY = "territory_key"
_NOTICE = "territory_url_notice"
#: Pages that have data for a Paris/Lyon/Marseille arrondissement (CNAF commune files).
ARRONDISSEMENT_PAGES = frozenset({"couverture", "donnees"})
_REFERENCE_DATE = "reference_date"
_TARGET = "target_rate"
#: Target coverage rate when no national rate is imported (places for 100 children).
FALLBACK_TARGET = 60.0


def reference_date() -> date:
    """The reference date the AO statuses and holders are read at (set on the AO page,
    shared with the zones page; default: today)."""
    return st.session_state.get(_REFERENCE_DATE, date.today())


def set_reference_date(value: date) -> None:
    st.session_state[_REFERENCE_DATE] = value


def default_target_rate() -> float:
    """The default target coverage rate, the same on every page: the latest published national
    rate as the Cnaf publishes it (one decimal, e.g. 58,8), else 60."""
    _year, rate = cache.latest_national_rate()
    return round(rate, 1) if rate == rate else FALLBACK_TARGET


def target_rate() -> float:
    """The session's target coverage rate, shared by all pages (coverage, zones, trajectory):
    the last one typed on any page, else `default_target_rate`."""
    return float(st.session_state.get(_TARGET, default_target_rate()))


def _keep_target(widget_key: str) -> None:
    st.session_state[_TARGET] = float(st.session_state[widget_key])


def target_input(where, label: str, key: str, help: str | None = None) -> float:
    """A number input of the shared target rate (`target_rate`) and, next to it, its French
    read-out (Streamlit's number inputs write « 58.8 »): « 58,8 places pour 100 enfants (taux
    national 2023) ». Typing on one page changes the target of every page."""
    from diagnostics.formatting import fmt_rate

    value = where.number_input(
        label,
        min_value=1.0,
        max_value=200.0,
        value=target_rate(),
        step=0.1,
        format="%.1f",
        key=key,
        help=help,
        on_change=_keep_target,
        args=(key,),
    )
    year, national = cache.latest_national_rate()
    if national == national and round(float(value), 1) == round(national, 1):
        origin = f"taux national {year} publié par la Cnaf"
    elif national == national:
        origin = f"taux national {year} : {fmt_rate(national)}"
    else:
        origin = "taux national non importé"
    where.caption(f"Cible : {fmt_rate(value)} places pour 100 enfants ({origin}).")
    return float(value)


def widget_value(key: str, options: Sequence[T], default: T) -> T:
    """The value a selectbox of `options` created with `key` and `default` will return in
    this run, read before the widget is drawn (as Streamlit does: the session's value when it
    is one of `options`, else the default). Lets a page send an element that depends on it
    (a map) before the widget, which is drawn afterwards in a container placed above."""
    value = st.session_state.get(key, default)
    return next((o for o in options if o == value), default)


def _from_key(key: str) -> Territory:
    level, _, code = key.partition(":")
    try:
        return make_territory(cache.geography(), Level(level), code)
    except (KeyError, ValueError):
        return FRANCE


def current_territory() -> Territory:
    """The selected territory (from session, else from the URL, else France)."""
    if _KEY not in st.session_state:
        t, notice = resolve_query_params(cache.geography(), dict(st.query_params))
        st.session_state[_KEY] = t.key
        if notice:
            st.session_state[_NOTICE] = (t.key, notice)
    return _from_key(st.session_state[_KEY])


def url_notice() -> str | None:
    """The French notice about a link naming an unknown territory, while the user has not
    picked another one."""
    item = st.session_state.get(_NOTICE)
    if item and item[0] == st.session_state.get(_KEY):
        return str(item[1])
    return None


def arrondissement_gate(page: str) -> bool:
    """True when `page` can show the selected territory. An arrondissement on a page whose
    data are by commune gets a notice and the choice (its city, or the coverage page): never a
    silent switch."""
    territory = current_territory()
    if not is_arrondissement(territory) or page in ARRONDISSEMENT_PAGES:
        return True
    city = make_territory(cache.geography(), Level.COMMUNE, ARRONDISSEMENT_PARENT[territory.code])
    st.warning(
        f"{territory.label} est un arrondissement municipal. La Cnaf publie ses taux de couverture "
        "par arrondissement (page « Taux de couverture ») ; les données de cette page sont par "
        f"commune : ouvrez-la pour {city.label}, ou choisissez un autre territoire.",
        icon=":material/info:",
    )
    c1, c2 = st.columns(2)
    c1.button(
        f"Ouvrir cette page pour {city.label}",
        key="arrondissement_city",
        on_click=_pick_key,
        args=(city.key,),
    )
    c2.page_link("app_pages/couverture.py", label=f"Taux de couverture de {territory.label}")
    return False


def select_territory(territory: Territory, rerun: bool = True) -> None:
    """Make `territory` the selection (e.g. after a click on the map)."""
    if st.session_state.get(_KEY) == territory.key:
        return
    st.session_state[_KEY] = territory.key
    _sync_url(territory)
    if rerun:
        st.rerun()


def select_clicked(level: Level, code: str | None, current: Territory) -> None:
    """Select the territory clicked on a map drawn at `level` (as on the Territoire page); a
    click on the current territory, an overlay or nothing changes nothing."""
    if not code or (level is current.level and code == current.code):
        return
    try:
        picked = make_territory(cache.geography(), level, code)
    except (KeyError, ValueError):
        return
    select_territory(picked)


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


def show_url_notice() -> None:
    """Mirror the selection in the URL and, at the top of the page, tell about a link naming
    an unknown territory (before the page: app.py draws the picker after it)."""
    _sync_url(current_territory())
    notice = url_notice()
    if notice:
        st.warning(notice, icon=":material/link_off:")


def render_sidebar(where: DeltaGenerator | None = None) -> Territory:
    """Draw the territory picker in the sidebar (in `where`, a container of the sidebar,
    when given) and return the selection."""
    territory = current_territory()
    with where if where is not None else st.sidebar:
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


# ----------------------------------------------------------------------- map overlays
_OVERLAYS = "map_overlays"
_ZONING = "map_zoning"
OVERLAY_PARAM = "couches"
ZONING_PARAM = "zonage"


def overlay_keys() -> tuple[str, ...]:
    """The overlays that are on (analyses.overlays.OVERLAY_KEYS), shared by every map of the
    session; read from the URL (`couches=ao,zones`) the first time."""
    from analyses.overlays import OVERLAY_KEYS

    if _OVERLAYS not in st.session_state:
        raw = str(st.query_params.get(OVERLAY_PARAM, ""))
        wanted = {k.strip() for k in raw.split(",")}
        st.session_state[_OVERLAYS] = tuple(k for k in OVERLAY_KEYS if k in wanted)
        if ZONING_PARAM in st.query_params:
            st.session_state[_ZONING] = str(st.query_params[ZONING_PARAM])
    return tuple(st.session_state[_OVERLAYS])


def set_overlay_keys(keys) -> None:
    from analyses.overlays import OVERLAY_KEYS

    st.session_state[_OVERLAYS] = tuple(k for k in OVERLAY_KEYS if k in set(keys))
    sync_overlay_url()


def zoning_choice() -> str | None:
    """Name of the zoning drawn by the zones overlay (None: the default one)."""
    overlay_keys()
    value = st.session_state.get(_ZONING)
    return str(value) if value else None


def set_zoning_choice(name: str | None) -> None:
    st.session_state[_ZONING] = name
    sync_overlay_url()


def sync_overlay_url() -> None:
    """Mirror the overlay choice in the URL (a copied link reopens the same layers)."""
    keys = overlay_keys()
    wanted = {OVERLAY_PARAM: ",".join(keys)} if keys else {}
    zoning = st.session_state.get(_ZONING)
    if keys and zoning:
        wanted[ZONING_PARAM] = str(zoning)
    for k in (OVERLAY_PARAM, ZONING_PARAM):
        if k not in wanted and k in st.query_params:
            del st.query_params[k]
    for k, v in wanted.items():
        if st.query_params.get(k) != v:
            st.query_params[k] = v
