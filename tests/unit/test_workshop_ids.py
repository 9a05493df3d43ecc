"""Workshop slides pick their messages and figures by stable id (issue 11).

Before issue 11 `workshop_slides` searched the generated sentences by substring (« Pour
atteindre » in s, « zone prioritaire » in s…): rewording one sentence silently emptied a
slide. Here every sentence and key figure is reworded / relabelled, ids kept: the slides
still show the same facts.
"""

from __future__ import annotations

import pickle
from dataclasses import replace

from reports import prediag
from reports.prediag import KeyFigure, Sentence
from tests.unit import test_prediag

ccvg = test_prediag.ccvg  # the module fixture of tests/unit/test_prediag.py


def _reworded(p: prediag.Prediag) -> prediag.Prediag:
    def text(s: str, i: int) -> str:
        return Sentence(s.id, f"Phrase reformulée n° {i}") if isinstance(s, Sentence) else s

    def figure(f: KeyFigure, i: int) -> KeyFigure:
        return replace(f, label=f"Chiffre n° {i}")

    sections = tuple(
        replace(
            s,
            sentences=tuple(text(x, i) for i, x in enumerate(s.sentences)),
            missing=tuple(text(x, 100 + i) for i, x in enumerate(s.missing)),
            figures=tuple(figure(f, i) for i, f in enumerate(s.figures)),
        )
        for s in p.sections
    )
    return replace(p, sections=sections)


def test_rewording_every_sentence_keeps_every_slide(ccvg):
    before = prediag.workshop_slides(ccvg)
    after = prediag.workshop_slides(_reworded(ccvg))
    assert [s.title for s in after] == [s.title for s in before]
    for old, new in zip(before, after, strict=True):
        assert bool(new.message) == bool(old.message), old.title
        assert len(new.figures) == len(old.figures), old.title
        assert [f.value for f in new.figures] == [f.value for f in old.figures], old.title
        assert len(new.details) == len(old.details), old.title
        if old.message and old.message != ccvg.subject.title:
            assert new.message.startswith("Phrase reformulée"), old.title


def test_every_slide_message_is_a_sentence_with_an_id(ccvg):
    for slide in prediag.workshop_slides(ccvg):
        if slide.message and slide.message != ccvg.subject.title:
            found = [
                s
                for sec in ccvg.sections
                for s in (*sec.sentences, *sec.missing)
                if s == slide.message
            ]
            assert found, slide.title
            assert all(isinstance(s, Sentence) and s.id for s in found), slide.title


def test_sentences_keep_their_id_through_pickle(ccvg):
    """st.cache_data pickles the pre-diagnostic."""
    back = pickle.loads(pickle.dumps(ccvg))
    ids = [s.id for sec in ccvg.sections for s in sec.sentences if isinstance(s, Sentence)]
    ids_back = [s.id for sec in back.sections for s in sec.sentences if isinstance(s, Sentence)]
    assert ids == ids_back
    assert ids


def test_a_sentence_reads_as_its_text():
    s = Sentence(prediag.S_ZONES_ZONAGE, "Deux communes.")
    assert s == "Deux communes."
    assert f"- {s}" == "- Deux communes."
    assert s.id == prediag.S_ZONES_ZONAGE
