"""The embedded default workspace: real open data shipped in the repo, then demo data.

`ensure_defaults(ws)` is idempotent and safe when several processes start at once:
the shipped files are imported THROUGH THE SAME IMPORTERS users use (datastore.importers),
then the synthetic frames of `datastore.synthetic` are schema-checked, and everything is
committed in ONE transaction guarded by the meta key `DEFAULTS_KEY`: the first process to
commit fills the workspace, any other one finds the key set and stores nothing. A workspace
whose defaults were installed is never refilled (a default dataset the user deleted stays
deleted).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from catalogue.sources import Nature, source
from datastore.importers import ImportOptions, Prepared, _prepare_synthetic, prepare
from datastore.store import PendingDataset, Workspace

ROOT = Path(__file__).resolve().parent.parent
OPEN_KEY = "defaults_open_v1"
DEFAULTS_AUTHOR = "application (données embarquées)"
DEMO_KEY = "defaults_demo_v1"


@dataclass(frozen=True)
class ShippedFile:
    kind: str
    path: str  # relative to the repo root
    source_id: str
    annee: int | None = None


SHIPPED: tuple[ShippedFile, ...] = (
    ShippedFile("caf_taux", "data/open/caf_txcouv_pe_com_2017_2022.csv", "cnaf_txcouv_com"),
    ShippedFile("caf_places", "data/open/caf_nbpla_pe_com_2017_2022.csv", "cnaf_nbpla_com"),
    ShippedFile("caf_taux", "data/open/txcouv_pe_dep_hist.csv", "cnaf_txcouv_dep"),
    ShippedFile("caf_taux", "data/open/txcouv_pe_dep.csv", "cnaf_txcouv_dep"),
    ShippedFile(
        "taux_national", "data/published/taux_couverture_national_publie.csv", "onape_taux_national"
    ),
    ShippedFile(
        "enfants",
        "data/open/insee_naissances_domiciliees_com_arm_2008_2024.csv",
        "insee_naissances",
    ),
    ShippedFile(
        "drees_offre", "data/open/drees_offre_accueil_dep_2010_2023.csv", "drees_offre_dep"
    ),
    ShippedFile(
        "bpe_eaje", "data/open/insee_bpe2021_eaje_nb_par_commune.csv", "insee_bpe_2021", 2021
    ),
    ShippedFile(
        "densite",
        "data/reference/insee_grille_densite_7niveaux_2024.csv",
        "insee_densite_2024",
        2024,
    ),
    ShippedFile("population", "data/reference/communes_2025.parquet", "insee_pop_2023", 2023),
    *(
        ShippedFile(
            "allocataires", f"data/open/insee_donnees_caf_iris_{y}.csv", "insee_caf_iris", y
        )
        for y in range(2016, 2021)
    ),
    ShippedFile("qpv", "data/open/insee_demo_qpv_2022.csv", "insee_qpv_2022", 2022),
    ShippedFile("qpv", "data/open/anct_qpv2024_communes.csv", "anct_qpv_2024", 2024),
)


class DefaultsError(Exception):
    """A shipped file no longer passes its importer (a bug in the repo, not a user error)."""


def prepare_shipped(item: ShippedFile) -> Prepared:
    src = source(item.source_id)
    opts = ImportOptions(
        annee=item.annee,
        producteur=src.producer,
        nature=src.nature,
        source_id=item.source_id,
        label=src.title,
    )
    return prepare(item.kind, ROOT / item.path, options=opts)


def synthetic_available() -> bool:
    """True when datastore.synthetic exists and exposes generate_all()."""
    if importlib.util.find_spec("datastore.synthetic") is None:
        return False
    return hasattr(importlib.import_module("datastore.synthetic"), "generate_all")


def synthetic_frames() -> dict[str, object]:
    """The demo frames of datastore.synthetic, or {} while that module is not available."""
    if not synthetic_available():
        return {}
    module = importlib.import_module("datastore.synthetic")
    return dict(module.generate_all())


def build_open() -> list[Prepared]:
    """Prepare every shipped open-data file (nothing is stored). Raises DefaultsError."""
    prepared: list[Prepared] = []
    for item in SHIPPED:
        p = prepare_shipped(item)
        if not p.ok:
            raise DefaultsError(
                f"Fichier embarqué refusé par son importeur : {item.path}\n{p.report.text()}"
            )
        prepared.append(p)
    return prepared


def build_demo() -> list[Prepared]:
    """Schema-check the synthetic frames (empty list while datastore.synthetic is absent)."""
    prepared: list[Prepared] = []
    for kind, frame in synthetic_frames().items():
        p = _prepare_synthetic(kind, frame)  # type: ignore[arg-type]
        if not p.ok:
            raise DefaultsError(
                f"Jeu de démonstration « {kind} » non conforme au schéma :\n{p.report.text()}"
            )
        prepared.append(p)
    return prepared


def _pending(prepared: list[Prepared]) -> list[PendingDataset]:
    return [d for p in prepared for d in p.datasets(replace="same_millesime")]


# ----------------------------------------------------------------------------- cache
# Preparing the defaults (reading ~20 Mo of files, generating the demo data) costs a few
# seconds; every new workspace (each test session, each fresh install) needs the very same
# frames. They are cached as Parquet + JSON (never pickle) under DIAG_CACHE_DIR (default
# ~/.cache/diag-territoires), keyed by the content of the shipped files and of the code that
# prepares them, so any change of a file or of an importer rebuilds them.
CACHE_ENV = "DIAG_CACHE_DIR"
_CODE_FILES = {
    "open": (
        "datastore/codes.py",
        "datastore/readers.py",
        "datastore/validation.py",
        "datastore/importers",  # a package: every module of it
        "datastore/schemas.py",
        "datastore/store.py",
        "catalogue/sources.py",
        "geodata/reference.py",
    ),
    "demo": (
        "datastore/synthetic.py",
        "datastore/codes.py",
        "datastore/validation.py",
        "datastore/importers",  # a package: every module of it
        "datastore/schemas.py",
        "datastore/store.py",
        "geodata/reference.py",
    ),
}


def cache_dir() -> Path:
    base = os.environ.get(CACHE_ENV) or os.path.join(
        os.path.expanduser("~"), ".cache", "diag-territoires"
    )
    return Path(base) / "defaults"


def _cache_key(step: str) -> str:
    h = hashlib.sha256(f"{step}|pandas {pd.__version__}|pyarrow {pa.__version__}".encode())
    code = [
        f
        for rel in _CODE_FILES[step]
        for f in ((sorted((ROOT / rel).glob("*.py"))) if (ROOT / rel).is_dir() else [ROOT / rel])
    ]
    data = [ROOT / item.path for item in SHIPPED] + [
        ROOT / "data/reference/cog2025_passage_communes.csv"
    ]
    for path in [*code, *data]:
        h.update(path.name.encode())
        h.update(path.read_bytes() if path.exists() else b"-")
    return h.hexdigest()[:24]


def _load_cache(key: str) -> list[PendingDataset] | None:
    folder = cache_dir() / key
    index = folder / "index.json"
    if not index.is_file():
        return None
    try:
        items = json.loads(index.read_text(encoding="utf-8"))
        out = []
        for it in items:
            frame = pd.read_parquet(folder / it.pop("file"))
            it["nature"] = Nature(it["nature"])
            it["notes"] = tuple(it["notes"])
            out.append(PendingDataset(frame=frame, **it))
        return out
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return None  # unreadable cache: rebuilt from the files (and rewritten)


def _save_cache(key: str, pending: list[PendingDataset]) -> None:
    """Write the prepared frames; a cache that cannot be written (read-only or full disk, or
    another process that wrote the same key first) only means the next start prepares again."""
    final = cache_dir() / key
    if (final / "index.json").is_file():
        return
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=final.parent))
    except OSError:
        return
    try:
        items = []
        for i, it in enumerate(pending):
            it.frame.to_parquet(tmp / f"{i}.parquet", index=False)
            items.append(
                {
                    "kind": it.kind,
                    "producer": it.producer,
                    "source_file": it.source_file,
                    "nature": str(it.nature),
                    "millesime": it.millesime,
                    "label": it.label,
                    "source_id": it.source_id,
                    "notes": list(it.notes),
                    "replace": it.replace,
                    "scope": it.scope,
                    "file": f"{i}.parquet",
                }
            )
        (tmp / "index.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, final)  # atomic publication of the complete folder
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


def _cached(step: str, build) -> list[PendingDataset]:
    key = _cache_key(step)
    pending = _load_cache(key)
    if pending is None:
        pending = _pending(build())
        _save_cache(key, pending)
    return pending


def ensure_defaults(ws: Workspace) -> bool:
    """Fill the workspace with the default data once. Returns True if this call stored anything.

    Two steps, each one transaction guarded by its own meta key: the real open data
    (`OPEN_KEY`), then the demo data (`DEMO_KEY`). A failure of the demo generator leaves
    the real data in place and is retried at the next start. What the user imported before
    the first start (command line) is never replaced nor shadowed by a default.
    """
    stored = False
    if ws.meta_value(OPEN_KEY) is None:
        stored |= (
            ws.commit_many(
                _cached("open", build_open),
                once_key=OPEN_KEY,
                keep_existing=True,
                author=DEFAULTS_AUTHOR,
            )
            is not None
        )
    if ws.meta_value(DEMO_KEY) is None and synthetic_available():
        stored |= (
            ws.commit_many(
                _cached("demo", build_demo),
                once_key=DEMO_KEY,
                keep_existing=True,
                author=DEFAULTS_AUTHOR,
            )
            is not None
        )
    return stored


def main() -> None:  # pragma: no cover - manual timing helper
    t0 = time.perf_counter()
    ws = Workspace()
    filled = ensure_defaults(ws)
    print(
        f"ensure_defaults : {time.perf_counter() - t0:.2f} s, rempli : {filled}, "
        f"{len(ws.datasets())} jeux"
    )


if __name__ == "__main__":  # pragma: no cover
    main()
