"""Accounts, roles, guarded actions and exports, the audit trail (issue 20), on both backends.

The pages against the roles are in tests/apptest/test_security.py (the real app); here: the
password hashes, the role table, the actions of the store each role may take (checked by
`ui.auth.GuardedWorkspace`, whatever a page shows), the export families, the command line that
manages accounts, and the audit rows written by the store in the transaction of each change.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from datastore import accounts, migrate
from datastore.accounts import Role, grants, hash_password, verify_password
from datastore.schemas import dataset_type
from datastore.store import PendingDataset, Workspace
from tests.conftest import ROOT, WorkspaceOn
from ui.auth import (
    OPEN_USER,
    AccessDenied,
    GuardedWorkspace,
    User,
    address_of,
    export_allowed,
    wait_text,
)

ROLE_SETS = {
    "sans-role": frozenset(),
    "lecture": frozenset({Role.LECTURE}),
    "charge": frozenset({Role.CHARGE_ETUDES}),
    "filoue": frozenset({Role.FILOUE}),
    "admin": frozenset({Role.ADMIN}),
    "admin+filoue": frozenset({Role.ADMIN, Role.FILOUE}),
}


def _bpe(year: int, n: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {"code_insee": ["01004", "42218", "2A004"], "annee": [year] * 3, "nb_eaje": [n, 40, 0]}
    )


# ------------------------------------------------------------------------------ passwords


def test_password_hashes() -> None:
    h1, h2 = hash_password("un mot de passe long"), hash_password("un mot de passe long")
    assert h1 != h2 and h1.startswith("scrypt$16384$8$1$")  # salted
    assert verify_password("un mot de passe long", h1)
    assert not verify_password("un mot de passe lonG", h1)
    assert not verify_password("", h1)
    assert not verify_password("x", None)
    assert not verify_password("x", "md5$abc")
    assert "un mot de passe" not in h1
    with pytest.raises(ValueError, match="trop court"):
        hash_password("court")


# ---------------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ({Role.LECTURE}, {Role.LECTURE}),
        ({Role.CHARGE_ETUDES}, {Role.CHARGE_ETUDES, Role.LECTURE}),
        ({Role.FILOUE}, {Role.FILOUE, Role.LECTURE}),
        ({Role.ADMIN}, {Role.ADMIN, Role.CHARGE_ETUDES, Role.LECTURE}),  # Filoué is separate
        ({Role.ADMIN, Role.FILOUE}, set(Role)),
    ],
)
def test_grants(roles: set[Role], expected: set[Role]) -> None:
    assert grants(frozenset(roles)) == expected


def test_parse_roles_and_departements() -> None:
    assert accounts.parse_roles("lecture, filoue") == {Role.LECTURE, Role.FILOUE}
    with pytest.raises(ValueError, match="rôle inconnu « chef »"):
        accounts.parse_roles("lecture,chef")
    assert accounts.parse_departements("42, 2a,974,1") == ("01", "2A", "42", "974")
    with pytest.raises(ValueError, match="département invalide"):
        accounts.parse_departements("42,999")
    assert accounts.parse_departements("") == ()


# ------------------------------------------------------------------------ guarded actions

READ, IMPORT, FOLLOW_UP, DOCUMENT, RESTORE, DELETE, FILOUE_READ = (
    "lecture d'un jeu",
    "import",
    "tableau de suivi",
    "zonage",
    "restauration",
    "suppression",
    "lecture Filoué",
)
#: action -> the role it needs
ACTION_ROLES = {
    READ: Role.LECTURE,
    IMPORT: Role.ADMIN,
    FOLLOW_UP: Role.CHARGE_ETUDES,
    DOCUMENT: Role.CHARGE_ETUDES,
    RESTORE: Role.ADMIN,
    DELETE: Role.ADMIN,
    FILOUE_READ: Role.FILOUE,
}


def _act(ws: GuardedWorkspace, raw: Workspace, action: str) -> None:
    if action == READ:
        ws.read("bpe_eaje")
    elif action == IMPORT:
        ws.commit("bpe_eaje", _bpe(2022), producer="INSEE", source_file="b.csv", millesime=2022)
    elif action == FOLLOW_UP:
        from datastore.schemas import Dtype, dataset_type

        values = {Dtype.INT: 2024, Dtype.FLOAT: 1.0, Dtype.BOOL: True, Dtype.DATE: "2024-01-01"}
        frame = pd.DataFrame(
            {c.name: [values.get(c.dtype, "C1")] for c in dataset_type("ctg_suivi").columns}
        )
        ws.commit_many(
            [PendingDataset("ctg_suivi", frame, producer="Saisie", source_file="suivi.csv")]
        )
    elif action == DOCUMENT:
        ws.save_document("zonage", "Essai", {"communes": ["42218"]})
    elif action == RESTORE:
        ws.restore("bpe_eaje", raw.versions("bpe_eaje")[-1].id)
    elif action == DELETE:
        ws.delete(raw.datasets("bpe_eaje")[0].id)
    elif action == FILOUE_READ:
        ws.read("filoue")


@pytest.mark.parametrize("action", list(ACTION_ROLES))
@pytest.mark.parametrize("role_set", list(ROLE_SETS))
def test_actions_against_roles(tmp_path: Path, role_set: str, action: str) -> None:
    raw = Workspace(tmp_path)
    raw.commit("bpe_eaje", _bpe(2021), producer="INSEE", source_file="a.csv", millesime=2021)
    user = User(f"u-{role_set}", "", grants(ROLE_SETS[role_set]))
    ws = GuardedWorkspace(raw, user=lambda: user)
    revision = raw.revision()
    if ACTION_ROLES[action] in user.grants:
        _act(ws, raw, action)
        if action not in (READ, FILOUE_READ):
            assert raw.revision() > revision
    else:
        with pytest.raises(AccessDenied, match="réservé au rôle"):
            _act(ws, raw, action)
        assert raw.revision() == revision  # nothing was written


def test_a_guarded_write_carries_the_signed_in_user_as_author(tmp_path: Path) -> None:
    raw = Workspace(tmp_path)
    user = User("marie", "Marie", grants(frozenset({Role.ADMIN})), method="comptes")
    ws = GuardedWorkspace(raw, user=lambda: user)
    ws.commit("bpe_eaje", _bpe(2021), producer="INSEE", source_file="a.csv", author="usurpé")
    assert raw.versions("bpe_eaje")[0].author == "marie"
    assert accounts.audit_frame(raw)["par"].tolist()[0] == "marie"


@pytest.mark.parametrize("role_set", list(ROLE_SETS))
@pytest.mark.parametrize(
    ("export", "role"),
    [
        ("filoue", Role.FILOUE),
        ("filoue:cadrage", Role.FILOUE),
        ("audit:csv", Role.ADMIN),
        ("tableau", Role.LECTURE),
        ("prediagnostic", Role.LECTURE),
        ("zones", Role.LECTURE),
    ],
)
def test_exports_against_roles(role_set: str, export: str, role: Role) -> None:
    user = User("u", "", grants(ROLE_SETS[role_set]))
    assert export_allowed(user, export) is (role in user.grants)
    assert export_allowed(OPEN_USER, export)


def _calls(path: Path, name: str) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and (
            (isinstance(n.func, ast.Attribute) and n.func.attr == name)
            or (isinstance(n.func, ast.Name) and n.func.id == name)
        )
    ]


def test_every_export_goes_through_the_guarded_helper() -> None:
    """No download button is drawn except by ui.auth.download_button, and every table of the
    Filoué page is exported as a Filoué export."""
    offenders = []
    for path in [*sorted((ROOT / "ui").glob("*.py")), *sorted((ROOT / "app_pages").glob("*.py"))]:
        for call in _calls(path, "download_button"):
            func = call.func
            guarded = (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "auth"
            )
            if not guarded and path.name != "auth.py":
                offenders.append(f"{path.name}:{call.lineno}")
    assert offenders == []
    for call in _calls(ROOT / "ui" / "filoue.py", "download_table"):
        exports = [k.value for k in call.keywords if k.arg == "export"]
        assert len(exports) == 1 and isinstance(exports[0], ast.Constant), call.lineno
        assert exports[0].value == "filoue", call.lineno


# ---------------------------------------------------------------------- accounts and CLI


def test_accounts_and_authentication(workspace_on: WorkspaceOn) -> None:
    ws = workspace_on.open()
    a = accounts.save_account(
        ws,
        "Alice@Caf.fr",
        roles=frozenset({Role.LECTURE}),
        departements=("42",),
        password="motdepasse-alice",
        actor="admin",
    )
    assert a.login == "alice@caf.fr" and a.has_password and a.departements == ("42",)
    revision = ws.revision()
    assert accounts.authenticate(ws, "alice@caf.fr", "motdepasse-alice") is not None
    assert accounts.authenticate(ws, "alice@caf.fr", "faux") is None
    accounts.save_account(
        ws, "alice@caf.fr", roles=frozenset({Role.LECTURE}), active=False, actor="admin"
    )
    assert accounts.authenticate(ws, "alice@caf.fr", "motdepasse-alice") is None  # disabled
    assert ws.revision() == revision  # accounts and audit do not invalidate the data caches
    actions = accounts.audit_frame(ws)["action"].tolist()
    assert actions == [
        "connexion refusée",
        "modification de compte",
        "connexion refusée",
        "connexion",
        "modification de compte",
    ]
    assert accounts.delete_account(ws, "alice@caf.fr", actor="admin")
    assert accounts.get_account(ws, "alice@caf.fr") is None


# ------------------------------------------------------------------- sign-in throttling

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RULES = accounts.Throttle(attempts=5, address_attempts=8, minutes=15)


def _try(ws, login: str, password: str, address: str, seconds: float) -> accounts.SignIn:
    return accounts.sign_in(
        ws, login, password, address, now=T0 + timedelta(seconds=seconds), rules=RULES
    )


def test_sign_in_throttled_per_account(workspace_on: WorkspaceOn) -> None:
    ws = workspace_on.open()
    accounts.save_account(
        ws, "paul", roles=frozenset({Role.LECTURE}), password="le-bon-mot-de-passe", actor="a"
    )
    for i in range(5):  # five refused passwords within fifteen minutes…
        assert _try(ws, "paul", f"faux-{i}", f"10.0.0.{i}", 60 * i).account is None
    # … then even the right password is refused, without being checked, for 15 min
    blocked = _try(ws, "paul", "le-bon-mot-de-passe", "10.0.0.9", 5 * 60)
    assert blocked.account is None and blocked.wait_seconds == 15 * 60 - 60
    # a refusal while blocked does not extend the delay
    assert _try(ws, "paul", "faux", "10.0.0.9", 18 * 60).wait_seconds == 60
    assert _try(ws, "paul", "le-bon-mot-de-passe", "10.0.0.9", 19 * 60 + 1).account is not None
    log = accounts.audit_frame(ws)
    assert log["action"].tolist()[:3] == [
        "connexion",
        "connexion refusée (trop de tentatives)",
        "connexion refusée (trop de tentatives)",
    ]
    assert (log["action"] == "connexion refusée").sum() == 5
    assert log["objet"].iloc[1] == "10.0.0.9" and "attente_s : 60" in log["détail"].iloc[1]


def test_refusals_spread_out_or_followed_by_a_success_do_not_block(
    workspace_on: WorkspaceOn,
) -> None:
    ws = workspace_on.open()
    accounts.save_account(
        ws, "lea", roles=frozenset({Role.LECTURE}), password="le-bon-mot-de-passe", actor="a"
    )
    for i in range(4):
        _try(ws, "lea", "faux", "", 10 * i)
    assert _try(ws, "lea", "le-bon-mot-de-passe", "", 50).account is not None  # resets
    for i in range(4):
        _try(ws, "lea", "faux", "", 60 + 10 * i)
    assert _try(ws, "lea", "le-bon-mot-de-passe", "", 120).account is not None
    for i in range(6):  # one refusal every 4 minutes: never five within fifteen minutes
        assert _try(ws, "lea", "faux", "", 1000 + 240 * i).wait_seconds == 0
    assert _try(ws, "lea", "le-bon-mot-de-passe", "", 3000).account is not None


def test_sign_in_throttled_per_address(workspace_on: WorkspaceOn) -> None:
    ws = workspace_on.open()
    accounts.save_account(
        ws, "zoe", roles=frozenset({Role.LECTURE}), password="le-bon-mot-de-passe", actor="a"
    )
    for i in range(8):  # eight logins tried from one address (unknown accounts count too)
        assert _try(ws, f"inconnu{i}", "faux", "192.0.2.7", i).wait_seconds == 0
    assert _try(ws, "zoe", "le-bon-mot-de-passe", "192.0.2.7", 10).wait_seconds > 0
    assert _try(ws, "zoe", "le-bon-mot-de-passe", "192.0.2.8", 11).account is not None


@pytest.mark.parametrize(
    ("unlock", "paul_waits", "address_waits"),
    [
        ({}, True, True),  # no unlock: both locks in force
        ({"login": "Paul"}, False, True),  # the login's lock lifted (login normalised)
        ({"address": "192.0.2.7"}, True, False),  # the address's lock lifted
    ],
)
def test_an_administrator_lifts_a_lock(
    workspace_on: WorkspaceOn, unlock: dict, paul_waits: bool, address_waits: bool
) -> None:
    ws = workspace_on.open()
    accounts.save_account(
        ws, "paul", roles=frozenset({Role.LECTURE}), password="le-bon-mot-de-passe", actor="a"
    )
    for i in range(5):  # paul locked (five refusals), from 192.0.2.7 …
        _try(ws, "paul", "faux", "192.0.2.7", i)
    for i in range(3):  # … which is locked too (eight refusals from it)
        _try(ws, f"inconnu{i}", "faux", "192.0.2.7", 10 + i)
    now = T0 + timedelta(seconds=60)
    found = accounts.locks(ws, now=now, rules=RULES)
    assert [(lk.kind, lk.target) for lk in found] == [
        ("compte", "paul"),
        ("adresse", "192.0.2.7"),
    ]
    assert found[0].until == T0 + timedelta(seconds=4, minutes=15)
    assert found[0].label == "compte paul, jusqu'à 01/12/2026 09:15 (UTC)"
    if unlock:
        said = accounts.unlock(ws, actor="admin", now=now, **unlock)
        assert said.startswith("Connexions débloquées : ")
    later = 61
    assert (
        accounts.throttle_wait(ws, "paul", "", now=T0 + timedelta(seconds=later), rules=RULES) > 0
    ) is paul_waits
    assert (
        accounts.throttle_wait(
            ws, "zoe", "192.0.2.7", now=T0 + timedelta(seconds=later), rules=RULES
        )
        > 0
    ) is address_waits
    # refusals after the unlock count afresh: five more lock paul again
    if "login" in unlock:
        for i in range(5):
            _try(ws, "paul", "faux", "198.51.100.1", 70 + i)
        assert accounts.throttle_wait(ws, "paul", now=T0 + timedelta(seconds=80), rules=RULES) > 0
        log = accounts.audit_frame(ws)
        row = log[log["action"] == "déblocage des connexions"].iloc[0]
        assert (row["par"], row["objet"]) == ("admin", "paul")


def test_unlock_needs_one_login_or_one_address(workspace_on: WorkspaceOn) -> None:
    ws = workspace_on.open()
    for bad in ({}, {"login": "a", "address": "192.0.2.1"}, {"address": "  "}):
        with pytest.raises(ValueError, match="indiquez un identifiant|adresse vide"):
            accounts.unlock(ws, actor="admin", **bad)
    assert accounts.locks(ws) == []


def test_throttle_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIAG_LOGIN_ATTEMPTS", "3")
    monkeypatch.setenv("DIAG_LOGIN_ADDRESS_ATTEMPTS", "10")
    monkeypatch.setenv("DIAG_LOGIN_LOCK_MINUTES", "2")
    assert accounts.Throttle.from_settings() == accounts.Throttle(3, 10, 2.0)
    monkeypatch.setenv("DIAG_LOGIN_ATTEMPTS", "beaucoup")
    assert accounts.Throttle.from_settings().attempts == 5


def test_audit_rows_do_not_wait_for_a_writer(pg_url: str) -> None:
    """On PostgreSQL a sign-in (its audit row) is not kept waiting by a long import holding
    the writers' lock."""
    import psycopg

    from datastore.backends import WRITE_LOCK

    ws = Workspace(url=pg_url)
    accounts.save_account(
        ws, "ines", roles=frozenset({Role.LECTURE}), password="le-bon-mot-de-passe", actor="a"
    )
    signed_in: list[object] = []
    with psycopg.connect(pg_url, autocommit=True) as writer:
        writer.execute("BEGIN")
        writer.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")  # an import's commit
        attempt = threading.Thread(
            target=lambda: signed_in.append(
                accounts.authenticate(ws, "ines", "le-bon-mot-de-passe", "10.1.1.1")
            )
        )
        attempt.start()
        attempt.join(timeout=60)
        done_while_locked = not attempt.is_alive()
        writer.execute("ROLLBACK")  # the writer ends (lets a waiting attempt finish)
    attempt.join()
    assert done_while_locked and signed_in and signed_in[0] is not None
    assert accounts.audit_frame(ws)["action"].iloc[0] == "connexion"


