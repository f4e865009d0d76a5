"""Who may hear what a case is about: its customer, by their number, and nobody else."""

from __future__ import annotations

from crm.models import Case


def may_hear_details(case: Case, caller_phone: str | None) -> bool:
    """Whether the caller may hear a case's subject and owner, not just its status.

    Case references are easy to guess, so knowing one proves nothing; calling from the
    number the case belongs to does.
    """
    return caller_phone is not None and case.customer_phone == caller_phone
