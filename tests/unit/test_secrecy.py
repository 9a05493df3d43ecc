"""Statistical secrecy: primary and secondary suppression, proven by attacking the output.

The `Attacker` below knows everything published and the structure of the tables (rows add
up to the commune column, columns to the EAJE totals, every breakdown of one EAJE has the
same total). A figure can be recovered exactly iff it is a linear combination of what is
published (rank test). Elementary attacks (row total minus the other cells, column total,
commune minus the other EAJE) are also written out and shown to work on a naive
primary-only publication, so the tests can fail.
"""

from __future__ import annotations

import numpy as np
import pytest

from diagnostics import secrecy
from diagnostics.secrecy import (
    UnitsProtection,
    bridges,
    grouped_matrix,
    primary,
    protect_line,
    protect_line_chain,
    protect_table,
    protect_units,
)

# --------------------------------------------------------------------------------------------
# The attacker
# --------------------------------------------------------------------------------------------


class Attacker:
    """Linear attacker: published figures are rows of a matrix over the base counts."""

    def __init__(self, n_vars: int) -> None:
        self.n = n_vars
        self.rows: list[np.ndarray] = []
        self.values: list[float] = []

    def learn(self, coefs: np.ndarray, value: float) -> None:
        self.rows.append(np.asarray(coefs, dtype=float))
        self.values.append(float(value))

    @staticmethod
    def _rank(mat: np.ndarray) -> int:
        return int(np.linalg.matrix_rank(mat, tol=1e-7)) if mat.size else 0

    def can_solve(self, coefs: np.ndarray) -> bool:
        if not self.rows:
            return False
        p = np.vstack(self.rows)
        return self._rank(np.vstack([p, coefs])) == self._rank(p)

    def solve(self, coefs: np.ndarray) -> float:
        p = np.vstack(self.rows)
        sol, *_ = np.linalg.lstsq(p, np.asarray(self.values), rcond=None)
        return float(np.asarray(coefs, dtype=float) @ sol)


class UnitsModel:
    """Base variables of several categories × units tables sharing the unit totals."""

    def __init__(self, tables: dict[str, np.ndarray]) -> None:
        self.tables = {d: np.asarray(x, dtype=float) for d, x in tables.items()}
        self.k = next(iter(self.tables.values())).shape[1]
        self.offset: dict[str, int] = {}
        n = 0
        for d, x in self.tables.items():
            self.offset[d] = n
            n += x.size
        self.n = n
        self.base = np.concatenate([x.ravel() for x in self.tables.values()])

    def cell(self, d: str, i: int, j: int) -> np.ndarray:
        v = np.zeros(self.n)
        v[self.offset[d] + i * self.k + j] = 1
        return v

    def cells(self, d: str, i: int, units) -> np.ndarray:
        return sum((self.cell(d, i, j) for j in units), np.zeros(self.n))

    def margin(self, d: str, i: int) -> np.ndarray:
        return self.cells(d, i, range(self.k))

    def unit_total(self, d: str, j: int) -> np.ndarray:
        return sum((self.cell(d, i, j) for i in range(self.tables[d].shape[0])), np.zeros(self.n))

    def value(self, coefs: np.ndarray) -> float:
        return float(coefs @ self.base)

    def attacker(self) -> Attacker:
        """An attacker who knows the structure: all breakdowns of a unit have the same total."""
        a = Attacker(self.n)
        dims = list(self.tables)
        for d in dims[1:]:
            for j in range(self.k):
                a.learn(self.unit_total(dims[0], j) - self.unit_total(d, j), 0.0)
        return a


