"""The administration page: the audit trail (filter, export) and the accounts (issue 20).
Accounts are created and changed from the command line (`python -m datastore users …`): the
page lists them."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from datastore import accounts
from datastore.accounts import Role
from diagnostics.formatting import fmt_number
from reports.tables import to_csv_fr, to_xlsx
from ui import auth, cache

SOURCE = "Journal d'audit de l'application"


def render_audit() -> None:
    since = st.date_input(
        "Depuis le", value=date.today() - timedelta(days=30), key="admin_audit_since"
    )
    frame = accounts.audit_frame(cache.raw_workspace(), since=since.isoformat())
    st.caption(f"{len(frame)} événements depuis le {since.strftime('%d/%m/%Y')} (heure UTC).")
    st.dataframe(frame, hide_index=True, width="stretch")
    c1, c2 = st.columns(2)
    auth.download_button(
        c1,
        "Journal (CSV, ;)",
        to_csv_fr(frame, SOURCE),
        file_name=f"journal_audit_{since.isoformat()}.csv",
        mime="text/csv",
        key="admin_audit_csv",
        export="audit:csv",
    )
    auth.download_button(
        c2,
        "Journal (XLSX)",
        to_xlsx({"journal": frame}, {"journal": SOURCE}),
        file_name=f"journal_audit_{since.isoformat()}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="admin_audit_xlsx",
        export="audit:xlsx",
    )


def render_accounts() -> None:
    rows = accounts.list_accounts(cache.raw_workspace())
    if not rows:
        st.info("Aucun compte : créez-en avec `python -m datastore users add`.")
        return
    st.dataframe(
        {
            "identifiant": [a.login for a in rows],
            "nom": [a.name for a in rows],
            "rôles": [a.roles_label() for a in rows],
            "départements": [", ".join(a.departements) or "tous" for a in rows],
            "mot de passe": [
                "oui" if a.has_password else "non (fournisseur d'identité)" for a in rows
            ],
            "actif": ["oui" if a.active else "non" for a in rows],
            "modifié le (UTC)": [
                a.updated_at.replace("T", " ").replace("+00:00", "") for a in rows
            ],
        },
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Créer ou modifier un compte : `python -m datastore users add IDENTIFIANT --roles "
        "lecture,filoue --departements 42` ; `users passwd`, `users disable`, `users delete`, "
        "`users list`, `users unlock`."
    )
    render_locks()


def _unlock(lock: accounts.Lock) -> None:
    user = auth.require(Role.ADMIN, "débloquer des connexions")
    key = {"login": lock.target} if lock.kind == "compte" else {"address": lock.target}
    st.session_state["admin_unlocked"] = accounts.unlock(
        cache.raw_workspace(), actor=user.login, **key
    )


def render_locks() -> None:
    """Sign-ins locked after too many refused passwords (datastore.accounts), each with a
    button that lifts the lock (audited)."""
    st.subheader("Connexions bloquées")
    done = st.session_state.pop("admin_unlocked", None)
    if done:
        st.success(done)
    found = accounts.locks(cache.raw_workspace())
    rules = accounts.Throttle.from_settings()
    st.caption(
        f"Après {rules.attempts} mots de passe refusés pour un compte, ou "
        f"{rules.address_attempts} depuis une même adresse, en {fmt_number(rules.minutes)} min, "
        "les connexions sont refusées pendant ce délai (réglages `login_attempts`, "
        "`login_address_attempts`, `login_lock_minutes`)."
    )
    if not found:
        st.write("Aucune connexion bloquée.")
        return
    for i, lock in enumerate(found):
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        c1.write(f"Bloqué : {lock.label}")
        c2.button("Débloquer", key=f"admin_unlock_{i}", on_click=_unlock, args=(lock,))
