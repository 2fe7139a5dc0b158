"""The `userlm-bench` command line: thin shells over library functions."""

from benchmark.cli.main import main

__all__ = ["main"]
