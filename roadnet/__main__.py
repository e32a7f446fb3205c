"""``python -m roadnet`` runs the command line."""

from roadnet.cli import run

run()
