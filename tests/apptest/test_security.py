"""Sign-in and roles, checked on the server (issue 20), in the real app (AppTest).

Table-driven: every declared page (ui/pages.py, so a page added later is in the table as soon
as it is declared) against every role set: the page runs only for the roles that grant its
declared role, and a page without a declared role is refused to everyone. Then: a session
without sign-in, an expired session, an account limited to one département trying others
through the URL, and the actions and exports of each role.
"""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from datastore import accounts
from datastore.accounts import Role, grants
from datastore.store import Workspace
from tests.apptest.helpers import APP
from ui import pages

pytestmark = pytest.mark.apptest

ROLE_SETS: dict[str, frozenset[Role]] = {
    "sans-role": frozenset(),
    "lecture": frozenset({Role.LECTURE}),
    "charge": frozenset({Role.CHARGE_ETUDES}),
    "filoue": frozenset({Role.FILOUE}),
    "admin": frozenset({Role.ADMIN}),
}
PASSWORD = "mot-de-passe-de-test"


@pytest.fixture(autouse=True)
def sign_in_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIAG_AUTH", "comptes")
    monkeypatch.setenv("DIAG_SESSION_HOURS", "8")


@pytest.fixture(scope="module", autouse=True)
def test_accounts() -> None:
    ws = Workspace()
    for name, roles in ROLE_SETS.items():
        accounts.save_account(ws, f"t-{name}", roles=roles, password=PASSWORD, actor="test")
    accounts.save_account(
        ws, "t-loire", roles=frozenset({Role.CHARGE_ETUDES}), departements=("42",), actor="test"
    )
    accounts.save_account(ws, "t-ferme", roles=frozenset({Role.ADMIN}), active=False, actor="test")


def _open(
    url_path: str,
    login: str | None,
    *,
    signed_in_at: float | None = None,
    query: dict[str, str] | None = None,
) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if login:
        at.session_state["auth_session"] = {
            "login": login,
            "method": "comptes",
            "at": time.time() if signed_in_at is None else signed_in_at,
        }
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page(pages.page(url_path).path)
    at.run()
    return at


def _errors(at: AppTest) -> str:
    return " ".join(str(e.value) for e in at.error)


def _is_sign_in_page(at: AppTest) -> bool:
    return [t.value for t in at.title] == ["Connexion"]


def _cases() -> list[tuple[str, str, bool]]:
    """(page, role set, allowed): every refused pair, and the allowed pair of the page's own
    role (the page then runs entirely, which the smoke test also covers for the open app)."""
    out = []
    for spec in pages.PAGES:
        for name, roles in ROLE_SETS.items():
            allowed = spec.role is not None and spec.role in grants(roles)
            if not allowed or roles == {spec.role}:
                out.append((spec.url_path, name, allowed))
    return out


def test_every_page_declares_its_role() -> None:
    missing = [p.url_path for p in pages.PAGES if p.role is None]
    assert missing == [], f"pages sans rôle déclaré dans ui/pages.py : {missing}"


@pytest.mark.parametrize(("url_path", "role_set", "allowed"), _cases())
def test_page_against_role(url_path: str, role_set: str, allowed: bool) -> None:
    # a département: every page has something to show for it (the SDSF page asks for one)
    at = _open(url_path, f"t-{role_set}", query={"niveau": "departement", "code": "42"})
    assert not at.exception, [e.value for e in at.exception]
    assert not _is_sign_in_page(at)
    refused = "réservée au rôle" in _errors(at)
    assert refused is not allowed, (url_path, role_set, _errors(at))
    if allowed:  # the page itself ran
        assert len(at.main.children) > 2
    else:  # nothing of the page ran: only the refusal
        assert len(at.main.children) <= 2, [type(c).__name__ for c in at.main.children]


def test_a_page_without_a_declared_role_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    spec = pages.page("couverture")
    patched = tuple(dataclasses.replace(p, role=None) if p is spec else p for p in pages.PAGES)
    monkeypatch.setattr(pages, "PAGES", patched)
    at = _open("couverture", "t-admin")
    assert "n'a pas encore de rôle déclaré" in _errors(at)


@pytest.mark.parametrize("url_path", [p.url_path for p in pages.PAGES])
def test_without_sign_in_only_the_sign_in_page(url_path: str) -> None:
    at = _open(url_path, None, query={"niveau": "departement", "code": "42"})
    assert _is_sign_in_page(at)
    assert [t.label for t in at.text_input] == ["Identifiant", "Mot de passe"]
    assert len(at.sidebar.children) == 0  # no territory picker, no navigation data


