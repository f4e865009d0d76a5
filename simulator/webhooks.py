"""Requests to the app exactly as Twilio makes them: form-encoded and signed."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

import requests
from twilio.request_validator import RequestValidator

TIMEOUT_SECONDS = 15  # Twilio gives a webhook 15 seconds before it gives up
# Sees each webhook (method, URL, parameters) just before it is sent, in the sending thread.
Tap = Callable[[str, str, Mapping[str, str]], None]
# One line per webhook sent, so a developer sees where each call goes.
log = logging.getLogger("simulator.webhooks")


class WebhookError(RuntimeError):
    """The app answered a webhook with an error, or not at all: a call that Twilio would drop."""


class WebhookClient:
    """Signs every request with the account's auth token, as Twilio does."""

    def __init__(self, auth_token: str) -> None:
        self._validator = RequestValidator(auth_token)
        self._local = threading.local()  # one HTTP session per call thread
        # A test's view of the wire: it may keep requests to replay them (Twilio's duplicate,
        # late and out-of-order reports), or hold one a while (a report that arrives late).
        self.tap: Tap | None = None

    def signature(self, url: str, params: Mapping[str, str]) -> str:
        """The X-Twilio-Signature of a POST of `params` to `url` (a GET signs its URL only)."""
        return self._validator.compute_signature(url, dict(params))

    @property
    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def request(self, url: str, params: Mapping[str, str], method: str = "POST") -> str:
        """Send a webhook and return the body of the app's answer; raise `WebhookError` if none."""
        method = method.upper()
        if self.tap is not None:
            self.tap(method, url, params)
        started = time.monotonic()
        try:
            if method == "GET":
                full = requests.Request("GET", url, params=dict(params)).prepare().url or url
                headers = {"X-Twilio-Signature": self.signature(full, {})}
                response = self._session.get(full, headers=headers, timeout=TIMEOUT_SECONDS)
            else:
                headers = {"X-Twilio-Signature": self.signature(url, params)}
                response = self._session.post(
                    url, data=dict(params), headers=headers, timeout=TIMEOUT_SECONDS
                )
        except requests.RequestException as exc:
            log.info("%s %s -> no answer (%s)", method, _path(url), exc)
            raise WebhookError(f"{method} {url} failed: {exc}") from exc
        elapsed_ms = (time.monotonic() - started) * 1000
        log.info("%s %s -> %d in %.0f ms", method, _path(url), response.status_code, elapsed_ms)
        if not 200 <= response.status_code < 300:
            raise WebhookError(
                f"{method} {url} answered {response.status_code}: {response.text[:300]}"
            )
        return response.text


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
