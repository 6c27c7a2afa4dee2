"""What the API needs from the app, taken from the app's one `Served` by a FastAPI dependency.

The API has no store of its own: every answer is a SPARQL query run by the app's query pool
(`endpoint/pool.py`: sandboxed worker processes), with the row, byte and time limits of
`/sparql`. Handlers ask for an `ApiContext` with `Depends(api_context)`, so they depend on
these few inputs only; the inputs themselves live once, on `app.state.served`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..pool import PoolBusy, QueryPool, QueryTimeout
from ..results import Failure, QueryJob, Solutions, Term
from ..served import Endpoint
from .problems import ApiProblem

Row = dict[str, Term | None]


@dataclass(frozen=True)
class ApiContext:
    """The query pool with the limits of `/sparql`, and the base IRI of the dataset."""

    pool: QueryPool
    base_iri: str  # without a trailing slash
    max_rows: int
    max_bytes: int

    async def solutions(self, query: str) -> Solutions:
        """The SELECT results of `query`, or an `ApiProblem` (503 on timeout or a busy pool)."""
        job = QueryJob(query, max_rows=self.max_rows, max_bytes=self.max_bytes, base_iri=self.base_iri + "/")
        try:
            outcome = await self.pool.run(job)
        except QueryTimeout as timeout:
            raise ApiProblem(503, f"De vraag duurde te lang: {timeout}.") from None
        except PoolBusy as busy:
            raise ApiProblem(503, f"Het eindpunt is bezet: {busy}. Probeer het zo opnieuw.", {"Retry-After": "5"}) from None
        if isinstance(outcome, Failure):
            status = outcome.status if outcome.status >= 500 else 500
            raise ApiProblem(status, outcome.message)
        if not isinstance(outcome, Solutions):
            raise ApiProblem(500, "De vraag gaf geen tabel.")
        return outcome

    async def select(self, query: str) -> list[Row]:
        """The rows of `query` by variable name; a result cut at the limits is an error, never silent."""
        outcome = await self.solutions(query)
        if outcome.truncated:
            raise ApiProblem(503, f"Het antwoord is groter dan de grens van {outcome.limit} rijen; vraag een kleinere pagina.")
        return [dict(zip(outcome.variables, row)) for row in outcome.rows]

    def iri(self, kind: str, ref: str) -> str:
        """The dataset IRI of a resource (`voorziening`, `digid`)."""
        return f"{self.base_iri}/id/{kind}/{ref}"

    def ref(self, kind: str, iri: str | None) -> str | None:
        """The id an IRI of `kind` ends in (`digid`), or None for an IRI of another kind."""
        prefix = f"{self.base_iri}/id/{kind}/"
        return iri[len(prefix):] if iri and iri.startswith(prefix) else None


async def api_context(served: Endpoint) -> ApiContext:
    """The dependency: the API's view of what the app serves (async: no thread hop)."""
    return ApiContext(served.pool, served.base_iri, served.max_rows, served.max_result_bytes)
