"""Administrative subcommands of `python main.py` (argparse; no Qt)."""

from cli.app import run_cli

__all__ = ["run_cli"]
