"""The SPARQL endpoint and the pages of the Monitor Digitale Overheid linked data.

`app.create_app(data)` builds the web application over a TriG file; `server.serve(data)` runs it
with uvicorn. Queries run in worker processes (see `pool.py`) so that a runaway query can be
stopped for real, which pyoxigraph cannot do from Python inside one process; each worker is
sealed off from the network and capped in memory (`sandbox.py`) and checks a query before the
store sees it (`safety.py`). `headers.py` adds the security headers to every answer.
"""