@pytest.mark.parametrize(
    ("direct", "forwarded", "expected"),
    [
        ("192.0.2.7", None, "192.0.2.7"),
        ("192.0.2.7", "10.9.9.9", "192.0.2.7"),  # not from a local proxy: header ignored
        (None, "198.51.100.4", "198.51.100.4"),  # localhost: the proxy's header
        ("127.0.0.1", "6.6.6.6, 198.51.100.4", "198.51.100.4"),  # the entry the proxy added
        ("::1", "198.51.100.4,", "198.51.100.4"),
        (None, None, "local"),
        (None, " ", "local"),
    ],
)
def test_sign_in_address(direct: str | None, forwarded: str | None, expected: str) -> None:
    assert address_of(direct, forwarded) == expected


def test_wait_text() -> None:
    assert wait_text(840) == "14 minutes"
    assert wait_text(5) == "1 minute"


def _cli(env_ws: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "datastore", *args],
        cwd=ROOT,
        env={**os.environ, **env_ws},
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def test_first_administrator_from_the_command_line(workspace_on: WorkspaceOn) -> None:
    env = (
        {"DIAG_DATABASE_URL": workspace_on.url}
        if workspace_on.url
        else {"DIAG_WORKSPACE_DIR": str(workspace_on.root), "DIAG_DATABASE_URL": ""}
    )
    out = _cli(
        env,
        "users",
        "add",
        "admin",
        "--roles",
        "administrateur,filoue",
        "--nom",
        "Première administratrice",
        "--mot-de-passe-stdin",
        stdin="un-mot-de-passe-solide\n",
    )
    assert out.returncode == 0, out.stderr
    assert "Compte créé : admin (Filoué, administrateur" in out.stdout
    refused = _cli(env, "users", "add", "bob", "--roles", "chef", "--mot-de-passe-stdin")
    assert refused.returncode == 1 and "rôle inconnu « chef »" in refused.stderr
    assert (
        _cli(
            env, "users", "roles", "admin", "--roles", "lecture", "--departements", "42"
        ).returncode
        == 0
    )
    listed = _cli(env, "users", "list")
    assert "admin" in listed.stdout and "42" in listed.stdout
    ws = workspace_on.open()
    assert accounts.authenticate(ws, "admin", "un-mot-de-passe-solide") is not None
    assert _cli(env, "users", "unlock").stdout.strip() == "Aucune connexion bloquée."
    for _ in range(5):
        accounts.sign_in(ws, "admin", "faux", "203.0.113.5")
    assert accounts.sign_in(ws, "admin", "un-mot-de-passe-solide").wait_seconds > 0
    listed = _cli(env, "users", "unlock")
    assert "Connexions bloquées :\n- compte admin, jusqu'à " in listed.stdout, listed.stdout
    done = _cli(env, "users", "unlock", "admin")
    assert done.returncode == 0 and "Connexions débloquées : compte admin." in done.stdout
    assert accounts.authenticate(ws, "admin", "un-mot-de-passe-solide") is not None
    assert _cli(env, "users", "unlock", "admin", "--adresse", "1.2.3.4").returncode == 1
    csv = workspace_on.root / "journal.csv"
    audit = _cli(env, "audit", "--csv", str(csv))
    assert audit.returncode == 0, audit.stderr
    text = csv.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("n°;le (UTC);par;action")
    assert "modification de compte" in text and "connexion" in text


