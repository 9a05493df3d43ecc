"""Names of uploaded files: checked before anything else reads them.

A browser may send a name that is not valid UTF-8 (Python then holds lone surrogates,
which SQLite refuses: « surrogates not allowed ») or an absurdly long one. Such a name is
never a crash: an invalid encoding is repaired (the bytes read as Windows-1252, the usual
encoding of French file names, else replaced) and told; a name longer than
`MAX_NAME_LENGTH` characters (no file system stores more) is refused with a French message.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_NAME_LENGTH = 255


@dataclass(frozen=True)
class UploadName:
    name: str  # the name to store and show ("" when refused)
    error: str | None = None  # French message: the file is refused
    note: str | None = None  # French message: the name was repaired


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_upload_name(raw: object) -> UploadName:
    """Checked (and if needed repaired) name of an uploaded file."""
    name = "" if raw is None else str(raw)
    note = None
    if not _is_utf8(name):
        data = name.encode("utf-8", "surrogateescape")
        try:
            name = data.decode("cp1252")
        except UnicodeDecodeError:
            name = data.decode("utf-8", "replace")
        if not _is_utf8(name):
            name = name.encode("utf-8", "replace").decode("utf-8")
        note = (
            "Le nom du fichier n'était pas un texte valide (encodage inconnu) : il est "
            f"enregistré sous « {name[:80]} »."
        )
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cs")).strip()
    if len(name) > MAX_NAME_LENGTH:
        return UploadName(
            "",
            error=(
                f"Nom de fichier trop long ({len(name):,} caractères, {MAX_NAME_LENGTH} au plus) : "
                "le fichier n'a pas été importé. Renommez-le avec un nom plus court, puis "
                "importez-le de nouveau."
            ).replace(",", "\u202f"),
        )
    if not name:
        name = "fichier sans nom"
    return UploadName(name, None, note)
