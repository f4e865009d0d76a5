"""A call arrives: recognise the caller, then their case owner, the menu, or a message if closed."""

from __future__ import annotations

import logging
from typing import cast

from flask import Response
from redis.client import Pipeline
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
from callflows.promises import spoken_time
from crm import call_steps
from crm.calls import START_CALL
from crm.directory import Caller
from crm.models import CallRecord, utcnow
from crm.scripts import run_scripts
from ivr.degrade import degrades_to
from ivr.links import link
from ivr.services_access import services
from ivr.signing import twilio_signed
from ivr.twiml import twiml
from ivr.voice import bp
from ivr.voice.answers import current_call, enqueue, to_a_person_now, voicemail
from ivr.voice.case_status import case_status
from ivr.voice.connecting import answer_placement, line_called, rep_name, tier_floor, to_line
from ivr.voice.managers import ASKED_FOR_A_MANAGER
from ivr.webhooks import MenuAnswer, MenuStep, TwilioCall, form, query
from queues import lines
from queues.router import Router
from queues.routing_results import Arrival, Offered

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
    """A new call: after hours a message; a caller with an open case straight to its owner (or
    in line for them); everyone else the menu. One Redis round trip: who is calling, their
    place if they have an open case, and the call logged, together."""
    call = current_call()
    record = CallRecord(
        call_sid=call.call_sid,
        from_number=call.customer_number,
        caller_id=call.caller_id,
        to=call.to,
    )
    flow = services().flow
    now = utcnow()
    if not flow.is_open(now) or call.customer_number is None:
        caller = services().directory.receive(
            record, services().calls, first_step=call_steps.INCOMING
        )
        greeting = flow.greeting_for(first_name_of(caller))
        if not flow.is_open(now):
            return twiml(voicemail(now, greeting, closed_message()))
        return twiml(render.menu(flow, flow.start, link("voice.menu", menu=flow.start), [greeting]))
    caller, arrival = arrive(call, record)
    greeting = flow.greeting_for(first_name_of(caller))
    if arrival.placement is None:
        return twiml(render.menu(flow, flow.start, link("voice.menu", menu=flow.start), [greeting]))
    case = caller.open_cases[-1]
    owner = caller.owner_of(case).rep
    promised = spoken_time(case.promised_by, now, flow) if case.promised_by else None
    about = prompts.open_case_on_arrival(case.subject, case.status.value, promised)
    placement = arrival.placement
    if isinstance(placement, Offered) and placement.rep.id == case.owner:
        before = [greeting, about, prompts.connecting_to_owner(rep_name(owner))]
    else:
        before = [greeting, about, prompts.owner_not_free(rep_name(owner)), prompts.CONNECTING]
    return twiml(answer_placement(call, arrival.line, placement, before))


def arrive(call: TwilioCall, record: CallRecord) -> tuple[Caller, Arrival]:
    """Identify a known number's caller, place them if they have an open case, log the call."""
    phone = cast(str, call.customer_number)

    def build(pipe: Pipeline) -> None:
        services().router.queue_arrive(
            pipe, call.call_sid, phone, line_called(call), tier_floor(call)
        )
        services().calls.queue_start(pipe, record, call_steps.INCOMING)

    arrived, _ = run_scripts(
        services().redis, build, [*services().router.script.scripts(), START_CALL]
    )
    arrival = Router.arrival(arrived)
    return services().directory.caller_from(phone, arrival.found), arrival


def first_name_of(caller: Caller) -> str | None:
    """The caller's first name, if caller ID matched a customer."""
    return render.first_name(caller.customer.name) if caller.customer else None


@bp.post("/person")
@twilio_signed
@degrades_to(to_a_person_now)
def person() -> Response:
    """Put the caller through to the next free person (where a document sends them)."""
    call = current_call()
    return twiml(to_line(call, line_called(call), [prompts.CONNECTING]))


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
            return person_or_queue(call, lines.SUPPORT, prompts.TO_A_PERSON, log_steps)
        case Chosen(option=option, answer=chosen):
            if not log_steps:
                return perform(call, step.menu, option, online=False)
            services().calls.record_step(
                call.call_sid,
                call_steps.menu_choice(step.menu, option.action),
                {f"menu.{step.menu}": chosen},
            )
            return perform(call, step.menu, option, online=True)
    raise TypeError(f"unhandled menu decision {decision!r}")


def person_or_queue(call: TwilioCall, line: str, sentence: str, online: bool) -> VoiceResponse:
    """Ring a free rep of `line` at once or wait in it; without Redis, Twilio's queue alone."""
    return to_line(call, line, [sentence]) if online else enqueue(line, sentence)


def perform(call: TwilioCall, menu_name: str, option: Option, online: bool) -> VoiceResponse:
    """Carry out a chosen menu option; without Redis (`online` off) the line is Twilio's alone
    and a case lookup goes to a person."""
    flow = services().flow
    match option:
        case PersonOption(queue=queue):
            return person_or_queue(call, queue or line_called(call), prompts.CONNECTING, online)
        case QueueOption(queue=queue):
            return person_or_queue(call, queue, prompts.CONNECTING, online)
        case MenuOption(menu=submenu):
            return render.menu(flow, submenu, link("voice.menu", menu=submenu))
        case CaseStatusOption():
            if online:
                return case_status(call, menu_name)
            return enqueue(lines.SUPPORT, prompts.TO_A_PERSON)
        case ManagerOption():
            answer = person_or_queue(call, lines.MANAGERS, prompts.CONNECTING_MANAGER, online)
            if online:
                services().router.note_reason(call.call_sid, ASKED_FOR_A_MANAGER)
            return answer
        case VoicemailOption():
            return voicemail(utcnow())
        case RepeatOption():
            return render.menu(flow, menu_name, link("voice.menu", menu=menu_name))
    raise TypeError(f"unhandled menu option {option!r}")
