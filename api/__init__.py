"""FastAPI service over engine/ (to come: see the API issue)."""
