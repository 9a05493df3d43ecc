"""Audit of a suppression pattern: what an attacker can still learn about each hidden count.

An attacker of a protected table knows every published figure, that the cells of a row add
up to its margin (the commune column), that the cells of a column add up to the unit total
(EAJE or group of EAJE, always published), that the margins add up to the grand total, and
that counts are integers ≥ 0. For a hidden count x its *feasible interval* [lo, hi] is the
smallest and largest value consistent with all of that: the linear programmes
``min / max x`` over the table polytope (the method of τ-Argus' audit).

Protection rule (frequency rule with a protection interval, τ-Argus style): every hidden
count x with 0 < x < L (L = the threshold) must have

* ``hi ≥ L``: the attacker cannot prove that the count is below the threshold: it may
  be a publishable figure (upper protection level L − x);
* ``hi − lo ≥ L``: the uncertainty is at least the threshold, the width a published
  total of L children split between two hidden cells gives (protection width L).

Zeros and hidden counts ≥ L (secondary suppressions) need no protection: a zero describes
no one and a count ≥ L could have been published.

How the intervals are computed. The constraint matrix of one table with its margins is a
network matrix: writing ``y_i = −r_i`` for the margins, every unknown appears with +1 in
exactly two equations (its row; its column or the margin column), so the table is a
bipartite graph (rows | unit columns + margin column) and a change of the hidden counts
that keeps every published figure is a circulation along alternating cycles. With arcs
row → column "increase this cell" (unbounded) and column → row "decrease it" (at most its
value; for a margin the roles swap since y = −r), the largest increase of a hidden cell
(i, j) is the maximum flow from j to i without that cell's own arc, and its largest
decrease the maximum flow from i to j, bounded by x. Network matrices are totally
unimodular: these flows are the exact linear-programming optima and they are integral, so
the integer attacker learns nothing more. Flows are computed with
`scipy.sparse.csgraph.maximum_flow` (Dinic); arc capacities are capped at L, which keeps
min(flow, L) exact (a cut through an arc ≥ L is worth ≥ L) and is all the rule needs.

Speed: before any flow, a cheap certificate (arc-disjoint two-hop paths through the other
columns and the margin column) proves the rule for most cells of large tables; only the
cells it cannot certify get exact flows. Tables are audited separately: their column
totals are all published, so they share no unknown (see diagnostics.secrecy).

The tests attack the whole publication (all tables, every threshold, integer programming
with scipy `milp`) independently of this module.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_flow


def sensitive(values: np.ndarray, level: int) -> np.ndarray:
    """Counts that need protection at `level`: 0 < n < level."""
    v = np.asarray(values, dtype=float)
    return (v > 0) & (v < level)


def rule_holds(x: np.ndarray, up: np.ndarray, down: np.ndarray, level: int) -> np.ndarray:
    """Protection rule from x, its largest increase `up` and largest decrease `down`."""
    return (np.asarray(x) + up >= level) & (np.asarray(up) + down >= level)


class TableNetwork:
    """Flow network of one table's hidden counts (cells m × k, margins m)."""

    def __init__(
        self, x: np.ndarray, hc: np.ndarray, hm: np.ndarray, r: np.ndarray, level: int
    ) -> None:
        m, k = x.shape
        self.m, self.k, self.level = m, k, int(level)
        self.mnode = m + k
        cap = float(level)
        ci, cj = np.nonzero(hc)
        mi = np.flatnonzero(hm)
        tails = np.concatenate([ci, m + cj, mi, np.full(mi.size, self.mnode)])
        heads = np.concatenate([m + cj, ci, np.full(mi.size, self.mnode), mi])
        caps = np.concatenate(
            [
                np.full(ci.size, cap),
                np.minimum(x[ci, cj], cap),
                np.minimum(r[mi], cap),
                np.full(mi.size, cap),
            ]
        )
        n = m + k + 1
        g = sp.csr_array(
            (caps.astype(np.int32), (tails.astype(np.int64), heads.astype(np.int64))),
            shape=(n, n),
        )
        g.sort_indices()
        self.g = g

    def _arc(self, a: int, b: int) -> int:
        lo, hi = self.g.indptr[a], self.g.indptr[a + 1]
        pos = int(lo + np.searchsorted(self.g.indices[lo:hi], b))
        if pos >= hi or self.g.indices[pos] != b:
            raise KeyError((a, b))
        return pos

    def flow(self, source: int, sink: int, without: tuple[int, int]) -> float:
        """Maximum flow (capped arcs) from source to sink, the arc `without` removed."""
        data = self.g.data.copy()
        data[self._arc(*without)] = 0
        g = sp.csr_array((data, self.g.indices, self.g.indptr), shape=self.g.shape)
        return float(maximum_flow(g, source, sink, method="dinic").flow_value)

    def cell_moves(self, i: int, j: int, x: float) -> tuple[float, float]:
        """(largest increase, largest decrease) of hidden cell (i, j), capped at the level."""
        col = self.m + j
        up = self.flow(col, i, without=(col, i))
        if x + up >= self.level and up >= self.level:
            return up, 0.0  # the rule holds whatever the decrease
        down = min(x, self.flow(i, col, without=(i, col)))
        return up, down

    def margin_moves(self, i: int, r: float) -> tuple[float, float]:
        """(largest increase, largest decrease) of hidden margin i (y = −r reverses arcs)."""
        up = self.flow(i, self.mnode, without=(i, self.mnode))
        if r + up >= self.level and up >= self.level:
            return up, 0.0
        down = min(r, self.flow(self.mnode, i, without=(self.mnode, i)))
        return up, down


