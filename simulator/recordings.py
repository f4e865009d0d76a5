"""Recorded messages and the callbacks Twilio sends about them once a `<Record>` is done.

A recording's status callback goes to `recordingStatusCallback`; a transcription is made when
`transcribe` is true, or implied by a `transcribeCallback` (Twilio's Record reference: with a
callback URL there is no need to say transcribe="true"), and it is posted to that callback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from simulator.account import new_sid
from simulator.leg import WORDS_PER_SECOND, Leg
from simulator.twiml import Verb

# Twilio transcribes recordings of this many seconds only; others get a failed transcription.
TRANSCRIBABLE_SECONDS = range(2, 121)


@dataclass(frozen=True)
class Recording:
    """A recorded message, served back by the REST stand-in."""

    sid: str
    call_sid: str
    text: str
    duration: int
    url: str
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


def new_recording(leg: Leg, text: str, account_url: str) -> Recording:
    """What `leg` said, as a recording under the account's REST URL; as long as it takes to say."""
    sid = new_sid("RE")
    return Recording(
        sid=sid,
        call_sid=leg.sid,
        text=text,
        duration=max(1, math.ceil(len(text.split()) / WORDS_PER_SECOND)),
        url=f"{account_url}/Recordings/{sid}",
    )


def transcribes(verb: Verb) -> bool:
    """Whether Twilio transcribes this `<Record>`: asked for, or implied by a callback URL."""
    if "transcribe" in verb.attrs:
        return verb.bool_attr("transcribe", False)
    return bool(verb.attr("transcribeCallback"))


def callbacks(leg: Leg, verb: Verb, recording: Recording) -> list[tuple[str, dict[str, str]]]:
    """The (URL, parameters) of each callback Twilio sends after this recording."""
    sent: list[tuple[str, dict[str, str]]] = []
    status_url = verb.attr("recordingStatusCallback")
    if status_url:
        started = recording.created.strftime("%a, %d %b %Y %H:%M:%S +0000")
        sent.append(
            (
                status_url,
                {
                    "AccountSid": leg.switch.config.account_sid,
                    "CallSid": leg.sid,
                    "RecordingSid": recording.sid,
                    "RecordingUrl": recording.url,
                    "RecordingStatus": "completed",
                    "RecordingDuration": str(recording.duration),
                    "RecordingChannels": "1",
                    "RecordingSource": "RecordVerb",
                    "RecordingStartTime": started,
                },
            )
        )
    transcribe_url = verb.attr("transcribeCallback")
    if transcribe_url and transcribes(verb):
        transcribed = recording.duration in TRANSCRIBABLE_SECONDS
        sent.append(
            (
                transcribe_url,
                {
                    **leg.params(),
                    "TranscriptionSid": new_sid("TR"),
                    **({"TranscriptionText": recording.text} if transcribed else {}),
                    "TranscriptionStatus": "completed" if transcribed else "failed",
                    "TranscriptionUrl": f"{recording.url}/Transcriptions",
                    "RecordingSid": recording.sid,
                    "RecordingUrl": recording.url,
                },
            )
        )
    return sent
