"""Short generated French sentences that state facts, never opinions.

Used by the pre-diagnostic (page, PDF, workshop view). Every function is pure and returns
French text: French number format (« 12 345,6 », narrow no-break space for thousands),
correct agreement (« inférieur / inférieure », « celui / celle », « 1,5 point / 8,1 points »),
elision and contraction of « de » (« d'Annecy », « du Mans », « des Sables-d'Olonne »).

These are text helpers, not indicators: the module declares no INDICATORS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

from diagnostics.formatting import NNBSP, fmt_number, fmt_percent
from diagnostics.formatting import is_missing as _missing

NBSP = "\u00a0"  # no-break space (before :, inside « »)
_VOWELS = "aeiouyhâàäéèêëîïôöûüAEIOUYHÂÀÄÉÈÊËÎÏÔÖÛÜ"


@dataclass(frozen=True)
class Noun:
    """A French noun phrase with what agreement needs, e.g. Noun("taux de couverture")."""

    text: str
    feminine: bool = False
    plural: bool = False

    @property
    def article(self) -> str:
        """Definite article, capitalised: « Le taux », « La part », « L'offre », « Les places »."""
        if self.plural:
            return "Les "
        if _starts_with_vowel(self.text):
            return "L'"
        return "La " if self.feminine else "Le "

    def agree(self, masculine_singular: str) -> str:
        """Agree a regular adjective or participle: inférieur -> inférieure(s)."""
        word = masculine_singular
        if self.feminine and not word.endswith("e"):
            word += "e"
        if self.plural and not word.endswith(("s", "x")):
            word += "s"
        return word

    @property
    def pronoun(self) -> str:
        """Demonstrative pronoun: celui, celle, ceux, celles."""
        if self.plural:
            return "celles" if self.feminine else "ceux"
        return "celle" if self.feminine else "celui"


TAUX_COUVERTURE = Noun("taux de couverture")


def _starts_with_vowel(text: str) -> bool:
    return bool(text) and text[0] in _VOWELS


def count_phrase(n: int, singular: str, plural: str | None = None, feminine: bool = False) -> str:
    """« 1 commune », « 12 communes », « aucune commune », « 12 345 habitants »."""
    if n == 0:
        return f"{'aucune' if feminine else 'aucun'} {singular}"
    word = singular if abs(n) < 2 else (plural or singular + "s")
    return f"{fmt_number(n)} {word}"


def points_phrase(diff: float, decimals: int = 1) -> str:
    """« 8,1 points », « 1,5 point » (French: singular below 2)."""
    shown = round(abs(diff), decimals)
    return f"{fmt_number(shown, decimals)} {'point' if shown < 2 else 'points'}"


def de(name: str) -> str:
    """« de » + name with elision and contraction: d'Annecy, du Mans, des Ulis, de La Rochelle."""
    name = name.strip()
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name.startswith(("l'", "L'", "la ", "le ")):
        return "de " + name
    if _starts_with_vowel(name):
        return "d'" + name
    return "de " + name


_EPCI_FEMININE = re.compile(
    r"^(CC|CA|CU|Communauté|Métropole|Eurométropole|Euro Métropole|Agglomération)\b", re.IGNORECASE
)


def territory_complement(level: str, name: str) -> str:
    """The « de … » complement naming a territory.

    commune -> « de Lyon » / « d'Annecy » / « du Mans »; epci -> « de la CC du Pays de Gex »
    (or « de l'EPCI X » when the name gives no article); departement -> « du département
    (Rhône) »; france -> « de la France »; anything else (a CTG, a selection) -> « de la
    CTG X » style, given verbatim after « de ».
    """
    if level == "commune":
        return de(name)
    if level == "epci":
        if _EPCI_FEMININE.match(name):
            return f"de la {name}"
        return f"de l'EPCI {name}"
    if level == "departement":
        return f"du département ({name})"
    if level == "france":
        return "de la France"
    return de(name)


def capitalise(text: str) -> str:
    """Upper-case the first letter only: « la CC X » -> « La CC X »."""
    return text[:1].upper() + text[1:] if text else text


def decapitalise(text: str) -> str:
    """Lower-case the first letter only: « Importez le jeu » -> « importez le jeu »."""
    return text[:1].lower() + text[1:] if text else text


