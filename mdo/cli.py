"""`mdo`: one thin command per job. Each parses its options, calls one function, prints.

Every failure ends in one message on stderr that names the file and line (or key) and what to
do, and a non-zero exit status: 2 for a setting or curated file to fix, 1 for anything else.
`mdo --debug ...` shows the traceback instead.
"""

from __future__ import annotations

import errno
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from typer.core import TyperGroup
from rich.console import Console
from rich.markup import escape

from converter.atomic import atomic_open
from converter.registry import Registry, RegistryError
from mdo.settings import Settings, load_settings

_state: dict[str, Any] = {"debug": False}


def _config_errors() -> tuple[type[Exception], ...]:
    """Errors in a setting or a curated file: exit status 2."""
    from converter.rdf.dumps import UnknownFormat
    from mdo.settings import SettingsError

    return (RegistryError, SettingsError, UnknownFormat)


def _input_errors() -> tuple[type[Exception], ...]:
    """What bad editions raise while being read: reported with their place, exit status 1."""
    from converter.curation.editions import EditionError
    from converter.extraction.extract import DuplicateObservations, UnknownIndicators, UnreadLines
    from converter.readers import SourceError

    return (UnknownIndicators, UnreadLines, DuplicateObservations, SourceError, EditionError)


def describe(error: BaseException) -> tuple[str, int]:
    """The message and exit status for an error that ends a command."""
    try:
        config, source = _config_errors(), _input_errors()
    except Exception:  # the package itself does not import: only the traceback helps
        config = source = ()
    if isinstance(error, config):
        return str(error), 2
    if isinstance(error, source):
        return str(error), 1
    if isinstance(error, OSError):
        where = error.filename or "a file"
        what = {
            errno.ENOSPC: "the disk is full; free some space and run the command again",
            errno.EDQUOT: "the disk quota is used up; free some space and run the command again",
            errno.EROFS: "the file system is read-only; write somewhere else (--out) or make it writable",
            errno.EACCES: "permission denied; write somewhere else (--out) or fix the folder's permissions",
            errno.EPERM: "operation not permitted; write somewhere else (--out) or fix the folder's permissions",
        }.get(error.errno or 0, error.strerror or str(error))
        return f"{where}: {what} (nothing already written was changed)", 1
    return (f"unexpected {type(error).__name__}: {error}; this is a bug of mdo, please report it with the output "
            "of the same command run with --debug"), 1


class _Commands(TyperGroup):
    """The `mdo` commands: an error that ends one becomes one message and an exit status.

    Done here, where click runs the command, rather than around the whole program, so that
    the command line behaves the same in a test (`typer.testing.CliRunner`) as in a shell.
    """

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except (typer.TyperException, typer.Exit, typer.Abort):
            raise
        except Exception as error:
            if _state["debug"]:
                raise
            message, code = describe(error)
            err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
            raise typer.Exit(code) from None


app = typer.Typer(cls=_Commands, help="Monitor Digitale Overheid as linked data.", no_args_is_help=True, add_completion=False,
           pretty_exceptions_enable=False)
registry_app = typer.Typer(help="Curate the indicator registry.", no_args_is_help=True)
edition_app = typer.Typer(help="Add an edition of the report.", no_args_is_help=True)
app.add_typer(registry_app, name="registry")
app.add_typer(edition_app, name="edition")
err = Console(stderr=True)


@app.callback()
def options(debug: bool = typer.Option(False, "--debug", help="show the traceback of an error instead of its message")) -> None:
    """Monitor Digitale Overheid as linked data."""
    _state["debug"] = debug
    _state["settings"] = None


def _settings() -> Settings:
    """The settings, built once per command from the environment and passed down from here."""
    if _state.get("settings") is None:
        _state["settings"] = load_settings()
    return _state["settings"]


def _registry():

    settings = _settings()
    return settings, Registry(settings.data_dir)


def _extract(registry: Registry, allow_unread: bool = False):
    from converter.extraction.extract import extract

    return extract(registry, allow_unread=allow_unread)


_ALLOW_UNREAD = typer.Option(False, "--allow-unread", help="list lines of figures no reader took in as findings "
                             "instead of stopping")


