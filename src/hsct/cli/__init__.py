"""The ``hsct`` command-line interface (Typer + Rich)."""

from hsct.cli.main import app, main

__all__ = ["app", "main"]