def compare_sentence(
    indicator: Noun,
    subject: str,
    value: float | None,
    reference: str,
    ref_value: float | None,
    decimals: int = 1,
    unit: str = "points",
) -> str | None:
    """« Le taux de couverture de la CC X (52,3) est inférieur de 8,1 points à celui du
    département (60,4). » None when a value is missing.

    subject / reference are « de … » complements (see territory_complement); unit is the
    unit of the difference (« points » for rates and shares; any other unit is written as is).
    """
    if _missing(value) or _missing(ref_value):
        return None
    v = round(float(cast(float, value)), decimals)
    r = round(float(cast(float, ref_value)), decimals)
    diff = round(v - r, decimals)
    head = f"{indicator.article}{indicator.text} {subject} ({fmt_number(v, decimals)})"
    tail = f"{indicator.pronoun} {reference} ({fmt_number(r, decimals)})"
    verb = "sont" if indicator.plural else "est"
    if diff == 0:
        return f"{head} {verb} {indicator.agree('égal')} à {tail}."
    comparative = indicator.agree("supérieur" if diff > 0 else "inférieur")
    gap = (
        points_phrase(diff, decimals)
        if unit == "points"
        else f"{fmt_number(abs(diff), decimals)} {unit}"
    )
    return f"{head} {verb} {comparative} de {gap} à {tail}."


def count_sentence(subject: str, n_communes: int, population: int) -> str:
    """« La CC X compte 12 communes et 45 678 habitants. » (subject is a nominative phrase)."""
    if n_communes == 0:
        return f"{capitalise(subject)} ne compte aucune commune."
    communes = count_phrase(n_communes, "commune", feminine=True)
    habitants = count_phrase(population, "habitant")
    return f"{capitalise(subject)} compte {communes} et {habitants}."


def share_sentence(
    part: Noun, share: float | None, whole: str, subject: str, decimals: int = 1
) -> str | None:
    """« Les familles monoparentales représentent 23,4 % des allocataires de Lyon. »"""
    if _missing(share):
        return None
    verb = "représentent" if part.plural else "représente"
    return f"{part.article}{part.text} {verb} {fmt_percent(share, decimals)} {whole} {subject}."


def trend_sentence(
    indicator: Noun,
    subject: str,
    start_year: int,
    start: float | None,
    end_year: int,
    end: float | None,
    decimals: int = 0,
) -> str | None:
    """« Le nombre de naissances de Lyon a baissé de 12,3 % entre 2015 et 2022 (de 1 234 à 1 082). »"""
    if _missing(start) or _missing(end) or start_year == end_year:
        return None
    s, e = float(cast(float, start)), float(cast(float, end))
    years = f"entre {start_year} et {end_year}"
    if s == 0:
        return f"{indicator.article}{indicator.text} {subject} est {indicator.agree('passé')} de 0 à {fmt_number(e, decimals)} {years}."
    values = f"(de {fmt_number(s, decimals)} à {fmt_number(e, decimals)})"
    change = (e - s) / s * 100
    if round(change, 1) == 0:
        return f"{indicator.article}{indicator.text} {subject} est {indicator.agree('stable')} {years} {values}."
    verb = "a augmenté" if change > 0 else "a baissé"
    return f"{indicator.article}{indicator.text} {subject} {verb} de {fmt_percent(abs(change))} {years} {values}."


def rank_sentence(subject: str, n_above: int, n_total: int, what: str) -> str:
    """« 3 communes sur 12 de la CC X ont un taux de couverture supérieur au national. »"""
    verb = "a" if n_above < 2 else "ont"
    return f"{capitalise(count_phrase(n_above, 'commune', feminine=True))} sur {fmt_number(n_total)} {subject} {verb} {what}."


# --- French typography -------------------------------------------------------------------
_SPACE_BEFORE_HIGH = re.compile(r"(?<=\S)[ \u00a0\u202f]*([;!?])(?=\s|$)")
_SPACE_BEFORE_COLON = re.compile(r"(?<=\S)[ \u00a0\u202f]*:(?=\s|$)")
_OPEN_QUOTE = re.compile(r"«[ \u00a0\u202f]*")
_CLOSE_QUOTE = re.compile(r"[ \u00a0\u202f]*»")


def typographie(text: str) -> str:
    """French typography: no-break space before « : » and inside guillemets, narrow no-break
    space before ; ! ?. Only punctuation followed by a space or the end is touched, so times
    (10:30) and URLs (https://…?a=b) are left alone."""
    if not text:
        return text
    out = _SPACE_BEFORE_HIGH.sub(lambda m: NNBSP + m.group(1), text)
    out = _SPACE_BEFORE_COLON.sub(NBSP + ":", out)
    out = _OPEN_QUOTE.sub("«" + NBSP, out)
    return _CLOSE_QUOTE.sub(NBSP + "»", out)
