"""`python -m engine.cli`: the same as the `probation` script."""

from engine.cli import main

main()
