"""The layering of docs/architecture.md, checked on the source (AST), so that it stays true.

- streamlit is imported only by `app.py`, the page scripts `app_pages/` and the glue `ui/`
  (tests and benchmarks drive it too);
- `st.cache_data` / `st.cache_resource` appear only in `ui/`;
- the page scripts define no function (no data work in a page);
- each package imports only the layers below it (table `ALLOWED`);
- `diagnostics/formatting.py` and `datastore/kinds.py` import nothing from the project.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROJECT = (
    "analyses",
    "app_pages",
    "catalogue",
    "charts",
    "datastore",
    "diagnostics",
    "geodata",
    "reports",
)
PROJECT_PACKAGES = (*PROJECT, "ui", "app")
STREAMLIT_OK = ("app.py", "app_pages", "ui")
CACHE_OK = ("ui",)
#: package -> what of the project it may import besides itself: a package, or one module
#: of it (the reference tables and code normalisation are shared low-level helpers)
ALLOWED: dict[str, set[str]] = {
    "catalogue": set(),
    "diagnostics": {"geodata", "datastore.codes", "datastore.kinds"},
    "geodata": {"diagnostics.formatting"},
    "datastore": {"catalogue", "diagnostics.formatting", "geodata.reference"},
    "analyses": {"catalogue", "datastore", "diagnostics", "geodata"},
    "charts": {"catalogue", "diagnostics"},
    "reports": {"analyses", "catalogue", "charts", "datastore", "diagnostics", "geodata"},
    "ui": {"analyses", "catalogue", "charts", "datastore", "diagnostics", "geodata", "reports"},
    "app_pages": {"analyses", "catalogue", "datastore", "diagnostics", "geodata", "ui"},
}
LEAVES = ("diagnostics/formatting.py", "datastore/kinds.py")


def _sources() -> list[Path]:
    files = [ROOT / "app.py"]
    for pkg in (*PROJECT, "ui"):
        files += sorted((ROOT / pkg).rglob("*.py"))
    return files


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _imports(tree: ast.AST) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, node.lineno))
            out += [(f"{node.module}.{a.name}", node.lineno) for a in node.names]
    return out


def _under(rel: str, places: tuple[str, ...]) -> bool:
    return any(rel == p or rel.startswith(p + "/") for p in places)


SOURCES = _sources()
TREES = {_rel(p): ast.parse(p.read_text(encoding="utf-8")) for p in SOURCES}


def test_sources_are_found():
    assert "app.py" in TREES
    assert "analyses/ao_scope.py" in TREES
    assert len(TREES) > 60


@pytest.mark.parametrize("rel", sorted(TREES))
def test_streamlit_only_in_the_app_the_pages_and_ui(rel):
    if _under(rel, STREAMLIT_OK):
        return
    bad = [(m, n) for m, n in _imports(TREES[rel]) if m.split(".")[0] == "streamlit"]
    assert not bad, f"{rel} importe streamlit : {bad}"


@pytest.mark.parametrize("rel", sorted(TREES))
def test_streamlit_caches_only_in_ui(rel):
    if _under(rel, CACHE_OK):
        return
    hits = [
        node.lineno
        for node in ast.walk(TREES[rel])
        if (isinstance(node, ast.Attribute) and node.attr in ("cache_data", "cache_resource"))
        or (isinstance(node, ast.alias) and node.name in ("cache_data", "cache_resource"))
    ]
    assert not hits, f"{rel} : st.cache_* lignes {hits}"


@pytest.mark.parametrize("rel", sorted(r for r in TREES if r.startswith("app_pages/")))
def test_page_scripts_define_no_function(rel):
    defs = [
        n.name
        for n in ast.walk(TREES[rel])
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]
    assert not defs, f"{rel} définit {defs} : la logique va dans ui/ ou analyses/"


def _allowed(module: str, allowed: set[str]) -> bool:
    return any(module == a or module.startswith(a + ".") for a in allowed)


@pytest.mark.parametrize("rel", sorted(r for r in TREES if r.split("/")[0] in ALLOWED))
def test_layers_import_only_below(rel):
    pkg = rel.split("/")[0]
    modules = {
        ".".join(m.split(".")[:2])
        for m, _ in _imports(TREES[rel])
        if m.split(".")[0] in PROJECT_PACKAGES and m.split(".")[0] != pkg
    }
    # `from datastore import codes` lists both « datastore » and « datastore.codes »
    modules = {m for m in modules if "." in m or not any(o.startswith(m + ".") for o in modules)}
    extra = sorted(m for m in modules if not _allowed(m, ALLOWED[pkg]))
    assert not extra, f"{rel} ({pkg}) importe {extra}"


@pytest.mark.parametrize("rel", LEAVES)
def test_leaf_modules_import_nothing_from_the_project(rel):
    used = {m.split(".")[0] for m, _ in _imports(TREES[rel])} & set(PROJECT_PACKAGES)
    assert not used, f"{rel} importe {sorted(used)}"
