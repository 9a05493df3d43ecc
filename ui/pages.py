"""The page list, declared once: `app.py` builds its navigation from it and the AppTest smoke
test runs every page of it (tests/apptest/test_app_smoke.py).

Each page declares the role it requires (`role`, datastore.accounts.Role); `ui.auth.gate`
checks it on the server before the page runs. A page declared without a role is refused to
everyone and fails tests/apptest/test_security.py until it gets one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NoReturn

import streamlit as st

from datastore.accounts import Role


@dataclass(frozen=True)
class PageSpec:
    section: str  # navigation group, in French
    file: str  # script under app_pages/
    title: str  # French
    icon: str  # Material icon (served by Streamlit, no CDN)
    url_path: str
    default: bool = False
    role: Role | None = None  # required role, checked by ui.auth.gate (None: refused)

    @property
    def path(self) -> str:
        return f"app_pages/{self.file}"


LECTURE, FILOUE, ADMIN = Role.LECTURE, Role.FILOUE, Role.ADMIN

PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "Territoire", "territoire.py", "Territoire", ":material/map:", "territoire", True, LECTURE
    ),
    PageSpec(
        "Territoire",
        "couverture.py",
        "Taux de couverture",
        ":material/child_care:",
        "couverture",
        role=LECTURE,
    ),
    PageSpec(
        "Territoire",
        "ao_ctg.py",
        "Compétences AO et CTG",
        ":material/account_balance:",
        "ao-ctg",
        role=LECTURE,
    ),
    PageSpec(
        "Territoire",
        "zones.py",
        "Zones sous-dotées",
        ":material/crisis_alert:",
        "zones",
        role=LECTURE,
    ),
    PageSpec(
        "Territoire",
        "sdsf.py",
        "Schéma départemental (SDSF)",
        ":material/account_tree:",
        "sdsf",
        role=LECTURE,
    ),
    PageSpec(
        "Restitutions",
        "prediagnostic.py",
        "Pré-diagnostic CTG",
        ":material/description:",
        "prediagnostic",
        role=LECTURE,
    ),
    PageSpec(
        "Restitutions",
        "atelier.py",
        "Vue atelier (élus)",
        ":material/co_present:",
        "atelier",
        role=LECTURE,
    ),
    PageSpec(
        "Restitutions",
        "filoue.py",
        "Profils Filoué",
        ":material/groups:",
        "filoue",
        role=FILOUE,
    ),
    PageSpec(
        "Données",
        "donnees.py",
        "Données et sources",
        ":material/database:",
        "donnees",
        role=LECTURE,
    ),
    PageSpec(
        "Données",
        "administration.py",
        "Administration",
        ":material/admin_panel_settings:",
        "administration",
        role=ADMIN,
    ),
)

#: Pages that draw live maps (ui.maps): app.py sends them ui.maps.preload_map_code first.
WITH_MAPS = frozenset(
    {"territoire", "couverture", "ao-ctg", "zones", "sdsf", "prediagnostic", "atelier", "filoue"}
)


#: Pages whose sidebar territory picker is drawn AFTER the page (issue 15): the Territoire page
#: runs in 0,2–0,4 s on the server, and its map reaches the browser sooner when it is sent
#: before the picker's widgets (bench/README.md, « Carte contre son plancher »). Every other
#: page draws the picker first: on a long page (SDSF of the Nord, a pre-diagnostic) the user
#: would otherwise wait seconds with no way to change territory.
PICKER_AFTER = frozenset({"territoire"})

#: Pages that, on the first run of a browser session, send their map before the rest of the
#: page, which comes with the next run, requested by the map once painted (`map_first`).
MAP_FIRST = frozenset({"territoire"})

_RUNS_KEY = "_diag_full_runs"


def count_run() -> None:
    """Count the full runs of the session (app.py, at the start of every run; a fragment's
    rerun does not run app.py and is not counted)."""
    st.session_state[_RUNS_KEY] = int(st.session_state.get(_RUNS_KEY, 0)) + 1


def map_first(url_path: str) -> bool:
    """Whether this run sends only the page's map (with the page's title and the sidebar),
    the rest of the page coming with the next run (issue 15, bench/README.md « La carte
    d'abord »).

    On the first run of a browser session, the browser loads lazily the code of every type of
    element it is sent (selectors, layer buttons, metrics, text inputs: 30 to 40 small
    JavaScript files served by the same Python server) and renders them on the same thread as
    the map: sent together, they delay the map by a third (Rhône, quiet machine). So the first
    run of a MAP_FIRST page sends its map alone, the map asks for a rerun as soon as it is
    painted (or failed to load), and that rerun draws the whole page, the map kept as it is.
    Every later run draws the whole page at once: the element code is loaded by then. Any
    other interaction also brings the whole page, so a map that never reports cannot hold
    the page back.

    Only with a browser: under `streamlit.testing` (no HTTP request, hence no headers) no
    component runs, nothing would ask for the rerun, and the whole page is drawn at once.
    app.py leaves the sidebar's territory picker for the next run too, and draws
    `rest_of_page_fallback`."""
    if url_path not in MAP_FIRST or int(st.session_state.get(_RUNS_KEY, 0)) != 1:
        return False
    return has_browser()


def has_browser() -> bool:
    """Whether the session is a browser's (its HTTP request had headers; none under
    `streamlit.testing`, where components never run)."""
    return bool(st.context.headers)


#: Seconds after which a page whose map was sent alone (map_first) is drawn whole even if the
#: map never reported its paint (its code failed to load, a browser error). Longer than a
#: first paint of France by commune on a quiet machine (5 to 7 s, bench/README.md); on a
#: slower machine the whole page may come before the map is painted: only the order of
#: arrival changes, never what is shown.
MAP_FIRST_FALLBACK_SECONDS = 8
_FALLBACK_KEY = "_diag_map_first_fallback"


@st.fragment(run_every=MAP_FIRST_FALLBACK_SECONDS)
def rest_of_page_fallback() -> None:
    """Drawn (invisible) on a run where the map was sent alone: its first timed rerun, if the
    map has not brought the whole page meanwhile, reruns the app, which draws it. The full
    run that draws the whole page stops the timer (Streamlit cancels a fragment's timed
    reruns at every full run)."""
    if st.session_state.get(_FALLBACK_KEY):
        st.rerun()
    st.session_state[_FALLBACK_KEY] = True


def page_of(url_path: str) -> PageSpec:
    """The page st.navigation runs for a URL path ('' is the default page)."""
    if not url_path:
        return next(p for p in PAGES if p.default)
    return page(url_path)


def page(url_path: str) -> PageSpec:
    """The page of a URL path (KeyError when none)."""
    for p in PAGES:
        if p.url_path == url_path:
            return p
    raise KeyError(url_path)


def navigation(grants: frozenset[Role] | None = None) -> dict[str, list[st.Page]]:
    """`st.navigation`'s argument: the pages grouped by section, in declaration order. With
    `grants` (sign-in on), a page the user may not open is hidden from the menu (still
    routed, so that its URL gets ui.auth.gate's refusal rather than another page)."""
    out: dict[str, list[st.Page]] = {}
    for p in PAGES:
        hidden = grants is not None and (p.role is None or p.role not in grants)
        out.setdefault(p.section, []).append(
            st.Page(
                p.path,
                title=p.title,
                icon=p.icon,
                url_path=p.url_path,
                default=p.default,
                visibility="hidden" if hidden else "visible",
            )
        )
    return out


class PageStop(BaseException):
    """Raised by `stop`. A BaseException, as Streamlit's own: an `except Exception` of a page
    does not swallow it."""


def stop() -> NoReturn:
    """End the page's script here, instead of `st.stop()`: app.py draws the shared territory
    picker after the page (`then_draw`), and after `st.stop()` nothing more can be drawn."""
    raise PageStop


@contextmanager
def then_draw(draw: Callable[[], object], *, after: bool = True) -> Iterator[None]:
    """Run the page in the `with` block with `draw` (the shared territory picker, into a
    container of the sidebar placed before the page): before the page, or with `after`, once
    the page ends, ends early (`stop`) or fails (then its error is shown as before). Not after
    `st.stop()` or `st.rerun()` (Streamlit's BaseExceptions): a rerun draws everything again,
    a stopped script can draw nothing more."""
    if not after:
        draw()
    try:
        yield
    except PageStop:
        pass
    except Exception:
        if after:
            draw()
        raise
    if after:
        draw()
