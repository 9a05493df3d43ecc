"""The single caching boundary of the app.

Core functions (geodata, datastore, diagnostics) are plain Python; this module wraps them
with `st.cache_data` / `st.cache_resource`, with bounds. Cached objects are never mutated:
`st.cache_data` hands out copies, and `st.cache_resource` only holds read-only objects
(the search index, the workspace handle).
"""

from __future__ import annotations

import streamlit as st

from datastore.store import Dataset, Workspace
from diagnostics import filoue
from geodata import reference
from geodata.territory import Geography, SearchIndex


@st.cache_resource(show_spinner="Préparation de l'espace de travail…")
def workspace() -> Workspace:
    """The workspace, filled with the embedded default data on first start."""
    ws = Workspace()
    try:
        from datastore.defaults import ensure_defaults
    except ImportError:  # defaults not built yet in this checkout
        return ws
    ensure_defaults(ws)
    return ws


@st.cache_data(show_spinner=False, max_entries=1)
def geography() -> Geography:
    return reference.load_geography()


@st.cache_resource(show_spinner=False)
def search_index() -> SearchIndex:
    return SearchIndex(geography())


@st.cache_data(show_spinner=False, max_entries=64)
def _dataset(kind: str, revision: int) -> Dataset:  # noqa: ARG001 - Streamlit cache key
    return workspace().read(kind)


@st.cache_data(show_spinner=False, max_entries=4)
def _rates(revision: int) -> Dataset:
    from datastore.national import NATIONAL_KIND, with_national

    return with_national(_dataset("caf_taux", revision), _dataset(NATIONAL_KIND, revision))


def dataset(kind: str) -> Dataset:
    """All rows of a dataset type, cached until the workspace changes. The CNAF rates
    (`caf_taux`) come with the published national series as their « france » level
    (datastore.national)."""
    if kind == "caf_taux":
        return _rates(workspace().revision())
    return _dataset(kind, workspace().revision())


@st.cache_data(show_spinner=False, max_entries=16)
def _dataset_year(kind: str, year: int, revision: int) -> Dataset:  # noqa: ARG001 - Streamlit cache key
    return workspace().read(kind, millesime=year)


def dataset_year(kind: str, year: int) -> Dataset:
    """One millésime of a dataset type (e.g. the children of one year, not the 2008-2024
    births series), cached until the workspace changes."""
    return _dataset_year(kind, int(year), workspace().revision())


def revision() -> int:
    return workspace().revision()


# ----------------------------------------------------------------------------- Filoué


@st.cache_data(show_spinner="Agrégation de l'extrait Filoué…", max_entries=2)
def filoue_prepared(annee: int, revision: int) -> filoue.FilouePrepared:  # noqa: ARG001 - Streamlit cache key
    """Per-EAJE aggregation of one year of the Filoué extract (once per extract and year)."""
    return filoue.prepare(workspace().read("filoue").frame, annee)


@st.cache_data(show_spinner="Secret statistique et audit…", max_entries=64)
def filoue_commune_view(
    annee: int, code_insee: str, threshold: int, revision: int
) -> filoue.CommuneView:
    """Protected figures of one commune: suppression, then the audit of every hidden count
    (diagnostics.secrecy_audit) until each interval is wide enough. Cached per commune and
    threshold: a user switching back and forth pays the audit once, and raising the
    threshold by one reuses the (cached) protection at the threshold below."""
    from diagnostics.secrecy import DEFAULT_THRESHOLD

    previous = None
    if threshold > DEFAULT_THRESHOLD:
        previous = filoue_commune_view(annee, code_insee, threshold - 1, revision)
    return filoue.commune_view(filoue_prepared(annee, revision), code_insee, threshold, previous)
