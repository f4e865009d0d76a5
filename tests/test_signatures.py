"""Only requests Twilio signed for the public URL reach a webhook; others change nothing."""

from __future__ import annotations

from flask.testing import FlaskClient

from ivr.services import Services
from tests.signing import PUBLIC_BASE_URL, call_params, signed_post, twilio_signature


def test_signed_request_is_answered(client: FlaskClient) -> None:
    response = signed_post(client, "/voice/incoming", call_params())
    assert response.status_code == 200
    assert response.mimetype == "text/xml"


def test_unsigned_request_is_forbidden_and_logs_nothing(
    client: FlaskClient, services: Services
) -> None:
    params = call_params()
    response = client.post("/voice/incoming", data=params)
    assert response.status_code == 403
    assert services.calls.get(params["CallSid"]) is None


def test_forged_signature_is_forbidden(client: FlaskClient, services: Services) -> None:
    params = call_params()
    forged = twilio_signature(PUBLIC_BASE_URL + "/voice/incoming", params, token="wrong-token")
    response = client.post("/voice/incoming", data=params, headers={"X-Twilio-Signature": forged})
    assert response.status_code == 403
    assert services.calls.get(params["CallSid"]) is None


def test_tampered_parameters_are_forbidden(client: FlaskClient) -> None:
    params = call_params()
    signature = twilio_signature(PUBLIC_BASE_URL + "/voice/incoming", params)
    tampered = {**params, "From": "+14155559999"}
    response = client.post(
        "/voice/incoming", data=tampered, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


def test_signature_for_the_internal_url_behind_a_proxy_is_forbidden(client: FlaskClient) -> None:
    # Behind a TLS terminator the app is reached at http://localhost, but Twilio signs the
    # public URL; a signature for the internal URL is not Twilio's.
    params = call_params()
    internal = twilio_signature("http://localhost/voice/incoming", params)
    response = client.post("/voice/incoming", data=params, headers={"X-Twilio-Signature": internal})
    assert response.status_code == 403


def test_query_string_is_part_of_the_signed_url(client: FlaskClient) -> None:
    params = call_params()
    path = "/voice/incoming?attempt=2"
    response = client.post(
        path,
        data=params,
        headers={"X-Twilio-Signature": twilio_signature(PUBLIC_BASE_URL + path, params)},
    )
    assert response.status_code == 200
    stripped = twilio_signature(PUBLIC_BASE_URL + "/voice/incoming", params)
    response = client.post(path, data=params, headers={"X-Twilio-Signature": stripped})
    assert response.status_code == 403


def test_fallback_also_requires_a_signature(client: FlaskClient) -> None:
    assert client.post("/voice/fallback", data=call_params()).status_code == 403
