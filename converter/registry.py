"""The curated registries under `data/`: editions, domains, voorzieningen, indicators, breakdowns.

Indicator identity across editions lives here, not in code: each indicator has a stable id, its
labels as printed per edition, its unit and a short definition. A printed label the registry does
not know is an error that names it (see `UnknownIndicator`), never a silent new series.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

import tomli

from converter.model import Place


class RegistryError(ValueError):
    """The curated files contradict themselves; the message names the file and the entry."""


class UnknownIndicator(LookupError):
    """A printed row label that the registry does not know for its section and edition."""

    def __init__(self, edition: str, voorziening: str | None, label: str, place: Place, detail: str = "") -> None:
        super().__init__(
            f"{place}: edition {edition}, section {voorziening or '(unknown heading)'}: "
            + (detail or f"indicator {label!r} is not in data/indicators.toml")
        )
        self.edition, self.voorziening, self.label, self.place = edition, voorziening, label, place
        self.detail = detail

    def __reduce__(self) -> tuple[type, tuple[str, str | None, str, Place, str]]:
        """Pickled by its arguments: an extraction's forked process sends the unknown labels back."""
        return UnknownIndicator, (self.edition, self.voorziening, self.label, self.place, self.detail)


_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|[A-D]\.)\s+")


@lru_cache(maxsize=1 << 17)
def normalize(text: str) -> str:
    """The form labels and headings are matched in: case, quotes, hyphen breaks, space, markup.

    Cached: a label is normalized when the registry indexes it and again for each edition that
    prints it, and the same few forms of every heading come up again and again.
    """
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"<[^<>]+>", "", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"(\w)- (\w)", r"\1-\2", text)  # "informatie- verstrekking", "BRP- Terugmeld..."
    text = text.replace("*", "").replace("#", "").replace("\\", "")
    return " ".join(text.split()).strip().rstrip(".:").strip().lower()


def heading_text(line: str) -> str:
    """A heading line without markdown marks, bold tags and numbering (`2.1.3.`)."""
    text = re.sub(r"</?b>|\*", "", line.strip().lstrip("#")).strip()
    return _NUMBERING.sub("", text).strip()


@dataclass(frozen=True)
class Edition:
    id: str
    title: str
    file: str
    form: str
    reference_date: str
    publisher: str = "ICTU"
    version: str | None = None
    issued: str | None = None
    group_headings: tuple[str, ...] = ()

    @property
    def reference_year(self) -> int:
        return int(self.reference_date[:4])


@dataclass(frozen=True)
class Domain:
    id: str
    label: str
    label_en: str
    notation: str
    headings: tuple[str, ...]


@dataclass(frozen=True)
class Voorziening:
    id: str
    label: str
    domain: str
    headings: tuple[str, ...]
    parent: str | None = None
    basisregistratie: str | None = None
    feeds_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class Indicator:
    id: str
    voorziening: str
    unit: str
    label: str
    definition: str = ""
    label_en: str = ""
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # edition -> printed labels
    parts: dict[str, str] = field(default_factory=dict)  # cell part ("middelen") -> indicator id
    breakdown: str | None = None  # dimension of a breakdown given in a side note
    row_only: bool = False  # a printed row whose figures all belong to its parts


@dataclass(frozen=True)
class BreakdownTable:
    """A table whose rows are breakdown members (per sending organisation), found by caption."""

    edition: str
    caption: str
    dimension: str
    indicators: tuple[str, ...]  # one per block of year columns


@dataclass(frozen=True)
class Member:
    id: str
    dimension: str
    label: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class HeadingMatch:
    kind: str  # "domain" | "voorziening" | "group" | "notes"
    id: str | None = None


TOTAL = "totaal"