HUB_ROWS = 3  # rows with the most hidden cells, used as relays by the certificate


def _certified_cells(
    x: np.ndarray, hc: np.ndarray, hm: np.ndarray, r: np.ndarray, ci, cj, level: int
) -> np.ndarray:
    """Cells proven safe by `_certificate`: first without relays, then with the hub rows."""
    hf = hc.astype(float)
    p = hf @ (hf * x).T  # p[a, b] = Σ_l h[a,l] h[b,l] x[b,l]: two-hop capacity a → l → b
    ok = _certificate(x, hc, hm, r, p, ci, cj, level, ())
    if not ok.all():
        hubs = tuple(np.argsort(-hc.sum(axis=1), kind="stable")[: min(HUB_ROWS, x.shape[0])])
        rest = np.flatnonzero(~ok)
        ok[rest] = _certificate(x, hc, hm, r, p, ci[rest], cj[rest], level, hubs)
    return ok


def _certificate(
    x: np.ndarray,
    hc: np.ndarray,
    hm: np.ndarray,
    r: np.ndarray,
    p: np.ndarray,
    ci: np.ndarray,
    cj: np.ndarray,
    level: int,
    hubs: tuple[int, ...],
) -> np.ndarray:
    """Cells for which simple arc-disjoint paths already prove the rule (lower bounds).

    C(k → i), a lower bound of the flow from row k to row i avoiding the cell's column j:
    the best of (a) the two-hop paths k → l → i through the other columns l hidden in
    both rows (k → l unbounded, l → i capacity x_il) plus k → M → i through the margins
    (capacity r_k), and (b) the same two-hop paths relayed by one hub row w (a row hidden
    in many columns): min(C2(k → w), C2(w → i)).

    Increase of (i, j): column j sends to its other hidden rows k (capacity a_k = x_kj).
    A cut either cuts the arcs of the rows K' kept on the source side's complement or
    separates a kept row from i, so for any subset K', up ≥ min(Σ_K' a_k, min_K' C(k → i));
    the best subset is a prefix of the rows sorted by C. Decrease: i reaches some k
    (then k → j is unbounded): down ≥ min(x, max_k C(i → k)).
    """
    hx = np.where(hc, x, 0.0)
    mm = (hm[:, None] & hm[None, :]).astype(float)
    xv = x[ci, cj]
    n = ci.size
    cells = np.arange(n)
    others = hc[:, cj].T.copy()  # (cells, m): rows k hidden in the cell's column
    others[cells, ci] = False
    col_x = hx[:, cj].T  # (cells, m): x_kj where hidden, else 0

    # Two-hop capacities avoiding column j (its term h_aj h_bj x_bj removed).
    # to_i[c, k] = C2(k -> i) ; from_i[c, k] = C2(i -> k)
    hcol = hc[:, cj].T  # rows hidden in column j
    to_i = p[:, ci].T - np.where(hcol, xv[:, None], 0.0) * hcol[cells, ci][:, None]
    from_i = p[ci, :] - np.where(hcol[cells, ci][:, None], col_x, 0.0)
    to_i = to_i + (mm * r[:, None])[:, ci].T  # k -> M -> i: capacity r_k
    from_i = from_i + (mm * r[:, None])[ci, :]  # i -> M -> k: capacity r_i
    for w in hubs:
        # C2(k -> w) and C2(w -> i), C2(i -> w), C2(w -> k), all avoiding column j.
        hw = hcol[:, w]
        k_to_w = p[:, w][None, :] - np.where(hcol & hw[:, None], x[w, cj][:, None], 0.0)
        w_to_i = p[w, ci] - np.where(hw & hcol[cells, ci], xv, 0.0)
        i_to_w = p[ci, w] - np.where(hw & hcol[cells, ci], x[w, cj], 0.0)
        w_to_k = p[w, :][None, :] - np.where(hcol & hw[:, None], col_x, 0.0)
        to_i = np.maximum(to_i, np.minimum(k_to_w, w_to_i[:, None]))
        from_i = np.maximum(from_i, np.minimum(i_to_w[:, None], w_to_k))
    c_up = np.where(others, to_i, -np.inf)
    order = np.argsort(-c_up, axis=1, kind="stable")
    c_sorted = np.take_along_axis(c_up, order, axis=1)
    a_sorted = np.cumsum(np.take_along_axis(np.where(others, col_x, 0.0), order, axis=1), axis=1)
    up = np.max(np.where(np.isfinite(c_sorted), np.minimum(a_sorted, c_sorted), 0.0), axis=1)
    down = np.minimum(xv, np.where(others, from_i, -np.inf).max(axis=1, initial=0.0))
    return rule_holds(xv, up, np.maximum(down, 0.0), level)


