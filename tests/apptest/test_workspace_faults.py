"""A damaged or empty workspace: the app shows a French message without paths, no traceback."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from datastore.store import DB_NAME
from tests.apptest.helpers import APP

pytestmark = pytest.mark.apptest


@pytest.fixture
def broken_workspace(tmp_path, monkeypatch):
    from ui import cache

    root = tmp_path / "ws"
    root.mkdir()
    monkeypatch.setenv("DIAG_WORKSPACE_DIR", str(root))
    cache.workspace.clear()
    yield root
    cache.workspace.clear()


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"garbage " * 2000, "endommagé"), (b"", "vide (0 octet)")],
    ids=["garbage", "empty"],
)
def test_app_reports_workspace_fault(broken_workspace, content, expected):
    (broken_workspace / DB_NAME).write_bytes(content)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value.replace("\\", "").replace("\u2060", "") for e in at.error]  # md-escaped
    assert any(expected in e for e in errors), errors
    assert all(str(broken_workspace) not in e for e in errors)
    assert (broken_workspace / DB_NAME).read_bytes() == content  # never refilled
