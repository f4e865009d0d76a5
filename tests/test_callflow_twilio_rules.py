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


@pytest.mark.parametrize(
    "voice",
    ["man", "woman", "alice", "Polly.Joanna", "Polly.Amy-Neural", "Google.en-GB-Standard-A"],
)
def test_voices_twilio_offers_are_accepted(voice: str) -> None:
    assert lint(CallFlow.model_validate(with_(voice=voice))) == []


@pytest.mark.parametrize(
    ("voice", "reason"),
    [
        ("Polly.Bob", "no Amazon Polly voice called 'Bob'"),
        ("robot", "'robot' is not a Twilio voice"),
        ("Polly.joanna", "is not a Twilio voice"),
    ],
)
def test_voices_twilio_does_not_offer_are_refused(voice: str, reason: str) -> None:
    refused = refusal(with_(voice=voice))
    assert refused.startswith("acme.yaml: voice: ")
    assert reason in refused


@pytest.mark.parametrize("language", ["english please", "en_US", "xx-YY", "EN-us"])
def test_languages_twilio_does_not_list_are_refused(language: str) -> None:
    assert f"acme.yaml: language: {language!r} is not a language Twilio lists" in refusal(
        with_(language=language)
    )


def test_a_prompt_over_the_polly_limit_is_refused() -> None:
    data = with_(voice="Polly.Joanna")
    words = "Our opening hours change often. " * 120  # 3,840 characters
    data["menus"]["main"]["options"][0]["say"] = words
    assert "acme.yaml: menus.main.options: 3" in refusal(data)
    assert "characters said at once; Polly.Joanna takes 3000" in refusal(data)


def test_the_same_prompt_fits_a_basic_voice() -> None:
    data = with_(voice="alice")
    data["menus"]["main"]["options"][0]["say"] = "Our opening hours change often. " * 120
    problems = [p for p in lint(CallFlow.model_validate(data)) if "said at once" in p.message]
    assert problems == []


def test_a_greeting_over_the_limit_is_refused() -> None:
    data = with_(voice="Polly.Joanna")
    data["greeting"]["unknown"] = "Welcome. " * 400
    assert "acme.yaml: greeting.unknown: 3600 characters said at once" in refusal(data)


def test_a_queue_name_over_64_characters_is_refused() -> None:
    data = base()
    data["menus"]["main"]["options"].append(option("4", "queue", queue="q" * 65))
    assert "menus.main.options.4.queue: queue name of 65 characters; Twilio takes 64" in refusal(
        data
    )


def test_a_queue_name_of_64_characters_is_accepted() -> None:
    data = base()
    data["menus"]["main"]["options"].append(option("4", "queue", queue="q" * 64))
    assert lint(CallFlow.model_validate(data)) == []
