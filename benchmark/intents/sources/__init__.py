"""Where intents come from: GSM8k, HumanEval and the Lost in Conversation sharded file."""
