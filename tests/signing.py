"""Requests as Twilio sends them: its form fields, signed with the account's auth token."""

from __future__ import annotations

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

AUTH_TOKEN = "test-auth-token-0123456789"
PUBLIC_BASE_URL = "https://support.example.com"
ACCOUNT_SID = "AC" + "0" * 32


def twilio_signature(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature Twilio would send for a POST of `params` to `url`."""
    return RequestValidator(token).compute_signature(url, params)


def call_params(**overrides: str) -> dict[str, str]:
    """The form Twilio posts for a new inbound call."""
    params = {
        "CallSid": "CA" + "1" * 32,
        "AccountSid": ACCOUNT_SID,
        "From": "+14155550100",
        "To": "+14155550000",
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    params.update(overrides)
    return params


def signed_post(client: FlaskClient, path: str, params: dict[str, str]) -> TestResponse:
    """POST `params` to `path` signed as Twilio signs it for the public URL."""
    signature = twilio_signature(PUBLIC_BASE_URL + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})
