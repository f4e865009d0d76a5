"""Bare Flask webhooks to measure the app against, served by the same gunicorn in the same run.

`static_app` returns fixed TwiML; `signed_app` does the least a correct Twilio webhook does:
parse the form, check X-Twilio-Signature, answer a one-Gather menu.
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Gather, VoiceResponse

STATIC_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/voice/menu" numDigits="1">'
    "<Say>To speak to a person, press 0.</Say></Gather></Response>"
)

static_app = Flask("static")
signed_app = Flask("signed")
# Benchmarks run by hand are configured by their driver through the environment.
_validator = RequestValidator(os.environ.get("TWILIO_AUTH_TOKEN", "bench-token"))
_public = os.environ.get("PUBLIC_BASE_URL", "")


@static_app.post("/voice/incoming")
def static_incoming() -> Response:
    """Fixed TwiML: the floor of what any Flask webhook costs."""
    return Response(STATIC_TWIML, mimetype="text/xml")


@signed_app.post("/voice/incoming")
def signed_incoming() -> Response:
    """A minimal correct webhook: signature checked, one-Gather menu built."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not _validator.validate(_public + request.path, request.form, signature):
        return Response("forbidden", 403)
    document = VoiceResponse()
    gather = Gather(num_digits=1, action=_public + "/voice/menu")
    gather.say(f"To speak to a person, press 0. Caller {request.form.get('From', '')}.")
    document.append(gather)
    return Response(str(document), mimetype="text/xml")
