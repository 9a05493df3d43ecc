"""The zones rules registry (diagnostics.zones.RULES): each rule carries its parameters and a
declarative description of its controls, so the page draws them in a loop (issue 11)."""

from __future__ import annotations

import json

import pytest

from diagnostics import zones as z

RULE_IDS = list(z.RULES)


def _defaults(rule_type: type[z.Rule]) -> dict[str, object]:
    chosen: dict[str, object] = {}
    for c in rule_type.controls:
        if c.widget == "select":
            chosen[c.param] = c.options[0] if c.options else z.SUPPLY_STRUCTURES
        else:
            chosen[c.param] = c.default_for(chosen)
    return chosen


def test_registry_order_and_ids():
    assert RULE_IDS == ["cnaf", "seuil", "sans_eaje", "accessibilite", "score"]
    assert [t().id for t in z.RULE_TYPES] == RULE_IDS


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_controls_build_the_rule_and_its_parameters_round_trip(rule_id):
    rule_type = z.RULES[rule_id]
    rule = z.rule_from_controls(rule_id, _defaults(rule_type))
    assert isinstance(rule, rule_type)
    params = json.loads(json.dumps(z.rules_to_params([rule], "une")))
    back, _ = z.rules_from_params(params)
    assert back == [rule]


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_rule_parameter_has_a_control(rule_id):
    rule_type = z.RULES[rule_id]
    declared = {
        c.param.partition(".")[0] for c in rule_type.controls if not c.param.startswith("_")
    }
    assert declared == set(rule_type().params())


def test_widget_keys_are_unique_and_keep_their_names():
    keys = [t.toggle[0] for t in z.RULE_TYPES]
    keys += [c.key for t in z.RULE_TYPES for c in t.controls]
    assert len(keys) == len(set(keys))
    assert {"zones_r_cnaf", "zones_r_seuil", "zones_eaje_min", "zones_r_acc"} <= set(keys)


@pytest.mark.parametrize(
    ("reference", "expected"), [("absolu", 50.0), ("france", 80.0), ("departement", 80.0)]
)
def test_a_default_can_depend_on_a_control_above(reference, expected):
    value = z.CoverageThresholdRule.controls[1]
    assert value.default_for({"reference": reference}) == expected
    assert value.widget_key({"reference": reference}) == f"zones_seuil_val_{reference}"


def test_composite_weights_are_gathered():
    rule = z.rule_from_controls("score", _defaults(z.CompositeRule))
    assert rule == z.CompositeRule()


def test_unknown_rule_is_refused_in_french():
    with pytest.raises(ValueError, match="Règle inconnue"):
        z.rules_from_params({"regles": [{"regle": "inconnue"}]})


def test_saved_zoning_is_typed_and_round_trips():
    doc = {
        "territoire": "epci:1",
        "date": "2026-01-01T00:00:00+00:00",
        "parametres": z.rules_to_params([z.NoEajeRule(10.0)], "toutes"),
        "taux_cible": 60,
        "communes": ["01001", "01002"],
        "zones": [{"id": "1", "nom": "Zone de A", "communes": ["01001", "01002"]}],
    }
    saved = z.SavedZoning.from_document("Essai", doc)
    assert saved is not None
    assert saved.taux_cible == 60.0
    assert saved.zones[0].communes == ("01001", "01002")
    assert saved.rules() == ([z.NoEajeRule(10.0)], "toutes")
    assert z.SavedZoning.from_document("Essai", saved.to_document()) == saved
    assert z.SavedZoning.from_document("liste", {"items": []}) is None
