"""Recordings of customers' messages, played in the console: streamed through the app to a
signed-in owner of the callback (or a supervisor), fetched from Twilio with the account's
credentials (`ivr.twilio_rest.open_recording`, which fetches only from the configured Twilio
API). A page never carries a Twilio URL, and nobody without a session hears anything."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, stream_with_context

from ivr.console import bp
from ivr.console.pages import refused, staff_page
from ivr.services_access import services
from ivr.twilio_rest import RecordingUnavailable, open_recording

CHUNK_BYTES = 64 * 1024


@bp.get("/recordings/<callback_id>/<int:number>")
def recording(callback_id: str, number: int) -> Response:
    """Message `number` (from 0) of a callback, as audio."""
    staff = staff_page()
    if isinstance(staff, Response):
        return staff
    callback = services().callbacks.get(callback_id)
    if callback is None or not 0 <= number < len(callback.messages):
        return refused(f"There is no message {number} of callback {callback_id}.", 404)
    if callback.owner and callback.owner != staff.id and not staff.is_supervisor:
        return refused(
            f"Callback {callback.id} is {callback.owner}'s: only they or a supervisor hear it.", 403
        )
    try:
        recording = open_recording(
            services().twilio,
            str(services().settings.twilio_api_base),
            callback.messages[number].recording_url or "",
        )
    except RecordingUnavailable:
        return refused("Twilio could not give that recording just now; try again.", 502)
    if recording is None:
        return refused(f"Message {number} of callback {callback_id} has no recording here.", 404)

    def chunks() -> Iterator[bytes]:
        with recording:
            yield from recording.iter_content(CHUNK_BYTES)

    audio = Response(
        stream_with_context(chunks()), mimetype=recording.headers.get("Content-Type", "audio/wav")
    )
    audio.headers["Cache-Control"] = "private, no-store"
    return audio
