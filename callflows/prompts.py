"""Every sentence the line says that the call flow YAML does not: one file to review or translate.

Plain strings are said as they are; the functions fill in names, cases and times. Nothing here
decides anything: which sentence is said when is the web layer's and the domain's business.
"""

from __future__ import annotations

from datetime import time

from callflows.quiet_hours import QuietHours

THANKS_FOR_CALLING = "Thanks for calling."
SORRY = "Sorry, I didn't catch that."
TO_A_PERSON = "Let me get you to a person."
CONNECTING = "Connecting you to a person now."
CONNECTING_MANAGER = "Connecting you to a manager now."
TRANSFERRING_TO_MANAGER = "I'm passing you to a manager now."
NO_MANAGER_FREE = "I'm sorry, no manager is free right now. Please leave a message for them."
HOLD_POSITION = "You are number {position} in line."
HOLD_OFFER = "To leave a message and get a call back instead, press 1."
HOLD_KEEP_PLACE = "To keep your place and have us call you back when it's your turn, press 2."
CALLBACK_NUMBER_OFFER = (
    "We'll call you back on the number you're calling from: press 1. "
    "Or type another number, then press pound."
)
CALLBACK_NUMBER_ASK = "Please type the number to call you back on, then press pound."
NOT_A_NUMBER = "That doesn't look like a phone number."
NUMBER_FOR_MESSAGE = "Thank you. Your number didn't come through, so we need it to call you back."
VOICEMAIL_PROMPT = "Please leave your message after the tone, then hang up or press pound."
NO_MESSAGE = "I didn't hear a message. Let me get you to a person."
MESSAGE_TOO_SHORT = "Sorry, I didn't catch a message. Let's try once more."
ACCEPT = "Press 1 to take the call."
ASK_CASE_REFERENCE = "Please enter your case number, then press pound."
CASE_NOT_FOUND = "I couldn't find that case."
NO_OPEN_CASES = "You have no open cases."
A_CALLER_IS_WAITING = "A caller is waiting for you."
GOODBYE = "Thank you for calling. Goodbye."
A_CALLBACK_IS_WAITING = "A customer is waiting for a callback."
CALLBACK_ACCEPT = "Press 1 to call them now."
CALLING_THEM = "Calling them now."
CALLBACK_ALREADY_HANDLED = "This callback has already been handled. Goodbye."
CALLBACK_PASSED_ON = "This callback goes to the next person. Goodbye."
CALLBACK_DONE = "Thanks, that callback is done. Goodbye."
CALLBACK_LAST_TRY = "They didn't answer, and that was the last try: we'll text them. Goodbye."
RETURNING_YOUR_CALL = (
    "Hello, we're returning your call, as promised. Connecting you to a person now."
)
NOTHING_TO_RETURN = "Sorry, we've already dealt with this call. Goodbye."
SMS_CALL_US = "Thanks for your message. This number takes calls only: please call us on {number}."
SMS_TOO_MANY_TRIES = "Too many case lookups."


def sms_no_such_case(number: str) -> str:
    """The answer to a case asked about that is not the sender's (or does not exist)."""
    return (
        "We couldn't find that case for this number. Please text from the number you gave us,"
        f" or call us on {number}."
    )


def case_reference_told(reference: str, by: str) -> str:
    """What a caller hears of their case as their conversation ends."""
    return f"Your case number is {reference}. We'll get back to you by {by}."


def case_opened_sms(reference: str, owner: str, by: str) -> str:
    """What a customer is texted when a case is opened for them: who, and by when."""
    return (
        f"We've opened case {reference} for you. {owner} is looking after it, and we'll get"
        f" back to you by {by}. Text {reference} to this number for its status."
    )


def touch_base_sms(reference: str, owner: str, by: str) -> str:
    """The word a customer gets when their case nears its promised time still open."""
    return (
        f"An update on case {reference}: {owner} is still working on it, and we'll get back to"
        f" you by {by}."
    )


def sign_off_sms(reference: str, subject: str) -> str:
    """The question a resolved case's customer is texted."""
    return (
        f"We've marked your case {reference} ({subject}) as resolved. Are you happy it's sorted?"
        " Reply YES or NO."
    )


