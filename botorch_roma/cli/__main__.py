r"""``python -m botorch_roma.cli`` runs the ``botorch-roma`` command line."""

from botorch_roma.cli import main

main()
