"""Simulator fidelity: how closely a user simulator follows real users, on held-out human conversations.

Reproduces the intrinsic evaluation of "Flipping the Dialogue: Training and Evaluating User Language
Models" (Naous et al., ICLR 2026): user-turn perplexity (its Table 1) and the intrinsic metrics of its
Table 2, for the simulator bound to the `user` role, or else the model under evaluation (`--model`). One
sample is one human conversation; the simulator writes its opening from the intent, decides at every
assistant turn whether to go on or end, and answers probe messages (see benchmark/fidelity/replay.py).
No guardrails apply: the figures describe the raw model. Inspect creates the task in this file's
directory, so pass file parameters as absolute paths.

    inspect eval tasks/simulator_fidelity.py --model vllm/microsoft/UserLM-8b -T conversations=FILE
    inspect eval tasks/simulator_fidelity.py --model vllm-completions/microsoft/UserLM-8b \\
        -T conversations=FILE --model-role judge=openai/gpt-4o         # + perplexity and adherence
    inspect eval tasks/simulator_fidelity.py --model openai/gpt-4o -T simulator=prompted \\
        -T conversations=prism -T data_path=prism/ --model-role writer=openai/gpt-4o \\
        --model-role judge=openai/gpt-4o                                 # a prompted baseline
    inspect eval tasks/simulator_fidelity.py --model scripted/user -T simulator=scripted \\
        -T conversations=FILE                                            # offline
"""

from inspect_ai import Task, task

from benchmark.fidelity.task import fidelity_task
from scorers.fidelity import fidelity_scorers

TASK_VERSION = "1.0.0"
"""Bump when scores stop being comparable with earlier logs (the probe sets and the token rule included)."""


@task
def simulator_fidelity(
    conversations: str | None = None,
    data_path: str | None = None,
    simulator: str = "userlm",
    with_intent: bool = True,
    intents_cache: str | None = None,
    max_conversations: int | None = None,
) -> Task:
    """Simulator fidelity task.

    Args:
        conversations: The human conversations: a JSONL file in our format
            (benchmark/fidelity/conversations.py), or `wildchat` / `prism` for those datasets'
            loaders (local files at data_path, else the Hugging Face Hub at a pinned revision).
        data_path: Local WildChat-1M rows (Parquet shards or JSON Lines, a file or a directory) or
            PRISM's conversations.jsonl, for conversations=wildchat|prism.
        simulator: Protocol: `userlm` (the UserLM-8b prompt), `prompted` (an assistant LM told to
            play the user), or `scripted` (offline, for tests). The simulator is the `user` role,
            else --model.
        with_intent: Score the human turns' perplexity given the intent (true) or without it
            (false): the paper's two columns.
        intents_cache: JSONL file where intents written by the `writer` role are cached (default:
            fidelity_intents.jsonl in the user cache directory, or $USERLM_BENCH_CACHE).
            Conversations without an intent, none cached, need --model-role writer=PROVIDER/MODEL.
        max_conversations: Read at most this many conversations from the file or source (a Hub
            source then stops streaming there); --limit then picks among them.
    """
    return fidelity_task(
        scorers=fidelity_scorers(),
        version=TASK_VERSION,
        conversations=conversations,
        data_path=data_path,
        simulator=simulator,
        with_intent=with_intent,
        intents_cache=intents_cache,
        max_conversations=max_conversations,
    )
