"""Run `mdo` in this process, as a user would type it, through typer's own test runner."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from mdo.cli import app


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str
    exception: BaseException | None


def run(*args: str, root: Path | None = None, env: dict[str, str] | None = None) -> Ran:
    """`mdo ARGS`, with `MDO_ROOT=root` and `env` when given; its exit status and what it wrote."""
    env = {**(env or {}), **({"MDO_ROOT": str(root)} if root is not None else {})}
    result = CliRunner().invoke(app, list(args), env=env or None, prog_name="mdo")
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return Ran(result.exit_code, result.stdout, result.stderr, exception)
