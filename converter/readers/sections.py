"""Tracks which section of the report a line stands in, from the headings read so far."""

from __future__ import annotations

from converter.registry import HeadingMatch, Registry, heading_text


class SectionTracker:
    """The current domain and voorziening, and the headings as printed that lead to them."""

    def __init__(self, registry: Registry, edition: str) -> None:
        self.registry = registry
        self.edition = edition
        self.domain: str | None = None
        self.voorziening: str | None = None
        self.printed: dict[str, str] = {}  # id -> heading as printed
        self.in_notes = False

    def match(self, line: str) -> HeadingMatch | None:
        return self.registry.heading(self.edition, line)

    def apply(self, match: HeadingMatch | None, line: str) -> None:
        """Move to the section a heading opens; an unknown heading leaves no known section."""
        text = heading_text(line)
        if match is None:
            if not self.in_notes:  # sub-headings inside a Toelichting do not open a section
                self.voorziening = None
            return
        self.in_notes = match.kind == "notes"
        if match.kind == "domain":
            self.domain, self.voorziening = match.id, None
            self.printed[f"domain:{match.id}"] = text
        elif match.kind == "group":
            self.voorziening = None
        elif match.kind == "voorziening":
            self.voorziening = match.id
            self.printed[f"v:{match.id}"] = text

    @property
    def path(self) -> tuple[str, ...]:
        """domain > voorziening > sub-part, as printed where the edition printed the heading."""
        parts: list[str] = []
        if self.domain:
            parts.append(self.printed.get(f"domain:{self.domain}", self.registry.domains[self.domain].label))
        if self.voorziening:
            for v in self.registry.lineage(self.voorziening):
                parts.append(self.printed.get(f"v:{v.id}", v.label))
        return tuple(parts)
