"""Accounts, roles and the audit trail of a shared deployment (issue 20). No Streamlit here:
the sign-in and the checks are in `ui/auth.py`, the commands in `datastore/cli.py`.

Roles (a user holds one or more; `grants` gives what they imply):
- « lecture »: public indicators, maps, PDFs, workshop view;
- « chargé d'études »: lecture, plus saving zonings, checklists and follow-up tables;
- « Filoué »: a separate grant (Filoué pages and exports: figures derived from personal data
  of the allocataires); it implies lecture, nothing else;
- « administrateur »: chargé d'études, plus imports, deletions, restorations and accounts.
  It does NOT imply Filoué (an administrator who needs it is granted it explicitly).
An account may be limited to some départements (codes « 42 », « 2A », « 974 »): it sees only
territories lying entirely in them.

Passwords: `hashlib.scrypt` (n=2**14, r=8, p=1, 16-byte random salt), stored as
`scrypt$n$r$p$salt$hash` (base64); compared in constant time. An account signed in through the
identity provider (OIDC, `st.login`) is the same row keyed by its e-mail, without password.

Sign-in throttling (local accounts, `sign_in`): after 5 refused passwords for one login (since
its last sign-in) or 20 from one address within 15 minutes (settings `login_attempts`,
`login_address_attempts`, `login_lock_minutes`), attempts are refused, password unchecked,
until 15 minutes after the last refused password; counted from the audit rows, so every app
process on the workspace shares them.

Audit trail (`audit` table): one row per import (or « remplacement » when the import replaced or
removed rows), deletion, restoration, export, sign-in (and refused sign-in) and account change:
when (UTC), who, what (action, dataset type, target) and a JSON detail. Imports, deletions and
restorations are written by the store in the transaction of the change itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from datastore.store import Workspace


class Role(StrEnum):
    LECTURE = "lecture"
    CHARGE_ETUDES = "charge_etudes"
    FILOUE = "filoue"
    ADMIN = "administrateur"


ROLE_LABELS = {
    Role.LECTURE: "lecture",
    Role.CHARGE_ETUDES: "chargé d'études",
    Role.FILOUE: "Filoué",
    Role.ADMIN: "administrateur",
}
_IMPLIES = {
    Role.LECTURE: frozenset(),
    Role.CHARGE_ETUDES: frozenset({Role.LECTURE}),
    Role.FILOUE: frozenset({Role.LECTURE}),
    Role.ADMIN: frozenset({Role.CHARGE_ETUDES, Role.LECTURE}),
}
ALL_GRANTS = frozenset(Role)

ACTION_LABELS = {
    "import": "import",
    "remplacement": "import avec remplacement",
    "suppression": "suppression",
    "restauration": "restauration",
    "export": "export",
    "connexion": "connexion",
    "connexion_refusee": "connexion refusée",
    "connexion_bloquee": "connexion refusée (trop de tentatives)",
    "deblocage": "déblocage des connexions",
    "compte": "modification de compte",
}


def grants(roles: frozenset[Role] | set[Role]) -> frozenset[Role]:
    """The roles held and all they imply."""
    out = set(roles)
    for r in roles:
        out |= _IMPLIES[r]
    return frozenset(out)


def parse_roles(text: str) -> frozenset[Role]:
    """« lecture,filoue » -> roles; a French ValueError naming an unknown role."""
    out = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            out.add(Role(part))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise ValueError(f"rôle inconnu « {part} » (rôles possibles : {known})") from None
    if not out:
        raise ValueError("au moins un rôle est nécessaire")
    return frozenset(out)


_DEP = re.compile(r"^(\d{2}|2A|2B|97\d)$")


def parse_departements(text: str) -> tuple[str, ...]:
    """« 42, 69,2a » -> ('2A', '42', '69'); '' -> () (all départements)."""
    out = set()
    for part in (p.strip().upper() for p in text.split(",")):
        if not part:
            continue
        part = part.zfill(2)
        if not _DEP.match(part):
            raise ValueError(f"code de département invalide « {part} » (ex. 42, 2A, 974)")
        out.add(part)
    return tuple(sorted(out))


# ---------------------------------------------------------------------------- passwords

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    if len(password) < 10:
        raise ValueError("mot de passe trop court (10 caractères au moins)")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        algo, n, r, p, salt, digest = stored.split("$")
        if algo != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(got, expected)


# ----------------------------------------------------------------------------- accounts


@dataclass(frozen=True)
class Account:
    login: str
    name: str
    roles: frozenset[Role]
    departements: tuple[str, ...] = ()
    active: bool = True
    has_password: bool = False
    created_at: str = ""
    updated_at: str = ""
    password_hash: str | None = field(default=None, repr=False, compare=False)

    @property
    def grants(self) -> frozenset[Role]:
        return grants(self.roles)

    def roles_label(self) -> str:
        return ", ".join(ROLE_LABELS[r] for r in Role if r in self.roles)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


_ACCOUNT_COLS = "login, name, password, roles, departements, active, created_at, updated_at"


def _account(row: tuple) -> Account:
    return Account(
        login=row[0],
        name=row[1] or "",
        roles=frozenset(Role(r) for r in json.loads(row[3] or "[]")),
        departements=tuple(json.loads(row[4] or "[]")),
        active=bool(row[5]),
        has_password=bool(row[2]),
        created_at=row[6],
        updated_at=row[7],
        password_hash=row[2],
    )


def normalise_login(login: str) -> str:
    login = login.strip().lower()
    if not login or len(login) > 200 or any(c.isspace() for c in login):
        raise ValueError("identifiant invalide (sans espace, 200 caractères au plus)")
    return login


def get_account(ws: Workspace, login: str) -> Account | None:
    with ws._connect() as con:
        row = con.execute(
            f"SELECT {_ACCOUNT_COLS} FROM accounts WHERE login = ?", (login.strip().lower(),)
        ).fetchone()
    return None if row is None else _account(row)


def list_accounts(ws: Workspace) -> list[Account]:
    with ws._connect() as con:
        rows = con.execute(f"SELECT {_ACCOUNT_COLS} FROM accounts ORDER BY login").fetchall()
    return [_account(r) for r in rows]


def save_account(
    ws: Workspace,
    login: str,
    *,
    roles: frozenset[Role],
    name: str = "",
    departements: tuple[str, ...] = (),
    password: str | None = None,
    active: bool = True,
    actor: str,
) -> Account:
    """Create or update an account (the password is kept when None), audited."""
    login = normalise_login(login)
    hashed = hash_password(password) if password is not None else None
    now = _now()
    with ws._transaction(bump=False) as con:
        exists = con.execute("SELECT 1 FROM accounts WHERE login = ?", (login,)).fetchone()
        values = (name, json.dumps(sorted(roles)), json.dumps(list(departements)), int(active))
        if exists:
            con.execute(
                "UPDATE accounts SET name = ?, roles = ?, departements = ?, active = ?, "
                "updated_at = ? WHERE login = ?",
                (*values, now, login),
            )
            if hashed is not None:
                con.execute("UPDATE accounts SET password = ? WHERE login = ?", (hashed, login))
        else:
            con.execute(
                f"INSERT INTO accounts({_ACCOUNT_COLS}) VALUES (?,?,?,?,?,?,?,?)",
                (login, name, hashed, *values[1:], now, now),
            )
        detail = {
            "création" if not exists else "modification": True,
            "rôles": sorted(roles),
            "départements": list(departements),
            "actif": active,
            "mot de passe changé": hashed is not None,
        }
        record(con, actor, "compte", target=login, detail=detail)
    account = get_account(ws, login)
    assert account is not None
    return account


def delete_account(ws: Workspace, login: str, *, actor: str) -> bool:
    login = normalise_login(login)
    with ws._transaction(bump=False) as con:
        gone = con.execute("DELETE FROM accounts WHERE login = ?", (login,)).rowcount
        if gone:
            record(con, actor, "compte", target=login, detail={"suppression": True})
    return bool(gone)


def authenticate(
    ws: Workspace, login: str, password: str, address: str = "", *, now: datetime | None = None
) -> Account | None:
    """The active account whose password matches, else None (also when throttled); audited
    either way. `sign_in` says in addition how long a throttled attempt must wait."""
    return sign_in(ws, login, password, address, now=now).account


# ------------------------------------------------------------------- sign-in throttling
# After `login_attempts` refused passwords for one login (since its last successful sign-in)
# or `login_address_attempts` from one address, all within `login_lock_minutes`, every
# attempt for that login or from that address is refused without checking the password
# until `login_lock_minutes` have passed since the last refused password. The refused
# passwords are the audit rows « connexion_refusee » (actor: the login, target: the
# address), so the count is shared by every app process on the workspace; a throttled
# attempt is audited as « connexion_bloquee » and does not extend the delay. An
# administrator lifts a lock before its end (`unlock`: `python -m datastore users unlock`,
# or the Administration page): an audit row « deblocage » (kind « compte » or « adresse »,
# target: the login or the address) from which the refusals are counted again, as after a
# successful sign-in.


@dataclass(frozen=True)
class Throttle:
    attempts: int = 5  # refused passwords for one login
    address_attempts: int = 20  # refused passwords from one address (a proxy may be shared)
    minutes: float = 15.0

    @classmethod
    def from_settings(cls) -> Throttle:
        from datastore.settings import setting

        def number(name: str, default: float) -> float:
            try:
                return float(setting(name, str(default)))
            except ValueError:
                return default

        return cls(
            attempts=int(number("login_attempts", cls.attempts)),
            address_attempts=int(number("login_address_attempts", cls.address_attempts)),
            minutes=number("login_lock_minutes", cls.minutes),
        )


@dataclass(frozen=True)
class SignIn:
    account: Account | None
    wait_seconds: float = 0.0  # > 0: refused by the throttle, retry after this many seconds


def _locked_until(times: list[datetime], limit: int, delay: timedelta) -> datetime | None:
    """End of the lock when `limit` refusals fell within `delay` before the newest one."""
    if limit <= 0 or len(times) < limit:
        return None
    newest = max(times)
    recent = [t for t in times if t >= newest - delay]
    return newest + delay if len(recent) >= limit else None


#: Per lock kind: the column of a refused attempt naming who is counted, and the audit rows
#: after which the refusals are counted afresh (a successful sign-in of the login, an unlock).
_LOCK_SQL = {
    "compte": (
        "actor",
        "(action = 'connexion' AND actor = ?) "
        "OR (action = 'deblocage' AND kind = 'compte' AND target = ?)",
    ),
    "adresse": ("target", "action = 'deblocage' AND kind = 'adresse' AND target = ?"),
}


def _lock_end(con: Any, kind: str, who: str, now: datetime, rules: Throttle) -> datetime | None:
    """End of the lock on the login or address `who`, if one is in force or was."""
    column, reset_where = _LOCK_SQL[kind]
    delay = timedelta(minutes=rules.minutes)
    since = (now - 2 * delay).isoformat(timespec="seconds")
    # The audit row's id, not its time, tells what came after a reset: times are to the
    # second, and a refusal in the same second as an unlock must not count again.
    reset = con.execute(
        f"SELECT MAX(id) FROM audit WHERE {reset_where}", (who,) * reset_where.count("?")
    ).fetchone()[0]
    times = [
        datetime.fromisoformat(r[0])
        for r in con.execute(
            f"SELECT at FROM audit WHERE action = 'connexion_refusee' AND {column} = ? "
            "AND at >= ? AND id > ?",
            (who, since, reset or 0),
        )
    ]
    limit = rules.attempts if kind == "compte" else rules.address_attempts
    return _locked_until(times, limit, delay)


def throttle_wait(
    ws: Workspace,
    login: str,
    address: str = "",
    *,
    now: datetime | None = None,
    rules: Throttle | None = None,
) -> float:
    """Seconds before `login` (and `address`) may try a password again; 0: now."""
    rules = rules or Throttle.from_settings()
    now = now or datetime.now(UTC)
    with ws._connect() as con:
        ends = [_lock_end(con, "compte", login, now, rules)]
        if address:
            ends.append(_lock_end(con, "adresse", address, now, rules))
    wait = max(((end - now).total_seconds() for end in ends if end is not None), default=0.0)
    return max(wait, 0.0)


@dataclass(frozen=True)
class Lock:
    """A sign-in lock in force: on a login (kind « compte ») or an address (« adresse »)."""

    kind: str
    target: str
    until: datetime

    @property
    def label(self) -> str:
        return f"{self.kind} {self.target}, jusqu'à {self.until.strftime('%d/%m/%Y %H:%M')} (UTC)"


def locks(
    ws: Workspace, *, now: datetime | None = None, rules: Throttle | None = None
) -> list[Lock]:
    """The sign-in locks in force now: logins, then addresses, each by end."""
    rules = rules or Throttle.from_settings()
    now = now or datetime.now(UTC)
    since = (now - 2 * timedelta(minutes=rules.minutes)).isoformat(timespec="seconds")
    out: list[Lock] = []
    with ws._connect() as con:
        rows = con.execute(
            "SELECT DISTINCT actor, target FROM audit WHERE action = 'connexion_refusee' "
            "AND at >= ?",
            (since,),
        ).fetchall()
        for kind, who in (("compte", {r[0] for r in rows}), ("adresse", {r[1] for r in rows})):
            found = []
            for w in sorted(filter(None, who)):
                end = _lock_end(con, kind, w, now, rules)
                if end is not None and end > now:
                    found.append(Lock(kind, w, end))
            out += sorted(found, key=lambda lk: lk.until)
    return out


def unlock(
    ws: Workspace,
    *,
    actor: str,
    login: str | None = None,
    address: str | None = None,
    now: datetime | None = None,
) -> str:
    """Lift the sign-in lock of `login` or of `address` (one of them) before its end: the
    refused attempts before now no longer count. Audited (« deblocage »). Returns what was
    unlocked, in French. The lock need not be in force (an unlock is then harmless)."""
    if (login is None) == (address is None):
        raise ValueError("indiquez un identifiant ou une adresse (un seul des deux)")
    if login is not None:
        kind, target = "compte", normalise_login(login)
    else:
        kind, target = "adresse", str(address).strip()
        if not target:
            raise ValueError("adresse vide")
    log(ws, actor, "deblocage", kind=kind, target=target, at=now)
    return f"Connexions débloquées : {kind} {target}."


def sign_in(
    ws: Workspace,
    login: str,
    password: str,
    address: str = "",
    *,
    now: datetime | None = None,
    rules: Throttle | None = None,
) -> SignIn:
    """A local-account sign-in: throttled first (see above), then the password checked;
    audited either way (the address in the audit row's target)."""
    try:
        login = normalise_login(login)
    except ValueError:
        return SignIn(None)
    method = {"méthode": "compte local"}
    wait = throttle_wait(ws, login, address, now=now, rules=rules)
    if wait > 0:
        log(
            ws,
            login,
            "connexion_bloquee",
            target=address,
            detail={**method, "attente_s": round(wait)},
            at=now,
        )
        return SignIn(None, wait)
    account = get_account(ws, login)
    ok = account is not None and account.active and verify_password(password, account.password_hash)
    log(
        ws, login, "connexion" if ok else "connexion_refusee", target=address, detail=method, at=now
    )
    return SignIn(account if ok else None)


# -------------------------------------------------------------------------------- audit


def record(
    con: Any,
    actor: str,
    action: str,
    *,
    kind: str = "",
    target: str = "",
    detail: dict | None = None,
    at: datetime | None = None,
) -> None:
    """One audit row, inside the caller's transaction (`at`: now by default)."""
    con.execute(
        "INSERT INTO audit(at, actor, action, kind, target, detail) VALUES (?,?,?,?,?,?)",
        (
            at.isoformat(timespec="seconds") if at else _now(),
            actor,
            action,
            kind,
            target,
            json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
        ),
    )


def log(
    ws: Workspace,
    actor: str,
    action: str,
    *,
    kind: str = "",
    target: str = "",
    detail: dict | None = None,
    at: datetime | None = None,
) -> None:
    """One audit row in its own transaction (exports, sign-ins), not waiting for a writer."""
    with ws._transaction(bump=False, lock=False) as con:
        record(con, actor, action, kind=kind, target=target, detail=detail, at=at)


def audit_frame(ws: Workspace, since: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """The audit trail, newest first, with French headers (page, CLI, CSV export)."""
    sql = "SELECT id, at, actor, action, kind, target, detail FROM audit"
    args: tuple = ()
    if since:
        sql += " WHERE at >= ?"
        args = (since,)
    sql += " ORDER BY id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    with ws._connect() as con:
        rows = con.execute(sql, args).fetchall()
    return pd.DataFrame(
        {
            "n°": [int(r[0]) for r in rows],
            "le (UTC)": [r[1].replace("T", " ").replace("+00:00", "") for r in rows],
            "par": [r[2] for r in rows],
            "action": [ACTION_LABELS.get(r[3], r[3]) for r in rows],
            "type de données": [r[4] for r in rows],
            "objet": [r[5] for r in rows],
            "détail": [_detail_text(r[6]) for r in rows],
        }
    )


def _detail_text(payload: str) -> str:
    try:
        detail = json.loads(payload or "{}")
    except ValueError:
        return payload
    return " ; ".join(f"{k} : {v}" for k, v in detail.items())
