"""The indicator registry is complete and consistent."""

from __future__ import annotations

import re

import pytest

from catalogue.sources import SOURCES
from datastore.schemas import DATASET_TYPES
from diagnostics.registry import all_indicators, indicator

INDICATORS = all_indicators()
SOURCE_IDS = {s.id for s in SOURCES}
FRENCH_HINT = re.compile(r"[a-zàâçéèêëîïôûùüÿœ]", re.IGNORECASE)


def test_registry_is_not_empty() -> None:
    assert len(INDICATORS) >= 3


def test_ids_unique() -> None:
    ids = [i.id for i in INDICATORS]
    dupes = {i for i in ids if ids.count(i) > 1}
    assert not dupes, dupes


@pytest.mark.parametrize("ind", INDICATORS, ids=lambda i: i.id)
def test_indicator_complete(ind) -> None:
    assert re.fullmatch(r"[a-z0-9_]+", ind.id)
    assert ind.label.strip() and FRENCH_HINT.search(ind.label)
    assert ind.unit.strip()
    assert callable(ind.function)
    assert ind.sources, "chaque indicateur cite au moins une source"
    for src in ind.sources:
        if src.startswith("dataset:"):
            assert src.removeprefix("dataset:") in DATASET_TYPES, src
        else:
            assert src in SOURCE_IDS, src


def test_lookup() -> None:
    assert indicator("population").unit == "habitants"
    with pytest.raises(KeyError):
        indicator("inexistant")
