"""The `userlm-bench` command line: thin shells over library functions."""

from benchmark.cli.app import main

__all__ = ["main"]
