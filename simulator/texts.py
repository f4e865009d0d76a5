"""Texts to the line: a customer's SMS posted to the number's messaging webhook, signed, with
the fields Twilio sends; the app's TwiML answer is checked as Twilio would (a `<Response>` of
`<Message>`s, each with a body) and each reply is sent back to the customer."""

from __future__ import annotations

from xml.etree import ElementTree

from simulator.account import API_VERSION, new_sid
from simulator.switch import Message, Switch
from simulator.webhooks import WebhookError


def text_line(switch: Switch, from_: str, body: str) -> list[Message]:
    """Text the line from `from_`; the replies the app sent back, in order."""
    url = switch.config.sms_url
    if not url:
        raise WebhookError("the number has no messaging webhook (LineConfig.sms_url)")
    params = {
        "MessageSid": new_sid("SM"),
        "SmsSid": new_sid("SM"),
        "AccountSid": switch.config.account_sid,
        "From": from_,
        "To": switch.config.number,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "ApiVersion": API_VERSION,
    }
    answer = switch.webhooks.request(url, params)
    try:
        document = ElementTree.fromstring(answer)
    except ElementTree.ParseError as exc:
        raise WebhookError(f"the SMS reply is not XML: {exc}") from None
    if document.tag != "Response":
        raise WebhookError(f"the SMS reply's root is <{document.tag}>, not <Response>")
    replies = []
    for verb in document:
        if verb.tag != "Message" or not (verb.text or "").strip():
            raise WebhookError(f"the SMS reply has <{verb.tag}> where a <Message> with a body goes")
        replies.append(Message(new_sid("SM"), from_, switch.config.number, verb.text or ""))
    with switch.lock:
        switch.messages.extend(replies)
    return replies
