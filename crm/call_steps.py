"""The names of the steps a call's path records: written by the web layer, read by reports.

Defined once so a report counting "menu:main:missed" can never drift from what is written.
"""

from __future__ import annotations

INCOMING = "incoming"
CASE_REFERENCE = "case-reference"
VOICEMAIL = "voicemail"
RECORDING = "recording"
TRANSCRIPTION = "transcription"
NO_MANAGER = "no-manager"


def menu_choice(menu: str, action: str) -> str:
    """The caller chose an option of `menu`."""
    return f"menu:{menu}:{action}"


def menu_missed(menu: str) -> str:
    """A wrong key or silence in `menu`; the menu is said once more."""
    return f"menu:{menu}:missed"


def menu_missed_twice(menu: str) -> str:
    """The second miss in `menu`; the caller goes to a person."""
    return f"menu:{menu}:missed-twice"


def whisper_answer(rep_id: str, accepted: bool) -> str:
    """The rep accepted, or did not, the call they were whispered about."""
    return f"whisper:{rep_id}:{'accepted' if accepted else 'declined'}"


def ring_result(rep_id: str, status: str) -> str:
    """How ringing a rep for the caller ended (Twilio's DialCallStatus)."""
    return f"ring:{rep_id}:{status}"


def queue_result(result: str) -> str:
    """How the caller left a queue (Twilio's QueueResult)."""
    return f"queue-result:{result}"


def call_status(status: str) -> str:
    """Twilio's call status callback."""
    return f"status:{status}"


def escalated(rep_id: str) -> str:
    """A rep handed the caller up to a manager."""
    return f"escalated-by:{rep_id}"
