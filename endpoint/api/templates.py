"""The API's own SPARQL, from templates under `sparql/` in which only RDF terms can be filled in.

Every value a request brings (an id, a filter, a page) reaches a query through `{{ ... }}`, and
the environment's `finalize` accepts nothing but a pyoxigraph `NamedNode` or `Literal` (written
as pyoxigraph serialises it, so escaped) or an `int`: a string from a request cannot become
query text, whatever it contains. Filters are switched with `{% if %}` on those same values.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from jinja2 import Environment, PackageLoader, StrictUndefined

from ..vocab import sparql_prefixes


def _term(value: Any) -> str:
    if isinstance(value, (ox.NamedNode, ox.Literal)):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"only RDF terms and integers go into a query, not {type(value).__name__}: {value!r}")


_QUERIES = Environment(loader=PackageLoader("endpoint.api", "sparql"), finalize=_term, autoescape=False,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def query(name: str, **values: Any) -> str:
    """The text of `sparql/{name}.rq` with `values` filled in (None leaves a filter out)."""
    return sparql_prefixes() + _QUERIES.get_template(f"{name}.rq").render(**values)