def publish(model: UnitsModel, prot: UnitsProtection, attacker: Attacker) -> list[np.ndarray]:
    """Feed the attacker with everything the protection publishes; return what it hides."""
    hidden: list[np.ndarray] = []
    d0 = next(iter(model.tables))
    units = range(model.k)
    if prot.all_hidden:
        return [model.unit_total(d0, j) for j in units]
    visible = [int(j) for j in prot.visible_units]
    group = [j for j in units if prot.hidden_units[j]]
    total = sum((model.unit_total(d0, j) for j in units), np.zeros(model.n))
    attacker.learn(total, model.value(total))
    for j in units:
        f = model.unit_total(d0, j)
        if prot.hidden_units[j]:
            hidden.append(f)
        else:
            attacker.learn(f, model.value(f))
    for d, x in model.tables.items():
        tp = prot.tables[d]
        for i in range(x.shape[0]):
            cols = [model.cell(d, i, j) for j in visible]
            if group:
                cols.append(model.cells(d, i, group))
            for c, f in enumerate(cols):
                (hidden.append(f) if tp.cells[i, c] else attacker.learn(f, model.value(f)))
            f = model.margin(d, i)
            (hidden.append(f) if tp.margin[i] else attacker.learn(f, model.value(f)))
    return hidden


def sensitive_base(model: UnitsModel, threshold: int) -> list[np.ndarray]:
    """Every single count, unit total and commune figure below the threshold (and > 0)."""
    out = []
    for d, x in model.tables.items():
        for i in range(x.shape[0]):
            for j in range(model.k):
                if 0 < x[i, j] < threshold:
                    out.append(model.cell(d, i, j))
            if 0 < x[i].sum() < threshold:
                out.append(model.margin(d, i))
    d0 = next(iter(model.tables))
    for j in range(model.k):
        if 0 < model.tables[d0][:, j].sum() < threshold:
            out.append(model.unit_total(d0, j))
    return out


def assert_safe(model: UnitsModel, prot: UnitsProtection, threshold: int) -> Attacker:
    attacker = model.attacker()
    hidden = publish(model, prot, attacker)
    for f in hidden + sensitive_base(model, threshold):
        assert not attacker.can_solve(f), (
            f"recovered {model.value(f)} = {attacker.solve(f)} from the published figures"
        )
    return attacker


# --------------------------------------------------------------------------------------------
# Elementary attacks, written out
# --------------------------------------------------------------------------------------------


def attack_row_total(
    values: np.ndarray, hidden: np.ndarray, total: float | None
) -> dict[int, float]:
    """Cells recovered as total − the other published cells of the line."""
    if total is None or hidden.sum() != 1:
        return {}
    i = int(np.flatnonzero(hidden)[0])
    return {i: float(total - values[~hidden].sum())}


def attack_commune_minus_others(
    table: np.ndarray, hidden: np.ndarray, margin_hidden: np.ndarray
) -> dict[tuple[int, int], float]:
    """(row, unit) cells recovered as commune − the other EAJE of the row."""
    out = {}
    for i in range(table.shape[0]):
        if margin_hidden[i]:
            continue
        out.update(
            {(i, j): v for j, v in attack_row_total(table[i], hidden[i], table[i].sum()).items()}
        )
    return out


def attack_unit_total(table: np.ndarray, hidden: np.ndarray) -> dict[tuple[int, int], float]:
    """(row, unit) cells recovered as the EAJE total − its other published cells."""
    out = {}
    for j in range(table.shape[1]):
        col = table[:, j]
        out.update({(i, j): v for i, v in attack_row_total(col, hidden[:, j], col.sum()).items()})
    return out


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "threshold", "expected"),
    [
        ([0, 1, 4, 5, 12], 5, [False, True, True, False, False]),
        ([0, 1, 4, 5, 12], 3, [False, True, False, False, False]),
        ([10, 11], 11, [True, False]),
    ],
)
def test_primary(values, threshold, expected):
    assert primary(np.array(values), threshold).tolist() == expected


@pytest.mark.parametrize("threshold", [0, 1, 51])
def test_invalid_threshold(threshold):
    with pytest.raises(ValueError, match="Seuil de secret statistique invalide"):
        protect_line(np.array([1, 2, 3]), threshold)


