"""The app's Twilio-facing routes, read from its URL map, with a request each one accepts."""

from __future__ import annotations

from flask import Flask

from tests.signing import call_params

# Which rep is rung for which caller on which line, as the app writes it into a ring's links.
RING_STEP = "?rep=sam&line=support&call=CA" + "1" * 32
# One attempt of a callback, as the app writes it into the links of the calls it places.
CALLBACK_STEP = "?callback=CB-1&attempt=AT1&rep=sam&line=support"
PROMISE = "?by=2026-11-25T12:00:00%2B00:00&line=support"
# Our own query parameters, as the app writes them into its TwiML links.
QUERIES = {
    "voice.menu": "?menu=main",
    "voice.case_reference": "?menu=main",
    "voice.whisper": RING_STEP,
    "voice.whisper_answer": RING_STEP,
    "voice.ring_result": RING_STEP,
    "voice.connect": RING_STEP,
    "voice.escalated": "?by=sam&reason=wants+a+refund",
    "voice.queue_result": "?queue=support",
    "voice.voicemail_recorded": PROMISE,
    "voice.recording": PROMISE,
    "voice.callback_rep": CALLBACK_STEP,
    "voice.callback_rep_answer": CALLBACK_STEP,
    "voice.callback_customer_result": CALLBACK_STEP,
    "voice.callback_rep_ended": CALLBACK_STEP,
    "voice.callback_customer": CALLBACK_STEP,
    "voice.sign_off": "?case=C-1001",
    "voice.sign_off_answer": "?case=C-1001",
    "voice.callback_customer_ended": CALLBACK_STEP,
}
# The parameters Twilio sends to each, beyond those of every voice webhook.
FORMS = {
    "voice.menu": {"Digits": "1"},
    "voice.case_reference": {"Digits": "1001#"},
    "voice.whisper_answer": {"Digits": "1"},
    "voice.ring_result": {"DialCallStatus": "completed", "DialBridged": "true"},
    "voice.queue_result": {"QueueResult": "leave", "QueueTime": "30"},
    "voice.hold": {"QueuePosition": "2"},
    "voice.hold_choice": {"Digits": "1"},
    "voice.voicemail_recorded": {
        "RecordingUrl": "https://api.twilio.com/rec/RE1",
        "RecordingSid": "RE1",
        "RecordingDuration": "9",
    },
    "voice.recording": {"RecordingSid": "RE1", "RecordingStatus": "completed"},
    "voice.callback_rep_answer": {"Digits": "1"},
    "voice.callback_customer_result": {"DialCallStatus": "completed", "DialBridged": "true"},
    "voice.callback_rep_ended": {"CallStatus": "completed"},
    "voice.callback_customer_ended": {"CallStatus": "busy"},
    "voice.sign_off_answer": {"Digits": "1"},
    "voice.transcription": {"TranscriptionStatus": "completed", "TranscriptionText": "hi"},
    "voice.status": {"CallStatus": "completed", "CallDuration": "30"},
    "sms.incoming": {"MessageSid": "SM1", "Body": "hello"},
}
TWILIO_BLUEPRINTS = ("voice", "sms")


def twilio_routes(app: Flask) -> list[tuple[str, str]]:
    """(endpoint, path with query) of every route Twilio may call."""
    routes = [
        (rule.endpoint, rule.rule + QUERIES.get(rule.endpoint, ""))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in TWILIO_BLUEPRINTS
    ]
    return sorted(routes)


def params_for(endpoint: str) -> dict[str, str]:
    """A well-formed Twilio request for `endpoint`."""
    return call_params(**FORMS.get(endpoint, {}))
