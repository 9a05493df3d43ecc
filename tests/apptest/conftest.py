"""Fixtures of the AppTests."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest


@pytest.fixture
def private_workspace(tmp_path):
    """A copy of the session workspace for one test that writes (the editors' saves), which
    other tests of the shared workspace read (`pytest.mark.usefixtures("private_workspace")`).
    The Streamlit caches are cleared on the way in and out (their keys are revisions, which
    the two workspaces share)."""
    import streamlit as st

    from datastore.defaults import ensure_defaults
    from datastore.store import DB_NAME, ENV_VAR, Workspace
    from ui import cache

    shared = Path(os.environ[ENV_VAR])
    ensure_defaults(Workspace())
    root = tmp_path / "ws"
    root.mkdir()
    src, dst = sqlite3.connect(shared / DB_NAME), sqlite3.connect(root / DB_NAME)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    mp = pytest.MonkeyPatch()
    mp.setenv(ENV_VAR, str(root))
    cache.workspace.clear()
    st.cache_data.clear()
    try:
        yield root
    finally:
        mp.undo()
        cache.workspace.clear()
        st.cache_data.clear()
