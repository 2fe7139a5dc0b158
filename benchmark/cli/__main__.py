"""`python -m benchmark.cli`: the same as the `userlm-bench` command."""

import sys

from benchmark.cli.app import main

sys.exit(main())
