"""Where the benchmark runs and what it talks to: one place for the constants every bench module uses.

Importing it also puts the repository root first on `sys.path`, so the bench runs the checkout's
code even where the project is not installed.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

B = "https://data.monitordigitaleoverheid.nl"
PEER_VENV = BENCH / ".venv"
PEER_PACKAGE = "rdflib-endpoint[cli]==0.6.3"
JSON_RESULTS = "application/sparql-results+json"


@cache
def tls() -> Any:
    """One TLS context (`verify=`) for every HTTP client the bench makes. httpx builds one per
    client by default, reading the CA bundle each time: tens of milliseconds, more than a query of
    a small cube takes, and five clients per query, engine and client count."""
    import httpx

    return httpx.create_ssl_context()
