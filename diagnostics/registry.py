"""The one registry of indicators: id, French label, unit, sources, function.

Each diagnostics module declares its own `INDICATORS` tuple; this module gathers them.
`tests/unit/test_registry.py` checks ids are unique, labels French and non-empty,
every source is catalogued (catalogue.sources id or `dataset:<kind>` of datastore.schemas),
and every function is callable.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str  # French, shown to users
    unit: str  # French, e.g. "places pour 100 enfants", "%", "habitants"
    sources: tuple[str, ...]  # catalogue ids or "dataset:<kind>"
    function: Callable
    description: str = ""  # French, one sentence: how it is computed
    estimated: bool = False  # True when the value is an estimate of this application


MODULES = (
    "diagnostics.territory_profile",
    "diagnostics.coverage",
    "diagnostics.ao",
    "diagnostics.zones",
    "diagnostics.filoue",
)


def all_indicators() -> tuple[Indicator, ...]:
    out: list[Indicator] = []
    for name in MODULES:
        module = importlib.import_module(name)
        out.extend(getattr(module, "INDICATORS", ()))
    return tuple(out)


def indicator(indicator_id: str) -> Indicator:
    for ind in all_indicators():
        if ind.id == indicator_id:
            return ind
    raise KeyError(f"Indicateur inconnu : {indicator_id!r}")