@pytest.mark.parametrize(
    ("values", "expected_hidden", "total_hidden"),
    [
        ([6, 7, 8], [False, False, False], False),
        ([1, 10, 20], [True, True, False], False),  # complement: smallest positive
        ([3, 0, 20], [True, False, True], False),  # a zero would leave the hidden sum at 3
        ([2, 2, 30, 40], [True, True, True, False], False),  # two hidden but sum 4 < 5
        ([1, 1, 1], [True, True, True], True),  # total below the threshold: all hidden
        ([0, 0, 9], [False, False, False], False),
    ],
)
def test_protect_line(values, expected_hidden, total_hidden):
    hidden, tot = protect_line(np.array(values), 5)
    assert hidden.tolist() == expected_hidden
    assert tot is total_hidden
    if not tot:
        assert attack_row_total(np.array(values, float), hidden, float(sum(values))) == {}


def test_protect_line_seed_and_chain_nested():
    v = np.array([4, 6, 9, 30, 50])
    h5, _ = protect_line_chain(v, 5)
    h8, _ = protect_line_chain(v, 8)
    h10, _ = protect_line_chain(v, 10)
    assert (h5 <= h8).all() and (h8 <= h10).all()
    seeded, _ = protect_line(v, 5, seed=np.array([False, False, False, False, True]))
    assert seeded[4] and seeded[0]


@pytest.mark.parametrize(
    ("n", "edges", "expected"),
    [
        (3, [(0, 1), (1, 2)], {0, 1}),
        (3, [(0, 1), (1, 2), (2, 0)], set()),
        (6, [(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 5), (5, 3)], {3}),
        (4, [(0, 1), (2, 3)], {0, 1}),
        (4, [(0, 2), (0, 3), (1, 2), (1, 3)], set()),  # a 2x2 block of hidden cells
    ],
)
def test_bridges(n, edges, expected):
    assert bridges(n, edges) == expected


TABLES = {
    # rows = categories, columns = EAJE of one commune
    "one_eaje": np.array([[3], [12], [20], [0]]),
    "two_eaje": np.array([[2, 9], [10, 15], [14, 1], [0, 7]]),
    "three_eaje": np.array([[1, 12, 6], [8, 2, 30], [20, 18, 3], [0, 0, 9]]),
    "all_small": np.array([[1, 2], [2, 1], [1, 1]]),
    "no_secret": np.array([[10, 20], [30, 40]]),
    "zeros_only_complement": np.array([[3, 0], [0, 0], [30, 0], [0, 12]]),
}


@pytest.mark.parametrize("name", sorted(TABLES))
@pytest.mark.parametrize("threshold", [5, 10])
def test_protect_table_resists_linear_attacks(name, threshold):
    x = TABLES[name]
    prot = protect_units({"d": x}, x.sum(axis=0), threshold)
    assert_safe(UnitsModel({"d": x}), prot, threshold)
    tp = prot.tables["d"]
    if not prot.all_hidden:
        shown = grouped_matrix(x, prot.hidden_units)
        assert not (primary(shown, threshold) & ~tp.cells).any()
        assert not (primary(shown.sum(axis=1), threshold) & ~tp.margin).any()
        assert attack_commune_minus_others(shown, tp.cells, tp.margin) == {}
        assert attack_unit_total(shown, tp.cells) == {}


def test_elementary_attacks_work_on_a_naive_publication():
    """Primary suppression alone leaks: the attacks (and the attacker) recover the cells."""
    x = TABLES["two_eaje"].astype(float)
    naive_cells = primary(x, 5)
    naive_margin = primary(x.sum(axis=1), 5)
    recovered = attack_commune_minus_others(x, naive_cells, naive_margin)
    assert recovered == {(0, 0): 2.0, (2, 1): 1.0}
    assert attack_unit_total(x, naive_cells) == {(0, 0): 2.0, (2, 1): 1.0}
    model = UnitsModel({"d": x})
    attacker = model.attacker()
    for i in range(4):
        for j in range(2):
            if not naive_cells[i, j]:
                attacker.learn(model.cell("d", i, j), x[i, j])
        attacker.learn(model.margin("d", i), x[i].sum())
    assert attacker.can_solve(model.cell("d", 0, 0))
    assert attacker.solve(model.cell("d", 0, 0)) == pytest.approx(2.0)


