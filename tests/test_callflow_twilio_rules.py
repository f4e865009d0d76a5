"""A flow Twilio would refuse or play wrongly is refused before it reaches a caller."""

from __future__ import annotations

from typing import Any

import pytest

from callflows import lint
from callflows.schema import CallFlow
from tests.test_callflows import base, option, refusal


def with_(**changes: Any) -> dict[str, Any]:
    """The valid base flow, with top-level changes."""
    return base() | changes


def problems(data: dict[str, Any]) -> list[str]:
    """Every lint problem of a flow, as `path: message`."""
    return [str(problem) for problem in lint(CallFlow.model_validate(data))]


def say_in_tech(data: dict[str, Any], *sentences: str) -> dict[str, Any]:
    """The flow with the sub-menu's options saying `sentences` (the start menu has a time rule
    of its own)."""
    for index, sentence in enumerate(sentences):
        data["menus"]["tech"]["options"][index]["say"] = sentence
    return data


# Voices and languages


@pytest.mark.parametrize(
    ("voice", "language"),
    [
        ("man", "en-US"),
        ("alice", "fr-FR"),
        ("Polly.Joanna", "en-US"),
        ("Polly.Amy-Neural", "en-GB"),
        ("Polly.Danielle-Generative", "en-US"),
        ("Polly.Céline", "fr-FR"),
        ("Polly.Aditi", "hi-IN"),
        ("Polly.Aditi", "en-IN"),
        ("Google.en-GB-Standard-A", "en-GB"),
        ("Google.en-US-Neural2-J", "en-US"),
        ("Google.en-US-Chirp3-HD-Aoede", "en-US"),
        ("Google.es-US-Wavenet-B", "es-US"),
    ],
)
def test_voices_twilio_offers_are_accepted_in_their_language(voice: str, language: str) -> None:
    assert problems(with_(voice=voice, language=language)) == []


@pytest.mark.parametrize(
    ("voice", "reason"),
    [
        ("Polly.Bob", "Twilio offers no Amazon Polly voice called 'Bob'"),
        ("robot", "'robot' is not a Twilio voice"),
        ("Polly.joanna", "voice called 'joanna' (names are capitalised: Polly.Joanna)"),
        ("Polly.Joanna-Turbo", "is not a Twilio voice"),
        ("Google.en-US", "is not a Twilio voice"),
    ],
)
def test_voices_twilio_does_not_offer_are_refused(voice: str, reason: str) -> None:
    refused = refusal(with_(voice=voice))
    assert refused.startswith("acme.yaml: voice: ")
    assert reason in refused


@pytest.mark.parametrize(
    ("voice", "language", "reason"),
    [
        ("Polly.Joanna", "es-MX", "Polly.Joanna speaks en-US, not 'es-MX'"),
        ("Polly.Amy", "en-US", "Polly.Amy speaks en-GB, not 'en-US'"),
        ("Polly.Aditi-Neural", "fr-FR", "Polly.Aditi-Neural speaks en-IN, hi-IN, not 'fr-FR'"),
        ("Google.en-GB-Standard-A", "en-US", "Google.en-GB-Standard-A speaks en-GB, not 'en-US'"),
    ],
)
def test_a_voice_that_does_not_speak_the_flows_language_is_refused(
    voice: str, language: str, reason: str
) -> None:
    assert f"acme.yaml: voice: {reason}; choose a voice of the flow's language" in refusal(
        with_(voice=voice, language=language)
    )


@pytest.mark.parametrize("language", ["english please", "en_US", "xx-YY", "EN-us", "es-CL"])
def test_languages_twilio_does_not_list_for_say_are_refused(language: str) -> None:
    assert f"acme.yaml: language: {language!r} is not a language Twilio lists" in refusal(
        with_(language=language)
    )


@pytest.mark.parametrize("language", ["cmn-CN", "en-GB-WLS", "de-AT"])
def test_a_language_gather_cannot_listen_in_is_refused(language: str) -> None:
    assert (
        f"acme.yaml: language: {language!r} is a <Say> language, but <Gather> does not "
        "recognise speech in it"
    ) in refusal(with_(language=language))


@pytest.mark.parametrize("language", ["en-US", "en-GB", "es-MX", "fr-FR", "de-DE", "ja-JP"])
def test_languages_both_said_and_heard_are_accepted(language: str) -> None:
    assert problems(with_(language=language)) == []


