"""Optimisation models and baselines. Solvers see arrays and params only: no files, no database."""
