"""The CTG pre-diagnostic as a pure data structure.

`build_prediag(subject, inputs)` assembles, for a subject (a commune, an EPCI, the communes
covered by a CTG, or a custom set of communes) compared with its EPCI, département and France,
the sections the circular asks for (section 2.3.1): identity, demography, early childhood and
the other CTG themes. Each section holds key figures, tables, chart specifications, generated
sentences (diagnostics.narrative), the source and year of everything, whether synthetic
(« données de démonstration ») data was used, and plain French statements of what is missing
and which dataset to import.

The same structure feeds the Streamlit page, the workshop view, the PDF (reports/pdf.py) and
the XLSX export (reports/batch.py). No Streamlit here; inputs are never mutated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from analyses.ao_scope import ao_scope, scope_holders_and_refused
from catalogue.sources import DEMO_LABEL, Nature, credit
from charts import coverage as chart_defs
from charts.spec import STATUS_COMPUTED, STATUS_PUBLISHED, ChartSpec
from charts.trajectory import trajectory_spec as trajectory_chart
from datastore.codes import isin as fast_isin
from datastore.schemas import dataset_type
from datastore.store import Dataset, DatasetMeta
from diagnostics import ao, coverage, publication, trajectory, zones
from diagnostics import narrative as nv
from diagnostics.formatting import ctg_short_name, ctg_title, fmt_number, fmt_percent
from diagnostics.territory_profile import key_figures
from geodata.territory import (
    FRANCE,
    Geography,
    Level,
    Territory,
    make_territory,
    normalize_code_insee,
)

# ----------------------------------------------------------------------------- structure


class Sentence(str):
    """A generated French sentence (or « non disponible » note) with a stable id.

    A str, so sections, PDF, XLSX and pages read it as text; the workshop view picks its
    messages by id (`Section.said`), so rewording a sentence never empties a slide.
    """

    id: str

    def __new__(cls, sentence_id: str, text: str) -> Sentence:
        obj = super().__new__(cls, text)
        obj.id = sentence_id
        return obj

    def __getnewargs__(self) -> tuple[str, str]:  # pickled with its id (st.cache_data)
        return (self.id, str(self))


# Sentence ids (one generated sentence or note each; several sentences may share an id).
S_COMPOSITION = "identite.composition"
S_DENSITE = "identite.densite"
S_AO_TRANSFERT = "ao.transfert_planification"
S_AO_STATUT = "ao.statut"
S_CTG_AUCUNE = "ctg.aucune"
S_CTG_NOMBRE = "ctg.nombre"
S_CTG_LISTE = "ctg.liste_decret"
S_ENFANTS_COMPARAISON = "demographie.enfants_comparaison"
S_NAISSANCES_TENDANCE = "demographie.naissances_tendance"
S_COUVERTURE_COMPARAISON = "couverture.comparaison"
S_COUVERTURE_ABSENTE = "couverture.absente"
S_ZONES_ZONAGE = "zones.zonage"
S_ZONES_ABSENT = "zones.absent"
S_TRAJECTOIRE_ATTEINT = "trajectoire.atteint"
S_TRAJECTOIRE_RATTRAPAGE = "trajectoire.rattrapage"
S_TRAJECTOIRE_ABSENTE = "trajectoire.absente"
S_ALLOCATAIRES_PART = "allocataires.part"
AO_SENTENCES = (S_AO_TRANSFERT, S_AO_STATUT, S_CTG_AUCUNE, S_CTG_NOMBRE, S_CTG_LISTE)

# Key figure ids
F_COMMUNES = "communes"
F_POPULATION = "population"
F_TAUX_COUVERTURE = "taux_couverture"
F_PLACES_EAJE = "structures.places_eaje"
F_BPE_EAJE = "bpe.eaje"


def structure_figure_id(structure_type: str) -> str:
    return f"structures.{structure_type.lower()}"


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: float | None
    text: str  # French formatted value with its unit
    source: str
    synthetic: bool = False
    estimated: bool = False
    id: str = ""  # stable id (F_* constants, demography: the column name)


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    frame: pd.DataFrame  # French column headers, ready to show
    source: str
    synthetic: bool = False
    note: str = ""
    # columns whose rows hold different units: at most that many decimals (display_frame)
    decimals: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    figures: tuple[KeyFigure, ...] = ()
    sentences: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[ChartSpec, ...] = ()
    missing: tuple[str, ...] = ()  # French: what is not available and which dataset to import

    def said(self, *ids: str) -> tuple[str, ...]:
        """Sentences, then missing-data notes, whose id is one of `ids` (in section order)."""
        return tuple(
            s for s in (*self.sentences, *self.missing) if isinstance(s, Sentence) and s.id in ids
        )

    def figure(self, *ids: str) -> KeyFigure | None:
        """The first key figure whose id is one of `ids` (in section order)."""
        return next((f for f in self.figures if f.id in ids), None)

    @property
    def synthetic(self) -> bool:
        return (
            any(f.synthetic for f in self.figures)
            or any(t.synthetic for t in self.tables)
            or any(c.synthetic for c in self.charts)
        )

    @property
    def sources(self) -> tuple[str, ...]:
        seen: list[str] = []
        for s in (
            [f.source for f in self.figures]
            + [t.source for t in self.tables]
            + [c.source for c in self.charts]
        ):
            for part in s.split(" ; "):
                if part and part not in seen:
                    seen.append(part)
        return tuple(seen)


def sections_sources(sections: tuple[Section, ...]) -> tuple[str, ...]:
    """The sources of a report's sections, each once, in order of appearance."""
    return tuple(dict.fromkeys(src for s in sections for src in s.sources))


@dataclass(frozen=True)
class Subject:
    """What the pre-diagnostic is about."""

    kind: str  # « commune », « epci », « ctg », « selection »
    code: str
    name: str
    communes: tuple[str, ...]
    notes: tuple[str, ...] = ()  # French, e.g. unknown signatory codes

    @property
    def ctg_name(self) -> str:
        """A CTG's name without a leading « CTG » (« CTG – Arbent » -> « Arbent »), so that
        sentences and titles never say « la CTG « CTG – Arbent » »."""
        return ctg_short_name(self.name)

    @property
    def complement(self) -> str:
        """« de Lyon », « de la CC X », « du département (Nord) », « de la CTG X », « de la
        sélection »."""
        if self.kind in ("commune", "epci", "departement"):
            return nv.territory_complement(self.kind, self.name)
        if self.kind == "ctg":
            return f"du territoire de la CTG « {self.ctg_name} »"
        return "de la sélection de communes"

    @property
    def nominative(self) -> str:
        """The subject as a sentence subject: « Lyon », « la CC X », « le territoire de la CTG X »."""
        if self.kind == "commune":
            return self.name
        if self.kind == "epci":
            return self.complement.removeprefix("de ").removeprefix("d'")
        if self.kind == "ctg":
            return f"le territoire de la CTG « {self.ctg_name} »"
        if self.kind == "departement":
            return f"le département ({self.name})"
        return "la sélection de communes"

    @property
    def noun(self) -> nv.Noun:
        """The subject as a sentence subject with its gender and number, for agreement:
        « La commune de Lyon » (f.), « La CC X » (f.), « L'EPCI X » (m.), « Le territoire de la
        CTG X » (m.), « La sélection de communes » (f.)."""
        if self.kind == "commune":
            return nv.Noun(f"commune {nv.de(self.name)}", feminine=True)
        if self.kind == "epci":
            phrase = self.nominative  # « la CC X » or « l'EPCI X »
            if phrase.startswith("la "):
                return nv.Noun(phrase[3:], feminine=True)
            return nv.Noun(phrase.removeprefix("l'"))
        if self.kind == "ctg":
            return nv.Noun(f"territoire de la CTG « {self.ctg_name} »")
        if self.kind == "departement":
            return nv.Noun(f"département ({self.name})")
        return nv.Noun("sélection de communes", feminine=True)

    @property
    def title(self) -> str:
        kind = {
            "commune": "Commune",
            "epci": "EPCI",
            "ctg": "CTG",
            "selection": "Sélection",
            "departement": "Département",
        }[self.kind]
        if self.kind == "ctg":
            return ctg_title(self.name)
        return f"{kind} : {self.name}"

    @property
    def key(self) -> str:
        if self.kind == "selection":
            return "selection:" + ",".join(self.communes)
        return f"{self.kind}:{self.code}"


