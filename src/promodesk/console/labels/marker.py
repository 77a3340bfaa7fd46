"""The marker of a label's message for extraction into the console's catalogs (babel's
``-k N_``); the message is translated where it is shown."""


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message