def test_sign_in_with_a_password_then_wrong_password() -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.text_input(key="auth_login").input("t-lecture")
    at.text_input(key="auth_password").input(PASSWORD)
    at.button[0].click().run()
    assert not _is_sign_in_page(at)
    assert at.session_state["auth_session"]["login"] == "t-lecture"
    other = AppTest.from_file(APP, default_timeout=180)
    other.run()
    other.text_input(key="auth_login").input("t-lecture")
    other.text_input(key="auth_password").input("mauvais mot de passe")
    other.button[0].click().run()
    assert _is_sign_in_page(other)
    assert "incorrect" in " ".join(str(w.value) for w in other.warning)


def test_repeated_wrong_passwords_block_the_account(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign-in throttling: after DIAG_LOGIN_ATTEMPTS refused passwords, even the right one is
    refused for a while, with a French message (datastore.accounts.sign_in)."""
    monkeypatch.setenv("DIAG_LOGIN_ATTEMPTS", "2")
    accounts.save_account(
        Workspace(), "t-bloque", roles=frozenset({Role.LECTURE}), password=PASSWORD, actor="test"
    )
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    for password in ("mauvais 1", "mauvais 2", PASSWORD):
        at.text_input(key="auth_login").input("t-bloque")
        at.text_input(key="auth_password").input(password)
        at.button[0].click().run()
    assert _is_sign_in_page(at)
    assert "Trop de tentatives refusées" in " ".join(str(w.value) for w in at.warning)
    assert "réessayez dans 15 minutes" in " ".join(str(w.value) for w in at.warning)
    log = accounts.audit_frame(Workspace())
    assert log[log["par"] == "t-bloque"]["action"].tolist()[:3] == [
        "connexion refusée (trop de tentatives)",
        "connexion refusée",
        "connexion refusée",
    ]
    # an administrator sees the lock on the Administration page and lifts it (audited)
    admin = _open("administration", "t-admin")
    locked = [m.value for m in admin.markdown if "Bloqué : compte t-bloque" in str(m.value)]
    assert locked and "jusqu'à" in locked[0], [m.value for m in admin.markdown]
    admin.button(key="admin_unlock_0").click().run()
    assert "Connexions débloquées : compte t-bloque." in [s.value for s in admin.success]
    assert not [m for m in admin.markdown if "Bloqué : compte t-bloque" in str(m.value)]
    at.text_input(key="auth_login").input("t-bloque")
    at.text_input(key="auth_password").input(PASSWORD)
    at.button[0].click().run()
    assert not _is_sign_in_page(at)
    log = accounts.audit_frame(Workspace())
    unlocked = log[log["action"] == "déblocage des connexions"]
    assert unlocked["par"].tolist()[:1] == ["t-admin"] and unlocked["objet"].tolist()[:1] == [
        "t-bloque"
    ]


def test_an_expired_session_is_signed_out() -> None:
    at = _open("couverture", "t-admin", signed_in_at=time.time() - 9 * 3600)
    assert _is_sign_in_page(at)
    assert "expiré" in " ".join(str(w.value) for w in at.warning)
    assert "auth_session" not in at.session_state


def test_a_disabled_or_unknown_account_is_signed_out() -> None:
    for login in ("t-ferme", "t-inconnu"):
        at = _open("territoire", login)
        assert _is_sign_in_page(at), login


@pytest.mark.parametrize(
    ("query", "allowed"),
    [
        ({"niveau": "departement", "code": "42"}, True),
        ({"niveau": "commune", "code": "42218"}, True),
        ({"niveau": "departement", "code": "69"}, False),
        ({"niveau": "commune", "code": "69123"}, False),
        ({"niveau": "region", "code": "84"}, False),
        ({}, True),  # no territory in the URL: the account's département
    ],
    ids=["dep-42", "commune-42218", "dep-69", "commune-69123", "region-84", "sans-url"],
)
def test_an_account_limited_to_one_departement(query: dict[str, str], allowed: bool) -> None:
    at = _open("couverture", "t-loire", query=query)
    assert not at.exception, [e.value for e in at.exception]
    refused = "n'est pas dans les départements ouverts" in _errors(at)
    assert refused is not allowed, _errors(at)


def test_the_workshop_link_with_communes_of_another_departement_is_refused() -> None:
    at = _open("atelier", "t-loire", query={"communes": "42218,69123"})
    assert "n'est pas dans les départements ouverts" in _errors(at)