def table_failures(
    cells: np.ndarray, hidden_cells: np.ndarray, hidden_margin: np.ndarray, level: int
) -> list[tuple[int, int, float]]:
    """Sensitive hidden counts of a table that break the rule, with their deficit.

    Returns (row, column, deficit) where column == k designates the margin of the row and
    deficit = how much the interval misses (max of L − hi and L − width). Column totals
    and the grand total are published; cells and margins not hidden are published.
    """
    x = np.asarray(cells, dtype=float)
    hc = np.asarray(hidden_cells, dtype=bool)
    hm = np.asarray(hidden_margin, dtype=bool)
    m, k = x.shape
    r = x.sum(axis=1)
    sens_c = hc & sensitive(x, level)
    sens_m = hm & sensitive(r, level)
    if not sens_c.any() and not sens_m.any():
        return []
    ci, cj = np.nonzero(sens_c)
    todo = ~_certified_cells(x, hc, hm, r, ci, cj, level) if ci.size else np.zeros(0, bool)
    net: TableNetwork | None = None
    out: list[tuple[int, int, float]] = []
    for i, j in zip(ci[todo], cj[todo], strict=True):
        net = net or TableNetwork(x, hc, hm, r, level)
        v = float(x[i, j])
        up, down = net.cell_moves(int(i), int(j), v)
        deficit = _deficit(v, up, down, level)
        if deficit > 0:
            out.append((int(i), int(j), deficit))
    for i in np.flatnonzero(sens_m):
        net = net or TableNetwork(x, hc, hm, r, level)
        v = float(r[i])
        up, down = net.margin_moves(int(i), v)
        deficit = _deficit(v, up, down, level)
        if deficit > 0:
            out.append((int(i), k, deficit))
    return out


def _deficit(x: float, up: float, down: float, level: int) -> float:
    return max(0.0, level - (x + up), level - (up + down))


def unit_line_fails(totals: np.ndarray, hidden: np.ndarray, level: int) -> bool:
    """Whether hidden unit totals (EAJE sizes) break the rule.

    Published: the visible units' totals and the grand total, so the hidden units add up
    to a known G; each EAJE listed in the extract has at least one child, hence for a
    hidden unit lo = 1 and hi = G − (h − 1) (h hidden units): the rule (hi ≥ L and
    hi − lo = G − h ≥ L) asks G ≥ L + h as soon as one hidden unit is sensitive.
    """
    v = np.asarray(totals, dtype=float)
    h = np.asarray(hidden, dtype=bool)
    if not (h & sensitive(v, level)).any():
        return False
    g = float(v[h].sum())
    n = int(h.sum())
    return g - n < level


def cell_deficit(
    cells: np.ndarray,
    hidden_cells: np.ndarray,
    hidden_margin: np.ndarray,
    i: int,
    j: int,
    level: int,
) -> float:
    """Deficit of one hidden count (j == k: the margin of row i), by exact flows."""
    x = np.asarray(cells, dtype=float)
    r = x.sum(axis=1)
    net = TableNetwork(x, np.asarray(hidden_cells, bool), np.asarray(hidden_margin, bool), r, level)
    if j == x.shape[1]:
        v = float(r[i])
        return _deficit(v, *net.margin_moves(i, v), level)
    v = float(x[i, j])
    return _deficit(v, *net.cell_moves(i, j, v), level)
