"""The support line's web service: Twilio webhooks, console, status page, API and CLI."""

from __future__ import annotations

from flask import Flask

from ivr.services import Services
from ivr.services_access import EXTENSION
from ivr.sessions import LazySessionInterface
from ivr.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app: settings from the environment unless given, services created once here."""
    settings = settings or Settings.load()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # The console's cookie: never read by scripts, never sent by another site's forms, and
        # only over HTTPS where the line is served over it.
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=str(settings.public_base_url).startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,  # a CSRF token lasts its session, which idles out (ivr.staff)
    )
    app.session_interface = LazySessionInterface()
    app.extensions[EXTENSION] = Services.build(settings)

    from ivr import api, console, health, sms, status_page, voice

    app.register_blueprint(voice.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(status_page.bp)
    app.register_blueprint(sms.bp)
    app.register_blueprint(health.bp)

    return app