@dataclass(frozen=True)
class PrediagInputs:
    """Everything a pre-diagnostic reads: reference geography, workspace datasets by kind
    (a kind absent from the mapping counts as not imported) and workspace documents by kind."""

    geo: Geography
    datasets: Mapping[str, Dataset]
    documents: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    today: date = field(default_factory=date.today)
    # Derived frames and comparison sums shared by every pre-diagnostic built from these
    # inputs (a batch of CTG of one département reuses them). Never holds input data.
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def remember(self, key: tuple, compute: Callable[[], object]) -> object:
        """Value of `compute()` computed once per key for these inputs."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


@dataclass(frozen=True)
class Prediag:
    subject: Subject
    comparisons: tuple[Territory, ...]
    generated: date
    sections: tuple[Section, ...]
    #: drafts picked for a preview (diagnostics.publication): the PDF is then watermarked
    drafts: tuple[str, ...] = ()

    @property
    def synthetic(self) -> bool:
        return any(s.synthetic for s in self.sections)

    @property
    def sources(self) -> tuple[str, ...]:
        return sections_sources(self.sections)

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)

    def tables(self) -> list[tuple[Section, Table]]:
        return [(s, t) for s in self.sections for t in s.tables]


SECTION_TITLES = {
    "identite": "Identité du territoire",
    "demographie": "Démographie",
    "petite_enfance": "Petite enfance",
    "enfance_jeunesse": "Enfance et jeunesse",
    "parentalite": "Parentalité",
    "avs": "Animation de la vie sociale",
    "acces_droits": "Accès aux droits",
    "logement": "Logement",
    "handicap": "Inclusion et handicap",
}

# ----------------------------------------------------------------------------- subjects

_SPLIT = re.compile(r"[|,;\s]+")


def subject_from_territory(geo: Geography, territory: Territory) -> Subject:
    """Subject for a commune or an EPCI (other levels are too large for a CTG pre-diagnostic)."""
    if territory.level not in (Level.COMMUNE, Level.EPCI):
        raise ValueError(
            "Le pré-diagnostic porte sur une commune, un EPCI, une CTG ou une sélection de communes."
        )
    col = "code_insee" if territory.level is Level.COMMUNE else "siren_epci"
    codes = geo.communes.loc[geo.communes[col] == territory.code, "code_insee"]
    return Subject(
        territory.level.value, territory.code, territory.name, tuple(sorted(codes.astype(str)))
    )


def subject_from_departement(geo: Geography, territory: Territory) -> Subject:
    """Subject for a département: not a CTG pre-diagnostic, the département-level sections
    of the SDSF diagnostic (zones, themes: reports/sdsf.py), compared with France only."""
    if territory.level is not Level.DEPARTEMENT:
        raise ValueError("Le diagnostic départemental porte sur un département.")
    codes = geo.communes.loc[geo.communes["dep"] == territory.code, "code_insee"]
    return Subject("departement", territory.code, territory.name, tuple(sorted(codes.astype(str))))


def subject_from_communes(
    geo: Geography, codes: list[str] | tuple[str, ...], name: str = ""
) -> Subject:
    """Subject for a custom set of communes (unknown codes are ignored with a note)."""
    known = set(geo.communes["code_insee"].astype(str))
    clean = sorted({normalize_code_insee(c) or str(c) for c in codes})
    ok = tuple(c for c in clean if c in known)
    bad = [c for c in clean if c not in known]
    notes = (f"Codes communes inconnus ignorés : {', '.join(bad)}.",) if bad else ()
    if len(ok) == 1 and not name:
        row = geo.communes.loc[geo.communes["code_insee"] == ok[0]].iloc[0]
        return Subject("commune", ok[0], str(row["nom"]), ok, notes)
    label = name or f"{nv.count_phrase(len(ok), 'commune', feminine=True)} choisies"
    return Subject("selection", "", label, ok, notes)


def ctg_communes(geo: Geography, signataires: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Communes covered by a CTG from its signatories (INSEE codes of communes, SIREN of EPCI:
    all member communes). Returns (communes, unknown codes)."""
    communes = geo.communes
    known = set(communes["code_insee"].astype(str))
    out: set[str] = set()
    unknown: list[str] = []
    for raw in _SPLIT.split(str(signataires or "")):
        if not raw:
            continue
        if re.fullmatch(r"\d{9}", raw):
            members = communes.loc[communes["siren_epci"] == raw, "code_insee"].astype(str)
            if members.empty:
                unknown.append(raw)
            out.update(members)
            continue
        code = normalize_code_insee(raw)
        if code in known:
            out.add(code)
        else:
            unknown.append(raw)
    return tuple(sorted(out)), tuple(unknown)


def subject_from_ctg(geo: Geography, ctg_row: Mapping[str, object]) -> Subject:
    """Subject for one row of the `ctg` dataset."""
    codes, unknown = ctg_communes(geo, str(ctg_row["signataires"]))
    notes = (
        (f"Signataires non reconnus dans le COG 2025 : {', '.join(unknown)}.",) if unknown else ()
    )
    return Subject("ctg", str(ctg_row["id_ctg"]), str(ctg_row["nom"]), codes, notes)


def comparisons(geo: Geography, subject: Subject) -> tuple[Territory, ...]:
    """EPCI (holding most of the population, unless it is the subject), département, France."""
    rows = geo.communes.loc[geo.communes["code_insee"].isin(subject.communes)]
    if rows.empty or subject.kind == "departement":
        return (FRANCE,)
    pop = pd.to_numeric(rows["population"], errors="coerce").fillna(0)
    out: list[Territory] = []
    epci = rows.assign(p=pop).dropna(subset=["siren_epci"]).groupby("siren_epci")["p"].sum()
    if not epci.empty and subject.kind != "epci":
        siren = str(epci.sort_values(ascending=False).index[0])
        members = set(geo.communes.loc[geo.communes["siren_epci"] == siren, "code_insee"])
        if members != set(subject.communes):
            out.append(make_territory(geo, Level.EPCI, siren))
    dep = rows.assign(p=pop).groupby("dep")["p"].sum().sort_values(ascending=False).index[0]
    out.append(make_territory(geo, Level.DEPARTEMENT, str(dep)))
    out.append(FRANCE)
    return tuple(out)


@dataclass(frozen=True)
class Scope:
    """A territory as a filter on commune-level rows: the subject's communes, an EPCI, a
    département or France (every commune of the COG)."""

    name: str  # shown in tables
    phrase: str  # « de … » complement for sentences
    column: str  # « code_insee », « siren_epci », « dep » or « france »
    codes: tuple[str, ...]

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        """Rows of `frame` (with code_insee, and _epci/_dep from `with_parents`) in the scope."""
        if self.column == "france":
            return frame["_dep"].notna()
        if self.column == "code_insee":
            return pd.Series(fast_isin(frame["code_insee"], self.codes), index=frame.index)
        col = "_epci" if self.column == "siren_epci" else "_dep"
        return frame[col] == self.codes[0]


def with_parents(frame: pd.DataFrame, geo: Geography) -> pd.DataFrame:
    """Copy of a commune-level frame with the commune's EPCI (_epci) and département (_dep)."""
    ref = geo.communes[["code_insee", "siren_epci", "dep"]].rename(
        columns={"siren_epci": "_epci", "dep": "_dep"}
    )
    return frame.merge(ref, on="code_insee", how="left")


def scopes(subject: Subject, comps: tuple[Territory, ...]) -> list[Scope]:
    out = [Scope(subject.name, subject.complement, "code_insee", subject.communes)]
    for c in comps:
        column = {Level.EPCI: "siren_epci", Level.DEPARTEMENT: "dep", Level.FRANCE: "france"}[
            c.level
        ]
        out.append(Scope(_level_label(c), _ref_complement(c), column, (c.code,)))
    return out


def _scope_communes(geo: Geography, scope: Scope) -> pd.DataFrame:
    c = geo.communes
    if scope.column == "france":
        return c
    if scope.column == "code_insee":
        return c.loc[fast_isin(c["code_insee"], scope.codes)]
    return c.loc[c[scope.column] == scope.codes[0]]


def _level_label(t: Territory) -> str:
    if t.level is Level.FRANCE:
        return "France"
    if t.level is Level.DEPARTEMENT:
        return f"Département : {t.name}"
    return f"EPCI : {t.name}"


def _ref_complement(t: Territory) -> str:
    return {
        Level.EPCI: "de l'EPCI",
        Level.DEPARTEMENT: "du département",
        Level.FRANCE: "de la France",
    }.get(t.level, nv.territory_complement(t.level.value, t.name))


# ----------------------------------------------------------------------------- helpers


def _dataset(inputs: PrediagInputs, kind: str) -> Dataset | None:
    ds = inputs.datasets.get(kind)
    if ds is None or ds.empty:
        return None
    return ds


def compact_credits(metas: tuple[DatasetMeta, ...] | list[DatasetMeta]) -> list[str]:
    """One credit line per producer and nature, years merged (« Source : Cnaf, 2017-2022 »);
    a dataset imported from a catalogued file uses the catalogue's credit line."""
    lines: list[str] = []
    groups: dict[tuple[str, str], list[int]] = {}
    for m in metas:
        if m.source_id:
            try:
                line = credit(m.source_id)
            except KeyError:
                line = m.credit()
            if line not in lines:
                lines.append(line)
            continue
        years = groups.setdefault((m.producer, str(m.nature)), [])
        if m.millesime:
            years.append(int(m.millesime))
    for (producer, nature), years in groups.items():
        ys = sorted(set(years))
        span = "" if not ys else f", {ys[0]}" if len(ys) == 1 else f", {ys[0]}-{ys[-1]}"
        line = f"Source : {producer}{span}"
        if nature == str(Nature.SYNTHETIQUE):
            line += " — données de démonstration (synthétiques)"
        elif nature == str(Nature.ESTIME):
            line += " — estimation"
        if line not in lines:
            lines.append(line)
    return lines


def _credit(ds: Dataset) -> str:
    return " ; ".join(compact_credits(ds.metas))


def import_hint(kind: str, columns: tuple[str, ...] = ()) -> str:
    """« Importez le jeu « Allocataires par commune » (colonne : allocataires_aah) … »."""
    label = dataset_type(kind).label
    cols = (
        f" avec {'la colonne' if len(columns) == 1 else 'les colonnes'} {', '.join(columns)}"
        if columns
        else ""
    )
    return f"Importez le jeu de données « {label} »{cols} dans la page « Données et sources »."


def _latest_year(frame: pd.DataFrame, column: str) -> int | None:
    sub = frame.loc[frame[column].notna(), "annee"] if column in frame else pd.Series(dtype="Int64")
    return None if sub.empty else int(sub.max())


def _sum_for(frame: pd.DataFrame, scope: Scope, column: str) -> float | None:
    """Sum of `column` over the rows of `frame` (see with_parents) in the scope; None if none."""
    sub = frame.loc[scope.mask(frame), column].dropna()
    return None if sub.empty else float(sub.sum())


def _parents_frame(inputs: PrediagInputs, kind: str) -> pd.DataFrame:
    """The dataset's frame with _epci/_dep (computed once per inputs)."""
    return inputs.remember(
        ("parents", kind), lambda: with_parents(inputs.datasets[kind].frame, inputs.geo)
    )


def _cached_sum(
    inputs: PrediagInputs, tag: str, year: int, frame: pd.DataFrame, scope: Scope, column: str
) -> float | None:
    """_sum_for, remembered for the comparison scopes (EPCI, département, France)."""
    if scope.column == "code_insee":
        return _sum_for(frame, scope, column)
    return inputs.remember(
        ("sum", tag, year, scope.column, scope.codes, column),
        lambda: _sum_for(frame, scope, column),
    )