def sign_off_question(reference: str, subject: str) -> str:
    """The question of the sign-off call, for a number that cannot take texts."""
    return (
        f"Hello, this is a call about your case {reference}, {subject}. We've marked it"
        " resolved. If it's sorted, press 1. If it isn't, press 2."
    )


SIGNED_OFF = "Thank you. We've closed your case. Goodbye."
SIGN_OFF_LATER = "Sorry, we can't take your answer just now. We'll be in touch. Goodbye."


def reopened_said(owner: str, by: str) -> str:
    """The answer to a 2 on the sign-off call."""
    return f"Sorry it isn't sorted. We've reopened your case; {owner} will be in touch by {by}."


def signed_off_sms(reference: str) -> str:
    """The thanks for a YES."""
    return f"Thank you. We've closed case {reference}."


def reopened_sms(reference: str, owner: str, by: str) -> str:
    """The answer to a NO: reopened, with its owner, and when they will be in touch."""
    return (
        f"Sorry it isn't sorted. We've reopened case {reference}; {owner} will be in touch by {by}."
    )


def nothing_to_sign_off_sms(number: str) -> str:
    """A YES or NO from a number with no case awaiting its answer."""
    return f"Thanks. There's nothing waiting for your answer. If you need us, call {number}."


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


def quiet_hours(hours: QuietHours) -> str:
    """Why a callback is promised for later: the customer's night."""
    return f"We don't call between {_clock(hours.start)} and {_clock(hours.end)} your time."


def _clock(moment: time) -> str:
    return moment.strftime("%I:%M %p").lstrip("0").replace(":00 ", " ").lower()


def read_back_number(spelled: str) -> str:
    """A typed number read back before it is used."""
    return f"I heard {spelled}. If that's right, press 1. To type it again, press 2."


def kept_place(time: str) -> str:
    """The goodbye of a caller who keeps their place for a callback."""
    return (
        f"You keep your place in line. We'll call you back when it's your turn, by {time}. Goodbye."
    )


def recorded_with_earlier(time: str) -> str:
    """The thanks after a message added to the caller's open callback request."""
    return (
        f"Thank you. I've added this to your earlier request; we will call you back by {time}. "
        "Goodbye."
    )


def acknowledgement_sms(reference: str, time: str) -> str:
    """The text confirming a message: its reference and the promised time."""
    return f"We got your message (reference {reference}). We'll call you back by {time}."


def merged_sms(reference: str, time: str) -> str:
    """The text confirming a second message joined the caller's open request."""
    return (
        f"We added your new message to your open request (reference {reference}). "
        f"We'll call you back by {time}."
    )


def callback_whisper(caller: str, minutes: int) -> str:
    """What a rep hears first when rung for a callback: who, and how long they have waited."""
    waited = (
        "less than a minute" if minutes < 1 else f"{minutes} minute{'s' if minutes != 1 else ''}"
    )
    return f"Callback for {caller}, who has waited {waited}."


def callback_message(transcript: str) -> str:
    """The customer's message, as transcribed."""
    return f"Their message: {transcript}"


def callback_retry(time: str) -> str:
    """What a rep hears when the customer did not answer and another try is due."""
    return f"They didn't answer. We'll try them again at {time}. Goodbye."


def callback_done_note(reference: str, minutes_to_spare: int) -> str:
    """A case's timeline: a callback made, and how its promise went."""
    if minutes_to_spare >= 0:
        return f"Called back ({reference}): {minutes_to_spare} min before the time promised."
    return f"Called back ({reference}): {-minutes_to_spare} min after the time promised."


def callback_failed_note(reference: str, tries: int) -> str:
    """A case's timeline: every try to call back failed; the owner should follow up."""
    return f"Could not reach the customer for callback {reference} after {tries} tries."


def callback_failed_sms(reference: str) -> str:
    """The text after the last try to call back failed."""
    return (
        f"We tried to call you back about your message (reference {reference}) but couldn't "
        "reach you. Please call us when it suits you."
    )


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
