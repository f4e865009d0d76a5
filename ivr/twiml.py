"""TwiML responses: what the caller hears, sent with the content type Twilio expects."""

from __future__ import annotations

from flask import Response
from twilio.twiml.voice_response import VoiceResponse


def twiml(document: VoiceResponse) -> Response:
    """Serve a TwiML document."""
    return Response(str(document), mimetype="text/xml")