# -------------------------------------------------------------------------- audit trail


def test_the_store_audits_imports_replacements_deletions_restorations(
    workspace_on: WorkspaceOn,
) -> None:
    ws = workspace_on.open()
    ws.commit("bpe_eaje", _bpe(2021), producer="INSEE", source_file="a.csv", author="alice")
    ws.commit("bpe_eaje", _bpe(2021, 9), producer="INSEE", source_file="b.csv", author="bob")
    first = ws.versions("bpe_eaje")[-1]
    ws.delete(ws.datasets("bpe_eaje")[0].id, author="carol")
    ws.restore("bpe_eaje", first.id, author="dan")
    frame = accounts.audit_frame(ws)
    assert frame[["par", "action", "objet"]].values.tolist() == [
        ["dan", "restauration", f"version {first.id}"],
        ["carol", "suppression", "b.csv"],
        ["bob", "import avec remplacement", "b.csv"],
        ["alice", "import", "a.csv"],
    ]
    assert "remplacées : 3" in frame["détail"].iloc[2]
    assert (frame["type de données"] == "bpe_eaje").all()


def test_a_refused_import_writes_no_audit_row(workspace_on: WorkspaceOn) -> None:
    from datastore.importers import import_file

    ws = workspace_on.open()
    prepared, metas = import_file(ws, "bpe_eaje", b"CODGEO;NB_D502\n42218;x\n", name="bad.csv")
    assert not prepared.ok and metas == []
    assert accounts.audit_frame(ws).empty


