"""The one French number formatting module (screens, PDF, XLSX captions, sentences).

Conventions, the same everywhere the user reads a number:

- thousands separated by a narrow no-break space (U+202F): « 12 345 » ;
- decimal comma: « 12,5 » ; a value that rounds to zero never prints « −0 » ;
- negative values with the minus sign U+2212 (« −1,5 »), never the hyphen; signed values
  (differences, gaps) print « +1,5 » / « −1,5 » / « 0 » ;
- percentages with a narrow no-break space before « % » : « 23,4 % » ;
- a missing value prints « — » in a table cell or a key figure (:data:`MISSING`), and
  « non disponible » inside a sentence (:data:`MISSING_TEXT`, pass ``missing=MISSING_TEXT``).

Machine-readable files (CSV, XLSX cells) keep their numbers as numbers: see reports/tables.py.
Pure: no streamlit, no pandas state.
"""

from __future__ import annotations

import math
import re
from numbers import Real

NNBSP = "\u202f"  # narrow no-break space: thousands, before % ; ! ?
MINUS = "\u2212"  # typographic minus sign
MISSING = "—"  # a missing value in a table cell or a key figure
MISSING_TEXT = "non disponible"  # a missing value inside a sentence
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)  # French month names (dates in reports, chart locale)

Number = float | int | None


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas' missing markers (pd.NA, NaT)."""
    if value is None:
        return True
    if isinstance(value, Real):
        return isinstance(value, float) and math.isnan(value)
    try:
        return bool(value != value)  # NaN-like objects (pd.NA raises, handled below)
    except TypeError:
        return True


def fmt_number(
    value: object, decimals: int = 0, *, missing: str = MISSING, trim: bool = False
) -> str:
    """« 12 345,6 »: French number with `decimals` decimals.

    `trim` drops trailing zero decimals (« 2,5 » and « 10 » with decimals=2).
    Infinity prints « ∞ »; missing values print `missing`.
    """
    if is_missing(value):
        return missing
    x = float(value)  # type: ignore[arg-type]
    if math.isinf(x):
        return "∞" if x > 0 else f"{MINUS}∞"
    rounded = round(x, decimals)
    if rounded == 0:
        rounded = 0.0  # never « −0,0 »
    text = f"{abs(rounded):,.{decimals}f}"
    if trim and decimals > 0:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", NNBSP).replace(".", ",")
    return f"{MINUS}{text}" if rounded < 0 else text


def fmt_compact(value: object, *, missing: str = MISSING) -> str:
    """A parameter or a bound as typed: « 2,5 », « 10 », « 0,05 » (up to 6 decimals)."""
    return fmt_number(value, 6, missing=missing, trim=True)


def fmt_signed(value: object, decimals: int = 1, *, missing: str = MISSING) -> str:
    """A difference: « +1,5 », « −1,5 », « 0 » when it rounds to zero."""
    text = fmt_number(value, decimals, missing=missing)
    if text in (missing, "∞") or text.startswith(MINUS):
        return text
    if round(float(value), decimals) == 0:  # type: ignore[arg-type]
        return text
    return f"+{text}"


def fmt_percent(value: object, decimals: int = 1, *, missing: str = MISSING) -> str:
    """A value already in percent: 23.4 -> « 23,4 % »."""
    if is_missing(value):
        return missing
    return f"{fmt_number(value, decimals)}{NNBSP}%"


def fmt_share(
    value: object, decimals: int = 1, *, missing: str = MISSING, trim: bool = False
) -> str:
    """A share between 0 and 1: 0.234 -> « 23,4 % » (`trim`: 0.05 -> « 5 % »)."""
    if is_missing(value):
        return missing
    pct = float(value) * 100.0  # type: ignore[arg-type]
    return f"{fmt_number(pct, decimals, trim=trim)}{NNBSP}%"


def fmt_rate(value: object, *, missing: str = MISSING) -> str:
    """A coverage rate (places for 100 children), one decimal: « 58,3 »."""
    return fmt_number(value, 1, missing=missing)


def fmt_size(n_bytes: int) -> str:
    """A file size: « 1,5 Mo », « 12,0 Ko », « 800 octets »."""
    if n_bytes >= 1e6:
        return f"{fmt_number(n_bytes / 1e6, 1)} Mo"
    if n_bytes >= 1e3:
        return f"{fmt_number(n_bytes / 1e3, 1)} Ko"
    return f"{n_bytes} octets"


# ----------------------------------------------------------------------------- CTG names
# (here, not in diagnostics.narrative: the import checks of datastore/ write CTG names too)

_CTG_PREFIX = re.compile(r"^\s*CTG\b\s*[-–—:]?\s*", re.IGNORECASE)


def ctg_short_name(name: str) -> str:
    """A CTG's name without a leading « CTG » (« CTG – Arbent » -> « Arbent »), to write after
    « la CTG »: never « la CTG « CTG – Arbent » »."""
    return _CTG_PREFIX.sub("", name, count=1).strip() or name


def ctg_title(name: str) -> str:
    """« CTG – Arbent » as it is, « Arbent » -> « CTG : Arbent »: never « CTG : CTG – … »."""
    return name if ctg_short_name(name) != name else f"CTG : {name}"


def ctg_quoted(name: str) -> str:
    """A CTG's name in quotes, to write after « la CTG » / « les CTG »: « « Arbent » » for
    « CTG – Arbent » and for « Arbent »."""
    return f"« {ctg_short_name(str(name))} »"