def _restrict(frame: pd.DataFrame, codes: set[str]) -> pd.DataFrame:
    """Rows of a prepared Cnaf frame for France or one of the codes (keeps the prepared flag)."""
    out = frame.loc[(frame["niveau"] == "france") | frame["code"].isin(list(codes))]
    out.attrs = dict(frame.attrs)
    return out


def _signatory_sets(ctg: pd.DataFrame) -> list[frozenset[str]]:
    """Normalised signatory codes of each CTG row."""
    return [
        frozenset(normalize_code_insee(x) or x for x in _SPLIT.split(str(sig or "")) if x)
        for sig in ctg["signataires"]
    ]


def _ctg_rows_touching(
    inputs: PrediagInputs, ctg: pd.DataFrame, codes: set[str]
) -> tuple[pd.DataFrame, frozenset[str]]:
    """CTG rows with a signatory among the given commune codes or EPCI SIREN, and the union
    of their signatories (the signatory sets are parsed once per inputs)."""
    sets = inputs.remember(("ctg_signatories",), lambda: _signatory_sets(ctg))
    keep = [bool(s & codes) for s in sets]
    touched = frozenset().union(*(s for s, k in zip(sets, keep, strict=True) if k))
    return ctg.loc[keep], touched


def _lower_first(text: str) -> str:
    """« Schéma requis » -> « schéma requis », but « CTG vaut schéma » stays (acronym)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return nv.decapitalise(text)


def _int_columns(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Copy with count columns as nullable integers (shown without decimals)."""
    out = frame.copy()
    for c in columns:
        if c in out:
            out[c] = pd.to_numeric(out[c], errors="coerce").round().astype("Int64")
    return out


def _covered(
    inputs: PrediagInputs, frame: pd.DataFrame, scope: Scope
) -> tuple[frozenset[str], int, float]:
    """Communes of `scope` that have rows in `frame` (allocataire files cover the communes
    divided into IRIS only): their codes, the number of communes of the scope and the share of
    its population they hold (%)."""

    def compute() -> tuple[frozenset[str], int, float]:
        com = _scope_communes(inputs.geo, scope)
        pop = pd.to_numeric(com["population"], errors="coerce").fillna(0)
        hit = fast_isin(com["code_insee"], frame["code_insee"].dropna().unique())
        share = float(pop[hit].sum() / pop.sum() * 100) if pop.sum() else 0.0
        return frozenset(com.loc[hit, "code_insee"]), len(com), round(share, 1)

    if scope.column == "code_insee":
        return compute()
    key = ("covered", scope.column, scope.codes, len(frame), int(frame["annee"].iloc[0]))
    return inputs.remember(key, compute)


def _pop(geo: Geography, scope: Scope) -> int:
    sub = _scope_communes(geo, scope)["population"]
    return int(pd.to_numeric(sub, errors="coerce").fillna(0).sum())


# ----------------------------------------------------------------------------- sections


@dataclass
class _Part:
    """Pieces of a section built by one helper."""

    figures: list[KeyFigure] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    subject_figure: Mapping[str, object] | None = None
    national_rate: float | None = None


def _density_sentence(subject: Subject, density: pd.DataFrame, n_communes: int) -> Sentence:
    """The class of a commune in the INSEE density grid, or the rural share of a territory."""
    if n_communes == 1:
        return Sentence(
            S_DENSITE,
            f"{subject.noun.article}{subject.noun.text} est {subject.noun.agree('classé')} "
            f"« {density['libelle'].iloc[0]} » "
            "dans la grille communale de densité de l'INSEE.",
        )
    rural = float(density.loc[density["dens7"].isin([5, 6, 7]), "part_population"].sum())
    return Sentence(
        S_DENSITE,
        f"{fmt_percent(rural)} de la population {subject.complement} vit dans une commune rurale "
        "(bourgs ruraux et rural à habitat dispersé ou très dispersé, grille INSEE).",
    )


def _identity(subject: Subject, comps: tuple[Territory, ...], inputs: PrediagInputs) -> Section:
    geo = inputs.geo
    rows = geo.communes.loc[geo.communes["code_insee"].isin(subject.communes)]
    kf = key_figures(rows)
    pop_src = credit("insee_pop_2023")
    dens_src = credit("insee_densite_2024")
    area_src = credit("ign_admin_express_2025")
    figures = [
        KeyFigure(
            "Communes",
            kf.n_communes,
            fmt_number(kf.n_communes),
            credit("ign_admin_express_2025"),
            id=F_COMMUNES,
        ),
        KeyFigure(
            "Population municipale",
            kf.population,
            f"{fmt_number(kf.population)} hab.",
            pop_src,
            id=F_POPULATION,
        ),
    ]
    sentences = [
        Sentence(S_COMPOSITION, nv.count_sentence(subject.nominative, kf.n_communes, kf.population))
    ]
    density = kf.density.assign(part_population=kf.density["part_population"].round(1))
    density_tbl = pd.DataFrame(
        {
            "Niveau de densité": density["libelle"],
            "Communes": density["communes"].astype(int),
            "Population": density["population"].astype(int),
            "Part de la population (%)": density["part_population"],
        }
    )
    tiers_tbl = pd.DataFrame(
        {
            "Strate d'autorité organisatrice": kf.tiers["tier"].astype(str),
            "Communes": kf.tiers["communes"].astype(int),
            "Population": kf.tiers["population"].astype(int),
        }
    )
    sentences.append(_density_sentence(subject, density, kf.n_communes))
    tables = [
        Table("densite", "Communes et population par niveau de densité", density_tbl, dens_src),
        Table(
            "strates_ao",
            "Communes par strate d'autorité organisatrice (population municipale)",
            tiers_tbl,
            pop_src,
        ),
    ]
    communes_tbl = pd.DataFrame(
        {
            "Code INSEE": rows["code_insee"].astype(str),
            "Commune": rows["nom"].astype(str),
            "EPCI": rows["epci_nom"].astype("string").fillna("—"),
            "Population": pd.to_numeric(rows["population"], errors="coerce").fillna(0).astype(int),
            "Densité": rows["dens7_lib"].astype("string").fillna("Non classée"),
        }
    ).sort_values("Population", ascending=False)
    tables.append(
        Table("communes", "Communes du territoire", communes_tbl.reset_index(drop=True), pop_src)
    )
    comp_tbl = pd.DataFrame(
        {
            "Territoire": [sc.name for sc in scopes(subject, comps)],
            "Communes": [len(_scope_communes(geo, sc)) for sc in scopes(subject, comps)],
            "Population": [_pop(geo, sc) for sc in scopes(subject, comps)],
        }
    )
    tables.append(Table("comparaison_population", "Population comparée", comp_tbl, pop_src))
    carte = ChartSpec(
        "carte_densite",
        "Communes du territoire par niveau de densité",
        "carte",
        pd.DataFrame(
            {
                "code_insee": rows["code_insee"].astype(str),
                "valeur": rows["dens7_lib"].astype("string").fillna("Non classée"),
            }
        ),
        f"{dens_src} ; {area_src}",
    )
    charts = [carte]
    missing: list[str] = list(subject.notes)
    aop = _ao_part(subject, inputs)
    tables.extend(aop.tables)
    sentences.extend(aop.sentences)
    missing.extend(aop.missing)
    return Section(
        "identite",
        SECTION_TITLES["identite"],
        tuple(figures),
        tuple(sentences),
        tuple(tables),
        tuple(charts),
        tuple(missing),
    )


