"""Filoué secrecy against a real attacker: integer linear programming on everything published.

The attacker below is independent of `diagnostics.secrecy`: it knows the structure of the
data (one row per child and EAJE; every breakdown of an EAJE adds up to its number of
children; an EAJE listed in the extract has at least one child; counts are integers ≥ 0)
and reads, at every threshold a user can choose, every figure the views publish (EAJE
totals, the commune totals, every cell of the EAJE and commune columns of the four
breakdowns). For each count it then solves min and max (scipy `milp`, HiGHS) and checks
the protection rule of `diagnostics.secrecy`: a count n with 0 < n < threshold must have
a feasible interval [lo, hi] with hi ≥ threshold and hi − lo ≥ threshold.

The 01007 case of issue 12 fails on the bridge-only protection (the hidden zero
complement of a row whose commune figure is 0 protects nothing, since counts are ≥ 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from diagnostics import filoue as F
from diagnostics import secrecy_audit as audit
from diagnostics.secrecy import MAX_THRESHOLD, UI_MAX_THRESHOLD, UI_MIN_THRESHOLD
from tests.unit.test_filoue import YEAR, children, extract

ALL_THRESHOLDS = tuple(range(UI_MIN_THRESHOLD, UI_MAX_THRESHOLD + 1))  # offered by the page


@dataclass
class Model:
    """Integer variables of one commune: x[dim][row, unit] and the unit totals T[unit]."""

    ids: list[str]
    rows: dict[str, list[str]]
    truth: dict[str, np.ndarray]
    offset: dict[str, int]
    n_vars: int

    def cell(self, d: str, i: int, u: int) -> np.ndarray:
        v = np.zeros(self.n_vars)
        v[self.offset[d] + i * len(self.ids) + u] = 1
        return v

    def margin(self, d: str, i: int) -> np.ndarray:
        return sum((self.cell(d, i, u) for u in range(len(self.ids))), np.zeros(self.n_vars))

    def total(self, u: int) -> np.ndarray:
        v = np.zeros(self.n_vars)
        v[self.offset["T"] + u] = 1
        return v

    def value(self, coefs: np.ndarray) -> float:
        base = np.concatenate([self.truth[d].ravel() for d in self.rows] + [self.truth["T"]])
        return float(coefs @ base)


def build_model(prep: F.FilouePrepared, code: str) -> Model:
    """True counts of the commune (the rows are those the views publish)."""
    view = F.commune_view(prep, code, UI_MIN_THRESHOLD)
    a, b = prep.eaje_rows(code)
    ids = prep.eaje["id_eaje"].iloc[a:b].tolist()
    rows: dict[str, list[str]] = {}
    truth: dict[str, np.ndarray] = {}
    offset: dict[str, int] = {}
    n = 0
    for d in (*F.DIMENSIONS, F.RESIDENCE):
        mat = F._matrix(prep, d, a, b, d != F.RESIDENCE)
        if d == F.RESIDENCE:
            mat = F.group_rare_residences(mat, code)
        if not view.all_hidden:
            assert list(view.tables[d].index) == list(mat.index)
        rows[d] = list(mat.index)
        truth[d] = mat.to_numpy(dtype=float)
        offset[d] = n
        n += truth[d].size
    offset["T"] = n
    truth["T"] = prep.eaje["enfants"].iloc[a:b].to_numpy(dtype=float)
    return Model(ids, rows, truth, offset, n + len(ids))


def publications(model: Model, views: dict[int, F.CommuneView], thresholds) -> list:
    """(coefficients, value) of every figure published at the given thresholds."""
    out = []
    for t in thresholds:
        view = views[t]
        if view.all_hidden:
            continue
        out.append(
            (
                sum((model.total(u) for u in range(len(model.ids))), np.zeros(model.n_vars)),
                view.totals["enfants"],
            )
        )
        for u, (id_eaje, n) in enumerate(
            zip(view.eaje["id_eaje"], view.eaje["enfants"], strict=True)
        ):
            assert id_eaje == model.ids[u]
            if pd.notna(n):
                out.append((model.total(u), n))
        for d, rows in model.rows.items():
            tab = view.tables[d]
            for i, row in enumerate(rows):
                for col in tab.columns:
                    v = tab.at[row, col]
                    if pd.isna(v):
                        continue
                    if col == F.COMMUNE:
                        out.append((model.margin(d, i), v))
                    else:
                        out.append((model.cell(d, i, model.ids.index(col)), v))
    return out


def attack(model: Model, published: list, level: int) -> list[tuple[str, float, float, float]]:
    """Counts 0 < n < level whose feasible integer interval breaks the protection rule."""
    k = len(model.ids)
    eq = [c for c, _ in published]
    rhs = [v for _, v in published]
    for d, rows in model.rows.items():  # every breakdown of a unit adds up to its total
        for u in range(k):
            eq.append(
                sum((model.cell(d, i, u) for i in range(len(rows))), np.zeros(model.n_vars))
                - model.total(u)
            )
            rhs.append(0.0)
    a = np.vstack(eq)
    lb = np.zeros(model.n_vars)
    lb[model.offset["T"] :] = 1  # an EAJE of the extract has at least one child
    cons = LinearConstraint(a, np.asarray(rhs), np.asarray(rhs))
    bounds = Bounds(lb, np.full(model.n_vars, 10_000.0))  # nothing published: [0, 10 000]
    integrality = np.ones(model.n_vars)
    targets = []
    for d, rows in model.rows.items():
        for i, row in enumerate(rows):
            for u in range(k):
                targets.append((f"{d}/{row}/{model.ids[u]}", model.cell(d, i, u)))
            targets.append((f"{d}/{row}/commune", model.margin(d, i)))
    for u in range(k):
        targets.append((f"total/{model.ids[u]}", model.total(u)))
    broken = []
    for label, c in targets:
        v = model.value(c)
        if not 0 < v < level:
            continue
        bounds_found = []
        for sign in (1, -1):
            res = milp(sign * c, constraints=cons, bounds=bounds, integrality=integrality)
            assert res.status == 0, (label, res.message)
            bounds_found.append(sign * res.fun)
        lo, hi = bounds_found
        if hi < level or hi - lo < level:
            broken.append((label, v, lo, hi))
    return broken


def assert_protected(prep: F.FilouePrepared, code: str) -> None:
    model = build_model(prep, code)
    views = {t: F.commune_view(prep, code, t) for t in ALL_THRESHOLDS}
    # Everything published at every threshold together, against the lowest threshold.
    union = publications(model, views, ALL_THRESHOLDS)
    broken = attack(model, union, UI_MIN_THRESHOLD)
    assert not broken, f"commune {code}, tous seuils : {broken}"
    # What one threshold publishes protects the counts below that threshold.
    for t in (7, 12, 20):
        broken = attack(model, publications(model, views, [t]), t)
        assert not broken, f"commune {code}, seuil {t} : {broken}"


def test_issue_12_case_01007():
    """EAJE_0: 3 children aged 1 and 3 aged 2; EAJE_1: 8 aged 1; EAJE_2: 7 aged 2."""
    ext = extract(
        children(
            "EAJE_0", "01007", [12] * 3 + [24] * 3, ["couple"] * 6, ["QF < 700"] * 6, ["01007"] * 6
        ),
        children("EAJE_1", "01007", [12] * 8, ["couple"] * 8, ["QF < 700"] * 8, ["01007"] * 8),
        children("EAJE_2", "01007", [24] * 7, ["couple"] * 7, ["QF < 700"] * 7, ["01007"] * 7),
    )
    prep = F.prepare(ext, YEAR)
    view = F.commune_view(prep, "01007", 5)
    assert not view.all_hidden
    assert_protected(prep, "01007")


def random_commune(rng: np.random.Generator, code: str) -> list[dict]:
    """2 to 5 EAJE with small, lopsided profiles (many zeros)."""
    rows: list[dict] = []
    neighbours = [code, "01001", "01002", "01004"]
    for e in range(int(rng.integers(2, 6))):
        n = int(rng.choice([1, 2, 3, 4, 6, 8, 12, 20]))
        ages = rng.choice([6, 18, 30, 40], size=n, p=rng.dirichlet(np.full(4, 0.3))).tolist()
        sit = rng.choice(["couple", "monoparentale", "autre"], size=n, p=[0.75, 0.2, 0.05]).tolist()
        rev = rng.choice(
            ["QF < 700", "QF 700 à 1 099", "QF ≥ 1 100"], size=n, p=rng.dirichlet(np.full(3, 0.4))
        ).tolist()
        res = rng.choice(neighbours, size=n, p=[0.7, 0.1, 0.1, 0.1]).tolist()
        rows += children(f"E{e}", code, ages, sit, rev, res)
    return rows


@pytest.mark.parametrize("seed", range(30))
def test_random_small_communes(seed):
    rng = np.random.default_rng(1000 + seed)
    prep = F.prepare(extract(random_commune(rng, "01007")), YEAR)
    assert_protected(prep, "01007")


def test_thresholds_offered_are_within_limits():
    assert max(ALL_THRESHOLDS) <= MAX_THRESHOLD


# --------------------------------------------------------------------------------------------
# The flows of the audit are the linear-programming optima
# --------------------------------------------------------------------------------------------


def lp_interval(x: np.ndarray, hc: np.ndarray, hm: np.ndarray, target: tuple[int, int]):
    """[min, max] of one hidden count of a table by linprog (HiGHS), counts ≥ 0."""
    m, k = x.shape
    cells = [(i, j) for i in range(m) for j in range(k) if hc[i, j]]
    margins = [i for i in range(m) if hm[i]]
    n = len(cells) + len(margins)
    idx = {c: n_ for n_, c in enumerate(cells)}
    midx = {i: len(cells) + n_ for n_, i in enumerate(margins)}
    rows, rhs = [], []
    r = x.sum(axis=1)
    for i in range(m):  # row: hidden cells − hidden margin = − published cells + published margin
        a = np.zeros(n)
        for j in range(k):
            if hc[i, j]:
                a[idx[(i, j)]] = 1
        b = -x[i][~hc[i]].sum()
        if hm[i]:
            a[midx[i]] = -1
        else:
            b += r[i]
        rows.append(a)
        rhs.append(b)
    for j in range(k):
        a = np.zeros(n)
        for i in range(m):
            if hc[i, j]:
                a[idx[(i, j)]] = 1
        rows.append(a)
        rhs.append(x[:, j][hc[:, j]].sum())
    a = np.zeros(n)
    for i in margins:
        a[midx[i]] = 1
    rows.append(a)
    rhs.append(r[hm].sum())
    c = np.zeros(n)
    i, j = target
    c[midx[i] if j == k else idx[(i, j)]] = 1
    out = []
    for sign in (1, -1):
        res = linprog(sign * c, A_eq=np.vstack(rows), b_eq=rhs, bounds=(0, None), method="highs")
        assert res.status == 0
        out.append(sign * res.fun)
    return out


@pytest.mark.parametrize("seed", range(60))
def test_flows_equal_linprog(seed):
    rng = np.random.default_rng(seed)
    m, k = int(rng.integers(2, 6)), int(rng.integers(1, 6))
    x = rng.poisson(rng.uniform(0.3, 6), size=(m, k)).astype(float)
    hc = rng.random((m, k)) < 0.5
    hm = rng.random(m) < 0.3
    level = int(rng.choice([5, 8, 20]))
    net = audit.TableNetwork(x, hc, hm, x.sum(axis=1), level)
    for i, j in [(i, j) for i in range(m) for j in range(k) if hc[i, j]] + [
        (i, k) for i in range(m) if hm[i]
    ]:
        v = x[i, j] if j < k else x[i].sum()
        lo, hi = lp_interval(x, hc, hm, (i, j))
        up, down = net.margin_moves(i, v) if j == k else net.cell_moves(i, j, v)
        # Arcs are capped at the level (exact up to the level); the decrease is skipped
        # when the increase alone satisfies the rule.
        assert min(up, level) == pytest.approx(min(hi - v, level))
        if not (v + up >= level and up >= level):
            assert min(down, level) == pytest.approx(min(v - lo, level))
        deficit = audit.cell_deficit(x, hc, hm, i, j, level)
        assert deficit == pytest.approx(max(0.0, level - hi, level - (hi - lo)))


@pytest.mark.parametrize("seed", range(40))
def test_certificate_never_certifies_a_failing_cell(seed):
    """The cheap certificate only proves what the exact flows confirm."""
    rng = np.random.default_rng(500 + seed)
    m, k = int(rng.integers(2, 12)), int(rng.integers(2, 40))
    x = rng.poisson(rng.uniform(0.3, 4), size=(m, k)).astype(float)
    hc = (rng.random((m, k)) < 0.4) | ((x > 0) & (x < 5))
    hm = rng.random(m) < 0.2
    level = 5
    r = x.sum(axis=1)
    ci, cj = np.nonzero(hc & audit.sensitive(x, level))
    ok = audit._certified_cells(x, hc, hm, r, ci, cj, level)
    net = audit.TableNetwork(x, hc, hm, r, level)
    for i, j, good in zip(ci, cj, ok, strict=True):
        if good:
            up, down = net.cell_moves(int(i), int(j), float(x[i, j]))
            assert audit._deficit(float(x[i, j]), up, down, level) == 0


@pytest.mark.parametrize("seed", range(5))
def test_chained_views_equal_direct_views(seed):
    """Building threshold t on the cached view at t − 1 gives the same publication."""
    rng = np.random.default_rng(2000 + seed)
    prep = F.prepare(extract(random_commune(rng, "01007")), YEAR)
    previous = None
    for t in range(UI_MIN_THRESHOLD, 12):
        chained = F.commune_view(prep, "01007", t, previous)
        direct = F.commune_view(prep, "01007", t)
        assert chained.all_hidden == direct.all_hidden
        pd.testing.assert_frame_equal(chained.eaje, direct.eaje)
        for d in direct.tables:
            pd.testing.assert_frame_equal(chained.tables[d], direct.tables[d])
        previous = chained
