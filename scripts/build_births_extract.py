"""Build data/open/insee_naissances_domiciliees_com_arm_2008_2024.csv (run once, offline).

INSEE, état civil, « Nombre de naissances annuelles domiciliées » (NAIS_DOM_ANNUELLES,
COG 2025): the commune extract followed by the arrondissement extract of Paris, Lyon and
Marseille (one file, so that one import holds both; the cities' own rows 75056, 69123, 13055
stay and carry the city totals). Rows are copied unchanged, the « arrondissement non connu »
rows included (the importer sets them aside with a note).

    python scripts/build_births_extract.py /path/to/insee_naissances
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "open" / "insee_naissances_domiciliees_com_arm_2008_2024.csv"


def main(folder: str) -> None:
    src = Path(folder)
    com = (src / "insee_naissances_domiciliees_com_2008_2024.csv").read_text(encoding="utf-8")
    arm = (src / "insee_naissances_domiciliees_arm_2008_2024.csv").read_text(encoding="utf-8")
    com_lines, arm_lines = com.splitlines(), arm.splitlines()
    if com_lines[0] != arm_lines[0]:
        raise SystemExit("les deux extraits n'ont pas le même en-tête")
    OUT.write_text("\n".join(com_lines + arm_lines[1:]) + "\n", encoding="utf-8")
    print(f"{OUT} : {len(com_lines) - 1} communes + {len(arm_lines) - 1} arrondissements")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/insee_naissances")
