"""The tidy table: one CSV row per observation, with its place in the source.

Columns follow the observation record; values are written as plain decimals (no thousands
separators) so that any tool reads them. Written atomically.
"""

from __future__ import annotations

import csv
from pathlib import Path

from converter.atomic import atomic_open
from converter.model import Observation, Reject

COLUMNS = [
    "edition", "section", "voorziening", "indicator", "label", "breakdown", "year", "value", "unit",
    "status", "status_note", "footnote_marks", "footnote_text", "source_file", "source_line", "raw", "table",
]
REJECT_COLUMNS = ["edition", "source_file", "source_line", "table", "label", "year", "raw", "reason"]


def observation_row(o: Observation) -> dict[str, str]:
    return {
        "edition": o.edition,
        "section": o.section,
        "voorziening": o.voorziening,
        "indicator": o.indicator,
        "label": o.label,
        "breakdown": o.breakdown,
        "year": str(o.year),
        "value": "" if o.value is None else format(o.value, "f"),
        "unit": o.unit,
        "status": o.status,
        "status_note": o.status_note,
        "footnote_marks": " ".join(o.footnote_marks),
        "footnote_text": o.footnote_text,
        "source_file": o.place.file,
        "source_line": str(o.place.line),
        "raw": o.raw,
        "table": o.table,
    }


def write_tidy(observations: list[Observation], path: Path) -> None:
    with atomic_open(path) as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(observation_row(o) for o in observations)


def write_rejects(rejects: list[Reject], path: Path) -> None:
    with atomic_open(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(REJECT_COLUMNS)
        for r in rejects:
            writer.writerow([r.edition, r.place.file, r.place.line, r.table, r.label, r.year or "", r.raw, r.reason])