@app.command("extract")
def extract_command(out: Optional[Path] = typer.Option(None, "--out", help="CSV file (default: dist/observations.csv)"),
                    allow_unread: bool = _ALLOW_UNREAD) -> None:
    """Write the tidy table (CSV) of every observation of every edition, and the rejects beside it."""
    from converter.extraction.tidy import write_rejects, write_tidy

    settings, registry = _registry()
    extraction = _extract(registry, allow_unread)
    out = out or settings.dist_dir / "observations.csv"
    write_tidy(extraction.observations, out)
    write_rejects(extraction.rejects, out.with_name(out.stem + "-rejects.csv"))
    err.print(f"{extraction.figures:,} observations and {extraction.missing:,} cells without a figure -> {out}; "
              f"{len(extraction.rejects)} rejects -> {out.with_name(out.stem + '-rejects.csv')}")


@app.command("build")
def build_command(out: Optional[Path] = typer.Option(None, "--out", help="one file; format by extension (.trig .nq .ttl .nt .jsonld)"),
                  allow_unread: bool = _ALLOW_UNREAD) -> None:
    """Build the whole dataset. Without --out: every dump, the catalogue, the tidy CSV and the quality report into dist/."""
    from converter.build import build

    settings = _settings()
    built = build(settings.data_dir, settings.dist_dir, base_iri=settings.base_iri, ontology_dir=settings.ontology_dir,
                  out=out, allow_unread=allow_unread)
    err.print(f"{built.quads:,} quads ({built.observations:,} observations and {built.missing:,} cells without a figure) "
              f"in {built.seconds:.2f} s -> "
              + ", ".join(map(str, built.written)))
    err.print(f"{built.findings} findings about the source (mdo quality, dist/quality.md)")
    if built.unread:
        err.print(f"[yellow]warning:[/yellow] {built.unread} line(s) with figures were not read; they are listed in the "
                  "quality report (Niet gelezen regels)")


@app.command("quality")
def quality_command(
    out: Optional[Path] = typer.Option(None, "--out", help="also write the report to this file, and the count of every "
                                       "table beside it (FILE-tabellen.csv)"),
    edition: Optional[str] = typer.Option(None, "--edition", help="only this edition"),
    lang: str = typer.Option("nl", "--lang", help="nl (default) or en"),
    fail_on: Optional[str] = typer.Option(None, "--fail-on", metavar="KIND,...", help="exit 1 if the report lists any of "
                                          "these kinds (for CI), e.g. reject,unread-line,malformed-number,revision,"
                                          "change-mismatch,text-mismatch,new-indicator,dropped-indicator,renamed-indicator"),
    allow_unread: bool = _ALLOW_UNREAD,
) -> None:
    """Print the source quality report (Dutch): new, dropped, renamed indicators, revisions, mismatches, rejects, unread lines."""
    from converter.extraction.quality import counts, quality_report, write_table_accounts

    if lang not in ("nl", "en"):
        raise typer.BadParameter(f"{lang!r}: use nl or en", param_hint="--lang")
    kinds = [k.strip() for k in (fail_on or "").split(",") if k.strip()]
    unknown = [k for k in kinds if k not in _quality_kinds()]
    if unknown:
        raise typer.BadParameter(f"unknown kind {unknown[0]!r}; kinds: {', '.join(sorted(_quality_kinds()))}", param_hint="--fail-on")
    _, registry = _registry()
    if edition is not None and edition not in registry.editions:
        raise typer.BadParameter(f"no edition {edition!r} in data/editions.toml", param_hint="--edition")
    extraction = _extract(registry, allow_unread)
    tables_csv = out.with_name(out.stem + "-tabellen.csv") if out is not None else None
    report = quality_report(extraction, registry, edition, lang, tables_csv.name if tables_csv else "dist/quality-tables.csv")
    if out is not None and tables_csv is not None:
        with atomic_open(out) as handle:
            handle.write(report)
        write_table_accounts(extraction, tables_csv, edition)
    sys.stdout.write(report)
    found = counts(extraction, registry, edition)
    failing = {k: found[k] for k in kinds if found.get(k)}
    if failing:
        err.print("findings that fail: " + ", ".join(f"{k} {n}" for k, n in failing.items()))
        raise typer.Exit(1)


