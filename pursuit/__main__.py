"""Allow `python -m pursuit`."""

from pursuit.cli import cli

cli()
