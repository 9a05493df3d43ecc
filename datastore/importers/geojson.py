"""Zonings drawn elsewhere (a GeoJSON of zones, each with its communes)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from datastore import codes
from datastore.importers.aliases import ALIASES
from datastore.importers.common import ImportOptions, _convert_all
from datastore.readers import (
    ReadError,
    human_size,
    norm_header,
)
from datastore.schemas import dataset_type
from datastore.validation import (
    Report,
)


# --------------------------------------------------------------------------------- zones
def _read_geojson(
    source: bytes | str | Path, file: str, opts: ImportOptions, report: Report
) -> tuple[pd.DataFrame | None, np.ndarray]:
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else source
    if len(data) > opts.max_bytes:
        raise ReadError(
            [
                f"{file} : fichier trop volumineux ({human_size(len(data))}) ; taille maximale acceptée : "
                f"{human_size(opts.max_bytes)}."
            ]
        )
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        report.error(
            f"{file} : GeoJSON illisible (encodage autre que UTF-8).",
            expected="un GeoJSON en UTF-8",
        )
        return None, np.array([], dtype=np.int64)
    except json.JSONDecodeError as exc:
        report.error(
            f"{file}, ligne {exc.lineno}, colonne {exc.colno} : GeoJSON illisible (JSON mal formé ou "
            "tronqué) ; une FeatureCollection GeoJSON attendue.",
            line=exc.lineno,
            expected="un GeoJSON (FeatureCollection)",
        )
        return None, np.array([], dtype=np.int64)
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list):
        report.error(
            f"{file} : « features » introuvable ; une FeatureCollection GeoJSON attendue.",
            expected="FeatureCollection",
        )
        return None, np.array([], dtype=np.int64)
    aliases = ALIASES["zones"]
    rows = []
    for i, f in enumerate(feats, start=1):
        props = (f or {}).get("properties") or {}
        row = {
            "geometry": json.dumps(f.get("geometry"), ensure_ascii=False)
            if f.get("geometry")
            else ""
        }
        normed = {norm_header(k): v for k, v in props.items()}
        for canon, al in aliases.items():
            for a in (canon, *al):
                if a in normed and normed[a] not in (None, ""):
                    row[canon] = str(normed[a])
                    break
        row.setdefault("id_zone", str(f.get("id") or f"Z{i}"))
        row.setdefault("nom", row["id_zone"])
        if not row["geometry"]:
            report.error(
                f"{file}, entité {i} : géométrie absente ; un polygone attendu.",
                line=i,
                column="geometry",
                expected="un polygone",
            )
        rows.append(row)
    frame = pd.DataFrame(rows)
    for c in dataset_type("zones").column_names:
        if c not in frame:
            frame[c] = ""
    frame = frame.astype(str)
    lines = np.arange(1, len(frame) + 1, dtype=np.int64)
    report.note(
        f"{len(frame)} entité(s) GeoJSON lue(s) (numérotées à partir de 1 à la place des lignes)."
    )
    dtype = dataset_type("zones")
    typed = _convert_all(frame, dtype, lines, report, {})
    if "code_insee" in frame and (frame["code_insee"] != "").any():
        typed["code_insee"] = (
            frame["code_insee"].map(lambda v: codes.normalize_commune(v) or None).astype("string")
        )
    else:
        typed["code_insee"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    typed["geometry"] = frame["geometry"]
    return typed, lines
