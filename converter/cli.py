"""`mdo`: one thin command per job. Each parses its options, calls one function, prints."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from .atomic import atomic_open
from .registry import Registry, RegistryError

app = typer.Typer(help="Monitor Digitale Overheid as linked data.", no_args_is_help=True, add_completion=False)
registry_app = typer.Typer(help="Curate the indicator registry.", no_args_is_help=True)
app.add_typer(registry_app, name="registry")
err = Console(stderr=True)


def _registry():
    from .settings import load_settings

    settings = load_settings()
    try:
        return settings, Registry(settings.data_dir)
    except RegistryError as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None


def _input_errors() -> tuple[type[Exception], ...]:
    """What bad editions raise while being read: reported with their place, exit status 1."""
    from .extract import UnknownIndicators
    from .readers import SourceError
    from .readers.markdown_tsv import TableShapeError

    return (UnknownIndicators, SourceError, TableShapeError)


def _extract(registry: Registry):
    from .extract import extract

    try:
        return extract(registry)
    except _input_errors() as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None


@app.command("extract")
def extract_command(out: Optional[Path] = typer.Option(None, "--out", help="CSV file (default: dist/observations.csv)")) -> None:
    """Write the tidy table (CSV) of every observation of every edition, and the rejects beside it."""
    from .tidy import write_rejects, write_tidy

    settings, registry = _registry()
    extraction = _extract(registry)
    out = out or settings.dist_dir / "observations.csv"
    write_tidy(extraction.observations, out)
    write_rejects(extraction.rejects, out.with_name(out.stem + "-rejects.csv"))
    err.print(f"{len(extraction.observations)} observations -> {out}; {len(extraction.rejects)} rejects -> {out.with_name(out.stem + '-rejects.csv')}")


@app.command("build")
def build_command(out: Optional[Path] = typer.Option(None, "--out", help="one file; format by extension (.trig .nq .ttl .nt .jsonld)")) -> None:
    """Build the whole dataset. Without --out: every dump, the catalogue, the tidy CSV and the quality report into dist/."""
    from .build import build
    from .dumps import UnknownFormat
    from .settings import load_settings

    try:
        built = build(load_settings(), out)
    except (UnknownFormat, RegistryError) as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    except _input_errors() as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None
    err.print(f"{built.quads} quads, {built.observations} observations in {built.seconds:.2f} s -> "
              + ", ".join(map(str, built.written)))


@app.command("quality")
def quality_command(out: Optional[Path] = typer.Option(None, "--out", help="also write the report to this file")) -> None:
    """Print the source quality report: malformed numbers, change mismatches, revisions, rejects."""
    from .quality import quality_report

    _, registry = _registry()
    report = quality_report(_extract(registry))
    if out is not None:
        with atomic_open(out) as handle:
            handle.write(report)
    sys.stdout.write(report)


@app.command("validate")
def validate_command(
    file: Optional[Path] = typer.Argument(None, help="dataset file (default: dist/mdo.trig)"),
    workers: Optional[int] = typer.Option(None, min=1, help="processes for a large TriG of the converter, which is "
                                          "checked in chunks (default: the CPUs, at most 4; about 1 GB each)"),
) -> None:
    """Check the dataset against the SHACL shapes in shapes/; exit status 1 on any violation."""
    from .settings import load_settings
    from .validate import ValidateError, format_report, validate

    path = file or load_settings().dist_dir / "mdo.trig"
    if not path.is_file():
        err.print(f"[red]error:[/red] {path} does not exist; run `mdo build` first")
        raise typer.Exit(2)
    try:
        result = validate(path, workers=workers)
    except ValidateError as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    sys.stdout.write(format_report(result) + "\n")
    raise typer.Exit(0 if result.conforms else 1)


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", help="interface to listen on"),
    port: int = typer.Option(8000, help="TCP port"),
    data: Optional[Path] = typer.Option(None, help="dataset file (default: dist/mdo.trig)"),
    workers: int = typer.Option(1, help="web server processes; all share one read-only on-disk store built next to the data file"),
    timeout: float = typer.Option(30.0, help="query timeout in seconds"),
    store: str = typer.Option("disk", help="disk: a read-only on-disk store beside the data file, shared by every "
                              "process; memory: the data loaded into memory (scans about 5x faster; "
                              "about 0.5 GB per million quads, one copy per web server process)"),
) -> None:
    """Serve the dataset: SPARQL endpoint, pages per resource, downloads."""
    from endpoint.server import LimitError, serve

    from .settings import load_settings

    path = data or load_settings().dist_dir / "mdo.trig"
    if not path.is_file():
        err.print(f"[red]error:[/red] {path} does not exist; run `mdo build` first")
        raise typer.Exit(2)
    if store not in ("disk", "memory"):
        err.print(f"[red]error:[/red] --store must be disk or memory, not {store!r}")
        raise typer.Exit(2)
    try:
        serve(path, host=host, port=port, workers=workers, query_timeout=timeout, in_memory=store == "memory")
    except LimitError as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None


@app.command("publish")
def publish_command(
    store: str = typer.Option(..., "--store", help="Graph Store HTTP Protocol URL, e.g. http://host:8890/sparql-graph-crud-auth"),
    query_endpoint: Optional[str] = typer.Option(None, "--query-endpoint", help="SPARQL query URL for the checks (default: derived from --store)"),
    user: Optional[str] = typer.Option(None, "--user", help="user for the store (HTTP Digest or Basic, as the store asks)"),
    password: Optional[str] = typer.Option(None, "--password", envvar="MDO_STORE_PASSWORD", help="password (or env MDO_STORE_PASSWORD)"),
    data: Optional[Path] = typer.Option(None, "--data", help="dataset file with named graphs (default: dist/mdo.trig)"),
) -> None:
    """Replace each named graph of the dataset in a triple store (Graph Store HTTP PUT), then check counts and a known figure."""
    from .publish import PublishError, publish
    from .settings import load_settings

    path = data or load_settings().dist_dir / "mdo.trig"
    if (user is None) != (password is None):
        err.print("[red]error:[/red] give --user and --password together")
        raise typer.Exit(2)
    try:
        report = publish(path, store, query_endpoint, auth=(user, password) if user is not None and password is not None else None)
    except PublishError as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None
    for graph in report.graphs:
        sys.stdout.write(f"{graph.iri}\tHTTP {graph.status}\t{graph.remote_triples}/{graph.local_triples} triples\n")
    for edition, value in sorted(report.figure_remote.items()):
        sys.stdout.write(f"{edition}\tdigid-actieve-digids 2019 = {value}\n")
    for problem in report.problems:
        err.print(f"[red]check failed:[/red] {problem}")
    err.print(f"{len(report.graphs)} graphs -> {report.store_url}; checked through {report.query_url} in {report.seconds:.2f} s")
    raise typer.Exit(0 if report.ok else 1)


@registry_app.command("propose")
def propose_command() -> None:
    """Print TOML entries for printed labels the registry does not know, with proposed matches."""
    from .propose import as_toml, propose
    from .readers import read_edition

    _, registry = _registry()
    tables = {edition: read_edition(registry, edition) for edition in registry.editions}
    proposals = propose(registry, tables)
    for proposal in proposals:
        sys.stdout.write(as_toml(proposal) + "\n\n")
    err.print(f"{len(proposals)} unknown label(s)")


if __name__ == "__main__":
    app()