def _ao_part(subject: Subject, inputs: PrediagInputs) -> _Part:
    """AO competences and holders, CTG status and décret checklist (diagnostics.ao)."""
    part = _Part()
    geo = inputs.geo
    codes = list(subject.communes)
    communes = geo.communes
    pop_ds = _dataset(inputs, "population")
    aos = ao_scope(communes, codes, pop_ds.frame if pop_ds is not None else None)
    sirens, basis = set(aos.sirens), aos.basis
    tr_ds = _dataset(inputs, "ao_transferts")
    ctg_ds = _dataset(inputs, "ctg")
    av_ds = _dataset(inputs, "ctg_avenants")
    if tr_ds is None:
        part.missing.append(
            "Transferts de compétences à l'EPCI : aucun fichier importé, chaque commune est "
            "considérée titulaire de ses compétences. " + import_hint("ao_transferts")
        )
    if ctg_ds is None:
        part.missing.append("Statut des CTG : " + import_hint("ctg"))
    try:
        holders, refused = scope_holders_and_refused(
            aos, tr_ds.frame if tr_ds is not None else None, inputs.today
        )
        ctgs = []
        if ctg_ds is not None:
            rows, touched = _ctg_rows_touching(inputs, ctg_ds.frame, set(codes) | sirens)
            # the reference rows the signatories of these CTG need (codes and EPCI members)
            ref = communes.loc[
                communes["code_insee"].isin(list(touched))
                | communes["siren_epci"].isin(list(touched))
            ]
            epci = geo.epci.loc[geo.epci["siren_epci"].isin(list(touched))]
            # one bad CTG never blocks the others: it is left out and named
            read = ao.read_ctgs(rows, ref, epci, av_ds.frame if av_ds is not None else None)
            ctgs = list(read.ctgs)
            part.missing.extend(
                f"CTG non prise en compte, liste à corriger : {e}" for e in read.rejected
            )
    except ao.AoDataError as exc:
        part.missing.append(
            "Compétences d'AO et statut des CTG non calculés, fichiers à corriger : "
            + " ".join(exc.errors)
        )
        return part
    src_parts = (
        [credit("insee_pop_2023")]
        + (compact_credits(tr_ds.metas) if tr_ds is not None else [])
        + (compact_credits(ctg_ds.metas) if ctg_ds is not None else [])
        + (compact_credits(av_ds.metas) if av_ds is not None else [])
    )
    src = " ; ".join(dict.fromkeys(src_parts))
    syn = bool(
        (tr_ds is not None and tr_ds.is_synthetic) or (ctg_ds is not None and ctg_ds.is_synthetic)
    )
    mine = holders.loc[holders["code_insee"].isin(codes)]
    comp_tbl = pd.DataFrame({"Commune": mine["nom"].astype(str).to_numpy()})
    for comp in ao.COMPETENCES:
        label = ao.COMPETENCE_LABELS[comp]
        comp_tbl[label] = [
            ao.HOLDER_LABELS.get(str(h), str(h)) if bool(a) else "non applicable"
            for h, a in zip(mine[f"titulaire_{comp}"], mine[f"applicable_{comp}"], strict=True)
        ]
    comp_tbl["AO de la planification"] = (
        mine["ao_planif_nom"].astype("string").fillna("—").to_numpy()
    )
    part.tables.append(
        Table(
            "competences_ao",
            "Compétences d'autorité organisatrice et leurs titulaires",
            comp_tbl,
            src,
            syn,
            f"Seuils lus sur la {basis.label}.",
        )
    )
    n_epci = int((mine["titulaire_planifier"] == ao.HOLDER_EPCI).sum())
    if n_epci:
        part.sentences.append(
            Sentence(
                S_AO_TRANSFERT,
                f"La planification est transférée à l'EPCI pour "
                f"{nv.count_phrase(n_epci, 'commune', feminine=True)} sur {fmt_number(len(mine))}.",
            )
        )
    mine_refused = refused.loc[refused["code_insee"].isin(codes)]
    part.sentences.extend(mine_refused["motif"].astype(str))
    contents = ao.checklist_contents(inputs.documents.get(ao.CHECKLIST_DOCUMENT_KIND))
    table = ao.ao_table(holders, ctgs, inputs.today, contents)
    table = table.loc[[bool(set(c) & set(codes)) for c in table["communes"]]]
    planners = table.loc[table["titulaire_planification"].astype(bool)]
    if not planners.empty:
        ao_tbl = pd.DataFrame(
            {
                "Autorité organisatrice": planners["ao_nom"].astype(str),
                "Population": pd.to_numeric(planners["population"], errors="coerce")
                .round()
                .astype("Int64"),
                "Strate": planners["strate"].astype(str),
                "Statut au regard de la CTG": planners["statut_libelle"].astype(str),
                "Schéma pluriannuel": planners["schema"].astype(str),
                "CTG retenue": planners["ctg_retenue"].astype(str),
            }
        ).reset_index(drop=True)
        part.tables.append(
            Table(
                "statut_ao",
                "AO exerçant la planification : statut au regard de la CTG "
                "(circulaire, section 2.2)",
                ao_tbl,
                src,
                syn,
                "Détail et phrase de la circulaire : page « Compétences AO et CTG ».",
            )
        )
        counts = planners["statut_libelle"].value_counts()
        for label, n in counts.items():
            part.sentences.append(
                Sentence(
                    S_AO_STATUT,
                    f"{nv.capitalise(nv.count_phrase(int(n), 'AO', 'AO', feminine=True))} "
                    f"exerçant la planification : {_lower_first(str(label))}.",
                )
            )
    covering = [c for c in ctgs if set(c.communes_couvertes) & set(codes)]
    if ctg_ds is not None and not covering:
        part.sentences.append(
            Sentence(
                S_CTG_AUCUNE,
                f"Aucune CTG de la liste importée ne couvre de commune {subject.complement}.",
            )
        )
    if covering:
        names = dict(
            zip(geo.epci["siren_epci"].astype(str), geo.epci["nom"].astype(str), strict=True)
        )
        names.update(
            zip(communes["code_insee"].astype(str), communes["nom"].astype(str), strict=True)
        )
        ctab = ao.ctg_table(covering, inputs.today, names)
        by_id = {c.id_ctg: c for c in covering}
        for o in ao.ctg_overlaps(covering, inputs.today):
            if set(o.communes) & set(codes):
                part.sentences.append(ao.overlap_message(o, by_id, names))
        docs = inputs.documents.get(ao.CHECKLIST_DOCUMENT_KIND) or {}
        progress = [
            ao.checklist_progress(
                docs.get(c.id_ctg) if isinstance(docs.get(c.id_ctg), Mapping) else None
            )
            for c in covering
        ]
        phase = {
            "en_cours": "en cours",
            "fin_proche": "se termine dans les 12 mois",
            "expiree": "échue",
        }
        ctg_tbl = pd.DataFrame(
            {
                "CTG": ctab["nom"].astype(str),
                "Échelon": ctab["niveau"].astype(str),
                "Début": [
                    d.strftime("%d/%m/%Y") if isinstance(d, pd.Timestamp) else "—"
                    for d in ctab["date_debut"]
                ],
                "Fin (avenants compris)": [
                    d.strftime("%d/%m/%Y") if isinstance(d, pd.Timestamp) else "—"
                    for d in ctab["date_fin"]
                ],
                "Avenants": ctab["avenants"].replace("", "—"),
                "État": ctab["phase"].map(phase).fillna(ctab["phase"]),
                "Communes du territoire couvertes": [
                    len(set(c.communes_couvertes) & set(codes)) for c in covering
                ],
                "Liste du décret (éléments traités)": [p.label for p in progress],
                "Version de la liste": [
                    _version_cell(docs.get(c.id_ctg)) if docs.get(c.id_ctg) else "non publiée"
                    for c in covering
                ],
            }
        )
        part.tables.append(
            Table(
                "ctg",
                "Conventions territoriales globales couvrant le territoire",
                ctg_tbl,
                src,
                syn,
                "Liste du décret 2025-253 : onze éléments du volet petite enfance, "
                "cochés puis publiés dans la page « Compétences AO et CTG » (une liste non "
                "publiée compte 0 élément).",
            )
        )
        n = len(covering)
        part.sentences.append(
            Sentence(
                S_CTG_NOMBRE,
                f"{nv.capitalise(nv.count_phrase(n, 'CTG', 'CTG', feminine=True))} "
                f"{'couvre' if n == 1 else 'couvrent'} tout ou partie du territoire.",
            )
        )
        for c, prog in zip(covering, progress, strict=True):
            part.sentences.append(
                Sentence(
                    S_CTG_LISTE,
                    f"Liste du décret pour la CTG « {ctg_short_name(c.nom)} » : {prog.done} sur {prog.total} "
                    "éléments traités.",
                )
            )
            if c.prolongee:
                part.sentences.append(
                    f"La CTG « {ctg_short_name(c.nom)} » est prolongée par avenant jusqu'au "
                    f"{c.date_fin:%d/%m/%Y} (fin initiale : {c.date_fin_initiale:%d/%m/%Y})."
                )
    return part


def _demography(subject: Subject, comps: tuple[Territory, ...], inputs: PrediagInputs) -> Section:
    geo = inputs.geo
    figures: list[KeyFigure] = []
    sentences: list[str] = []
    tables: list[Table] = []
    charts: list[ChartSpec] = []
    missing: list[str] = []
    codes = set(subject.communes)
    ds = _dataset(inputs, "enfants")
    if ds is None:
        missing.append("Enfants de moins de 3 et de 6 ans, naissances : " + import_hint("enfants"))
        return Section("demographie", SECTION_TITLES["demographie"], missing=tuple(missing))
    f = _parents_frame(inputs, "enfants")
    src = _credit(ds)
    syn = ds.is_synthetic
    terr = scopes(subject, comps)
    rows = []
    for col, label in (
        ("enfants_moins_3", "Enfants de moins de 3 ans"),
        ("enfants_moins_6", "Enfants de moins de 6 ans"),
        ("naissances", "Naissances"),
    ):
        year = _latest_year(f, col)
        if year is None:
            missing.append(f"{label} : " + import_hint("enfants", (col,)))
            continue
        fy = f.loc[f["annee"] == year]
        values = [_cached_sum(inputs, "enfants", year, fy, sc, col) for sc in terr]
        figures.append(
            KeyFigure(f"{label} ({year})", values[0], fmt_number(values[0]), src, syn, id=col)
        )
        for sc, v in zip(terr, values, strict=True):
            pop = _pop(geo, sc)
            rows.append(
                {
                    "Indicateur": label,
                    "Année": year,
                    "Territoire": sc.name,
                    "Valeur": None if v is None else round(v),
                    "Pour 100 habitants": None if v is None or not pop else round(v / pop * 100, 2),
                }
            )
        if col == "enfants_moins_3" and values[0] is not None:
            share = [r["Pour 100 habitants"] for r in rows if r["Indicateur"] == label]
            for sc, ref in zip(terr[1:], share[1:], strict=True):
                s = nv.compare_sentence(
                    nv.Noun("nombre d'enfants de moins de 3 ans pour 100 habitants"),
                    subject.complement,
                    share[0],
                    sc.phrase,
                    ref,
                    decimals=2,
                    unit="points",
                )
                if s:
                    sentences.append(Sentence(S_ENFANTS_COMPARAISON, s))
                    break
    if rows:
        tables.append(
            Table(
                "enfants",
                "Enfants et naissances comparés",
                _int_columns(pd.DataFrame(rows), ("Valeur",)),
                src,
                syn,
                "Rapport au nombre d'habitants : population municipale 2023.",
            )
        )
    if "naissances" in f and f["naissances"].notna().any():
        sub = f.loc[f["code_insee"].isin(list(codes)) & f["naissances"].notna()]
        trend = sub.groupby("annee", as_index=False)["naissances"].sum().sort_values("annee")
        if len(trend) >= 2:
            first, last = trend.iloc[0], trend.iloc[-1]
            s = nv.trend_sentence(
                nv.Noun("nombre de naissances"),
                subject.complement,
                int(first["annee"]),
                float(first["naissances"]),
                int(last["annee"]),
                float(last["naissances"]),
            )
            if s:
                sentences.append(Sentence(S_NAISSANCES_TENDANCE, s))
            charts.append(
                ChartSpec(
                    "naissances",
                    f"Naissances domiciliées {subject.complement}",
                    "courbes",
                    trend.rename(columns={"annee": "Année", "naissances": "Naissances"}),
                    src,
                    syn,
                    x="Année",
                    series=("Naissances",),
                    ylabel="naissances",
                    unit="naissances",
                    default_status=STATUS_PUBLISHED,
                )
            )
        else:
            missing.append(
                "Tendance des naissances : une seule année importée. "
                + import_hint("enfants", ("naissances",))
            )
    return Section(
        "demographie",
        SECTION_TITLES["demographie"],
        tuple(figures),
        tuple(sentences),
        tuple(tables),
        tuple(charts),
        tuple(missing),
    )


