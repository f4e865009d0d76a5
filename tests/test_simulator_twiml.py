"""The simulator reads TwiML as strictly as Twilio does, so a document it accepts is one Twilio
would run, and one Twilio would refuse fails the test that produced it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from simulator.twiml import PARSE_FAILURE, Context, InvalidTwiML, Verb, parse

APP = "https://ivr.example.com"


def _document(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'


def _refusal(body: str, context: Context = Context.CALL) -> str:
    with pytest.raises(InvalidTwiML) as refused:
        parse(_document(body), context)
    return str(refused.value)


# --- documents the app emits parse to the verbs Twilio would run ------------------------------


def test_menu_parses_to_gather_with_prompt_then_fallback() -> None:
    response = VoiceResponse()
    gather = Gather(input="dtmf speech", num_digits=1, timeout=5, action=f"{APP}/voice/menu")
    gather.say("For a person, press 0 or say agent.", voice="Polly.Joanna")
    gather.pause(length=1)
    response.append(gather)
    response.redirect(f"{APP}/voice/menu?step=retry", method="POST")

    menu, retry = parse(response.to_xml())

    assert menu.name == "Gather"
    assert menu.attr("input") == "dtmf speech"
    assert menu.int_attr("numDigits", 0) == 1
    assert menu.children == (
        Verb("Say", {"voice": "Polly.Joanna"}, "For a person, press 0 or say agent.", ()),
        Verb("Pause", {"length": "1"}, "", ()),
    )
    assert retry == Verb("Redirect", {"method": "POST"}, f"{APP}/voice/menu?step=retry", ())


def test_dial_of_a_rep_keeps_nouns_and_their_whisper_urls() -> None:
    response = VoiceResponse()
    dial = Dial(timeout=20, caller_id="+15550001111", action=f"{APP}/voice/dialed")
    dial.number("+15551234567", url=f"{APP}/voice/whisper", method="POST")
    dial.client("rep-7", url=f"{APP}/voice/whisper")
    response.append(dial)

    (verb,) = parse(response.to_xml().encode())

    assert verb.int_attr("timeout", 30) == 20
    assert [(noun.name, noun.text, noun.attr("url")) for noun in verb.children] == [
        ("Number", "+15551234567", f"{APP}/voice/whisper"),
        ("Client", "rep-7", f"{APP}/voice/whisper"),
    ]


def test_dial_of_a_plain_number_keeps_it_as_text() -> None:
    (verb,) = parse(_document("<Dial> +1 (555) 123-4567 </Dial>"))
    assert verb.text == "+1 (555) 123-4567"
    assert verb.children == ()


def test_client_identity_may_be_a_child_with_parameters() -> None:
    body = (
        '<Dial><Client url="https://ivr.example.com/w"><Identity>rep-7</Identity>'
        '<Parameter name="case" value="C-42"/></Client></Dial>'
    )
    (dial,) = parse(_document(body))
    identity, parameter = dial.children[0].children
    assert identity.text == "rep-7"
    assert parameter.attrs == {"name": "case", "value": "C-42"}


def test_enqueue_with_hold_music_and_action_parses() -> None:
    response = VoiceResponse()
    response.say("Please hold.")
    response.enqueue(
        "tier-gold", wait_url=f"{APP}/voice/hold", wait_url_method="POST", action=f"{APP}/q"
    )
    say, enqueue = parse(response.to_xml())
    assert say.text == "Please hold."
    assert (enqueue.text, enqueue.attr("waitUrl")) == ("tier-gold", f"{APP}/voice/hold")


def test_hold_music_may_leave_the_queue() -> None:
    response = VoiceResponse()
    response.say("You are caller 2.", loop=1)
    response.play(f"{APP}/static/hold.mp3", loop=0)
    response.gather(num_digits=1, action=f"{APP}/voice/hold-key").say("Press 1 for a callback.")
    response.leave()
    names = [verb.name for verb in parse(response.to_xml(), Context.WAIT)]
    assert names == ["Say", "Play", "Gather", "Leave"]


def test_whisper_may_ask_the_rep_to_accept() -> None:
    response = VoiceResponse()
    response.gather(num_digits=1, action=f"{APP}/voice/accept").say("Press 1 to accept.")
    response.hangup()
    assert [verb.name for verb in parse(response.to_xml(), Context.WHISPER)] == [
        "Gather",
        "Hangup",
    ]


def test_voicemail_record_parses_with_typed_attributes() -> None:
    response = VoiceResponse()
    response.record(
        action=f"{APP}/voice/recorded",
        max_length=120,
        play_beep=True,
        finish_on_key="#",
        transcribe=False,
    )
    (record,) = parse(response.to_xml())
    assert record.int_attr("maxLength", 3600) == 120
    assert record.bool_attr("playBeep", False) is True
    assert record.bool_attr("transcribe", True) is False
    assert record.attr("trim", "trim-silence") == "trim-silence"


def test_play_of_dtmf_digits_needs_no_url() -> None:
    (play,) = parse(_document('<Play digits="ww1234#"/>'))
    assert (play.text, play.attr("digits")) == ("", "ww1234#")


def test_ssml_inside_say_is_spoken_as_its_text() -> None:
    body = '<Say>Your case is <say-as interpret-as="characters">C42</say-as>.</Say>'
    (say,) = parse(_document(body))
    assert say.text == "Your case is C42 ."
    assert say.children == ()


def test_empty_response_is_valid() -> None:
    assert parse(_document("")) == ()


# --- documents Twilio would refuse ------------------------------------------------------------


def test_malformed_xml_is_a_parse_failure() -> None:
    with pytest.raises(InvalidTwiML, match="not well-formed") as refused:
        parse("<Response><Say>unclosed</Response>")
    assert refused.value.code == PARSE_FAILURE


def test_root_other_than_response_is_rejected() -> None:
    with pytest.raises(InvalidTwiML, match="root element must be <Response>, not <Say>"):
        parse("<Say>Hello</Say>")


def test_text_directly_in_response_is_rejected() -> None:
    assert "<Response> must not contain text" in _refusal("Hello")


def test_unknown_verb_is_rejected() -> None:
    assert "unknown verb <Speak> in a call document" in _refusal("<Speak>Hi</Speak>")


def test_unknown_attribute_names_the_verb_and_attribute() -> None:
    message = _refusal('<Say colour="blue">Hi</Say>')
    assert "<Say> has unknown attribute 'colour'" in message


def test_noun_outside_dial_is_rejected() -> None:
    assert "<Number> is not allowed in a call document" in _refusal("<Number>+15551234567</Number>")


def test_record_in_hold_music_is_rejected() -> None:
    message = _refusal(f'<Record action="{APP}/vm"/>', Context.WAIT)
    assert "<Record> is not allowed in a wait document" in message
    assert "Leave" in message


@pytest.mark.parametrize("verb", ["Dial", "Enqueue", "Record", "Leave"])
def test_whisper_cannot_route_the_call(verb: str) -> None:
    body = {
        "Dial": "<Dial>+15551234567</Dial>",
        "Enqueue": "<Enqueue>support</Enqueue>",
        "Record": "<Record/>",
        "Leave": "<Leave/>",
    }[verb]
    assert f"<{verb}> is not allowed in a whisper document" in _refusal(body, Context.WHISPER)


def test_dial_inside_gather_is_rejected() -> None:
    message = _refusal("<Gather><Dial>+15551234567</Dial></Gather>")
    assert "<Dial> is not allowed inside <Gather>; allowed there: Pause, Play, Say" in message


def test_empty_say_is_rejected() -> None:
    assert "<Say> needs text content" in _refusal("<Say>   </Say>")


def test_play_without_url_or_digits_is_rejected() -> None:
    assert "<Play> needs either a URL as text or a digits attribute" in _refusal("<Play/>")


def test_play_with_both_url_and_digits_is_rejected() -> None:
    message = _refusal(f'<Play digits="1">{APP}/a.mp3</Play>')
    assert "not both" in message


def test_redirect_without_url_is_rejected() -> None:
    assert "<Redirect> needs text content" in _refusal("<Redirect/>")


@pytest.mark.parametrize("verb", ["Pause", "Hangup", "Leave", "Reject"])
def test_verbs_without_content_refuse_text(verb: str) -> None:
    assert f"<{verb}> must not contain text" in _refusal(f"<{verb}>now</{verb}>")


def test_relative_action_is_rejected() -> None:
    message = _refusal('<Gather action="/voice/menu"><Say>Hi</Say></Gather>')
    assert "<Gather> attribute action='/voice/menu' must be an absolute http(s) URL" in message


def test_relative_redirect_is_rejected() -> None:
    message = _refusal("<Redirect>/voice/menu</Redirect>")
    assert "<Redirect> text '/voice/menu' must be an absolute http(s) URL" in message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<Gather input="keys"/>', "attribute input='keys' must be one of"),
        ('<Gather numDigits="0"/>', "attribute numDigits='0' must be an integer >= 1"),
        ('<Gather numDigits="+1"/>', "attribute numDigits='+1' must be an integer >= 1"),
        ('<Gather timeout="-1"/>', "attribute timeout='-1' must be an integer >= 0"),
        ('<Gather finishOnKey="##"/>', "attribute finishOnKey='##' must be one key"),
        ('<Gather method="PUT"/>', "attribute method='PUT' must be one of 'GET', 'POST'"),
        ('<Gather bargeIn="yes"/>', "attribute bargeIn='yes' must be one of 'true', 'false'"),
        ("<Dial timeout='4'>+15551234567</Dial>", "timeout='4' must be an integer from 5 to 600"),
        ("<Dial timeout='601'>+15551234567</Dial>", "must be an integer from 5 to 600"),
        ('<Record maxLength="0"/>', "attribute maxLength='0' must be an integer >= 1"),
        ('<Reject reason="nope"/>', "attribute reason='nope' must be one of 'rejected', 'busy'"),
        ('<Pause length="1.5"/>', "attribute length='1.5' must be an integer >= 0"),
        ('<Say loop="-1">Hi</Say>', "attribute loop='-1' must be an integer >= 0"),
    ],
)
def test_attribute_values_outside_twilio_rules_are_rejected(body: str, expected: str) -> None:
    assert expected in _refusal(body)


def test_gather_finish_on_key_may_be_empty() -> None:
    (gather,) = parse(_document('<Gather finishOnKey=""/>'))
    assert gather.attr("finishOnKey") == ""


@pytest.mark.parametrize("terminal", ["<Hangup/>", "<Reject/>", f"<Redirect>{APP}/x</Redirect>"])
def test_verb_after_call_ending_verb_is_unreachable(terminal: str) -> None:
    assert "unreachable verb <Say> after" in _refusal(f"{terminal}<Say>Goodbye</Say>")


def test_verb_after_dial_with_action_is_unreachable() -> None:
    body = f'<Dial action="{APP}/dialed">+15551234567</Dial><Say>Sorry</Say>'
    assert "unreachable verb <Say> after <Dial> with an action" in _refusal(body)


def test_verb_after_dial_without_action_is_reached() -> None:
    verbs = parse(_document("<Dial>+15551234567</Dial><Say>Sorry, no answer.</Say>"))
    assert [verb.name for verb in verbs] == ["Dial", "Say"]


def test_dial_with_neither_number_nor_nouns_is_rejected() -> None:
    assert "<Dial> needs either a number as text or nouns" in _refusal("<Dial/>")


def test_dial_mixing_text_and_nouns_is_rejected() -> None:
    message = _refusal("<Dial>+15551234567<Number>+15557654321</Number></Dial>")
    assert "<Dial> mixes text with child elements" in message


def test_queue_must_be_the_only_noun_of_a_dial() -> None:
    message = _refusal("<Dial><Queue>support</Queue><Number>+15551234567</Number></Dial>")
    assert "<Queue> or <Conference> only as its single noun" in message


def test_dial_rings_at_most_ten_numbers() -> None:
    numbers = "".join(f"<Number>+1555000{n:04d}</Number>" for n in range(11))
    assert "at most 10 endpoints" in _refusal(f"<Dial>{numbers}</Dial>")


def test_client_without_identity_is_rejected() -> None:
    assert "<Client> needs exactly one identity" in _refusal("<Dial><Client/></Dial>")


def test_enqueue_without_queue_name_is_rejected() -> None:
    assert "<Enqueue> needs a queue name" in _refusal("<Enqueue/>")


def test_sip_needs_a_sip_uri() -> None:
    message = _refusal("<Dial><Sip>rep@example.com</Sip></Dial>")
    assert "<Sip> text 'rep@example.com' must be a sip: or sips: URI" in message


# --- round trip ---------------------------------------------------------------------------------

# Characters XML 1.0 can carry and that a spoken sentence might hold.
_SPOKEN = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn")), min_size=1, max_size=40
).filter(lambda text: text.strip())
_STEP = st.one_of(
    st.tuples(st.just("Say"), _SPOKEN),
    st.tuples(st.just("Pause"), st.integers(min_value=0, max_value=600)),
)


@given(st.lists(_STEP, max_size=8))
def test_documents_of_say_and_pause_round_trip(steps: list[tuple[str, str | int]]) -> None:
    response = VoiceResponse()
    for name, value in steps:
        if name == "Say":
            response.say(str(value))
        else:
            response.pause(length=int(value))

    verbs = parse(response.to_xml())

    expected = [
        Verb("Say", {}, str(value).strip(), ())
        if name == "Say"
        else Verb("Pause", {"length": str(value)}, "", ())
        for name, value in steps
    ]
    assert list(verbs) == expected
