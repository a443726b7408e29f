"""The HTTP service over engine/: runs as jobs in worker processes, keys and roles, PDU scope,
SPO decisions and the server-rendered review page (FastAPI, Jinja2)."""
