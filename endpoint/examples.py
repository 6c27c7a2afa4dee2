"""The example queries under `queries/`: one `.rq` file each, loaded by name.

Each file starts with `# title:` and `# description:` comment lines; the query page lists them
and the tests run every one, so an example that stops working fails the build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_HEADER = re.compile(r"^#\s*(title|description):\s*(.+?)\s*$")


class ExampleError(ValueError):
    """An example file without its title or description; the message names the file."""


@dataclass(frozen=True)
class Example:
    name: str  # file name without `.rq`
    title: str
    description: str
    text: str


def parse_example(path: Path) -> Example:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            key, value = match.groups()
            header[key] = (header[key] + " " + value) if key in header else value
    missing = [key for key in ("title", "description") if key not in header]
    if missing:
        raise ExampleError(f"{path}: the first comment lines need '# {missing[0]}: ...'")
    return Example(name=path.stem, title=header["title"], description=header["description"], text=text)


def load_examples(directory: Path) -> list[Example]:
    """Every `*.rq` in `directory`, sorted by file name (number them to order them)."""
    if not directory.is_dir():
        return []
    return [parse_example(path) for path in sorted(directory.glob("*.rq"))]
