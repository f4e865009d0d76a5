"""A call arrives: recognise the caller, then their case owner, the menu, or a message if closed."""

from __future__ import annotations

import logging

from flask import Response
from twilio.twiml.voice_response import VoiceResponse

from callflows import (
    CaseStatusOption,
    ManagerOption,
    MenuOption,
    Option,
    PersonOption,
    QueueOption,
    RepeatOption,
    VoicemailOption,
    prompts,
    render,
)
from callflows.navigate import Chosen, ToAPerson, TryAgain, answer
from crm import call_steps
from crm.models import CallRecord, utcnow
from ivr.degrade import degrades_to
from ivr.links import link
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.voice import bp
from ivr.voice.answers import current_call, enqueue, to_a_person_now, voicemail
from ivr.voice.case_owner import to_case_owner
from ivr.voice.case_status import case_status
from ivr.webhooks import MenuAnswer, MenuStep, TwilioCall, form, query
from queues import lines
from queues.fast_track import owner_route

log = logging.getLogger(__name__)


def closed_or_person() -> Response:
    """Without Redis: closed hours stay closed (a message), open hours reach a person."""
    flow = services().flow
    now = utcnow()
    if not flow.is_open(now):
        return twiml(voicemail(now, flow.greeting_for(None), closed_message()))
    return to_a_person_now()


def closed_message() -> str:
    """What an after-hours caller hears before the message offer."""
    flow = services().flow
    return flow.hours.closed_message if flow.hours else ""


@bp.post("/incoming")
@twilio_signed
@degrades_to(closed_or_person)
def incoming() -> Response:
    """A new call: recognise the caller, then the fast track, the menu, or after-hours voicemail."""
    call = current_call()
    record = CallRecord(
        call_sid=call.call_sid, from_number=call.from_number, caller_id=call.caller_id, to=call.to
    )
    caller = services().directory.receive(record, services().calls, first_step=call_steps.INCOMING)
    flow = services().flow
    name = render.first_name(caller.customer.name) if caller.customer else None
    greeting = flow.greeting_for(name)
    now = utcnow()
    if not flow.is_open(now):
        return twiml(voicemail(now, greeting, closed_message()))
    route = owner_route(caller)
    if route is not None:
        return twiml(to_case_owner(call, route, greeting, now))
    return twiml(render.menu(flow, flow.start, link("voice.menu", menu=flow.start), [greeting]))


@bp.post("/person")
@twilio_signed
@degrades_to(to_a_person_now)
def person() -> Response:
    """Put the caller through to the next free person (where a document sends them)."""
    return twiml(enqueue(lines.SUPPORT, prompts.CONNECTING))


@bp.post("/fallback")
@twilio_signed
@degrades_to(to_a_person_now)
def fallback() -> Response:
    """Twilio's fallback URL: static, needs no Redis, so it works when everything else fails."""
    return to_a_person_now()


def menu_offline() -> Response:
    """Without Redis the caller's choice still holds; only a case lookup becomes a person."""
    return twiml(menu_reply(current_call(), query(MenuStep), form(MenuAnswer), log_steps=False))


@bp.post("/menu")
@twilio_signed
@degrades_to(menu_offline)
def menu() -> Response:
    """The caller answered a menu (keys, words or silence)."""
    return twiml(menu_reply(current_call(), query(MenuStep), form(MenuAnswer), log_steps=True))


def menu_reply(
    call: TwilioCall, step: MenuStep, said: MenuAnswer, log_steps: bool
) -> VoiceResponse:
    """What a menu answer leads to; with `log_steps` off, Redis is neither read nor written."""
    flow = services().flow
    if step.menu not in flow.menus:  # a call that began under a flow since replaced
        log.warning("call %s answered unknown menu %r", call.call_sid, step.menu)
        return enqueue(lines.SUPPORT, prompts.TO_A_PERSON)
    decision = answer(flow, step.menu, step.attempt, said.digits, said.speech)
    match decision:
        case TryAgain(attempt=attempt):
            if log_steps:
                services().calls.record_step(call.call_sid, call_steps.menu_missed(step.menu))
            action = link("voice.menu", menu=step.menu, attempt=attempt)
            return render.menu(flow, step.menu, action, [prompts.SORRY])
        case ToAPerson():
            if log_steps:
                services().calls.record_step(call.call_sid, call_steps.menu_missed_twice(step.menu))
            return enqueue(lines.SUPPORT, prompts.TO_A_PERSON)
        case Chosen(option=option, answer=chosen):
            if not log_steps:
                return perform(call, step.menu, option, cases_reachable=False)
            services().calls.record_step(
                call.call_sid,
                call_steps.menu_choice(step.menu, option.action),
                {f"menu.{step.menu}": chosen},
            )
            return perform(call, step.menu, option, cases_reachable=True)
    raise TypeError(f"unhandled menu decision {decision!r}")


def perform(
    call: TwilioCall, menu_name: str, option: Option, cases_reachable: bool
) -> VoiceResponse:
    """Carry out a chosen menu option; without the case store, a case lookup goes to a person."""
    flow = services().flow
    match option:
        case PersonOption(queue=queue):
            return enqueue(queue or lines.SUPPORT, prompts.CONNECTING)
        case QueueOption(queue=queue):
            return enqueue(queue, prompts.CONNECTING)
        case MenuOption(menu=submenu):
            return render.menu(flow, submenu, link("voice.menu", menu=submenu))
        case CaseStatusOption():
            if cases_reachable:
                return case_status(call, menu_name)
            return enqueue(lines.SUPPORT, prompts.TO_A_PERSON)
        case ManagerOption():
            return enqueue(lines.MANAGERS, prompts.CONNECTING_MANAGER)
        case VoicemailOption():
            return voicemail(utcnow())
        case RepeatOption():
            return render.menu(flow, menu_name, link("voice.menu", menu=menu_name))
    raise TypeError(f"unhandled menu option {option!r}")
