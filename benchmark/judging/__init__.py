"""Which intent shards a user turn reveals: the offline `matcher`, or the LLM `judge` (role `judge`)."""
