"""Sign-in and the one place where roles are checked on the server (issue 20).

With the setting `auth` empty (default) the app is open, as before: one user, every grant,
nothing is asked. With `auth = "comptes"` and/or `"oidc"` (datastore.settings):

- a signed-out user gets the sign-in page and nothing else (`gate`, called by `app.py` before
  any page runs: no page script, no sidebar, no data);
- a session lasts `session_hours` after sign-in; an expired session is signed out;
- local-account sign-ins are throttled (datastore.accounts.sign_in): after `login_attempts`
  refused passwords for one account, or `login_address_attempts` from one address
  (`client_address`), within `login_lock_minutes`, attempts are refused for that delay;
- the account is read again at every rerun: a role withdrawn or an account disabled takes
  effect at the user's next click;
- every page declares its role in `ui/pages.py`; `gate` refuses a page whose role the user
  lacks (French message) and a page with no declared role; the navigation hides the pages a
  user may not open, but the refusal does not depend on that;
- an account limited to some départements is refused any territory not entirely in them,
  whatever the URL says (`?niveau=departement&code=69`, `?communes=…`);
- actions are checked where they reach the store: `workspace()` hands the pages a
  `GuardedWorkspace` whose writes require their role (imports, deletions, restorations:
  administrateur; zonings, checklists, follow-up tables: chargé d'études) and carry the
  signed-in user as author; the store records them in the audit trail;
- exports go through `download_button`, which requires the export's role (Filoué exports:
  Filoué) and, when sign-in is on, records the export in the audit trail.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, NoReturn

import streamlit as st

from datastore import accounts
from datastore.accounts import ROLE_LABELS, Role
from datastore.kinds import Kind
from datastore.settings import setting
from datastore.store import StoreError, Workspace, default_author
from geodata.territory import (
    ARRONDISSEMENT_PARENT,
    Level,
    Territory,
    communes_of,
    is_arrondissement,
)

SESSION_KEY = "auth_session"  # {"login": str, "method": "comptes"|"oidc", "at": epoch seconds}
_NOTICE_KEY = "auth_notice"
_USER_KEY = "auth_user"  # the User of the current run, set by gate()
METHODS = ("comptes", "oidc")


def methods() -> tuple[str, ...]:
    """The sign-in methods the deployment asks for (empty: open, single user)."""
    wanted = {m.strip().lower() for m in setting("auth").split(",") if m.strip()}
    unknown = wanted - set(METHODS) - {"aucune", "none"}
    if unknown:
        raise StoreError(
            f"Réglage auth inconnu : {', '.join(sorted(unknown))} (valeurs possibles : "
            "comptes, oidc, ou les deux séparés par une virgule)."
        )
    return tuple(m for m in METHODS if m in wanted)


def session_seconds() -> float:
    try:
        return float(setting("session_hours", "8")) * 3600
    except ValueError:
        return 8 * 3600


@dataclass(frozen=True)
class User:
    login: str
    name: str
    grants: frozenset[Role]
    departements: tuple[str, ...] = ()
    method: str = "ouvert"

    def can(self, role: Role) -> bool:
        return role in self.grants

    @property
    def label(self) -> str:
        return self.name or self.login


OPEN_USER = User("", "", accounts.ALL_GRANTS)


class AccessDenied(StoreError):
    """An action the signed-in user's roles do not allow (French message)."""


# ------------------------------------------------------------------------------- users


def _raw_workspace() -> Workspace:
    from ui import cache

    return cache.store()


def _sign_out(notice: str | None = None) -> None:
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(_USER_KEY, None)
    if notice:
        st.session_state[_NOTICE_KEY] = notice


def _oidc_session() -> dict | None:
    """A session from Streamlit's identity cookie (st.login), once per sign-in."""
    try:
        logged_in = bool(st.user.is_logged_in)
    except (AttributeError, KeyError):
        return None
    if not logged_in:
        return None
    email = str(st.user.get("email") or "").strip().lower()
    if not email:
        return None
    issued = st.user.get("iat")
    at = float(issued) if isinstance(issued, int | float) else time.time()
    return {"login": email, "method": "oidc", "at": at}


