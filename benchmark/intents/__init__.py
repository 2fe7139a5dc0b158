"""Intent records and the sets the tasks run: curated (shipped), full (derived), or a file."""

from benchmark.intents.record import Grading, Intent, IntentError, Shard, read_intents, write_intents
from benchmark.intents.sets import CURATED_FILES, INTENT_SETS, curated_intents, load_intent_set

__all__ = [
    "CURATED_FILES",
    "INTENT_SETS",
    "Grading",
    "Intent",
    "IntentError",
    "Shard",
    "curated_intents",
    "load_intent_set",
    "read_intents",
    "write_intents",
]
