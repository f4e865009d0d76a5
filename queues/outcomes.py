"""What the end of a wait or a ring means for the caller: talked, or still needs someone.

Twilio reports how a queue or a `<Dial>` ended; what that means for the caller (goodbye, a
message, the next person) is routing's decision, made here and nowhere else.
"""

from __future__ import annotations

from enum import Enum

# QueueResult values after which the caller's conversation is over (or they are gone).
_OVER = frozenset(
    {"bridged", "bridging-in-process", "hangup", "redirected", "redirected-from-bridged"}
)


class AfterQueue(Enum):
    """Where a caller goes once they leave a queue."""

    GOODBYE = "goodbye"
    VOICEMAIL = "voicemail"


def after_queue(result: str) -> AfterQueue:
    """The caller's next step for Twilio's `QueueResult`.

    Talked or hung up: goodbye. Chose to leave (pressed for a message), a full queue, or a queue
    error: a message with a promised callback, never straight back into the same queue.
    """
    return AfterQueue.GOODBYE if result in _OVER else AfterQueue.VOICEMAIL


def talked(bridged: bool, accepted_by: str | None, rep_id: str) -> bool:
    """Whether ringing `rep_id` became a conversation.

    Only a bridged call that the rep accepted in the whisper counts: an answered leg whose
    whisper hung up (a declined call, the rep's own voicemail) was never a conversation.
    """
    return bridged and bool(rep_id) and accepted_by == rep_id