def current_user() -> User | None:
    """The signed-in user (OPEN_USER when sign-in is off), else None."""
    wanted = methods()
    if not wanted:
        return OPEN_USER
    session = st.session_state.get(SESSION_KEY)
    if session is None and "oidc" in wanted:
        session = _oidc_session()
        if session is not None:
            accounts.log(
                _raw_workspace(), session["login"], "connexion", detail={"méthode": "oidc"}
            )
            st.session_state[SESSION_KEY] = session
    if session is None:
        return None
    if session["method"] not in wanted:
        _sign_out()
        return None
    if time.time() - float(session["at"]) > session_seconds():
        _sign_out("Votre session a expiré : connectez-vous de nouveau.")
        if session["method"] == "oidc":
            st.logout()
        return None
    account = accounts.get_account(_raw_workspace(), session["login"])
    if account is None or not account.active:
        _sign_out(
            "Ce compte n'a pas (ou plus) accès à l'application : demandez à l'administrateur "
            "de vous ouvrir un compte ou de le réactiver."
        )
        return None
    return User(
        account.login, account.name, account.grants, account.departements, session["method"]
    )


def run_user() -> User:
    """The user of the current run (set by gate; OPEN_USER when sign-in is off)."""
    user = st.session_state.get(_USER_KEY)
    if isinstance(user, User):
        return user
    user = current_user()
    if user is None:
        raise AccessDenied("Connexion requise.")
    return user


def author() -> str:
    """Who is acting, for the versions and the audit trail."""
    user = run_user()
    return user.login or default_author()


# ------------------------------------------------------------------------------- sign-in


def client_address() -> str:
    """The address a sign-in attempt comes from, for the throttle and the audit trail."""
    direct = st.context.ip_address
    forwarded = st.context.headers.get("X-Forwarded-For")
    return address_of(
        direct if isinstance(direct, str) else None,  # None on localhost (a mock in AppTest)
        forwarded if isinstance(forwarded, str) else None,
    )


def address_of(direct: str | None, forwarded: str | None) -> str:
    """The WebSocket peer's address, or, when that is this machine (the README's reverse proxy
    runs on the same host), the last entry of X-Forwarded-For: the one the proxy added
    (earlier entries come from the client and can be forged). « local » when neither."""
    loopback = not direct
    with suppress(ValueError):
        loopback = loopback or ipaddress.ip_address(direct or "").is_loopback
    if loopback and forwarded and forwarded.strip(" ,"):
        return forwarded.strip(" ,").split(",")[-1].strip()
    return direct or "local"


