"""Shared test set-up.

Every test session works in its own temporary workspace (DIAG_WORKSPACE_DIR), never in the
developer's ./workspace. The workspace is set before any app module creates one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"

_SESSION_WS = Path(tempfile.mkdtemp(prefix="diag-ws-"))
os.environ.setdefault("DIAG_WORKSPACE_DIR", str(_SESSION_WS))


@pytest.fixture(scope="session")
def workspace_dir() -> Path:
    return Path(os.environ["DIAG_WORKSPACE_DIR"])


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
