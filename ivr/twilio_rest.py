"""The Twilio REST client, pointed at `TWILIO_API_BASE` so a stand-in can play Twilio."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

TWILIO_API_BASE = "https://api.twilio.com"
# Requests one process may have waiting on Twilio at once (callbacks due together ring their
# reps side by side), each on a connection kept open.
CONCURRENT_REQUESTS = 32
REQUEST_TIMEOUT_SECONDS = 10.0
# Twilio's final call statuses: a call in one of them has ended.
ENDED_STATUSES = frozenset({"completed", "canceled", "failed", "busy", "no-answer"})


class BaseUrlHttpClient(TwilioHttpClient):
    """Sends every request the Twilio library makes to `base` instead of Twilio's own hosts.

    The library builds absolute URLs on several hosts (api., messaging., ...); only their paths
    matter to a stand-in, so the scheme and host are swapped and the path and query kept.
    """

    def __init__(self, base: str) -> None:
        super().__init__(timeout=REQUEST_TIMEOUT_SECONDS)
        parts = urlsplit(base)
        self._scheme = parts.scheme
        self._netloc = parts.netloc
        self._path_prefix = parts.path.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        """Forward the request to the same path under the configured base."""
        parts = urlsplit(url)
        rebased = urlunsplit(
            (self._scheme, self._netloc, self._path_prefix + parts.path, parts.query, "")
        )
        return super().request(method, rebased, *args, **kwargs)


def build_client(account_sid: str, auth_token: str, api_base: str) -> Client:
    """A REST client; requests go to Twilio unless `api_base` names another service."""
    http_client = (
        TwilioHttpClient(timeout=REQUEST_TIMEOUT_SECONDS)
        if api_base.rstrip("/") == TWILIO_API_BASE
        else BaseUrlHttpClient(api_base)
    )
    assert http_client.session is not None  # a pooled client: it keeps connections open
    for scheme in ("https://", "http://"):
        http_client.session.mount(scheme, HTTPAdapter(pool_maxsize=CONCURRENT_REQUESTS))
    return Client(account_sid, auth_token, http_client=http_client)


def call_ended(twilio: Client, call_sid: str) -> bool:
    """Whether Twilio reports the call ended (or knows no such call)."""
    try:
        status = twilio.calls(call_sid).fetch().status
    except TwilioRestException as exc:
        return exc.status == 404
    except OSError:
        return False
    return status in ENDED_STATUSES


def open_recording(twilio: Client, api_base: str, url: str) -> requests.Response | None:
    """A recording of the account, streamed from Twilio with the account's credentials over
    the client's pooled connections. None when `url` is not on the Twilio API the line uses:
    a stored URL never sends the credentials elsewhere. `RecordingUnavailable` when Twilio
    does not give it now."""
    if not url.startswith(api_base.rstrip("/") + "/"):
        return None
    recording = twilio.http_client.session.get(
        url, auth=(twilio.username, twilio.password), stream=True, timeout=REQUEST_TIMEOUT_SECONDS
    )
    if recording.status_code != 200:
        recording.close()
        raise RecordingUnavailable(f"Twilio answered {recording.status_code} for {url}")
    return recording


class RecordingUnavailable(OSError):
    """Twilio did not give a recording of the account just now."""
