"""Console sessions in signed cookies, without a cost for requests that carry none."""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class LazySessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, skipping the signer when there is no cookie to check.

    Twilio's webhooks never send a session cookie, and each one would otherwise build a fresh
    signing serializer just to find that out: a measurable share of a webhook's time.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """A new empty session when no cookie came; otherwise Flask's own checks."""
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