def _place(subject: Subject) -> coverage.Place:
    if subject.kind in ("commune", "epci"):
        return coverage.Place(subject.kind, subject.code, subject.name)
    return coverage.Place("ensemble", subject.key, subject.name)


def _comp_place(t: Territory) -> coverage.Place:
    return coverage.Place(t.level.value, t.code, t.name)


def _is_synthetic(nature: object) -> bool:
    return str(nature) == str(Nature.SYNTHETIQUE)


def _coverage(subject: Subject, comps: tuple[Territory, ...], inputs: PrediagInputs) -> _Part:
    """Coverage rate and components for the subject and its comparisons (diagnostics.coverage):
    published figures as published; for a CTG or a selection, the aggregate estimate of
    diagnostics.coverage (labelled « estimation » with its method)."""
    part = _Part()
    taux_ds = _dataset(inputs, "caf_taux")
    if taux_ds is None:
        part.missing.append(
            Sentence(S_COUVERTURE_ABSENTE, "Taux de couverture : " + import_hint("caf_taux"))
        )
        return part
    places_ds = _dataset(inputs, "caf_places")
    wanted = {subject.code, *subject.communes, *(c.code for c in comps)}
    taux_all = inputs.remember(
        ("taux",), lambda: coverage.prepare(coverage.with_nature(taux_ds.frame, taux_ds.metas))
    )
    places_all = inputs.remember(
        ("places",),
        lambda: coverage.prepare(
            coverage.with_nature(places_ds.frame, places_ds.metas)
            if places_ds is not None
            else pd.DataFrame(columns=["niveau", "code", "annee"])
        ),
    )
    taux = _restrict(taux_all, wanted)
    places = _restrict(places_all, wanted)
    years = coverage.years_available(taux)
    if not years:
        part.missing.append(
            Sentence(S_COUVERTURE_ABSENTE, "Taux de couverture : " + import_hint("caf_taux"))
        )
        return part
    # the latest year of the subject's own scale (communes: 2022, even when the départements
    # have 2023), then one edition for the subject and its comparisons
    own_level = "epci" if subject.kind == "epci" else "commune"
    year = (coverage.years_available(taux, own_level) or years)[-1]
    edition = coverage.comparison_edition(taux, coverage.Place(own_level, subject.code, ""), year)
    if subject.kind in ("ctg", "selection"):
        edition = coverage.level_edition(taux, "commune", year)
    taux = coverage.at_edition(taux, edition or None)
    src = " ; ".join(
        dict.fromkeys(
            compact_credits(taux_ds.metas) + (compact_credits(places_ds.metas) if places_ds else [])
        )
    )
    geo = inputs.geo
    members = geo.communes.loc[
        geo.communes["code_insee"].isin(list(subject.communes)), ["code_insee", "population"]
    ]
    estimate = subject.kind in ("ctg", "selection")
    subject_row = coverage.territory_figure(
        taux,
        places,
        _place(subject),
        year,
        estimate=estimate,
        communes=members if estimate else None,
    )
    comp_rows = coverage.comparison(taux, places, [_comp_place(c) for c in comps], year)
    figs = coverage.figures_frame([subject_row, *comp_rows.to_dict("records")])
    figs["nom"] = [subject.name] + [_level_label(c) for c in comps]
    synthetic = any(_is_synthetic(n) for n in figs["nature"])
    estimated = str(subject_row["statut"]) == str(coverage.Status.ESTIME)
    shown = figs.loc[figs["tx_global"].notna()]
    status = [
        DEMO_LABEL if _is_synthetic(n) and str(st) != str(coverage.Status.ABSENT) else str(st)
        for st, n in zip(figs["statut"], figs["nature"], strict=True)
    ]  # a synthetic rate is never « publié »
    table = pd.DataFrame({"Territoire": figs["nom"], "Statut": status})
    for col, label in coverage.COMPONENTS:
        table[label] = figs[col].round(1)
    table["Taux global"] = figs["tx_global"].round(1)
    table["Places offertes"] = figs["pl_total"].round().astype("Int64")
    table["Enfants de moins de 3 ans (dérivés)"] = figs["enfants_moins_3"].round().astype("Int64")
    notes = [
        "Taux publiés par la Cnaf, jamais recalculés (les composantes arrondies ne s'additionnent "
        "pas toujours exactement).",
        coverage.DERIVED_CHILDREN_METHOD,
    ]
    if edition:
        notes.append(
            f"Chiffres de la même édition : {coverage.EDITION_LABELS[edition]} de {year} "
            f"(taux national {year} de cette édition)."
        )
    if str(subject_row.get("methode") or ""):
        notes.insert(0, f"{subject.name} : {subject_row['methode']}")
    part.tables.append(
        Table(
            "couverture",
            f"Taux de couverture et composantes en {year} (places pour 100 "
            "enfants de moins de 3 ans)",
            table,
            src,
            synthetic,
            " ".join(notes),
        )
    )
    if not shown.empty:
        part.charts.append(
            chart_defs.components_spec(
                shown,
                year,
                src,
                note="Estimation pour le territoire (méthode dans le tableau)."
                if estimated
                else "",
            )
        )
    value = subject_row.get("tx_global")
    value = None if value is None or pd.isna(value) else float(value)
    national = figs.loc[figs["niveau"] == "france", "tx_global"]
    part.national_rate = (
        None if national.empty or pd.isna(national.iloc[0]) else float(national.iloc[0])
    )
    part.subject_figure = subject_row
    if value is None:
        part.missing.append(
            Sentence(
                S_COUVERTURE_ABSENTE,
                f"Taux de couverture {subject.complement} : {subject_row.get('methode') or ''}".strip(),
            )
        )
    else:
        label = f"Taux de couverture global ({year})" + (" — estimation" if estimated else "")
        part.figures.append(
            KeyFigure(
                label, value, fmt_number(value, 1), src, synthetic, estimated, F_TAUX_COUVERTURE
            )
        )
        noun = nv.Noun("taux de couverture estimé") if estimated else nv.TAUX_COUVERTURE
        for c, ref in zip(comps, figs["tx_global"].iloc[1:], strict=True):
            sentence = nv.compare_sentence(
                noun,
                subject.complement,
                value,
                _ref_complement(c),
                None if pd.isna(ref) else float(ref),
            )
            if sentence:
                part.sentences.append(Sentence(S_COUVERTURE_COMPARAISON, sentence))
    chain = (
        [_comp_place(c) for c in comps] if estimate else [_place(subject), *map(_comp_place, comps)]
    )
    wanted_keys = {(p.niveau, "" if p.niveau == "france" else p.code) for p in chain}
    code_key = taux["code"].where(taux["niveau"] != "france", "")
    sel = [(n, c) in wanted_keys for n, c in zip(taux["niveau"], code_key, strict=True)]
    evo = (
        taux.loc[sel, ["niveau", "code", "annee", "tx_global", "nature"]]
        .assign(code=code_key[sel])
        .drop_duplicates(["niveau", "code", "annee"], keep="last")
    )
    evo = evo.loc[evo["tx_global"].notna()]
    if evo["annee"].nunique() >= 2:
        names = {
            f"{p.niveau}:{p.code}": n
            for p, n in zip(
                [_place(subject), *[_comp_place(c) for c in comps]],
                [subject.name, *[_level_label(c) for c in comps]],
                strict=True,
            )
        }
        evo = evo.assign(
            serie=[
                names.get(f"{n}:{c}", str(c))
                for n, c in zip(evo["niveau"], evo["code"], strict=True)
            ]
        )
        part.charts.append(
            chart_defs.evolution_spec(
                evo.rename(columns={"serie": "nom"}),
                (),
                src,
                title="Évolution du taux de couverture global (taux publiés)",
                order=list(names.values()),
            )
        )
    return part


def _version_cell(doc: object) -> str:
    """« publiée le 01/12/2026 » or « brouillon (aperçu) » for a document an output reads."""
    if publication.is_draft(doc):
        return "brouillon non publié (aperçu)"
    at = doc.get(publication.PUBLISHED_AT) if isinstance(doc, Mapping) else None
    return f"publiée le {publication.date_fr(at)}" if at else "—"


def _zonings(subject: Subject, inputs: PrediagInputs) -> _Part:
    """Saved zonings (page « Zones sous-dotées ») whose priority zones touch the subject."""
    part = _Part()
    docs = inputs.documents.get(zones.ZONING_DOCUMENT_KIND) or {}
    codes = set(subject.communes)
    rows = []
    map_values: dict[str, str] = {}
    for name, doc in docs.items():
        zoning = zones.SavedZoning.from_document(name, doc)
        if zoning is None:
            continue
        for z in zoning.zones:
            inside = sorted(codes & set(z.communes))
            if not inside:
                continue
            rows.append(
                {
                    "Zonage": zoning.nom,
                    "Version": _version_cell(doc),
                    "Zone prioritaire": z.nom,
                    "Communes de la zone": len(z.communes),
                    "Dont sur le territoire": len(inside),
                    "Taux cible": zoning.taux_cible,
                }
            )
            for c in inside:
                map_values.setdefault(c, "Zone prioritaire")
    if not rows:
        part.missing.append(
            Sentence(
                S_ZONES_ABSENT,
                "Zones sous-dotées : aucun zonage publié ne touche ce territoire. Définissez, "
                "enregistrez puis publiez un zonage dans la page « Zones sous-dotées » pour le "
                "reprendre ici (un brouillon n'est jamais repris dans un document officiel).",
            )
        )
        return part
    tbl = pd.DataFrame(rows)
    src = (
        "Zonage enregistré dans l'espace de travail (règles de la page « Zones sous-dotées », méthode de "
        "cette application)"
    )
    part.tables.append(
        Table("zones_prioritaires", "Zones prioritaires des zonages publiés", tbl, src)
    )
    n_zones = tbl["Zone prioritaire"].nunique()
    n_com = len(map_values)
    part.sentences.append(
        Sentence(
            S_ZONES_ZONAGE,
            f"{nv.capitalise(nv.count_phrase(n_com, 'commune', feminine=True))} du territoire "
            f"{'appartient' if n_com < 2 else 'appartiennent'} à "
            f"{nv.count_phrase(n_zones, 'zone prioritaire', 'zones prioritaires', feminine=True)} "
            "d'un zonage publié ("
            + " ; ".join(dict.fromkeys(f"« {r['Zonage']} », version {r['Version']}" for r in rows))
            + ").",
        )
    )
    part.charts.append(
        ChartSpec(
            "carte_zones",
            "Zones prioritaires des zonages publiés",
            "carte",
            pd.DataFrame(
                {
                    "code_insee": list(subject.communes),
                    "valeur": [
                        map_values.get(c, "Hors zone prioritaire") for c in subject.communes
                    ],
                }
            ),
            f"{src} ; {credit('ign_admin_express_2025')}",
        )
    )
    return part