class Registry:
    """Everything curated under `data/`, indexed for the converter's look-ups."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.editions = _editions(_load(data_dir / "editions.toml"))
        places = _load(data_dir / "voorzieningen.toml")
        self.domains = {
            key: Domain(id=key, headings=tuple(v.pop("headings")), **v) for key, v in places["domain"].items()
        }
        self.voorzieningen = {
            key: Voorziening(
                id=key,
                headings=tuple(v.pop("headings")),
                feeds_from=tuple(v.pop("feeds_from", ())),
                **v,
            )
            for key, v in places["voorziening"].items()
        }
        indicators = _load(data_dir / "indicators.toml")
        self.indicators: dict[str, Indicator] = {}
        for entry in indicators.get("indicator", []):
            labels = {str(k): tuple(v if isinstance(v, list) else [v]) for k, v in entry.pop("labels", {}).items()}
            indicator = Indicator(labels=labels, parts=entry.pop("parts", {}), **entry)
            if indicator.id in self.indicators:
                raise RegistryError(f"data/indicators.toml: indicator {indicator.id!r} is listed twice")
            self.indicators[indicator.id] = indicator
        self.breakdown_tables = [
            BreakdownTable(indicators=tuple(t.pop("indicators")), **t)
            for t in indicators.get("breakdown_table", [])
        ]
        breakdowns = _load(data_dir / "breakdowns.toml")
        self.members = {
            m["id"]: Member(labels=tuple(m.pop("labels", [m["label"]])), **m) for m in breakdowns.get("member", [])
        }
        self._check()
        self._headings = self._index_headings()
        self._labels = self._index_labels()
        self._sections: dict[tuple[str, str], tuple[dict[str, Indicator], list[tuple[str, Indicator]]]] = {}
        self._known: dict[str, dict[str, list[Indicator]]] = {}

    # -- consistency ---------------------------------------------------------------------
    def _check(self) -> None:
        for v in self.voorzieningen.values():
            if v.domain not in self.domains:
                raise RegistryError(f"data/voorzieningen.toml: {v.id}: unknown domain {v.domain!r}")
            if v.parent and v.parent not in self.voorzieningen:
                raise RegistryError(f"data/voorzieningen.toml: {v.id}: unknown parent {v.parent!r}")
        for i in self.indicators.values():
            if i.voorziening not in self.voorzieningen:
                raise RegistryError(f"data/indicators.toml: {i.id}: unknown voorziening {i.voorziening!r}")
            if i.unit not in ("count", "percent"):
                raise RegistryError(f"data/indicators.toml: {i.id}: unit {i.unit!r} is not count or percent")
            for target in i.parts.values():
                if target not in self.indicators and target != i.id:
                    raise RegistryError(f"data/indicators.toml: {i.id}: part points to unknown {target!r}")
            for edition in i.labels:
                if edition not in self.editions:
                    raise RegistryError(f"data/indicators.toml: {i.id}: labels for unknown edition {edition!r}")
        for t in self.breakdown_tables:
            for target in t.indicators:
                if target not in self.indicators:
                    raise RegistryError(f"data/indicators.toml: breakdown table {t.caption!r}: unknown {target!r}")

    def _index_headings(self) -> dict[str, HeadingMatch]:
        index: dict[str, HeadingMatch] = {}
        for d in self.domains.values():
            for h in d.headings:
                index[normalize(h)] = HeadingMatch("domain", d.id)
        for v in self.voorzieningen.values():
            for h in v.headings:
                key = normalize(h)
                if key in index:
                    raise RegistryError(f"data/voorzieningen.toml: heading {h!r} is used twice")
                index[key] = HeadingMatch("voorziening", v.id)
        return index

    def _index_labels(self) -> dict[tuple[str, str], list[tuple[str, Indicator]]]:
        """(edition, voorziening) -> [(normalized label, indicator)], longest label first."""
        index: dict[tuple[str, str], list[tuple[str, Indicator]]] = {}
        for i in self.indicators.values():
            for edition, labels in i.labels.items():
                for label in labels:
                    index.setdefault((edition, i.voorziening), []).append((normalize(label), i))
        for entries in index.values():
            entries.sort(key=lambda e: -len(e[0]))
        return index

    def _section_labels(self, edition: str, voorziening: str) -> tuple[dict[str, Indicator], list[tuple[str, Indicator]]]:
        """The labels a section of an edition may print: by normalized text, and longest first.

        Made once per section, not per row: a section of a large edition has thousands of rows.
        Where two indicators share a label, the one of the section itself wins over a sub-part's.
        """
        cache_key = (edition, voorziening)
        if cache_key not in self._sections:
            candidates = [entry for v in self.descendants(voorziening) for entry in self._labels.get((edition, v), [])]
            exact: dict[str, Indicator] = {}
            for known, indicator in candidates:
                exact.setdefault(known, indicator)
            self._sections[cache_key] = (exact, sorted(candidates, key=lambda e: -len(e[0])))
        return self._sections[cache_key]

    def _known_labels(self, voorziening: str) -> dict[str, list[Indicator]]:
        """Every label any edition printed in a section: normalized text -> its indicators."""
        if voorziening not in self._known:
            known: dict[str, list[Indicator]] = {}
            for v in self.descendants(voorziening):
                for edition in self.editions:
                    for label, indicator in self._labels.get((edition, v), []):
                        if indicator not in known.setdefault(label, []):
                            known[label].append(indicator)
            self._known[voorziening] = known
        return self._known[voorziening]

    # -- look-ups ------------------------------------------------------------------------
    def edition(self, edition_id: str) -> Edition:
        return self.editions[edition_id]

    def heading(self, edition: str, text: str) -> HeadingMatch | None:
        """What a heading line is in this edition, or None if the registry does not know it."""
        key = normalize(heading_text(text))
        if key.startswith(("toelichting", "verklaring", "specificatie")):
            return HeadingMatch("notes")
        if key in {normalize(h) for h in self.editions[edition].group_headings}:
            return HeadingMatch("group")
        return self._headings.get(key)

    def descendants(self, voorziening: str) -> list[str]:
        """The voorziening and every sub-part below it."""
        found = [voorziening]
        for v in self.voorzieningen.values():
            if v.parent == voorziening:
                found.extend(self.descendants(v.id))
        return found

    def lineage(self, voorziening: str) -> list[Voorziening]:
        """The voorziening and its parents, top first."""
        chain = [self.voorzieningen[voorziening]]
        while chain[0].parent:
            chain.insert(0, self.voorzieningen[chain[0].parent])
        return chain

    def indicator_for(
        self, edition: str, voorziening: str | None, label: str, place: Place
    ) -> tuple[Indicator, str | None]:
        """The indicator a printed label names within a section, and any side note before it.

        The raw PDF text sometimes prints a note beside a row, which the reader cannot tell
        from the label; if the whole text is not a known label but ends in one, the text before
        it is returned as the side note.
        """
        if voorziening is None:
            raise UnknownIndicator(edition, voorziening, label, place)
        key = normalize(label)
        exact, longest_first = self._section_labels(edition, voorziening)
        if key in exact:
            return exact[key], None
        for known, indicator in longest_first:
            if key.endswith(" " + known):
                cut = len(" ".join(label.split())) - _printed_length(label, known)
                return indicator, " ".join(label.split())[:cut].strip() or None
        return self._printed_before(edition, voorziening, label, key, place), None

    def _printed_before(self, edition: str, voorziening: str, label: str, key: str, place: Place) -> Indicator:
        """The indicator an earlier edition printed this label for in this section, if just one did.

        A new edition prints most labels as before; they need no edit of the registry. Where
        the label names different indicators in different editions, the own section's wins; if
        that leaves more than one, it is a question for a person, never a guess.
        """
        found = self._known_labels(voorziening).get(key, [])
        own = [i for i in found if i.voorziening == voorziening]
        found = own or found
        if len(found) == 1:
            return found[0]
        if found:
            ids = " or ".join(i.id for i in found)
            raise UnknownIndicator(edition, voorziening, label, place,
                                   f"{label!r} was printed for {ids} in earlier editions; say which with "
                                   f"labels.{edition} in data/indicators.toml (or `mdo registry propose --edition "
                                   f"{edition} --choose {place.line}=ID`)")
        raise UnknownIndicator(edition, voorziening, label, place)

    def breakdown_table(self, edition: str, caption_lines: list[str]) -> BreakdownTable | None:
        keys = [normalize(line) for line in caption_lines]
        for table in self.breakdown_tables:
            caption = normalize(table.caption)
            if table.edition == edition and any(key.startswith(caption) for key in keys):
                return table
        return None

    def member(self, dimension: str, label: str) -> Member | None:
        key = normalize(label)
        for m in self.members.values():
            if m.dimension in (dimension, "*") and key in {normalize(x) for x in m.labels}:
                return m
        return None


_EDITION_KEYS = {f.name for f in fields(Edition)}
_EDITION_REQUIRED = ("id", "title", "file", "form", "reference_date")


def _editions(loaded: dict) -> dict[str, Edition]:
    """The `[[edition]]` entries, each checked for its keys; an error names the entry and the key."""
    entries = loaded.get("edition")
    if not isinstance(entries, list) or not entries:
        raise RegistryError("data/editions.toml: no [[edition]] entries")
    editions: dict[str, Edition] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"data/editions.toml: [[edition]] number {number} ({entry.get('id', 'no id')})"
        for key in _EDITION_REQUIRED:
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise RegistryError(f"{where}: key {key!r} is missing or not a text; add {key} = \"...\"")
        unknown = sorted(set(entry) - _EDITION_KEYS)
        if unknown:
            raise RegistryError(f"{where}: unknown key {unknown[0]!r}; the keys are {', '.join(sorted(_EDITION_KEYS))}")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry["reference_date"]):
            raise RegistryError(f"{where}: reference_date {entry['reference_date']!r} is not a date like 2024-12-31")
        if entry["id"] in editions:
            raise RegistryError(f"{where}: edition id {entry['id']!r} is listed twice")
        same_file = [e.id for e in editions.values() if e.file == entry["file"]]
        if same_file:
            raise RegistryError(f"{where}: file {entry['file']!r} is already edition {same_file[0]}'s text")
        editions[entry["id"]] = Edition(**{**entry, "group_headings": tuple(entry.get("group_headings", ()))})
    return editions


def _printed_length(label: str, known_normalized: str) -> int:
    """Length, in the space-collapsed printed label, of its tail that normalizes to `known`."""
    printed = " ".join(label.split())
    for start in range(len(printed) - 1, -1, -1):
        if normalize(printed[start:]) == known_normalized:
            return len(printed) - start
    return 0


def _load(path: Path) -> dict:
    """A TOML file of the registry. tomli is the standard library's tomllib, compiled: a large
    build's indicators.toml is a big file, read in a fraction of tomllib's time (same messages)."""
    try:
        with path.open("rb") as handle:
            return tomli.load(handle)
    except FileNotFoundError:
        raise RegistryError(f"{path}: missing") from None
    except tomli.TOMLDecodeError as error:
        raise RegistryError(f"{path}: {error}") from None
