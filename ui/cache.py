"""The single caching boundary of the app.

Core functions (geodata, datastore, diagnostics) are plain Python; this module wraps them
with `st.cache_data` / `st.cache_resource`, with bounds. Cached objects are never mutated:
`st.cache_data` hands out copies, and `st.cache_resource` only holds read-only objects
(the search index, the workspace handle).
"""

from __future__ import annotations

import streamlit as st

from datastore.store import Dataset, Workspace
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


def dataset(kind: str) -> Dataset:
    """All rows of a dataset type, cached until the workspace changes."""
    return _dataset(kind, workspace().revision())


def revision() -> int:
    return workspace().revision()