def wait_text(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


def _sign_in_local(login: str, password: str) -> None:
    result = accounts.sign_in(_raw_workspace(), login, password, client_address())
    account = result.account
    if result.wait_seconds > 0:
        st.session_state[_NOTICE_KEY] = (
            "Trop de tentatives refusées pour ce compte ou depuis cette adresse : réessayez "
            f"dans {wait_text(result.wait_seconds)}."
        )
        return
    if account is None:
        st.session_state[_NOTICE_KEY] = "Identifiant ou mot de passe incorrect."
        return
    st.session_state[SESSION_KEY] = {"login": account.login, "method": "comptes", "at": time.time()}
    st.session_state.pop(_NOTICE_KEY, None)


def render_sign_in() -> None:
    """The sign-in page: the only thing a signed-out user sees."""
    st.title("Connexion")
    st.caption(
        "Diagnostics territoriaux des services aux familles : l'accès est réservé aux "
        "personnes disposant d'un compte."
    )
    notice = st.session_state.get(_NOTICE_KEY)
    if notice:
        st.warning(notice, icon=":material/lock:")
    wanted = methods()
    if "oidc" in wanted:
        provider = setting("oidc_provider") or None
        st.button(
            "Se connecter avec le compte de l'organisme",
            key="auth_oidc",
            type="primary",
            on_click=st.login,
            args=(provider,) if provider else (),
        )
    if "comptes" in wanted:
        with st.form("auth_form"):
            login = st.text_input("Identifiant", key="auth_login")
            password = st.text_input("Mot de passe", type="password", key="auth_password")
            if st.form_submit_button("Se connecter"):
                _sign_in_local(login, password)
                st.rerun()


def render_account_box(user: User) -> None:
    """Who is signed in and the sign-out button (sidebar), when sign-in is on."""
    if user.method == "ouvert":
        return
    with st.sidebar:
        roles = ", ".join(ROLE_LABELS[r] for r in Role if r in user.grants)
        st.caption(f"Connecté : {user.label} ({roles})")
        if user.departements:
            st.caption("Départements : " + ", ".join(user.departements))
        if st.button("Se déconnecter", key="auth_logout"):
            accounts.log(_raw_workspace(), user.login, "connexion", detail={"déconnexion": True})
            _sign_out()
            if user.method == "oidc":
                st.logout()
            st.rerun()


# --------------------------------------------------------------------------------- checks


def refuse(message: str) -> NoReturn:
    st.error(message, icon=":material/block:")
    st.stop()
    raise AssertionError("st.stop() returned")  # pragma: no cover


def gate(url_path: str) -> User:
    """THE check before any page runs: sign-in, then the page's role. Stops the run with the
    sign-in page or a French refusal."""
    from ui import pages

    user = current_user()
    if user is None:
        st.session_state.pop(_USER_KEY, None)
        render_sign_in()
        st.stop()
    st.session_state[_USER_KEY] = user
    try:
        spec = pages.page(url_path)
    except KeyError:
        refuse("Page inconnue.")
    if spec.role is None:
        refuse(
            f"La page « {spec.title} » n'a pas encore de rôle déclaré (ui/pages.py) : elle reste "
            "fermée tant que ce n'est pas fait."
        )
    if not user.can(spec.role):
        refuse(
            f"La page « {spec.title} » est réservée au rôle « {ROLE_LABELS[spec.role]} », que "
            "votre compte n'a pas. Demandez-le à l'administrateur si vous en avez besoin."
        )
    return user


def menu_grants(user: User | None) -> frozenset[Role] | None:
    """What the navigation menu shows: everything when sign-in is off (None), nothing to a
    signed-out user, the pages of a signed-in user's roles."""
    if user is OPEN_USER:
        return None
    return frozenset() if user is None else user.grants


def start_territory(user: User) -> None:
    """A user limited to départements starts on the first of them (not on France, which is
    refused to them) when neither the session nor the URL names a territory."""
    from ui import state

    first = default_territory(user)
    if first is None or "territory_key" in st.session_state:
        return
    if "niveau" in st.query_params or "code" in st.query_params:
        return
    from geodata.territory import make_territory
    from ui import cache

    state.select_territory(make_territory(cache.geography(), first.level, first.code), rerun=False)


def territory_departements(territory: Territory) -> frozenset[str]:
    from ui import cache

    geo = cache.geography()
    if territory.level is Level.FRANCE:
        return frozenset(geo.departements["dep"]) if "dep" in geo.departements else frozenset()
    if is_arrondissement(territory):
        territory = Territory(Level.COMMUNE, ARRONDISSEMENT_PARENT[territory.code])
    return frozenset(communes_of(geo, territory)["dep"])


def commune_departements(codes: Sequence[str]) -> frozenset[str]:
    from ui import cache

    communes = cache.geography().communes
    found = communes.loc[communes["code_insee"].isin(list(codes)), "dep"]
    return frozenset(found)


def territory_refusal(user: User, territory: Territory) -> str | None:
    """Why `territory` is refused to `user` (French), or None: a user limited to some
    départements sees only territories entirely in them. app.py draws the territory picker,
    then refuses (`refuse`)."""
    if not user.departements:
        return None
    allowed = set(user.departements)
    deps = set(territory_departements(territory))
    communes = [c for c in str(st.query_params.get("communes", "")).split(",") if c.strip()]
    if communes:
        deps |= commune_departements([c.strip() for c in communes]) or {"?"}
    if not deps or not deps <= allowed:
        return (
            f"« {territory.label} » n'est pas dans les départements ouverts à votre compte "
            f"({', '.join(user.departements)}) : cette page ne peut pas l'afficher. Choisissez "
            "un territoire de vos départements."
        )
    return None


def default_territory(user: User) -> Territory | None:
    """The territory a user limited to départements starts on (their first département)."""
    if not user.departements:
        return None
    return Territory(Level.DEPARTEMENT, user.departements[0])


# ----------------------------------------------------------------------- guarded actions

#: dataset types saved from the app by the chargés d'études (follow-up tables of the CTG page)
FOLLOW_UP_KINDS = frozenset({Kind.CTG_AVENANTS.value, Kind.CTG_SUIVI.value})


def require(role: Role, action: str, user: User | None = None) -> User:
    """The user of the run, if they hold `role`; else AccessDenied (French, nothing done)."""
    user = user or run_user()
    if not user.can(role):
        raise AccessDenied(
            f"Action refusée : {action} est réservé au rôle « {ROLE_LABELS[role]} », que votre "
            "compte n'a pas. Rien n'a été modifié."
        )
    return user


class GuardedWorkspace:
    """The workspace as the pages see it: reads pass through; every write requires its role
    and carries the signed-in user as author (checked here, whatever the page shows)."""

    def __init__(self, ws: Workspace, user: Callable[[], User] | None = None) -> None:
        self._ws = ws
        self._user = user or run_user

    def _require(self, role: Role, action: str) -> User:
        return require(role, action, self._user())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ws, name)

    def _author(self, given: str | None) -> str:
        user = self._user()
        return user.login if user.login else (given or default_author())

    def read(self, kind: str, millesime: int | None = None) -> Any:
        if kind == "filoue":
            self._require(Role.FILOUE, "la lecture des données Filoué")
        self._require(Role.LECTURE, "la lecture des données")
        return self._ws.read(kind, millesime)

    def commit_many(self, items: list, *args: Any, **kwargs: Any) -> Any:
        kinds = {it.kind for it in items}
        if kinds and kinds <= FOLLOW_UP_KINDS:
            self._require(Role.CHARGE_ETUDES, "l'enregistrement d'un tableau de suivi")
        else:
            self._require(Role.ADMIN, "l'import de données")
        kwargs["author"] = self._author(kwargs.get("author"))
        return self._ws.commit_many(items, *args, **kwargs)

    def commit(self, *args: Any, **kwargs: Any) -> Any:
        self._require(Role.ADMIN, "l'import de données")
        kwargs["author"] = self._author(kwargs.get("author"))
        return self._ws.commit(*args, **kwargs)

    def restore(self, kind: str, version_id: int, author: str | None = None) -> Any:
        self._require(Role.ADMIN, "la restauration d'une version")
        return self._ws.restore(kind, version_id, author=self._author(author))

    def delete(self, dataset_id: int, author: str | None = None) -> Any:
        self._require(Role.ADMIN, "la suppression d'un jeu de données")
        return self._ws.delete(dataset_id, author=self._author(author))

    def save_document(self, kind: str, name: str, payload: dict | list) -> None:
        self._require(Role.CHARGE_ETUDES, "l'enregistrement (zonage, liste de contrôle)")
        self._ws.save_document(kind, name, payload)

    def delete_document(self, kind: str, name: str) -> None:
        self._require(Role.CHARGE_ETUDES, "la suppression d'un document enregistré")
        self._ws.delete_document(kind, name)


