"""The userlm-bench tasks, installed as the package `userlm_bench`.

In a clone, run a task file: `inspect eval tasks/gsm8k_multiturn.py --model ...`. After `pip install
userlm-bench`, run it by its registry name from anywhere: `inspect eval userlm_bench/gsm8k_multiturn
--model ...`. Inspect imports this module (the package's `inspect_ai` entry point) when it meets a
`userlm_bench/...` name, which registers the tasks below and the offline `scripted` model provider.
"""

from benchmark.serving import scripted  # noqa: F401  (registers the `scripted` model provider)

from .gsm8k_multiturn import gsm8k_multiturn
from .humaneval_multiturn import humaneval_multiturn
from .simulator_fidelity import simulator_fidelity

__all__ = ["gsm8k_multiturn", "humaneval_multiturn", "simulator_fidelity"]