def _trajectory(
    subject: Subject,
    figure: Mapping[str, object] | None,
    national: float | None,
    inputs: PrediagInputs,
) -> _Part:
    """Places to create per year to reach the national rate within five years, three scenarios
    (diagnostics.trajectory.DEFAULT_SCENARIOS)."""
    part = _Part()
    published = _published_trajectory(subject, inputs)
    if published is not None:
        return _saved_trajectory(subject, figure, *published)
    need = Sentence(
        S_TRAJECTOIRE_ABSENTE,
        "Trajectoire de développement : elle demande le taux, les places et les enfants de moins de 3 ans "
        "du territoire. " + import_hint("caf_taux") + " " + import_hint("caf_places"),
    )
    if figure is None or national is None:
        part.missing.append(need)
        return part
    rate, places_total, children = (
        figure.get("tx_global"),
        figure.get("pl_total"),
        figure.get("enfants_moins_3"),
    )
    if any(v is None or pd.isna(v) for v in (rate, places_total, children)) or not children:
        part.missing.append(need)
        return part
    year = int(figure["annee"])
    if float(rate) >= national:
        part.sentences.append(
            Sentence(
                S_TRAJECTOIRE_ATTEINT,
                f"Le taux de couverture {subject.complement} ({fmt_number(float(rate), 1)}) atteint déjà le taux national "
                f"({fmt_number(national, 1)}) : aucune trajectoire de rattrapage n'est calculée.",
            )
        )
        return part
    assmat_rate = figure.get("tx_assmat")
    assmat = (
        0.0
        if assmat_rate is None or pd.isna(assmat_rate)
        else float(assmat_rate) / 100 * float(children)
    )
    situation = trajectory.Situation(
        year, float(children), float(places_total), min(assmat, float(places_total))
    )
    horizon = max(inputs.today.year, year) + 5
    results, summary = trajectory.compare_scenarios(
        situation, national, horizon, [], trajectory.DEFAULT_SCENARIOS
    )
    synthetic = _is_synthetic(figure.get("nature"))
    src = "Calcul de l'application (trajectoire vers le taux national) à partir des chiffres Cnaf"
    _trajectory_outputs(
        part,
        subject,
        results,
        summary,
        horizon,
        f"Trajectoire pour atteindre le taux national ({fmt_number(national, 1)}) en {horizon}",
        f"Places nécessaires pour atteindre le taux national en {horizon}",
        src,
        synthetic,
        f"Pour atteindre le taux national en {horizon}, il faudrait créer environ ",
        "Aucune trajectoire publiée pour ce territoire : calcul indicatif avec les trois "
        "scénarios par défaut.",
    )
    return part


def _published_trajectory(
    subject: Subject, inputs: PrediagInputs
) -> tuple[trajectory.SavedTrajectory, object] | None:
    """The published trajectory of the subject's territory (or the draft picked for a
    preview) and its document."""
    for name, doc in (inputs.documents.get(trajectory.TRAJECTORY_DOCUMENT_KIND) or {}).items():
        saved = trajectory.SavedTrajectory.from_document(name, doc)
        if saved is not None and saved.territoire == subject.key and saved.scenarios:
            return saved, doc
    return None


def _saved_trajectory(
    subject: Subject,
    figure: Mapping[str, object] | None,
    saved: trajectory.SavedTrajectory,
    doc: object,
) -> _Part:
    part = _Part()
    results, summary = saved.results()
    version = _version_cell(doc)
    synthetic = figure is not None and _is_synthetic(figure.get("nature"))
    rate = fmt_number(saved.target_rate, 1)
    _trajectory_outputs(
        part,
        subject,
        results,
        summary,
        saved.horizon,
        f"Trajectoire « {saved.nom} » ({version}) : taux cible {rate} en {saved.horizon}, "
        f"périmètre « {saved.perimetre} »",
        f"Places nécessaires pour atteindre le taux cible ({rate}) en {saved.horizon}",
        "Trajectoire publiée dans l'espace de travail (page « Zones sous-dotées »), calcul de "
        "l'application à partir de ses réglages",
        synthetic,
        f"Selon la trajectoire « {saved.nom} » (version {version}), pour atteindre le taux "
        f"cible de {rate} en {saved.horizon}, il faudrait créer environ ",
        "",
    )
    return part


def _trajectory_outputs(
    part: _Part,
    subject: Subject,
    results: list[trajectory.TrajectoryResult],
    summary: pd.DataFrame,
    horizon: int,
    title: str,
    chart_title: str,
    src: str,
    synthetic: bool,
    sentence_start: str,
    note: str,
) -> None:
    """Table, chart and sentence of a trajectory (published, or the default one)."""
    tbl = pd.DataFrame(
        {
            "Scénario": summary["scenario"],
            "Évolution des naissances (% par an)": summary["evolution_naissances"].round(1),
            "Départs d'assistants maternels (% par an)": summary["departs_assmat"].round(1),
            f"Places à créer d'ici {horizon}": summary["places_a_creer_total"]
            .round()
            .astype("Int64"),
            "Places à créer par an": summary["places_a_creer_par_an"].round(1),
        }
    )
    base = results[1] if len(results) > 1 else results[0]
    part.tables.append(
        Table(
            "trajectoire",
            title,
            tbl,
            src,
            synthetic,
            " ".join(x for x in (note, base.method) if x),
        )
    )
    part.charts.append(
        trajectory_chart(
            trajectory.long_table(results),
            [r.scenario.name for r in results],
            src,
            title=chart_title,
            synthetic=synthetic,
            with_baseline=False,
            note="Estimation de cette application : " + base.method,
        )
    )
    part.sentences.append(
        Sentence(
            S_TRAJECTOIRE_RATTRAPAGE,
            sentence_start
            + f"{nv.count_phrase(round(base.per_year), 'place', feminine=True)} par an {subject.complement} "
            f"(scénario « {base.scenario.name} », estimation).",
        )
    )


def _early_childhood(
    subject: Subject, comps: tuple[Territory, ...], inputs: PrediagInputs
) -> Section:
    figures: list[KeyFigure] = []
    sentences: list[str] = []
    tables: list[Table] = []
    charts: list[ChartSpec] = []
    missing: list[str] = []
    cov = _coverage(subject, comps, inputs)
    figures += cov.figures
    sentences += cov.sentences
    tables += cov.tables
    charts += cov.charts
    missing += cov.missing
    st_tbl, st_fig, st_sent, st_miss, st_chart = _structures(subject, inputs, ("EAJE", "RPE"))
    tables.extend(st_tbl)
    figures.extend(st_fig)
    sentences.extend(st_sent)
    missing.extend(st_miss)
    charts.extend(st_chart)
    bpe = _dataset(inputs, "bpe_eaje")
    if bpe is not None:
        year = _latest_year(bpe.frame, "nb_eaje")
        fy = bpe.frame.loc[bpe.frame["annee"] == year]
        n = _sum_for(fy, scopes(subject, ())[0], "nb_eaje") or 0
        figures.append(
            KeyFigure(
                f"EAJE recensés par la BPE ({year})",
                n,
                fmt_number(n),
                _credit(bpe),
                bpe.is_synthetic,
                id=F_BPE_EAJE,
            )
        )
        with_eaje = fy.loc[
            fy["code_insee"].isin(subject.communes) & (fy["nb_eaje"] > 0), "code_insee"
        ].nunique()
        total = len(subject.communes)
        without = total - with_eaje
        if total > 1 and without == 0:
            sentences.append(
                f"Toutes les communes {subject.complement} disposent d'au moins un EAJE "
                f"selon la BPE {year}."
            )
        elif total > 1:
            sentences.append(
                f"{nv.capitalise(nv.count_phrase(without, 'commune', feminine=True))} sur "
                f"{fmt_number(total)} {'n’a' if without < 2 else 'n’ont'} pas d'EAJE selon "
                f"la BPE {year}."
            )
    zn = _zonings(subject, inputs)
    sentences += zn.sentences
    tables += zn.tables
    charts += zn.charts
    missing += zn.missing
    tr = _trajectory(subject, cov.subject_figure, cov.national_rate, inputs)
    sentences += tr.sentences
    tables += tr.tables
    charts += tr.charts
    missing += tr.missing
    return Section(
        "petite_enfance",
        SECTION_TITLES["petite_enfance"],
        tuple(figures),
        tuple(sentences),
        tuple(tables),
        tuple(charts),
        tuple(missing),
    )


_STRUCTURE_LABELS = {
    "EAJE": (
        "EAJE",
        "établissement d'accueil du jeune enfant",
        "établissements d'accueil du jeune enfant",
    ),
    "RPE": ("RPE", "relais petite enfance", "relais petite enfance"),
    "LAEP": ("LAEP", "lieu d'accueil enfants-parents", "lieux d'accueil enfants-parents"),
    "ALSH": ("ALSH", "accueil de loisirs sans hébergement", "accueils de loisirs sans hébergement"),
    "CS": ("Centres sociaux", "centre social", "centres sociaux"),
    "EVS": ("EVS", "espace de vie sociale", "espaces de vie sociale"),
}