# --------------------------------------------------------------------------------- exports

#: export families and their role; anything else needs « lecture »
EXPORT_ROLES = {"filoue": Role.FILOUE, "audit": Role.ADMIN}


def export_role(export: str) -> Role:
    return EXPORT_ROLES.get(export.split(":", 1)[0], Role.LECTURE)


def export_allowed(user: User, export: str) -> bool:
    return user.can(export_role(export))


def may_export(export: str) -> bool:
    return export_allowed(run_user(), export)


def export_refusal(export: str) -> str:
    return f"Export réservé au rôle « {ROLE_LABELS[export_role(export)]} »."


def _record_export(export: str, file_name: str) -> None:
    user = run_user()
    accounts.log(
        _raw_workspace(),
        user.login,
        "export",
        kind=export.split(":", 1)[0],
        target=file_name,
        detail={"export": export},
    )


def download_button(
    container: Any,
    label: str,
    data: bytes | str | Callable[[], bytes],
    *,
    file_name: str,
    mime: str,
    key: str,
    export: str,
    on_click: str = "ignore",
    **kwargs: Any,
) -> bool:
    """THE export helper: the button only if the user holds the export's role (a refusal
    otherwise), and the export recorded in the audit trail when sign-in is on. `export` names
    the family (« filoue:… » for Filoué exports). Returns whether the button was drawn."""
    user = run_user()
    if not export_allowed(user, export):
        container.caption(export_refusal(export))
        return False
    click: Any = on_click
    if user.method != "ouvert":  # audited: the click reruns once to write the audit row
        click = _record_export
        kwargs["args"] = (export, file_name)
    container.download_button(
        label, data, file_name=file_name, mime=mime, key=key, on_click=click, **kwargs
    )
    return True
