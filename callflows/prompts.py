"""Every sentence the line says that the call flow YAML does not: one file to review or translate.

Plain strings are said as they are; the functions fill in names, cases and times. Nothing here
decides anything: which sentence is said when is the web layer's and the domain's business.
"""

from __future__ import annotations

THANKS_FOR_CALLING = "Thanks for calling."
SORRY = "Sorry, I didn't catch that."
TO_A_PERSON = "Let me get you to a person."
CONNECTING = "Connecting you to a person now."
CONNECTING_MANAGER = "Connecting you to a manager now."
TRANSFERRING_TO_MANAGER = "I'm passing you to a manager now."
NO_MANAGER_FREE = "I'm sorry, no manager is free right now. Please leave a message for them."
HOLD_POSITION = "You are number {position} in line."
HOLD_OFFER = "To leave a message and get a call back instead, press 1."
VOICEMAIL_PROMPT = "Please leave your message after the tone, then hang up or press pound."
NO_MESSAGE = "I didn't hear a message. Let me get you to a person."
ACCEPT = "Press 1 to take the call."
ASK_CASE_REFERENCE = "Please enter your case number, then press pound."
CASE_NOT_FOUND = "I couldn't find that case."
NO_OPEN_CASES = "You have no open cases."
A_CALLER_IS_WAITING = "A caller is waiting for you."
GOODBYE = "Thank you for calling. Goodbye."
SMS_CALL_US = "Thanks for your message. This number takes calls only: please call us on {number}."


def hold_position(position: int) -> str:
    """The caller's place in line."""
    return HOLD_POSITION.format(position=position)


def expected_wait(seconds: int) -> str:
    """How long the caller will likely wait, in whole minutes (never a false "no wait")."""
    if seconds < 60:
        return "The wait is less than a minute."
    minutes = round(seconds / 60)
    return f"The wait is about {minutes} minute{'s' if minutes != 1 else ''}."


def callback_promise(time: str) -> str:
    """The promise made before a message is recorded."""
    return f"We will call you back by {time}."


def recorded(time: str) -> str:
    """The thanks after a message, repeating the promise."""
    return f"Thank you. We will call you back by {time}. Goodbye."


def open_case_on_arrival(subject: str, status: str, promised: str | None) -> str:
    """What a caller with an open case hears first: which case, where it stands, what we promised.

    One sentence, so hearing the status costs the caller no extra step on the way to its owner.
    """
    sentence = f"I see you have an open case about {subject}; it is {status}"
    return (
        f"{sentence}, and we promised you an answer by {promised}." if promised else f"{sentence}."
    )


def owner_not_free(owner: str) -> str:
    """The case owner cannot be rung now."""
    return f"{owner} is not free right now."


def connecting_to_owner(owner: str) -> str:
    """The caller is about to ring the rep who owns their case."""
    return f"Connecting you to {owner}, who is looking after it."


def owner_could_not_pick_up(owner: str) -> str:
    """The case owner was rung but did not take the call."""
    return f"{owner} could not pick up."


def case_status(reference: str, subject: str, status: str, owner: str) -> str:
    """One of the caller's own cases: reference, subject, status and who looks after it."""
    return f"Your case {reference}, about {subject}, is {status}. {owner} is looking after it."


def case_status_to_stranger(reference: str, status: str) -> str:
    """A typed case that is not the caller's: whether it is open, nothing more."""
    return f"Case {reference} is {status}."


def more_open_cases(count: int) -> str:
    """How many open cases were not read out."""
    cases = "case" if count == 1 else "cases"
    return f"You have {count} more open {cases}; a person can go through them with you."


def whisper_about_case(caller: str, reference: str, subject: str) -> str:
    """What the rep hears before hello: who is calling and about which case."""
    return f"{caller}, about case {reference}: {subject}."


def whisper_caller(caller: str) -> str:
    """What the rep hears first of a caller without an open case."""
    return f"{caller} is calling."


def whisper_route(tier: str, line: str) -> str:
    """The caller's tier and the line they reached (what they chose in the menu)."""
    return f"{tier.capitalize()} customer, for {line}."


UNNAMED_CALLER = "A caller"
UNNAMED_OWNER = "The person on your case"
