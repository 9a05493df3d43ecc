"""Deployment settings, read the same way by the app and the command line (no Streamlit here).

Each setting `name` comes from the environment variable `DIAG_<NAME>` when set (even empty),
else from `name` under `[diag]` in `.streamlit/secrets.toml`, else its default:

- `database_url`: PostgreSQL workspace (`postgresql://user:password@host:5432/base`); unset:
  the embedded SQLite workspace (DIAG_WORKSPACE_DIR);
- `auth`: sign-in: empty (default: single user, open), `comptes` (local accounts), `oidc`
  (Streamlit's `st.login` with the `[auth]` section of secrets.toml), or `comptes,oidc`;
- `session_hours`: a session's lifetime after sign-in (default 8 hours);
- `oidc_provider`: the provider's name when `[auth]` declares several (`[auth.NAME]`);
- `login_attempts`, `login_address_attempts`, `login_lock_minutes`: sign-in throttling of the
  local accounts (5 refused passwords per account, 20 per address, 15 minutes; see
  datastore.accounts.sign_in).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRETS = ROOT / ".streamlit" / "secrets.toml"


def secrets() -> dict:
    try:
        with SECRETS.open("rb") as f:
            return tomllib.load(f)
    except (OSError, ValueError):
        return {}


def setting(name: str, default: str = "") -> str:
    env = os.environ.get(f"DIAG_{name.upper()}")
    if env is not None:
        return env
    value = secrets().get("diag", {}).get(name)
    return default if value is None else str(value)
