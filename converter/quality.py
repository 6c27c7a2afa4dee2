"""The source quality report: what in the source looks wrong, and what the converter did about it.

Lists malformed numbers, printed changes that disagree with the figures, revisions between
editions, blank cells placed by alignment, footnote problems and side notes, each with its
place in the source, plus every rejected figure and the accounting per table.
"""

from __future__ import annotations

from collections import defaultdict

from .extract import Extraction

KIND_TITLES = {
    "malformed-number": "Malformed numbers",
    "change-mismatch": "Printed change does not match the figures",
    "revision": "Revisions between editions (same indicator and year, different figure)",
    "text-mismatch": "The summary text states a change differently from its own table",
    "inferred-blank": "Blank cells placed by alignment",
    "footnote": "Footnote marks and texts that do not pair up",
    "side-note": "Text printed beside a row",
}


def quality_report(extraction: Extraction) -> str:
    """The report as Markdown."""
    lines = ["# Source quality report", ""]
    seen = sum(a.cells_seen for a in extraction.accounts.values())
    published = sum(a.cells_published for a in extraction.accounts.values())
    rejected = sum(a.cells_rejected for a in extraction.accounts.values())
    lines.append(
        f"{len(extraction.observations)} observations from {seen} figure cells: "
        f"{published} published, {rejected} rejected; {len(extraction.findings)} findings."
    )
    by_kind = defaultdict(list)
    for finding in extraction.findings:
        by_kind[finding.kind].append(finding)
    for kind, title in KIND_TITLES.items():
        found = by_kind.pop(kind, [])
        lines += ["", f"## {title} ({len(found)})", ""]
        lines += [f"- `{f.place}` (edition {f.edition}): {f.message}" for f in found] or ["None."]
    for kind, found in by_kind.items():
        lines += ["", f"## {kind} ({len(found)})", ""] + [f"- `{f.place}`: {f.message}" for f in found]
    lines += ["", f"## Rejected figures ({len(extraction.rejects)})", ""]
    lines += [f"- `{r.place}` (edition {r.edition}) {r.label!r} {r.year or ''}: {r.raw!r}: {r.reason}" for r in extraction.rejects] or ["None."]
    lines += ["", "## Accounting per table", "", "| table | cells seen | published | rejected | observations |", "|---|---|---|---|---|"]
    for a in extraction.accounts.values():
        lines.append(f"| `{a.table}` | {a.cells_seen} | {a.cells_published} | {a.cells_rejected} | {a.observations} |")
    return "\n".join(lines) + "\n"