def _structures(subject: Subject, inputs: PrediagInputs, types: tuple[str, ...]):
    ds = _dataset(inputs, "structures")
    if ds is None:
        return [], [], [], [f"Structures ({', '.join(types)}) : " + import_hint("structures")], []
    f = ds.frame.loc[fast_isin(ds.frame["code_insee"], subject.communes)]
    src = _credit(ds)
    syn = ds.is_synthetic
    figures, sentences, tables, charts = [], [], [], []
    counts = []
    for t in types:
        sub = f.loc[f["type_structure"] == t]
        short, sing, plur = _STRUCTURE_LABELS[t]
        n = len(sub)
        counts.append(
            {
                "Type": short,
                "Structures": n,
                "Places": int(sub["places"].fillna(0).sum()) if t == "EAJE" else pd.NA,
            }
        )
        figures.append(KeyFigure(short, n, fmt_number(n), src, syn, id=structure_figure_id(t)))
        if t == "EAJE":
            places = int(sub["places"].fillna(0).sum())
            psu = int(sub.loc[sub["psu"].fillna(False).astype(bool), "places"].fillna(0).sum())
            figures.append(
                KeyFigure("Places en EAJE", places, fmt_number(places), src, syn, id=F_PLACES_EAJE)
            )
            phrase = nv.count_phrase(n, sing, plur)
            sentences.append(
                f"{nv.capitalise(subject.nominative)} compte {phrase} totalisant {nv.count_phrase(places, 'place', feminine=True)}"
                + (
                    f", dont {fmt_percent(psu / places * 100)} financées par la PSU."
                    if places
                    else "."
                )
            )
            if n:
                eaje = sub.assign(places=sub["places"].fillna(0).astype(int))
                detail = (
                    pd.DataFrame(
                        {
                            "Nom": eaje["nom"].astype(str),
                            "Commune (code INSEE)": eaje["code_insee"].astype(str),
                            "Places": eaje["places"],
                            "PSU": eaje["psu"].map({True: "oui", False: "non"}).fillna("—"),
                            "Gestionnaire": eaje["gestionnaire"].astype("string").fillna("—"),
                        }
                    )
                    .sort_values("Places", ascending=False)
                    .reset_index(drop=True)
                )
                tables.append(
                    Table("eaje", "Établissements d'accueil du jeune enfant", detail, src, syn)
                )
                pts = sub.dropna(subset=["latitude", "longitude"])
                if not pts.empty:
                    charts.append(
                        ChartSpec(
                            "carte_eaje",
                            "EAJE du territoire (taille selon les places)",
                            "carte",
                            pd.DataFrame(
                                {"code_insee": list(subject.communes), "valeur": "commune"}
                            ),
                            f"{src} ; {credit('ign_admin_express_2025')}",
                            syn,
                            points=pd.DataFrame(
                                {
                                    "longitude": pts["longitude"].astype(float),
                                    "latitude": pts["latitude"].astype(float),
                                    "taille": pts["places"].fillna(0).astype(float),
                                }
                            ),
                        )
                    )
        elif n == 0:
            sentences.append(
                f"Aucun {sing} n'est recensé sur le territoire dans la liste importée."
            )
    tables.append(
        Table(
            "structures_" + "_".join(t.lower() for t in types),
            "Structures recensées (" + ", ".join(types) + ")",
            _int_columns(pd.DataFrame(counts), ("Places",)),
            src,
            syn,
        )
    )
    return tables, figures, sentences, [], charts


#: Allocataire columns as French noun phrases (the table label is the phrase, capitalised).
_ALLOC_NOUNS = {
    "familles_monoparentales": nv.Noun("familles monoparentales", True, True),
    "couples_avec_enfants": nv.Noun("couples avec enfant(s)", False, True),
    "allocataires_rsa": nv.Noun("allocataires du RSA", False, True),
    "allocataires_prime_activite": nv.Noun("allocataires de la prime d'activité", False, True),
    "allocataires_bas_revenus": nv.Noun("allocataires à bas revenus", False, True),
    "allocataires_aide_logement": nv.Noun("allocataires d'une aide au logement", False, True),
    "allocataires_aah": nv.Noun("allocataires de l'AAH", False, True),
    "enfants_3_5": nv.Noun("enfants de 3 à 5 ans couverts", False, True),
    "familles_enfants_moins_6": nv.Noun("familles avec enfant(s) de moins de 6 ans", True, True),
}


def _allocataires(
    subject: Subject,
    comps: tuple[Territory, ...],
    inputs: PrediagInputs,
    columns: tuple[str, ...],
    table_id: str,
    title: str,
):
    """Shares of allocataires (column / allocataires × 100) for the subject and comparisons."""
    ds = _dataset(inputs, "allocataires")
    if ds is None:
        return [], [], [], [f"{title} : " + import_hint("allocataires", columns)], []
    f = _parents_frame(inputs, "allocataires")
    src = _credit(ds)
    syn = ds.is_synthetic
    terr = scopes(subject, comps)
    rows, figures, sentences, missing = [], [], [], []
    chart_rows = []
    chart_years: list[int] = []
    same_coverage: dict[str, None] = {}  # comparison scopes with the subject's communes
    for col in columns:
        noun = _ALLOC_NOUNS[col]
        label = noun.text[:1].upper() + noun.text[1:]
        if _latest_year(f, col) is None:
            missing.append(f"{label} : " + import_hint("allocataires", (col,)))
            continue
        own = f.loc[fast_isin(f["code_insee"], subject.communes) & f[col].notna()]
        if own.empty:
            missing.append(
                f"{label} : aucune donnée pour les communes du territoire dans les fichiers "
                "importés (les données Caf par IRIS ne couvrent que les communes découpées en "
                "IRIS). " + import_hint("allocataires", (col,))
            )
            continue
        year = int(own["annee"].max())
        fy = f.loc[(f["annee"] == year) & f[col].notna() & f["allocataires"].notna()]
        shares = []
        covered = {sc.name: _covered(inputs, fy, sc) for sc in terr}
        same = [
            sc.name
            for sc in terr[1:]
            if covered[sc.name][0] == covered[terr[0].name][0]  # the same communes only
        ]
        same_coverage.update(dict.fromkeys(same))
        for sc in terr:
            num = _cached_sum(inputs, f"allocataires-{col}", year, fy, sc, col)
            den = _cached_sum(inputs, f"allocataires-{col}", year, fy, sc, "allocataires")
            share = None if num is None or not den else round(num / den * 100, 1)
            if sc.name in same:
                share = None  # not a comparison: the very same communes as the territory
            shares.append(share)
            codes_in, n_all, pop_share = covered[sc.name]
            rows.append(
                {
                    "Indicateur": label,
                    "Année": year,
                    "Territoire": sc.name,
                    "Foyers ou personnes": None if num is None or sc.name in same else round(num),
                    "Allocataires": None if den is None or sc.name in same else round(den),
                    "Part des allocataires (%)": share,
                    "Communes couvertes": f"{len(codes_in)} sur {n_all} "
                    f"({fmt_number(pop_share, 1)} % de la population)",
                }
            )
        chart_rows.append(
            {"Indicateur": label, **{sc.name: v for sc, v in zip(terr, shares, strict=True)}}
        )
        chart_years.append(year)
        if shares[0] is None:
            continue
        count = next(r["Foyers ou personnes"] for r in rows if r["Indicateur"] == label)
        figures.append(
            KeyFigure(
                f"{label} ({year})",
                count,
                f"{fmt_number(count)} ({fmt_percent(shares[0])})",
                src,
                syn,
            )
        )
        s = nv.share_sentence(noun, shares[0], "des allocataires", subject.complement)
        if s:
            sentences.append(Sentence(S_ALLOCATAIRES_PART, s))
        for sc, ref in zip(terr[1:], shares[1:], strict=True):
            if ref is None:
                continue
            c = nv.compare_sentence(
                nv.Noun(f"part des {noun.text}", True),
                subject.complement,
                shares[0],
                sc.phrase,
                ref,
            )
            if c:
                sentences.append(c)
                break
    tables = []
    charts = []
    if rows:
        tables.append(
            Table(
                table_id,
                title,
                _int_columns(pd.DataFrame(rows), ("Foyers ou personnes", "Allocataires")),
                src,
                syn,
                "Part = foyers concernés pour 100 allocataires de la même année. Comparaisons "
                "sur les seules communes couvertes par les données Caf par IRIS (colonne "
                "« Communes couvertes ») : les totaux d'un EPCI, d'un département ou de la France "
                "ne sont pas ceux de tout le territoire."
                + (
                    f" {', '.join(same_coverage)} : mêmes communes couvertes que le territoire, "
                    "comparaison sans objet."
                    if same_coverage
                    else ""
                ),
            )
        )
    if len(chart_rows) >= 2:  # one indicator: the table says it all, no chart
        cdf = pd.DataFrame(chart_rows)
        charts.append(
            ChartSpec(
                f"{table_id}_parts",
                f"{title} : part des allocataires (%)",
                "barres",
                cdf,
                src,
                syn,
                x="Indicateur",
                series=tuple(sc.name for sc in terr),
                ylabel="% des allocataires",
                unit="% des allocataires",
                decimals=1,
                year="-".join(dict.fromkeys(str(y) for y in (min(chart_years), max(chart_years)))),
                default_status=STATUS_COMPUTED,
            )
        )
    return tables, figures, sentences, missing, charts


def _theme(
    section_id: str,
    subject: Subject,
    comps: tuple[Territory, ...],
    inputs: PrediagInputs,
    structure_types: tuple[str, ...],
    alloc_columns: tuple[str, ...],
    extra_missing: tuple[str, ...] = (),
) -> Section:
    title = SECTION_TITLES[section_id]
    tables, figures, sentences, missing, charts = [], [], [], [], []
    if structure_types:
        t, f, s, m, c = _structures(subject, inputs, structure_types)
        tables += t
        figures += f
        sentences += s
        missing += m
        charts += c
    if alloc_columns:
        t, f, s, m, c = _allocataires(
            subject, comps, inputs, alloc_columns, f"alloc_{section_id}", title
        )
        tables += t
        figures += f
        sentences += s
        missing += m
        charts += c
    missing += list(extra_missing)
    return Section(
        section_id,
        title,
        tuple(figures),
        tuple(sentences),
        tuple(tables),
        tuple(charts),
        tuple(missing),
    )


