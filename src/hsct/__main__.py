"""``python -m hsct`` runs the command-line interface."""

from hsct.cli import main

main()
