"""Paris, Lyon and Marseille and their municipal arrondissements (no project imports)."""

from __future__ import annotations

#: Paris, Lyon and Marseille: municipal arrondissements (COG « ARM »), territories of their own
#: for the search and the URL (the CNAF publishes its commune files by arrondissement there).
PLM_CITIES = {
    "75056": ("Paris", tuple(f"751{i:02d}" for i in range(1, 21))),
    "69123": ("Lyon", tuple(f"6938{i}" for i in range(1, 10))),
    "13055": ("Marseille", tuple(f"132{i:02d}" for i in range(1, 17))),
}
ARRONDISSEMENT_PARENT = {a: parent for parent, (_, arr) in PLM_CITIES.items() for a in arr}


def arrondissement_name(code: str) -> str:
    """« Paris 1er Arrondissement », « Lyon 3e Arrondissement » (COG spelling)."""
    parent = ARRONDISSEMENT_PARENT[code]
    n = int(code[-1]) if parent == "69123" else int(code[-2:])
    return f"{PLM_CITIES[parent][0]} {'1er' if n == 1 else f'{n}e'} Arrondissement"
