"""Drafts and published versions of the workspace's pieces of work (issue 19).

A zoning (« zonage »), a trajectory (« trajectoire ») or a CTG checklist (« checklist_ctg »)
is saved as a workspace *document* and stays a **draft**: the pages show it, no official
output reads it. Someone marks one version as *the* version to publish for its territory;
that copies it, frozen, into a document of the published kind (`published_kind`, e.g.
« zonage_publie »), named by the territory (`publication_name`), so that there is at most one
published version per territory and kind, and editing or deleting the draft afterwards
changes nothing in the outputs. The pre-diagnostic, the batch, the CTG bilan and the workshop
view read only the published documents (`official_documents`), unless the user picks a draft
for a preview: it is then marked « brouillon » and the PDF is watermarked (`WATERMARK`).

No SQL schema change: the status lives in the documents' kind and in their payload
(`statut`, `publie_le`). Workspaces made before this have no published documents: **every
earlier zoning and checklist reads as a draft** (nothing reaches an official output without
someone having said so; docs/architecture.md, « Brouillons et versions publiées »).

Pure: no project imports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

ZONING = "zonage"
TRAJECTORY = "trajectoire"
CHECKLIST = "checklist_ctg"
#: The kinds of documents that have drafts and published versions.
PUBLISHABLE = (ZONING, TRAJECTORY, CHECKLIST)
_SUFFIX = "_publie"

STATUS = "statut"
DRAFT = "brouillon"
PUBLISHED = "publie"
PUBLISHED_AT = "publie_le"
VERSION = "nom"
TERRITORY = "territoire"

WATERMARK = "BROUILLON – version non publiée"
KIND_LABELS = {ZONING: "zonage", TRAJECTORY: "trajectoire", CHECKLIST: "liste de contrôle"}


def published_kind(kind: str) -> str:
    """Document kind of the published versions of `kind` (« zonage » -> « zonage_publie »)."""
    if kind not in PUBLISHABLE:
        raise ValueError(f"Type de document sans version publiée : {kind!r}")
    return kind + _SUFFIX


def checklist_territory(id_ctg: str) -> str:
    """The territory a CTG's checklist belongs to: the CTG's own perimeter (« ctg:<id> »)."""
    return f"ctg:{id_ctg}"


def publication_name(kind: str, territory_key: str) -> str:
    """Name of the published document of a territory: its key (one published version per
    territory and kind); a checklist's is its CTG id."""
    if kind == CHECKLIST:
        return territory_key.removeprefix("ctg:")
    return territory_key


def _content(payload: Mapping) -> dict:
    return {k: v for k, v in payload.items() if k not in (STATUS, PUBLISHED_AT)}


def publish(
    kind: str, version: str, territory_key: str, payload: Mapping, when: datetime | None = None
) -> tuple[str, str, dict]:
    """(published kind, document name, frozen copy) that make `payload` — the draft named
    `version` — the published version of `territory_key`. The caller stores it with
    `Workspace.save_document(*publish(...))`."""
    when = when or datetime.now(UTC)
    snapshot = {
        **_content(payload),
        VERSION: version,
        TERRITORY: territory_key,
        STATUS: PUBLISHED,
        PUBLISHED_AT: when.isoformat(timespec="seconds"),
    }
    return published_kind(kind), publication_name(kind, territory_key), snapshot


def as_draft(version: str, territory_key: str, payload: Mapping) -> dict:
    """A draft picked for a preview: the same content, marked « brouillon »."""
    return {**_content(payload), VERSION: version, TERRITORY: territory_key, STATUS: DRAFT}


def is_draft(payload: object) -> bool:
    return isinstance(payload, Mapping) and payload.get(STATUS) == DRAFT


def date_fr(iso: object) -> str:
    """« 01/12/2026 » from an ISO date or date-time (empty when absent)."""
    text = str(iso or "")[:10]
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return f"{text[8:10]}/{text[5:7]}/{text[:4]}"
    return text


@dataclass(frozen=True)
class Status:
    """Where a draft stands: published as it is, published then edited, or never published."""

    published: bool  # this version is the published one of its territory
    changed: bool  # ... but the draft was saved again since
    published_at: str  # ISO, of the published version of the territory (« » when none)
    published_version: str  # name of the published version of the territory (« » when none)

    @property
    def label(self) -> str:
        if self.published and not self.changed:
            return f"Publiée le {date_fr(self.published_at)}"
        if self.published:
            return f"Publiée le {date_fr(self.published_at)}, modifiée depuis (brouillon)"
        return "Brouillon"


def draft_status(version: str, payload: Mapping, published: Mapping | None) -> Status:
    """Status of the draft `version` against the published document of its territory."""
    if not isinstance(published, Mapping):
        return Status(False, False, "", "")
    at = str(published.get(PUBLISHED_AT, ""))
    name = str(published.get(VERSION, ""))
    if name != version:
        return Status(False, False, at, name)
    same = _content(published) == {
        **_content(payload),
        VERSION: name,
        TERRITORY: published.get(TERRITORY),
    }
    return Status(True, not same, at, name)


@dataclass(frozen=True)
class Preview:
    """A draft the user picked to preview an output with (it replaces the published version
    of its territory in that output only)."""

    kind: str
    version: str
    territory: str
    payload: Mapping

    @property
    def describe(self) -> str:
        return f"{KIND_LABELS[self.kind].capitalize()} « {self.version} » (brouillon)"


def official_documents(
    stored: Mapping[str, Mapping[str, object]], previews: Iterable[Preview] = ()
) -> dict[str, dict[str, object]]:
    """The documents an official output reads, by base kind: the published versions
    (keyed by `publication_name`: territory key, or CTG id for a checklist), each marked
    « publie » with its date; a preview's draft replaces the published version of its
    territory, marked « brouillon ».

    stored: documents by kind as the workspace holds them (the published kinds are read;
    drafts in the base kinds are ignored)."""
    out: dict[str, dict[str, object]] = {}
    for kind in PUBLISHABLE:
        docs: dict[str, object] = {}
        for name, doc in (stored.get(published_kind(kind)) or {}).items():
            if not isinstance(doc, Mapping):
                continue
            docs[str(name)] = doc
        out[kind] = docs
    for p in previews:
        docs = out[p.kind]
        for key in [k for k, d in docs.items() if _territory_of(p.kind, k, d) == p.territory]:
            del docs[key]
        docs[publication_name(p.kind, p.territory)] = as_draft(p.version, p.territory, p.payload)
    return out


def _territory_of(kind: str, key: str, doc: object) -> str:
    if kind == CHECKLIST:
        return checklist_territory(key)
    return str(doc.get(TERRITORY, key)) if isinstance(doc, Mapping) else key


def drafts_in(documents: Mapping[str, Mapping[str, object]]) -> tuple[str, ...]:
    """French descriptions of the drafts among an output's documents (none: official)."""
    return tuple(
        f"{KIND_LABELS[kind].capitalize()} « {doc.get(VERSION, key)} » (brouillon)"
        for kind in PUBLISHABLE
        for key, doc in (documents.get(kind) or {}).items()
        if is_draft(doc) and isinstance(doc, Mapping)
    )


def version_line(kind: str, doc: Mapping) -> str:
    """« zonage « X », version publiée le 01/12/2026 » or « … brouillon non publié »."""
    what = f"{KIND_LABELS[kind]} « {doc.get(VERSION, '')} »"
    if is_draft(doc):
        return f"{what}, brouillon non publié (aperçu)"
    return f"{what}, version publiée le {date_fr(doc.get(PUBLISHED_AT))}"