def test_one_eaje_commune_equals_eaje_column():
    """With one EAJE the commune column is the EAJE column: same cells hidden in both."""
    x = TABLES["one_eaje"]
    prot = protect_units({"d": x}, x.sum(axis=0), 5)
    tp = prot.tables["d"]
    assert (tp.cells[:, 0] == tp.margin).all()
    assert tp.cells[0, 0] and tp.cells.sum() >= 2


def test_two_eaje_one_small_hides_both_profiles():
    """An EAJE of 3 children: its total is hidden, and so is the other EAJE's (commune − other)."""
    x = np.array([[1, 9], [2, 15], [0, 8]])
    prot = protect_units({"d": x}, x.sum(axis=0), 5)
    assert prot.hidden_units.tolist() == [True, True]
    assert_safe(UnitsModel({"d": x}), prot, 5)


@pytest.mark.parametrize("seed", range(40))
def test_random_communes_multi_dimension(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 6))
    totals = rng.integers(1, 40, size=k)
    tables = {}
    for d, m in (("age", 4), ("famille", 3), ("revenu", int(rng.integers(2, 7)))):
        x = np.zeros((m, k), dtype=int)
        for j in range(k):
            p = rng.dirichlet(np.full(m, 0.6))
            x[:, j] = rng.multinomial(totals[j], p)
        tables[d] = x
    threshold = int(rng.choice([5, 5, 7, 11]))
    prot = protect_units(tables, totals, threshold)
    assert_safe(UnitsModel(tables), prot, threshold)


@pytest.mark.parametrize("seed", range(15))
def test_two_thresholds_published_together_leak_nothing(seed):
    """A user switching between thresholds 5 and 8 learns no more than at threshold 5."""
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(2, 6))
    totals = rng.integers(2, 30, size=k)
    tables = {}
    for d, m in (("age", 4), ("revenu", 5)):
        x = np.zeros((m, k), dtype=int)
        for j in range(k):
            x[:, j] = rng.multinomial(totals[j], rng.dirichlet(np.full(m, 0.7)))
        tables[d] = x
    model = UnitsModel(tables)
    attacker = model.attacker()
    hidden5 = publish(model, protect_units(tables, totals, 5), attacker)
    publish(model, protect_units(tables, totals, 8), attacker)
    publish(model, protect_units(tables, totals, 6), attacker)
    for f in hidden5 + sensitive_base(model, 5):
        assert not attacker.can_solve(f)


def test_larger_table_uses_batched_bridges():
    rng = np.random.default_rng(7)
    x = rng.poisson(1.5, size=(60, 12))
    x[:, 0] += 20
    tp = protect_table(x, 5)
    m, k = x.shape
    ci, cj = np.nonzero(tp.cells)
    edges = [(int(i), m + int(j)) for i, j in zip(ci, cj, strict=True)]
    edges += [(int(i), m + k) for i in np.flatnonzero(tp.margin)]
    assert bridges(m + k + 1, edges) == set()
    assert not (primary(x, 5) & ~tp.cells).any()


def test_protect_units_rejects_inconsistent_totals():
    with pytest.raises(ValueError, match="ne correspondent pas aux totaux"):
        protect_units({"d": np.array([[1, 2], [3, 4]])}, np.array([4, 7]), 5)


def test_defaults():
    assert secrecy.DEFAULT_THRESHOLD == 5
    assert secrecy.UI_MIN_THRESHOLD >= secrecy.DEFAULT_THRESHOLD
