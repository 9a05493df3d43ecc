"""The analysis layer (analyses/): pure functions returning frozen results (issue 11)."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from datetime import date

import pytest

import analyses
from analyses.ao import AoInputs, ao_analysis
from datastore.store import Dataset
from geodata.territory import Level, make_territory
from tests.unit.test_prediag import CCVG, make_ds, small_geo

REF = date(2026, 11, 26)
MODULES = [
    importlib.import_module(f"analyses.{m.name}") for m in pkgutil.iter_modules(analyses.__path__)
]


def _results():
    for module in MODULES:
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and dataclasses.is_dataclass(obj)
                and obj.__module__ == module.__name__
            ):
                yield pytest.param(obj, id=f"{module.__name__}.{name}")


@pytest.mark.parametrize("cls", list(_results()))
def test_every_result_is_frozen(cls):
    assert cls.__dataclass_params__.frozen


def test_the_layer_has_one_module_per_subject():
    assert {m.__name__ for m in MODULES} >= {
        "analyses.ao",
        "analyses.ao_scope",
        "analyses.coverage",
        "analyses.zones",
    }


def _empty(kind: str) -> Dataset:
    return make_ds(kind, [])


def test_ao_analysis_of_an_epci_without_files_lists_its_communes():
    geo = small_geo()
    inputs = AoInputs(_empty("ctg"), _empty("ao_transferts"), _empty("population"))
    result = ao_analysis(geo, make_territory(geo, Level.EPCI, CCVG), inputs, REF)
    assert result.errors == ()
    assert sorted(result.holders["code_insee"]) == ["69027", "69043", "69133", "69136", "69268"]
    assert result.basis.type_population == "municipale"
    assert result.ctgs == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.errors = ("x",)  # type: ignore[misc]


def test_ao_analysis_returns_file_errors_in_french():
    geo = small_geo()
    bad = make_ds(
        "ao_transferts",
        [{"siren_epci": CCVG, "competence": "planifier", "communes": "99999"}],
    )
    inputs = AoInputs(_empty("ctg"), bad, _empty("population"))
    result = ao_analysis(geo, make_territory(geo, Level.EPCI, CCVG), inputs, REF)
    assert any("code commune inconnu « 99999 »" in e for e in result.errors)
    assert result.holders.empty
    assert result.table.empty
