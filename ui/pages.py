"""The page list, declared once: `app.py` builds its navigation from it and the AppTest smoke
test runs every page of it (tests/apptest/test_app_smoke.py)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class PageSpec:
    section: str  # navigation group, in French
    file: str  # script under app_pages/
    title: str  # French
    icon: str  # Material icon (served by Streamlit, no CDN)
    url_path: str
    default: bool = False

    @property
    def path(self) -> str:
        return f"app_pages/{self.file}"


PAGES: tuple[PageSpec, ...] = (
    PageSpec("Territoire", "territoire.py", "Territoire", ":material/map:", "territoire", True),
    PageSpec(
        "Territoire", "couverture.py", "Taux de couverture", ":material/child_care:", "couverture"
    ),
    PageSpec(
        "Territoire", "ao_ctg.py", "Compétences AO et CTG", ":material/account_balance:", "ao-ctg"
    ),
    PageSpec("Territoire", "zones.py", "Zones sous-dotées", ":material/crisis_alert:", "zones"),
    PageSpec(
        "Territoire",
        "sdsf.py",
        "Schéma départemental (SDSF)",
        ":material/account_tree:",
        "sdsf",
    ),
    PageSpec(
        "Restitutions",
        "prediagnostic.py",
        "Pré-diagnostic CTG",
        ":material/description:",
        "prediagnostic",
    ),
    PageSpec(
        "Restitutions", "atelier.py", "Vue atelier (élus)", ":material/co_present:", "atelier"
    ),
    PageSpec("Restitutions", "filoue.py", "Profils Filoué", ":material/groups:", "filoue"),
    PageSpec("Données", "donnees.py", "Données et sources", ":material/database:", "donnees"),
)


def page(url_path: str) -> PageSpec:
    """The page of a URL path (KeyError when none)."""
    for p in PAGES:
        if p.url_path == url_path:
            return p
    raise KeyError(url_path)


def navigation() -> dict[str, list[st.Page]]:
    """`st.navigation`'s argument: the pages grouped by section, in declaration order."""
    out: dict[str, list[st.Page]] = {}
    for p in PAGES:
        out.setdefault(p.section, []).append(
            st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=p.default)
        )
    return out
