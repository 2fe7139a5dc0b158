"""Human conversations that a user simulator is measured against: their format, sources and intents."""

from benchmark.fidelity.conversations import (
    ConversationError,
    HumanConversation,
    Message,
    read_conversations,
    write_conversations,
)

__all__ = ["ConversationError", "HumanConversation", "Message", "read_conversations", "write_conversations"]
