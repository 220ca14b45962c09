"""Run the CLI as ``python -m helpline``."""

from helpline.cli import main

main()