#: The CTG themes after early childhood: section id, structure types, allocataire columns,
#: notes on what no dataset holds (the pre-diagnostic and the SDSF diagnostic print them).
THEMES: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    ("enfance_jeunesse", ("ALSH",), ("enfants_3_5", "familles_enfants_moins_6"), ()),
    ("parentalite", ("LAEP",), ("familles_monoparentales", "couples_avec_enfants"), ()),
    ("avs", ("CS", "EVS"), (), ()),
    (
        "acces_droits",
        (),
        ("allocataires_rsa", "allocataires_prime_activite", "allocataires_bas_revenus"),
        (),
    ),
    ("logement", (), ("allocataires_aide_logement",), ()),
    (
        "handicap",
        (),
        ("allocataires_aah",),
        (
            "Accueil des enfants en situation de handicap (AEEH, bonus inclusion handicap) : aucun jeu de "
            "données de ce type n'est prévu dans l'application ; à compléter à partir du SID de la Caf.",
        ),
    ),
)


def theme_sections(
    subject: Subject, comps: tuple[Territory, ...], inputs: PrediagInputs
) -> tuple[Section, ...]:
    """The sections of the CTG themes after early childhood (THEMES)."""
    return tuple(
        _theme(section_id, subject, comps, inputs, types, columns, extra)
        for section_id, types, columns, extra in THEMES
    )


def zones_section(subject: Subject, inputs: PrediagInputs) -> Section:
    """The priority zones of the published zonings touching the subject, as a section of its
    own (the SDSF diagnostic; the pre-diagnostic puts them in « Petite enfance »)."""
    part = _zonings(subject, inputs)
    return Section(
        "zones",
        "Zones prioritaires",
        sentences=tuple(part.sentences),
        tables=tuple(part.tables),
        charts=tuple(part.charts),
        missing=tuple(part.missing),
    )


def build_prediag(subject: Subject, inputs: PrediagInputs) -> Prediag:
    """Assemble every section of the pre-diagnostic for `subject`."""
    if not subject.communes:
        raise ValueError("Le territoire choisi ne contient aucune commune connue.")
    comps = comparisons(inputs.geo, subject)
    sections = (
        _identity(subject, comps, inputs),
        _demography(subject, comps, inputs),
        _early_childhood(subject, comps, inputs),
        *theme_sections(subject, comps, inputs),
    )
    return Prediag(subject, comps, inputs.today, sections, publication.drafts_in(inputs.documents))


# ----------------------------------------------------------------------------- workshop view


@dataclass(frozen=True)
class Slide:
    """One screen of the workshop view: one message, at most four figures and one visual."""

    title: str
    message: str
    figures: tuple[KeyFigure, ...] = ()
    chart: ChartSpec | None = None
    details: tuple[str, ...] = ()
    synthetic: bool = False
    source_lines: tuple[str, ...] = ()  # sources of the sentences shown

    @property
    def has_content(self) -> bool:
        """Something to show the audience: a message, a figure or a visual."""
        return bool(self.message or self.figures or self.chart is not None)

    @property
    def sources(self) -> tuple[str, ...]:
        parts = (
            [f.source for f in self.figures]
            + ([self.chart.source] if self.chart else [])
            + list(self.source_lines)
        )
        return tuple(dict.fromkeys(p for s in parts for p in s.split(" ; ") if p))


def _first(items: tuple | list, default: object = None) -> object:
    return items[0] if items else default


def _chart(section: Section, chart_id: str) -> ChartSpec | None:
    return next((c for c in section.charts if c.id == chart_id), None)


def workshop_slides(p: Prediag) -> tuple[Slide, ...]:
    """The pre-diagnostic as a few screens for elected officials: key figures, the territory
    map, early childhood, priority zones, trajectory, families, CTG. Same facts, same sources:
    every message and figure is picked by its id (S_* and F_* constants). Only facts reach a
    slide, never the notes on missing data (they tell the chargé d'études what to import):
    a screen with nothing to show is left out (the first one, the key figures, always stays)."""
    ident, pe = p.section("identite"), p.section("petite_enfance")
    slides = (
        _slide_key_figures(p),
        _slide_territory(ident),
        _slide_coverage(pe),
        _slide_zones(pe),
        _slide_trajectory(pe),
        _slide_families(p),
        _slide_ctg(ident),
    )
    return slides[:1] + tuple(s for s in slides[1:] if s.has_content)


def _slide_key_figures(p: Prediag) -> Slide:
    ident, demo, pe = p.section("identite"), p.section("demographie"), p.section("petite_enfance")
    picked = (
        ident.figure(F_POPULATION),
        ident.figure(F_COMMUNES),
        demo.figure("enfants_moins_3"),
        pe.figure(F_TAUX_COUVERTURE),
    )
    figs = tuple(f for f in picked if f is not None)
    return Slide(
        p.subject.name,
        str(_first(ident.said(S_COMPOSITION), p.subject.title)),
        figs,
        details=demo.said(S_ENFANTS_COMPARAISON, S_NAISSANCES_TENDANCE)[-1:],
        synthetic=any(f.synthetic for f in figs)
        or (demo.synthetic and bool(demo.said(S_ENFANTS_COMPARAISON, S_NAISSANCES_TENDANCE))),
        source_lines=demo.sources[:1],
    )


def _slide_territory(ident: Section) -> Slide:
    carte = _chart(ident, "carte_densite")
    return Slide(
        "Le territoire",
        str(_first(ident.said(S_DENSITE), "")),
        chart=carte,
        synthetic=bool(carte and carte.synthetic),
    )


def _slide_coverage(pe: Section) -> Slide:
    cov = _chart(pe, "couverture_composantes")
    sentences = pe.said(S_COUVERTURE_COMPARAISON)
    picked = (
        pe.figure(F_TAUX_COUVERTURE),
        pe.figure(structure_figure_id("EAJE"), F_BPE_EAJE),
        pe.figure(F_PLACES_EAJE),
    )
    figs = tuple(f for f in picked if f is not None)
    return Slide(
        "L'accueil du jeune enfant",
        str(_first(sentences[-1:], "")),
        figs,
        cov,
        tuple(sentences[:-1][:2]),
        synthetic=any(f.synthetic for f in figs) or bool(cov and cov.synthetic),
    )


def _slide_zones(pe: Section) -> Slide:
    """The priority zones of the saved zonings; computed from the section's coverage data, so
    labelled as demonstration when those are synthetic."""
    carte = _chart(pe, "carte_zones")
    tables = [t for t in pe.tables if t.id == "zones_prioritaires"]
    rate = pe.figure(F_TAUX_COUVERTURE)
    return Slide(
        "Zones prioritaires",
        str(_first(pe.said(S_ZONES_ZONAGE), "")),
        chart=carte,
        source_lines=tuple(t.source for t in tables),
        synthetic=bool(carte is not None or tables)
        and (
            bool(carte and carte.synthetic)
            or any(t.synthetic for t in tables)
            or bool(rate and rate.synthetic)
        ),
    )


def _slide_trajectory(pe: Section) -> Slide:
    traj = _chart(pe, "trajectoire")
    message = _first(pe.said(S_TRAJECTOIRE_ATTEINT, S_TRAJECTOIRE_RATTRAPAGE))
    return Slide(
        "Trajectoire",
        str(message or ""),
        chart=traj,
        details=(traj.note,) if traj and traj.note else (),
        synthetic=bool(traj and traj.synthetic),
    )


def _slide_families(p: Prediag) -> Slide:
    used = [p.section(sid) for sid in ("parentalite", "acces_droits", "logement")]
    families = [s for sec in used for s in sec.said(S_ALLOCATAIRES_PART)]
    chart = _chart(p.section("parentalite"), "alloc_parentalite_parts") or _chart(
        p.section("acces_droits"), "alloc_acces_droits_parts"
    )
    return Slide(
        "Les familles",
        str(_first(families, "")),
        chart=chart,
        details=tuple(families[1:4]),
        synthetic=bool(chart and chart.synthetic)
        or any(sec.synthetic for sec in used if sec.said(S_ALLOCATAIRES_PART)),
        source_lines=p.section("parentalite").sources + p.section("acces_droits").sources,
    )


def _slide_ctg(ident: Section) -> Slide:
    sentences = ident.said(*AO_SENTENCES)
    return Slide(
        "CTG et autorités organisatrices",
        str(_first(sentences, "")),
        details=tuple(sentences[1:4]),
        synthetic=ident.synthetic,
        source_lines=tuple(t.source for t in ident.tables if t.id in ("ctg", "statut_ao")),
    )


def ctg_departements(geo: Geography, ctg: pd.DataFrame) -> dict[str, frozenset[str]]:
    """id_ctg -> départements of its signatories (communes by code, EPCI by their members);
    vectorised, for filtering long CTG lists."""
    rows = pd.DataFrame(
        {
            "id_ctg": ctg["id_ctg"].astype(str),
            "code": ctg["signataires"].astype(str).str.split(r"[|,;\s]+", regex=True),
        }
    )
    rows = rows.explode("code")
    rows = rows.loc[rows["code"].notna() & (rows["code"] != "")]
    communes = geo.communes[["code_insee", "dep", "siren_epci"]].astype(
        {"code_insee": str, "dep": str}
    )
    com_dep = dict(zip(communes["code_insee"], communes["dep"], strict=True))
    epci_dep = (
        communes.dropna(subset=["siren_epci"])
        .groupby(communes["siren_epci"].astype(str))["dep"]
        .agg(lambda s: frozenset(s))
    )
    out: dict[str, set[str]] = {}
    for ident, code in zip(rows["id_ctg"], rows["code"], strict=True):
        deps = out.setdefault(ident, set())
        if code in epci_dep.index:
            deps.update(epci_dep[code])
        else:
            dep = com_dep.get(normalize_code_insee(code) or code)
            if dep:
                deps.add(dep)
    return {k: frozenset(v) for k, v in out.items()}
