"""Batch export: the pre-diagnostic PDFs of every CTG of a département, and XLSX of tables.

`python -m reports batch --departement 69 --sortie DIR` (see reports/__main__.py) writes one
PDF per CTG whose communes lie mostly in the département, one XLSX per CTG with every table
of its pre-diagnostic, and prints a progress line per CTG and a summary of failures.
No Streamlit here.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from catalogue.sources import DEMO_LABEL
from datastore.kinds import Analysis, kinds_read_by
from datastore.national import NATIONAL_KIND, with_national
from datastore.store import Dataset, Workspace
from diagnostics import publication
from geodata import reference
from geodata.territory import Geography
from reports.pdf import render_pdf
from reports.prediag import (
    Prediag,
    PrediagInputs,
    Subject,
    build_prediag,
    ctg_departements,
    subject_from_ctg,
)
from reports.tables import to_xlsx

#: What a pre-diagnostic reads (the page, the batch PDFs and the workshop alike).
KINDS = kinds_read_by(Analysis.PREDIAG)
#: The workspace documents an official output reads: the *published* zonings, trajectories
#: and checklists (drafts never; diagnostics.publication).
DOCUMENT_KINDS = tuple(publication.published_kind(k) for k in publication.PUBLISHABLE)


def load_geography() -> Geography:
    return reference.load_geography()


def workspace_inputs(
    ws: Workspace,
    geo: Geography,
    today: date | None = None,
    datasets: Mapping[str, Dataset] | None = None,
    previews: tuple[publication.Preview, ...] = (),
) -> PrediagInputs:
    """PrediagInputs from a workspace (datasets may be handed in already read, e.g. cached).
    Documents: the published versions only, except the drafts picked for a preview."""
    data = dict(datasets) if datasets is not None else {k: ws.read(k) for k in KINDS}
    if datasets is None and "caf_taux" in data:  # (the cached datasets of ui.cache have it)
        national = data.get(NATIONAL_KIND) or ws.read(NATIONAL_KIND)
        data["caf_taux"] = with_national(data["caf_taux"], national)
    docs = publication.official_documents({k: ws.documents(k) for k in DOCUMENT_KINDS}, previews)
    return PrediagInputs(geo, data, docs, today or date.today())


def prediag_xlsx(p: Prediag) -> bytes:
    """Every table of a pre-diagnostic in one workbook, plus a « Synthèse » sheet of sentences
    and sources; synthetic tables carry « données de démonstration » in their source line."""
    sheets: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    lines = [
        {"Section": s.title, "Constat": sentence} for s in p.sections for sentence in s.sentences
    ]
    lines += [
        {"Section": s.title, "Constat": f"Non disponible : {m}"}
        for s in p.sections
        for m in s.missing
    ]
    sheets["Synthèse"] = pd.DataFrame(lines, columns=["Section", "Constat"])
    demo = f" — {DEMO_LABEL}" if p.synthetic else ""
    sources["Synthèse"] = (
        f"Pré-diagnostic CTG, {p.subject.title}, édité le {p.generated:%d/%m/%Y}{demo}. "
        + " ; ".join(p.sources)
    )
    for section, table in p.tables():
        name = f"{section.id[:10]}-{table.id}"[:31]
        sheets[name] = table.frame
        src = table.source
        if table.synthetic and DEMO_LABEL not in src:
            src += f" — {DEMO_LABEL}"
        sources[name] = f"{table.title}. {src}" + (f" {table.note}" if table.note else "")
    return to_xlsx(sheets, sources)


def slug(text: str) -> str:
    """File-name-safe ASCII slug: « CTG Pays de l'Arbresle » -> « ctg-pays-de-l-arbresle »."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "ctg"


def ctg_subjects(
    geo: Geography, ctg: pd.DataFrame, departement: str
) -> list[tuple[str, Subject | None, str]]:
    """(id, subject or None, error) for every CTG whose communes lie mostly (by population)
    in the département; a CTG whose signatories are all unknown gives an error."""
    out: list[tuple[str, Subject | None, str]] = []
    communes = geo.communes.set_index("code_insee")
    deps = ctg_departements(geo, ctg)
    near = [departement in deps.get(str(i), ()) or not deps.get(str(i)) for i in ctg["id_ctg"]]
    for row in ctg.loc[near].to_dict("records"):
        subject = subject_from_ctg(geo, row)
        if not subject.communes:
            # keep it only if a signatory looks like one of the département's codes
            if str(row["signataires"]).strip().startswith(departement):
                out.append((str(row["id_ctg"]), None, "aucun signataire reconnu dans le COG 2025"))
            continue
        sub = communes.loc[list(subject.communes)]
        pop = pd.to_numeric(sub["population"], errors="coerce").fillna(0)
        dep = pop.groupby(sub["dep"]).sum().sort_values(ascending=False).index[0]
        if str(dep) == departement:
            out.append((str(row["id_ctg"]), subject, ""))
    return out


@dataclass
class BatchResult:
    written: list[Path] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (CTG id, French message)
    seconds: float = 0.0


def run_batch(
    inputs: PrediagInputs,
    departement: str,
    out_dir: Path,
    xlsx: bool = True,
    progress: Callable[[int, int, str, str], None] | None = None,
    limit: int | None = None,
) -> BatchResult:
    """Write the PDFs (and XLSX) of every CTG of a département; never stops at a failure."""
    start = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    ctg = inputs.datasets.get("ctg")
    result = BatchResult()
    if ctg is None or ctg.empty:
        result.failures.append(
            ("—", "aucune liste de CTG dans l'espace de travail (type « Liste des CTG »)")
        )
        return result
    items = ctg_subjects(inputs.geo, ctg.frame, departement)
    if limit is not None:
        items = items[:limit]
    total = len(items)
    for i, (ctg_id, subject, error) in enumerate(items, start=1):
        if subject is None:
            result.failures.append((ctg_id, error))
            if progress:
                progress(i, total, ctg_id, f"échec : {error}")
            continue
        try:
            p = build_prediag(subject, inputs)
            base = out_dir / f"{slug(ctg_id)}_{slug(subject.name)}"
            pdf_path = base.with_suffix(".pdf")
            pdf_path.write_bytes(render_pdf(p))
            result.written.append(pdf_path)
            if xlsx:
                xlsx_path = base.with_suffix(".xlsx")
                xlsx_path.write_bytes(prediag_xlsx(p))
                result.written.append(xlsx_path)
            status = f"ok ({pdf_path.name})"
        except (ValueError, KeyError, OSError) as exc:  # a bad CTG row must not stop the batch
            result.failures.append((ctg_id, f"{type(exc).__name__} : {exc}"))
            status = f"échec : {exc}"
        if progress:
            progress(i, total, ctg_id, status)
    result.seconds = time.perf_counter() - start
    return result
