"""Statistical secrecy for counts of children (primary and secondary cell suppression, audit).

Rules (counts of people, e.g. children of one EAJE by age band):

* **Primary suppression**: a count ``n`` with ``0 < n < threshold`` is hidden (default
  threshold 5). Zeros are published: they describe no one.
* **Secondary suppression** (heuristic, fast): more cells are hidden so that no hidden
  cell can be recovered exactly from what is published: from a total, from the other rows
  or columns, or by difference between two published aggregates (commune minus the other
  EAJE). In each additive line whose total is published, the hidden cells are at least
  two and add up to at least ``threshold``; no hidden cell is a bridge of the suppression
  graph (see below). A zero in a row or column known to be all zero is never chosen as a
  complement: counts are ≥ 0, so it is known to be 0 and protects nothing.
* **Audit** (the proof, `diagnostics.secrecy_audit`): the linear-programming interval of
  every hidden count below the threshold, computed from everything published and the fact
  that counts are integers ≥ 0, must satisfy the protection rule ``hi ≥ threshold`` and
  ``hi − lo ≥ threshold``. When it does not, more cells are hidden (`_enforce_audit`)
  until it does. For the EAJE sizes the attacker also knows that a listed EAJE has at least
  one child (`secrecy_audit.unit_line_fails`).

Tables protected here are *units × categories* with published unit totals:
rows = categories (age bands, income bands, communes of residence…), columns = units
(EAJE of one commune), plus the row margins (the commune column: all EAJE of the
commune). With the unit totals and the grand total published, the only unknowns an
attacker has are the hidden cells and hidden row margins, and each of them appears in
exactly two additive equations (its row, its column). The hidden cells are then the
edges of a bipartite graph (row nodes, column nodes, one node for the margin column): a
hidden cell can be solved for exactly iff it is a bridge of that graph, and its whole
feasible interval is a maximum-flow problem on that graph (the audit).

Several tables share the unit totals (age, family situation, income and residence are
four breakdowns of the same children). `protect_units` first protects the unit totals
(a one-line table); the units whose total is hidden are merged into one group column
(at least two units, enough children for the audit) whose total is then known, so every
dimension table has only published column totals: tables share no unknown and the
protection (and audit) of each one holds for all of them together.

Thresholds: the chosen threshold can be changed by the user (UI_MIN_THRESHOLD to
UI_MAX_THRESHOLD). To stop an attacker from combining two publications made with two
thresholds, the protection at threshold t is seeded with the (audited) protection at
t - 1 (down to ``floor``): everything published at a higher threshold can be derived from
what is published at a lower one, so publishing all of them teaches nothing more than the
lowest one alone, which is audited at its own threshold. The tests attack the union of
all thresholds with integer programming (tests/unit/test_secrecy_attack.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from diagnostics.secrecy_audit import cell_deficit, table_failures, unit_line_fails

DEFAULT_THRESHOLD = 5
MIN_THRESHOLD = 2  # below 2 nothing would be hidden
UI_MIN_THRESHOLD = DEFAULT_THRESHOLD  # the app never lets a user lower the threshold below this
UI_MAX_THRESHOLD = 20  # highest threshold the page offers
MAX_THRESHOLD = 50
AUDIT_TRIES = 16  # candidate complements evaluated exactly for one failing count


def primary(values: np.ndarray, threshold: int) -> np.ndarray:
    """Mask of counts hidden by the primary rule: 0 < n < threshold."""
    v = np.asarray(values, dtype=float)
    return (v > 0) & (v < threshold)


def _check_threshold(threshold: int) -> int:
    t = int(threshold)
    if t < MIN_THRESHOLD or t > MAX_THRESHOLD:
        raise ValueError(
            f"Seuil de secret statistique invalide : {threshold} "
            f"(entre {MIN_THRESHOLD} et {MAX_THRESHOLD})."
        )
    return t


def _pick(values: np.ndarray, candidates: np.ndarray) -> int | None:
    """Index of the preferred complementary cell: smallest positive value, else a zero."""
    idx = np.flatnonzero(candidates)
    if idx.size == 0:
        return None
    vals = values[idx]
    positive = vals > 0
    if positive.any():
        idx, vals = idx[positive], vals[positive]
    return int(idx[np.argmin(vals)])


# --------------------------------------------------------------------------------------------
# One line with a published total
# --------------------------------------------------------------------------------------------


def protect_line(
    values: np.ndarray, threshold: int = DEFAULT_THRESHOLD, seed: np.ndarray | None = None
) -> tuple[np.ndarray, bool]:
    """Protect counts whose sum is published.

    Returns (hidden mask of the cells, whether the total itself is hidden). When the total
    is below the threshold everything is hidden. Otherwise, hidden cells are never alone
    and add up to at least `threshold`. `seed`: cells that must be hidden anyway.
    """
    t = _check_threshold(threshold)
    v = np.asarray(values, dtype=float)
    total = float(v.sum())
    if 0 < total < t:
        return np.ones(v.shape, dtype=bool), True
    hidden = primary(v, t)
    if seed is not None:
        hidden |= np.asarray(seed, dtype=bool)
    while hidden.any():
        n_hidden = int(hidden.sum())
        s_hidden = float(v[hidden].sum())
        if n_hidden >= 2 and s_hidden >= t:
            break
        j = _pick(v, ~hidden)
        if j is None:
            break
        hidden[j] = True
    return hidden, False


def protect_line_chain(
    values: np.ndarray, threshold: int = DEFAULT_THRESHOLD, floor: int = DEFAULT_THRESHOLD
) -> tuple[np.ndarray, bool]:
    """`protect_line` at `threshold`, seeded by the protections at floor, floor + 1, …
    (so the patterns of two thresholds ≥ floor are nested)."""
    t = _check_threshold(threshold)
    hidden: np.ndarray | None = None
    total_hidden = False
    for step in range(min(_check_threshold(floor), t), t + 1):
        hidden, total_hidden = protect_line(values, step, seed=hidden)
    assert hidden is not None
    return hidden, total_hidden


# --------------------------------------------------------------------------------------------
# Table categories × units with published column totals
# --------------------------------------------------------------------------------------------


def bridges(n_nodes: int, edges: list[tuple[int, int]]) -> set[int]:
    """Indices of the bridges of an undirected simple graph (iterative Tarjan)."""
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for k, (a, b) in enumerate(edges):
        adj[a].append((b, k))
        adj[b].append((a, k))
    disc = [-1] * n_nodes
    low = [0] * n_nodes
    out: set[int] = set()
    timer = 0
    for root in range(n_nodes):
        if disc[root] != -1 or not adj[root]:
            continue
        disc[root] = low[root] = timer
        timer += 1
        stack: list[tuple[int, int, int]] = [
            (root, -1, 0)
        ]  # node, edge used to enter, next adj index
        while stack:
            node, in_edge, i = stack[-1]
            if i < len(adj[node]):
                stack[-1] = (node, in_edge, i + 1)
                nxt, k = adj[node][i]
                if k == in_edge:
                    continue
                if disc[nxt] == -1:
                    disc[nxt] = low[nxt] = timer
                    timer += 1
                    stack.append((nxt, k, 0))
                else:
                    low[node] = min(low[node], disc[nxt])
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > disc[parent]:
                        out.add(in_edge)
    return out


@dataclass(frozen=True)
class TableProtection:
    """Hidden masks of a categories × units table: cells (m × k) and row margins (m)."""

    cells: np.ndarray
    margin: np.ndarray
    all_hidden: bool = False
    audit_added: int = 0  # suppressions added because the audit found a too narrow interval


def protect_table(  # noqa: C901 - the secondary-secrecy algorithm reads best as one loop
    cells: np.ndarray,
    threshold: int = DEFAULT_THRESHOLD,
    seed_cells: np.ndarray | None = None,
    seed_margin: np.ndarray | None = None,
    seed_is_safe: bool = False,
) -> TableProtection:
    """Protect an m × k table of counts whose column totals and grand total are published.

    Row margins (sums over the units, e.g. the commune column) may be hidden too. The
    result has no hidden cell that is a bridge of the suppression graph, and in every
    line with a published total the hidden cells add up to at least `threshold`.
    seed_is_safe: the seeds are known to be bridge-free (a protection of the same table
    at a lower threshold); if nothing is added to them, the bridge search is skipped.
    """
    t = _check_threshold(threshold)
    x = np.asarray(cells, dtype=float)
    if x.ndim != 2:
        raise ValueError("cells doit être un tableau à deux dimensions")
    m, k = x.shape
    r = x.sum(axis=1)
    grand = float(x.sum())
    if 0 < grand < t:
        return TableProtection(np.ones((m, k), dtype=bool), np.ones(m, dtype=bool), True)
    hc = primary(x, t)
    hm = primary(r, t)
    if seed_cells is not None:
        hc |= np.asarray(seed_cells, dtype=bool)
    if seed_margin is not None:
        hm |= np.asarray(seed_margin, dtype=bool)

    def bad(h: np.ndarray, v: np.ndarray) -> bool:
        n = int(h.sum())
        return n > 0 and (n < 2 or float(v[h].sum()) < t)

    pref = np.where(x == 0, (float(x.max()) + 1 if x.size else 1.0) * 2, 0.0) + x  # positive first
    # A zero in a row whose margin is 0 (or a column whose total is 0) is known to be 0 from
    # counts being ≥ 0: hiding it protects nothing, so it is never a complement.
    useless = _useless_zeros(x)
    pref = np.where(useless, np.inf, pref)

    def line_rule() -> bool:
        changed = False
        # Rows whose margin is published: add the preferred free cell of each bad row.
        cnt, sm = hc.sum(axis=1), np.where(hc, x, 0).sum(axis=1)
        rows = np.flatnonzero(~hm & (cnt > 0) & ((cnt < 2) | (sm < t)))
        if rows.size:
            sc = np.where(hc[rows], np.inf, pref[rows])
            best = sc.argmin(axis=1)
            ok = np.isfinite(sc[np.arange(rows.size), best])
            hc[rows[ok], best[ok]] = True
            changed |= bool(ok.any())
        # Columns (published unit totals).
        cnt, sm = hc.sum(axis=0), np.where(hc, x, 0).sum(axis=0)
        cols = np.flatnonzero((cnt > 0) & ((cnt < 2) | (sm < t)))
        if cols.size:
            sc = np.where(hc[:, cols], np.inf, pref[:, cols])
            best = sc.argmin(axis=0)
            ok = np.isfinite(sc[best, np.arange(cols.size)])
            hc[best[ok], cols[ok]] = True
            changed |= bool(ok.any())
        # The margin column (grand total published).
        if bad(hm, r):
            i = _pick(r, ~hm)
            if i is not None:
                hm[i] = True
                changed = True
        return changed

    def bridge_rule() -> bool:
        # Nodes: rows 0..m-1, unit columns m..m+k-1, margin column m+k.
        ci, cj = np.nonzero(hc)
        edges = [(int(i), m + int(j)) for i, j in zip(ci, cj, strict=True)]
        edges += [(int(i), m + k) for i in np.flatnonzero(hm)]
        found = bridges(m + k + 1, edges)
        if not found:
            return False
        degree = np.zeros(m + k + 1, dtype=int)
        for a, b in edges:
            degree[a] += 1
            degree[b] += 1
        batch = sorted(found) if len(edges) > 400 else [min(found)]
        changed = False
        big = float(x.max()) + 1 if x.size else 1.0

        def score(values: np.ndarray, free: np.ndarray, deg: np.ndarray) -> np.ndarray:
            """Preference of each free cell: linked to a hidden cell, positive, smallest."""
            sc = (deg == 0) * big * 4 + (values == 0) * big * 2 + values
            return np.where(free, sc, np.inf)

        for e in batch:
            row, col = edges[e]
            # Candidates: the other cells of the row (incl. its margin), of the column.
            free_row = ~hc[row] & ~useless[row]
            if col < m + k:
                free_row[col - m] = False
            row_sc = score(x[row], free_row, degree[m : m + k])
            margin_sc = np.inf
            if not hm[row] and col != m + k:
                margin_sc = float(
                    score(np.array([r[row]]), np.array([True]), degree[m + k : m + k + 1])[0]
                )
            if col == m + k:
                free_col = ~hm.copy()
                free_col[row] = False
                col_sc = score(r, free_col, degree[:m])
            else:
                free_col = ~hc[:, col - m] & ~useless[:, col - m]
                free_col[row] = False
                col_sc = score(x[:, col - m], free_col, degree[:m])
            options = [
                (float(row_sc.min()) if row_sc.size else np.inf, "row"),
                (margin_sc, "margin"),
                (float(col_sc.min()) if col_sc.size else np.inf, "col"),
            ]
            best, what = min(options, key=lambda o: o[0])
            if not np.isfinite(best):
                continue
            if what == "row":
                hc[row, int(np.argmin(row_sc))] = True
            elif what == "margin":
                hm[row] = True
            elif col == m + k:
                hm[int(np.argmin(col_sc))] = True
            else:
                hc[int(np.argmin(col_sc)), col - m] = True
            changed = True
        return changed

    first = True
    while True:
        if line_rule():
            first = False
            continue
        if (
            first
            and seed_is_safe
            and seed_cells is not None
            and seed_margin is not None
            and (
                np.array_equal(hc, np.asarray(seed_cells, dtype=bool))
                and np.array_equal(hm, np.asarray(seed_margin, dtype=bool))
            )
        ):
            break  # same pattern as the (bridge-free) seed
        first = False
        if not bridge_rule():
            break
    before = int(hc.sum() + hm.sum())
    if not _enforce_audit(x, hc, hm, t):
        return TableProtection(np.ones((m, k), dtype=bool), np.ones(m, dtype=bool), True)
    return TableProtection(hc, hm, False, int(hc.sum() + hm.sum()) - before)


def _useless_zeros(x: np.ndarray) -> np.ndarray:
    """Zeros known to be zero whatever is hidden: in an all-zero row or column."""
    zero = x == 0
    return zero & ((x.sum(axis=1) == 0)[:, None] | (x.sum(axis=0) == 0)[None, :])


def _enforce_audit(x: np.ndarray, hc: np.ndarray, hm: np.ndarray, t: int) -> bool:
    """Add suppressions (in place) until every sensitive hidden count passes the audit.

    For the failing count with the largest deficit, the free cells of its row and column
    (and the margin of its row) are candidate complements: positive cells first, smallest
    first, never a zero of an all-zero line. Up to AUDIT_TRIES are evaluated exactly and
    the one that reduces the deficit most is hidden; if none does, all of them are hidden.
    Hiding more only widens every interval (one equality less), so the counts already
    passing keep passing and the loop ends: in the worst case the whole table is hidden,
    which passes as soon as the column totals and grand total are ≥ t. Returns False when
    even that fails (the table must then not be published at all).
    """
    m, k = x.shape
    useless = _useless_zeros(x)
    r = x.sum(axis=1)
    while True:
        fails = table_failures(x, hc, hm, t)
        if not fails:
            return True
        i, j, deficit = max(fails, key=lambda f: (f[2], -f[0], -f[1]))
        cands: list[tuple[float, int, int]] = []  # (preference, row, column or k = margin)
        if j < k:
            cands += [
                (float(x[a, j]), int(a), j)
                for a in np.flatnonzero(~hc[:, j] & ~useless[:, j])
                if a != i
            ]
            cands += [
                (float(x[i, b]), i, int(b)) for b in np.flatnonzero(~hc[i] & ~useless[i]) if b != j
            ]
            if not hm[i]:
                cands.append((float(r[i]), i, k))
        else:
            cands += [(float(r[a]), int(a), k) for a in np.flatnonzero(~hm) if a != i and r[a] > 0]
            cands += [(float(x[i, b]), i, int(b)) for b in np.flatnonzero(~hc[i] & ~useless[i])]
        if not cands:
            if hc.all() and hm.all():
                return False
            hc[:] = True
            hm[:] = True
            continue
        cands.sort(key=lambda c: (c[0] == 0, c[0], c[1], c[2]))
        best, best_deficit = None, deficit
        for _, a, b in cands[:AUDIT_TRIES]:
            _set(hc, hm, a, b, k, True)
            d = cell_deficit(x, hc, hm, i, j, t)
            _set(hc, hm, a, b, k, False)
            if d < best_deficit:
                best, best_deficit = (a, b), d
                if d == 0:
                    break
        if best is not None:
            _set(hc, hm, best[0], best[1], k, True)
        else:
            for _, a, b in cands:
                _set(hc, hm, a, b, k, True)


def _set(hc: np.ndarray, hm: np.ndarray, a: int, b: int, k: int, value: bool) -> None:
    if b == k:
        hm[a] = value
    else:
        hc[a, b] = value


# --------------------------------------------------------------------------------------------
# Units sharing their totals across several dimension tables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitsProtection:
    """Protection of several breakdowns of the same units (EAJE of one commune).

    hidden_units: units whose total (and whole profile) is hidden; they are merged into
    one group column, never shown alone. all_hidden: the grand total is below the
    threshold and nothing is published. tables[d]: TableProtection of dimension d, whose
    columns are the visible units (in their original order) then the group column when
    any unit is hidden.
    """

    threshold: int
    hidden_units: np.ndarray
    all_hidden: bool
    tables: Mapping[str, TableProtection]

    @property
    def visible_units(self) -> np.ndarray:
        return np.flatnonzero(~self.hidden_units)

    @property
    def has_group(self) -> bool:
        return bool(self.hidden_units.any())

    @property
    def audit_added(self) -> int:
        """Cells hidden by the audit on top of the line and bridge rules (this threshold)."""
        return sum(tp.audit_added for tp in self.tables.values())


def grouped_matrix(cells: np.ndarray, hidden_units: np.ndarray) -> np.ndarray:
    """Columns of the visible units, then one column summing the hidden units (if any)."""
    x = np.asarray(cells, dtype=float)
    visible = x[:, ~hidden_units]
    if hidden_units.any():
        return np.column_stack([visible, x[:, hidden_units].sum(axis=1)])
    return visible


def protect_units(
    tables: Mapping[str, np.ndarray],
    totals: np.ndarray,
    threshold: int = DEFAULT_THRESHOLD,
    floor: int = DEFAULT_THRESHOLD,
) -> UnitsProtection:
    """Protect breakdowns (dimension -> categories × units counts) of units with `totals`.

    Each table's columns must add up to `totals`. The protection at `threshold` is seeded
    by the protections at floor … threshold - 1 (nested publications, see module doc).
    """
    t = _check_threshold(threshold)
    tot = np.asarray(totals, dtype=float)
    for name, tab in tables.items():
        arr = np.asarray(tab, dtype=float)
        if arr.shape[1] != tot.shape[0] or not np.allclose(arr.sum(axis=0), tot):
            raise ValueError(f"Les colonnes du tableau {name!r} ne correspondent pas aux totaux")
    prev: UnitsProtection | None = None
    for step in range(min(_check_threshold(floor), t), t + 1):
        prev = _protect_units_once(tables, tot, step, prev)
    assert prev is not None
    return prev


def protect_units_step(
    tables: Mapping[str, np.ndarray],
    totals: np.ndarray,
    threshold: int,
    previous: UnitsProtection,
) -> UnitsProtection:
    """The protection at `threshold` from the one at threshold − 1 (one step of the chain
    of `protect_units`, same result)."""
    t = _check_threshold(threshold)
    if previous.threshold != t - 1:
        raise ValueError(
            "la protection précédente doit être celle du seuil immédiatement inférieur"
        )
    return _protect_units_once(tables, np.asarray(totals, dtype=float), t, previous)


def _all_hidden(tables: Mapping[str, np.ndarray], totals: np.ndarray, t: int) -> UnitsProtection:
    """Protection hiding every unit and every cell (nothing can be shown)."""
    return UnitsProtection(
        t,
        np.ones(totals.shape[0], dtype=bool),
        True,
        {
            d: TableProtection(
                np.ones((np.asarray(x).shape[0], 1), dtype=bool),
                np.ones(np.asarray(x).shape[0], dtype=bool),
                True,
            )
            for d, x in tables.items()
        },
    )


def _protect_units_once(
    tables: Mapping[str, np.ndarray], totals: np.ndarray, t: int, prev: UnitsProtection | None
) -> UnitsProtection:
    seed_units = prev.hidden_units if prev is not None else None
    if prev is not None and prev.all_hidden:
        return _all_hidden(tables, totals, t)
    hidden_units, all_hidden = protect_line(totals, t, seed=seed_units)
    hidden_units, all_hidden = _enforce_unit_line(totals, hidden_units, all_hidden, t)
    if all_hidden:
        return _all_hidden(tables, totals, t)
    out: dict[str, TableProtection] = {}
    for d, tab in tables.items():
        x = np.asarray(tab, dtype=float)
        mat = grouped_matrix(x, hidden_units)
        seed_c = seed_m = None
        if prev is not None:
            seed_c, seed_m = _lift(prev, d, x.shape[0], hidden_units)
        same_grouping = prev is not None and np.array_equal(prev.hidden_units, hidden_units)
        out[d] = protect_table(mat, t, seed_c, seed_m, seed_is_safe=same_grouping)
    return UnitsProtection(t, hidden_units, False, out)


def _enforce_unit_line(
    totals: np.ndarray, hidden: np.ndarray, all_hidden: bool, t: int
) -> tuple[np.ndarray, bool]:
    """Hide more units until the hidden EAJE sizes pass the audit (G − h ≥ t, see
    secrecy_audit.unit_line_fails); with nothing left to hide, nothing is published."""
    hidden = hidden.copy()
    while not all_hidden and unit_line_fails(totals, hidden, t):
        free = np.flatnonzero(~hidden & (totals > 1))  # a unit of 1 child adds nothing
        if free.size == 0:
            return np.ones_like(hidden), True
        g, n = float(totals[hidden].sum()), int(hidden.sum())
        enough = free[g + totals[free] - (n + 1) >= t]
        pick = enough[np.argmin(totals[enough])] if enough.size else free[np.argmax(totals[free])]
        hidden[pick] = True
    return hidden, all_hidden


def _lift(
    prev: UnitsProtection, d: str, m: int, hidden_units: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Hidden cells at the previous threshold, mapped onto the columns of the new grouping.

    A cell is seeded hidden when its value could not be derived from the previous
    publication: a visible unit's cell hidden before, or a group cell made of any cell
    hidden before (previous group cell or a newly grouped unit's cell).
    """
    p = prev.tables[d]
    prev_visible = np.flatnonzero(~prev.hidden_units)
    col_of_prev = {int(u): c for c, u in enumerate(prev_visible)}
    visible = np.flatnonzero(~hidden_units)
    n_cols = visible.size + (1 if hidden_units.any() else 0)
    seed = np.zeros((m, n_cols), dtype=bool)
    for c, u in enumerate(visible):
        seed[:, c] = p.cells[:, col_of_prev[int(u)]]
    if hidden_units.any():
        g = np.zeros(m, dtype=bool)
        if prev.has_group:
            g |= p.cells[:, -1]
        for u in np.flatnonzero(hidden_units & ~prev.hidden_units):
            g |= p.cells[:, col_of_prev[int(u)]]
        seed[:, -1] = g
    return seed, p.margin.copy()
