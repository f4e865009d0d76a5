"""Every Redis key the system of record uses, named in one place under one prefix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    """Key names under a namespace prefix, so several lines can share one Redis."""

    prefix: str = "ivr:"

    def customer(self, phone: str) -> str:
        """JSON of the customer who calls from `phone` (E.164)."""
        return f"{self.prefix}customer:{phone}"

    @property
    def customer_by_account(self) -> str:
        """Hash: account number -> customer phone."""
        return f"{self.prefix}customers:by-account"

    def rep(self, rep_id: str) -> str:
        """JSON of one rep."""
        return f"{self.prefix}rep:{rep_id}"

    @property
    def reps(self) -> str:
        """Set of all rep ids."""
        return f"{self.prefix}reps"

    @property
    def presence(self) -> str:
        """Hash: rep id -> presence (available, offered, busy, wrap-up, away, offline, missed)."""
        return f"{self.prefix}reps:presence"

    @property
    def presence_since(self) -> str:
        """Hash: rep id -> epoch seconds of their last change of presence."""
        return f"{self.prefix}reps:presence-since"

    def rep_lines(self, rep_id: str) -> str:
        """Set of the lines a rep answers (their teams, and managers' for a supervisor)."""
        return f"{self.prefix}rep:{rep_id}:lines"

    def available(self, line: str) -> str:
        """Sorted set: the available reps of a line, longest idle first."""
        return f"{self.prefix}reps:available:{line}"

    def on_duty(self, line: str) -> str:
        """Set: the reps of a line who are working (available, offered, busy or wrap-up)."""
        return f"{self.prefix}reps:on-duty:{line}"

    @property
    def offers(self) -> str:
        """Hash: rep id -> CallSid of the call offered to (or taken by) them."""
        return f"{self.prefix}reps:offers"

    @property
    def wrap_up_ends(self) -> str:
        """Sorted set: reps in wrap-up, by the epoch second it ends."""
        return f"{self.prefix}reps:wrap-up-ends"

    def line(self, name: str) -> str:
        """Sorted set: the callers waiting for anyone on a line, by priority score."""
        return f"{self.prefix}line:{name}"

    def owner_line(self, rep_id: str) -> str:
        """Sorted set: the callers waiting for their case owner `rep_id`, by score."""
        return f"{self.prefix}line:owner:{rep_id}"

    @property
    def owner_wait_ends(self) -> str:
        """Sorted set: callers waiting for their owner, by the epoch second that wait ends."""
        return f"{self.prefix}line:owner-wait-ends"

    @property
    def manager_wait_ends(self) -> str:
        """Sorted set: callers for a manager, by the epoch second voicemail is offered instead."""
        return f"{self.prefix}line:manager-wait-ends"

    def waiting(self, call_sid: str) -> str:
        """Hash: one routed caller's line, score, owner, state and the rep offered."""
        return f"{self.prefix}waiting:{call_sid}"

    def rejoin(self, phone: str) -> str:
        """Hash: the line and score a caller who hung up while waiting may resume."""
        return f"{self.prefix}line:rejoin:{phone}"

    def handled(self, line: str) -> str:
        """List: the lengths in seconds of a line's latest conversations (expected wait)."""
        return f"{self.prefix}line:{line}:handled"

    @property
    def router_wake(self) -> str:
        """List the router blocks on: a rep id that may now take a call (or a bare wake)."""
        return f"{self.prefix}router:wake"

    def case(self, reference: str) -> str:
        """JSON of one case."""
        return f"{self.prefix}case:{reference}"

    def case_timeline(self, reference: str) -> str:
        """List of one case's events, oldest first."""
        return f"{self.prefix}case:{reference}:timeline"

    @property
    def case_sequence(self) -> str:
        """Counter behind case references (C-1001, C-1002, ...)."""
        return f"{self.prefix}cases:seq"

    def open_cases_of_caller(self, phone: str) -> str:
        """Set of references of the open cases of the customer calling from `phone`."""
        return f"{self.prefix}cases:open:caller:{phone}"

    def open_cases_of_owner(self, rep_id: str) -> str:
        """Set of references of the open cases a rep owns."""
        return f"{self.prefix}cases:open:owner:{rep_id}"

    @property
    def cases_all(self) -> str:
        """Sorted set: every case reference, by when it was opened."""
        return f"{self.prefix}cases:all"

    def cases_of_owner(self, rep_id: str) -> str:
        """Sorted set: every case a rep owns, whatever its status, by when it was opened."""
        return f"{self.prefix}cases:owner:{rep_id}"

    def cases_in_status(self, status: str) -> str:
        """Sorted set: the cases in one status, by when they were opened."""
        return f"{self.prefix}cases:status:{status}"

    def cases_in_category(self, category: str) -> str:
        """Sorted set: the cases of one category (any case), by when they were opened."""
        return f"{self.prefix}cases:category:{category.casefold()}"

    @property
    def case_tally(self) -> str:
        """Hash: case counts and time spent, kept as cases change, for reports without a scan:
        `owner|<rep>|<status>`, `category|<category>|<status>`, `satisfaction|<answer>`,
        `time|owner|<rep>`, `time|category|<category>` (seconds)."""
        return f"{self.prefix}cases:tally"

    @property
    def call_tally(self) -> str:
        """Hash: calls that waited in a line, by tier: `<tier>|calls`, `<tier>|abandoned` and
        `<tier>|wait_seconds` (their time in the queue), counted as each call ends."""
        return f"{self.prefix}calls:tally"

    @property
    def call_tally_by_hour(self) -> str:
        """Hash: the same calls by tier and the line's hour of day they came in:
        `<tier>|<HH>|calls` and `<tier>|<HH>|abandoned`."""
        return f"{self.prefix}calls:tally:hour"

    @property
    def cases_recurring(self) -> str:
        """Hash: recurring cases and their time spent by category and week opened:
        `<category>|<ISO week>|cases` and `...|seconds`."""
        return f"{self.prefix}cases:recurring"

    @property
    def cases_promised(self) -> str:
        """Sorted set: open cases not yet warned of, by their promised time."""
        return f"{self.prefix}cases:promised"

    @property
    def cases_resolution(self) -> str:
        """Sorted set: closed cases by seconds from opened to closed (its median is a rank)."""
        return f"{self.prefix}cases:resolution"

    @property
    def cases_awaiting_sign_off(self) -> str:
        """Sorted set: resolved cases whose customer has not said whether they are sorted, by
        when silence closes them."""
        return f"{self.prefix}cases:sign-off"

    def sign_offs_of(self, phone: str) -> str:
        """Sorted set: the resolved cases awaiting `phone`'s answer, by when it was asked."""
        return f"{self.prefix}cases:sign-off:phone:{phone}"

    def cases_filtered(self, indexes: str) -> str:
        """Sorted set, short-lived: the intersection of the named case indexes, for paging."""
        return f"{self.prefix}cases:filtered:{indexes}"

    def call(self, call_sid: str) -> str:
        """JSON of one call's record."""
        return f"{self.prefix}call:{call_sid}"

    def call_path(self, call_sid: str) -> str:
        """List of the steps a call went through, in order."""
        return f"{self.prefix}call:{call_sid}:path"

    def call_details(self, call_sid: str) -> str:
        """Hash of what the caller chose or typed and what the call produced (recording, ...)."""
        return f"{self.prefix}call:{call_sid}:details"

    @property
    def events(self) -> str:
        """Stream of call and case events: the audit log reports read."""
        return f"{self.prefix}events"

    def callback(self, callback_id: str) -> str:
        """Hash: one callback (who, why, line, owner, due, promise, attempts, state)."""
        return f"{self.prefix}callback:{callback_id}"

    def callback_messages(self, callback_id: str) -> str:
        """List: the messages (JSON) a callback answers, oldest first; merged requests add one."""
        return f"{self.prefix}callback:{callback_id}:messages"

    @property
    def callbacks_due(self) -> str:
        """Sorted set: pending and retry-wait callbacks by the epoch second they are due."""
        return f"{self.prefix}callbacks:due"

    @property
    def callbacks_dialling(self) -> str:
        """Sorted set: callbacks with a live attempt, by the epoch second its lease runs out."""
        return f"{self.prefix}callbacks:dialling"

    @property
    def callbacks_closed(self) -> str:
        """Sorted set: done, failed and cancelled callbacks by the epoch second they closed."""
        return f"{self.prefix}callbacks:closed"

    @property
    def callbacks_promised(self) -> str:
        """Sorted set: open callbacks by the epoch second they were promised by."""
        return f"{self.prefix}callbacks:promised"

    @property
    def callbacks_live(self) -> str:
        """Hash: customer phone -> their one open callback (a second request merges into it)."""
        return f"{self.prefix}callbacks:live"

    @property
    def callbacks_by_origin(self) -> str:
        """Hash: what asked for a callback (a recording, a call) -> its callback, so a retried
        report never makes a second one."""
        return f"{self.prefix}callbacks:by-origin"

    @property
    def callbacks_sequence(self) -> str:
        """Counter behind callback ids."""
        return f"{self.prefix}callbacks:sequence"