# Text-to-speech limits


def test_an_option_over_the_polly_limit_is_refused_at_that_option() -> None:
    data = say_in_tech(with_(voice="Polly.Joanna"), "Our opening hours change often. " * 120)
    assert (
        "acme.yaml: menus.tech.options.0.say: 3840 characters (UTF-8 bytes) in one <Say>; "
        "Polly.Joanna takes 3000"
    ) in refusal(data)


def test_a_menu_whose_options_only_together_pass_the_limit_is_refused_at_the_menu() -> None:
    data = say_in_tech(with_(voice="Polly.Joanna"), "a" * 1600, "b" * 1600)
    assert problems(data) == [
        "menus.tech.options: 3201 characters (UTF-8 bytes) in one <Say>; Polly.Joanna takes 3000"
    ]


def test_the_same_prompt_fits_a_basic_voice() -> None:
    data = say_in_tech(with_(voice="alice"), "Our opening hours change often. " * 120)
    assert problems(data) == []


def test_the_limit_counts_bytes_not_letters() -> None:
    data = say_in_tech(with_(voice="Polly.Joanna"), "é" * 1600)  # 1,600 letters, 3,200 bytes
    assert problems(data) == [
        "menus.tech.options.0.say: 3200 characters (UTF-8 bytes) in one <Say>; "
        "Polly.Joanna takes 3000"
    ]


def test_a_prompt_over_the_url_encoded_limit_is_refused() -> None:
    data = say_in_tech(with_(voice="alice"), "a,b " * 1000)  # 4,000 bytes; 6,000 encoded
    assert problems(data) == [
        "menus.tech.options.0.say: 6000 characters once URL-encoded in one <Say>; Twilio takes 4500"
    ]


def test_without_a_voice_the_polly_limit_holds() -> None:
    data = say_in_tech(base(), "x" * 3500)
    assert problems(data) == [
        "menus.tech.options.0.say: 3500 characters (UTF-8 bytes) in one <Say>; "
        "Twilio's default voice may be a Polly one, which takes 3000"
    ]


def test_a_greeting_over_the_limit_is_refused() -> None:
    data = with_(voice="Polly.Joanna")
    data["greeting"]["unknown"] = "Welcome" + "!" * 3593
    assert problems(data) == [
        "greeting.unknown: 3600 characters (UTF-8 bytes) in one <Say>; Polly.Joanna takes 3000"
    ]


def test_the_known_greeting_leaves_room_for_a_first_name() -> None:
    data = with_(voice="Polly.Joanna")
    data["greeting"]["known"] = "Hello {first_name}, " + "w" * 2300
    data["greeting"]["unknown"] = "Hello, " + "w" * 2300
    assert problems(data) == [
        "greeting.known: 3108 characters (UTF-8 bytes) in one <Say>; Polly.Joanna takes 3000 "
        "(counting 800 for a first name)"
    ]


def test_a_closed_message_over_the_limit_is_refused() -> None:
    data = with_(voice="Polly.Joanna")
    hours = {"timezone": "UTC", "weekly": {"mon": ["08:00-18:00"]}, "closed_message": "z" * 3001}
    data["hours"] = hours
    assert problems(data) == [
        "hours.closed_message: 3001 characters (UTF-8 bytes) in one <Say>; Polly.Joanna takes 3000"
    ]


# Lines: a queue is a line a team answers


def test_a_queue_no_team_answers_is_refused() -> None:
    data = base()
    data["menus"]["main"]["options"].append(option("4", "queue", queue="sales"))
    assert (
        "menus.main.options.4.queue: option 5 sends callers to 'sales', which no team answers; "
        "the lines are support, tech, billing (managers: the manager option)"
    ) in refusal(data)


def test_a_person_options_queue_is_checked_too() -> None:
    data = base()
    data["menus"]["tech"]["options"][0]["queue"] = "managers"
    assert problems(data) == [
        "menus.tech.options.0.queue: option 1 sends callers to 'managers', which no team "
        "answers; the lines are support, tech, billing (managers: the manager option)"
    ]


@pytest.mark.parametrize("queue", ["support", "tech", "billing"])
def test_every_team_line_is_accepted(queue: str) -> None:
    data = base()
    data["menus"]["main"]["options"].append(option("4", "queue", queue=queue))
    assert problems(data) == []
