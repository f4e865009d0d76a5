"""Recordings of customers' messages, played in the console: streamed through the app to a
signed-in owner of the callback (or a supervisor), fetched from Twilio with the account's
credentials. A page never carries a Twilio URL, and nobody without a session hears anything.

Only URLs on the configured Twilio API are fetched: a stored URL can never send the app to
another host with the account's credentials."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, stream_with_context

from ivr.console import bp
from ivr.console.pages import refused, to_sign_in
from ivr.services_access import services
from ivr.staff import signed_in

CHUNK_BYTES = 64 * 1024
FETCH_TIMEOUT_SECONDS = 10


@bp.get("/recordings/<callback_id>/<int:number>")
def recording(callback_id: str, number: int) -> Response:
    """Message `number` (from 0) of a callback, as audio."""
    staff = signed_in()
    if staff is None:
        return to_sign_in()
    callback = services().callbacks.get(callback_id)
    if callback is None or not 0 <= number < len(callback.messages):
        return refused(f"There is no message {number} of callback {callback_id}.", 404)
    if callback.owner and callback.owner != staff.id and not staff.is_supervisor:
        return refused(
            f"Callback {callback.id} is {callback.owner}'s: only they or a supervisor hear it.", 403
        )
    url = callback.messages[number].recording_url or ""
    settings = services().settings
    if not url.startswith(str(settings.twilio_api_base).rstrip("/") + "/"):
        return refused(f"Message {number} of callback {callback_id} has no recording here.", 404)
    session = services().twilio.http_client.session  # pooled, as every REST call
    upstream = session.get(
        url,
        auth=(settings.twilio_account_sid, settings.twilio_auth_token),
        stream=True,
        timeout=FETCH_TIMEOUT_SECONDS,
    )
    if upstream.status_code != 200:
        upstream.close()
        return refused("Twilio could not give that recording just now; try again.", 502)

    def chunks() -> Iterator[bytes]:
        with upstream:
            yield from upstream.iter_content(CHUNK_BYTES)

    audio = Response(
        stream_with_context(chunks()), mimetype=upstream.headers.get("Content-Type", "audio/wav")
    )
    audio.headers["Cache-Control"] = "private, no-store"
    return audio