def _quality_kinds() -> tuple[str, ...]:
    from converter.extraction.quality import KINDS

    return KINDS


@app.command("validate")
def validate_command(
    file: Optional[Path] = typer.Argument(None, help="dataset file (default: dist/mdo.trig)"),
    workers: Optional[int] = typer.Option(None, min=1, help="processes for a large TriG of the converter, which is "
                                          "checked in chunks (default: the CPUs, at most 4; about 1 GB each)"),
) -> None:
    """Check the dataset against the SHACL shapes in shapes/; exit status 1 on any violation."""
    from shapes.validate import ValidateError, format_report, validate

    path = file or _settings().dist_dir / "mdo.trig"
    if not path.is_file():
        err.print(f"[red]error:[/red] {escape(str(path))} does not exist; run `mdo build` first")
        raise typer.Exit(2)
    try:
        result = validate(path, workers=workers, shapes_dir=_settings().shapes_dir)
    except ValidateError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from None
    sys.stdout.write(format_report(result) + "\n")
    raise typer.Exit(0 if result.conforms else 1)


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", help="interface to listen on"),
    port: int = typer.Option(8000, help="TCP port"),
    data: Optional[Path] = typer.Option(None, help="dataset file (default: dist/mdo.trig)"),
    query_workers: Optional[int] = typer.Option(None, "--query-workers", min=1, help="processes that run the queries "
                                                "(default: env MDO_QUERY_WORKERS, else 2); each opens the store read-only"),
    timeout: float = typer.Option(30.0, help="query timeout in seconds"),
    store: str = typer.Option("auto", help="auto: memory for a data file up to 64 MB (about 45,000 figures), disk above; "
                              "disk: a read-only on-disk store beside the data file, opened by every query worker; "
                              "memory: the data loaded into memory, shared with the query workers it forks"),
    access_log: bool = typer.Option(False, "--access-log", help="print a line per request on the console (off: it "
                                    "costs the web process time on every request; a reverse proxy logs them too)"),
) -> None:
    """Serve the dataset: SPARQL endpoint, pages per resource, downloads."""
    from endpoint.server import serve
    from endpoint.store import in_memory_for
    from mdo.settings import endpoint_limits

    settings = _settings()
    limits = endpoint_limits(query_workers=query_workers)  # a bad one: SettingsError, exit status 2
    path = data or settings.dist_dir / "mdo.trig"
    if not path.is_file():
        err.print(f"[red]error:[/red] {path} does not exist; run `mdo build` first")
        raise typer.Exit(2)
    try:
        in_memory = in_memory_for(path, store)
    except ValueError as error:
        err.print(f"[red]error:[/red] --{error}")
        raise typer.Exit(2) from None
    serve(path, base_iri=settings.base_iri, queries_dir=settings.queries_dir, host=host, port=port,
          query_timeout=timeout, in_memory=in_memory, access_log=access_log, **limits)


@app.command("publish")
def publish_command(
    store: str = typer.Option(..., "--store", help="Graph Store HTTP Protocol URL, e.g. http://host:8890/sparql-graph-crud-auth"),
    query_endpoint: Optional[str] = typer.Option(None, "--query-endpoint", help="SPARQL query URL for the checks (default: derived from --store)"),
    user: Optional[str] = typer.Option(None, "--user", help="user for the store (HTTP Digest or Basic, as the store asks)"),
    password: Optional[str] = typer.Option(None, "--password", envvar="MDO_STORE_PASSWORD", help="password (or env MDO_STORE_PASSWORD)"),
    data: Optional[Path] = typer.Option(None, "--data", help="dataset file with named graphs (default: dist/mdo.trig)"),
) -> None:
    """Replace each named graph of the dataset in a triple store (Graph Store HTTP PUT), then check counts and a known figure."""
    from converter.publish import PublishError, publish

    path = data or _settings().dist_dir / "mdo.trig"
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


