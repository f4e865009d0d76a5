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
    app.config["SECRET_KEY"] = settings.secret_key
    app.session_interface = LazySessionInterface()
    app.extensions[EXTENSION] = Services.build(settings)

    from ivr import api, health, sms, voice

    app.register_blueprint(voice.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(sms.bp)
    app.register_blueprint(health.bp)

    return app
