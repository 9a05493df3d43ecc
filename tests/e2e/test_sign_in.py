"""Sign-in through an identity provider (Streamlit's `st.login`, OIDC) in a real browser, with
the local provider of tests/oidc_provider.py (no network), and local accounts (issue 20)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from bench.server import Server
from datastore import accounts
from datastore.accounts import Role
from datastore.store import Workspace
from tests.e2e.conftest import local_context, server_log_tail, wait_for_app
from tests.oidc_provider import Provider

pytestmark = pytest.mark.e2e

SEARCH = 'input[aria-label="Rechercher un territoire"]'


def _secrets(path: Path, port: int, provider: Provider) -> Path:
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        f'client_id = "{provider.client_id}"\n'
        f'client_secret = "{provider.client_secret}"\n'
        f'server_metadata_url = "{provider.metadata_url}"\n',
        encoding="utf-8",
    )
    return path


def test_oidc_sign_in_with_a_local_provider(browser, tmp_path: Path) -> None:
    provider = Provider("diag-test", "secret-de-test", "marie@caf.test", "Marie Test").start()
    ws_dir = tmp_path / "ws"
    ws = Workspace(ws_dir)
    accounts.save_account(
        ws, "marie@caf.test", roles=frozenset({Role.LECTURE}), name="Marie Test", actor="test"
    )
    server = Server(prefix="diag-oidc", workspace=str(ws_dir), env={"DIAG_AUTH": "oidc"})
    server.extra_args = [
        "--secrets.files",
        str(_secrets(tmp_path / "secrets.toml", server.port, provider)),
    ]
    server.start()
    context, blocked = local_context(browser, server.url, provider.url)
    try:
        server.wait_healthy()
        page = context.new_page()
        page.set_default_timeout(180_000)
        page.goto(server.url + "/couverture")
        page.get_by_role("heading", name="Connexion").wait_for()
        assert page.locator(SEARCH).count() == 0  # signed out: nothing but the sign-in page
        page.get_by_role("button", name="Se connecter avec le compte de l'organisme").click()
        page.wait_for_selector(SEARCH, timeout=240_000)  # back in the app, signed in
        wait_for_app(page)
        assert page.get_by_text("Connecté : Marie Test").count() == 1
        assert provider.tokens_issued == 1
        assert blocked == []
        log = accounts.audit_frame(Workspace(ws_dir))
        signed_in = log[(log["action"] == "connexion") & (log["par"] == "marie@caf.test")]
        assert len(signed_in) == 1 and "oidc" in signed_in["détail"].iloc[0]
        # the Filoué page is not for a « lecture » account, whatever the URL
        page.goto(server.url + "/filoue")
        page.get_by_text("réservée au rôle « Filoué »").wait_for()
    except Exception:
        print(server_log_tail(server))
        raise
    finally:
        context.close()
        server.stop()
        provider.stop()


def test_local_account_sign_in(browser, tmp_path: Path) -> None:
    ws_dir = tmp_path / "ws"
    accounts.save_account(
        Workspace(ws_dir),
        "paul",
        roles=frozenset({Role.FILOUE}),
        password="un-mot-de-passe-solide",
        actor="test",
    )
    server = Server(prefix="diag-comptes", workspace=str(ws_dir), env={"DIAG_AUTH": "comptes"})
    server.start()
    context, blocked = local_context(browser, server.url)
    try:
        server.wait_healthy()
        page = context.new_page()
        page.set_default_timeout(180_000)
        page.goto(server.url + "/filoue")
        page.get_by_label("Identifiant").fill("paul")
        page.get_by_label("Mot de passe").fill("un-mot-de-passe-solide")
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_selector(SEARCH, timeout=240_000)
        wait_for_app(page)
        assert page.get_by_text("réservée au rôle").count() == 0
        assert blocked == []
    except Exception:
        print(server_log_tail(server))
        raise
    finally:
        context.close()
        server.stop()