_CHOOSE = typer.Option([], "--choose", metavar="LINE=ID", help="answer a question: the row on LINE continues "
                      "indicator ID (or LINE=new: it is a new indicator); may be repeated")
_APPLY = typer.Option(False, "--apply", help="write the proposals into data/indicators.toml (shows the diff)")


def _choices(choose: list[str]) -> dict[int, str]:
    choices = {}
    for item in choose:
        line, _, target = item.partition("=")
        if not line.strip().isdigit() or not target.strip():
            raise typer.BadParameter(f"{item!r}: expected LINE=ID or LINE=new, as the question says", param_hint="--choose")
        choices[int(line)] = target.strip()
    return choices


def _match_and_apply(settings, edition: Optional[str], choose: list[str], apply_: bool) -> None:
    """Print the proposals for unknown labels; with `apply_`, write them and print the diff."""
    from converter.curation.propose import CONTINUE, QUESTION, apply, as_toml, propose
    from converter.readers import read_edition

    registry = Registry(settings.data_dir)
    if edition is not None and edition not in registry.editions:
        raise typer.BadParameter(f"no edition {edition!r} in data/editions.toml", param_hint="--edition")
    tables = {e: read_edition(registry, e) for e in registry.editions}
    proposals = propose(registry, tables, edition, _choices(choose))
    for proposal in proposals:
        sys.stdout.write(as_toml(proposal) + "\n\n")
    continued = sum(p.decision == CONTINUE for p in proposals)
    questions = [p for p in proposals if p.decision == QUESTION]
    err.print(f"{len(proposals)} unknown label(s): {continued} continue an indicator, "
              f"{len(proposals) - continued - len(questions)} new, {len(questions)} question(s)")
    for question in questions:
        err.print(f"[yellow]question:[/yellow] {escape(question.question)}", soft_wrap=True)
    if apply_ and proposals:
        diff = apply(settings.data_dir, proposals)
        sys.stdout.write(diff)
        err.print(f"written: data/indicators.toml ({len(proposals)} proposal(s))")
    elif questions:
        raise typer.Exit(1)


@registry_app.command("propose")
def propose_command(
    edition: Optional[str] = typer.Option(None, "--edition", help="only this edition's labels"),
    choose: list[str] = _CHOOSE,
    apply_: bool = _APPLY,
) -> None:
    """Print TOML for printed labels the registry does not know, ranked by evidence; --apply writes it."""

    _match_and_apply(_settings(), edition, choose, apply_)


@edition_app.command("add")
def edition_add_command(
    file: Path = typer.Argument(..., help="the edition's text (markdown with tab-separated tables, or raw PDF text)"),
    edition_id: str = typer.Option(..., "--id", help="the edition's id, e.g. 2025"),
    title: str = typer.Option(..., "--title", help="the title as printed, e.g. 'Monitor Digitale Overheid 2025'"),
    reference_date: str = typer.Option(..., "--reference-date", help="the peildatum of the latest figures, e.g. 2024-12-31"),
    form: Optional[str] = typer.Option(None, "--form", help="markdown-tsv or pdf-text (default: told from the text)"),
    publisher: str = typer.Option("ICTU", "--publisher"),
    version: Optional[str] = typer.Option(None, "--version"),
    issued: Optional[str] = typer.Option(None, "--issued", help="date of issue, e.g. 2025-06-05"),
    choose: list[str] = _CHOOSE,
    apply_: bool = _APPLY,
) -> None:
    """Register a new edition (copy its text, add its entry), read it and match its labels to the registry."""
    from converter.curation.editions import add_edition

    settings = _settings()
    added = add_edition(settings.data_dir, file, edition_id, title, reference_date, form, publisher, version, issued)
    rows = sum(len(t.rows) for t in added.tables)
    err.print(f"edition {added.id}: data/{added.file} ({added.form}), {len(added.tables)} tables, {rows} rows; "
              f"{added.lines.count('table')} table lines, {added.lines.count('text')} text lines with figures, none unread")
    _match_and_apply(settings, edition_id, choose, apply_)


if __name__ == "__main__":
    app(prog_name="mdo")