def test_migration_0002_upgrades_a_0001_workspace_without_loss(workspace_on: WorkspaceOn) -> None:
    backend = Workspace.backend_for(
        workspace_on.root if not workspace_on.url else None, workspace_on.url
    )
    if workspace_on.url is None:
        workspace_on.root.mkdir(parents=True, exist_ok=True)
        import sqlite3

        sqlite3.connect(workspace_on.root / "workspace.sqlite").close()
    migrate.upgrade(backend, "0001")
    with backend.connect() as con:
        assert migrate.current(backend, con) == "0001"
        con.execute(
            "INSERT INTO datasets(kind, millesime, producer, source_file, rows, imported_at, "
            "nature, notes) VALUES ('bpe_eaje', 2021, 'INSEE', 'bpe.csv', 1, '2026-01-01', "
            "'réel', '[]')"
        )
        backend.ensure_table(con, dataset_type("bpe_eaje"))
        con.execute(
            "INSERT INTO data_bpe_eaje(dataset_id, code_insee, annee, nb_eaje) VALUES (1, '42218', 2021, 40)"
        )
        assert "accounts" not in backend.tables(con)
    ws = workspace_on.open()
    assert ws.schema_version() == "0002"
    assert ws.read("bpe_eaje").frame["nb_eaje"].tolist() == [40]
    assert accounts.list_accounts(ws) == [] and accounts.audit_frame(ws).empty
