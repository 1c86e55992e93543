"""``python -m sim`` is the ``negsim`` command."""

from .cli import main

main()
