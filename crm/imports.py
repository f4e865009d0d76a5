"""CSV imports of customers and reps: every row checked first, then all stored or none.

A half-imported directory is worse than none (some callers recognised, some not, nobody knows
which), so a file with any bad row is rejected whole, with every bad row's line number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from crm.customers import AccountTaken, CustomerRepository
from crm.models import Customer, Rep, explain
from crm.passwords import hash_password
from crm.phones import InvalidPhoneNumber, to_e164

CUSTOMER_COLUMNS = ("phone", "name", "spend", "account")
REP_COLUMNS = ("id", "name", "endpoint", "role", "password")
# Optional: the lines a rep answers, separated by spaces or semicolons; absent or empty: support.
REP_TEAMS_COLUMN = "teams"

Row = dict[str, str]
M = TypeVar("M", bound=BaseModel)


class RowError(ValueError):
    """One bad row: its line number in the file and what is wrong with it."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


class CsvImportError(ValueError):
    """A file that cannot be imported; carries every bad row so all can be fixed at once."""

    def __init__(self, path: Path, errors: list[RowError]) -> None:
        lines = "\n".join(f"  {error}" for error in errors)
        super().__init__(f"{path}: nothing imported, {len(errors)} bad row(s):\n{lines}")
        self.errors = errors


class CsvFileError(CsvImportError):
    """A file that cannot be imported as a whole (not UTF-8, empty, no header): one line."""

    def __init__(self, path: Path, problem: str) -> None:
        ValueError.__init__(self, f"{path}: nothing imported: {problem}")
        self.errors = []


def read_customers(path: Path, region: str) -> list[Customer]:
    """Parse a customers CSV (`phone,name,spend,account`), or raise `CsvImportError`."""
    return [customer for _, customer in _read_customers(path, region)]


def import_customers(path: Path, region: str, customers: CustomerRepository) -> int:
    """Parse a customers CSV and store it whole; `CsvImportError` if any row cannot be stored.

    Besides the rows' own checks, an account number already held by another customer is
    refused: silently moving it would send one customer's account to another's phone.
    """
    rows = _read_customers(path, region)
    try:
        return customers.save_all(customer for _, customer in rows)
    except AccountTaken as taken:
        line_of = {customer.phone: line for line, customer in rows}
        raise CsvImportError(
            path,
            [
                RowError(
                    line_of[claim.phone],
                    f"account {claim.account} is already {claim.holder}'s, not {claim.phone}'s",
                )
                for claim in taken.claims
            ],
        ) from None


def read_reps(path: Path, region: str) -> list[Rep]:
    """Parse a reps CSV (`id,name,endpoint,role,password[,teams]`), or raise `CsvImportError`."""

    def build(row: Row) -> Rep:
        endpoint = row["endpoint"].strip()
        if not endpoint.startswith("client:"):
            endpoint = to_e164(endpoint, region)
        if not row["password"]:
            raise ValueError("password is empty")
        rep = Rep.model_validate(
            {
                "id": row["id"].strip(),
                "name": row["name"].strip(),
                "endpoint": endpoint,
                "role": row["role"].strip().lower(),
                "password_hash": "unset",
                "teams": row.get(REP_TEAMS_COLUMN, "").replace(";", " ").lower().split()
                or ["support"],
            }
        )
        # Hashing is slow on purpose: only for rows that are otherwise good.
        return rep.model_copy(update={"password_hash": hash_password(row["password"])})

    rows = _read(path, REP_COLUMNS, build, key=lambda rep: rep.id, optional=(REP_TEAMS_COLUMN,))
    return [rep for _, rep in rows]


def _read_customers(path: Path, region: str) -> list[tuple[int, Customer]]:
    def build(row: Row) -> Customer:
        return Customer.model_validate(
            {
                "phone": to_e164(row["phone"], region),
                "name": row["name"].strip(),
                "spend": row["spend"].strip() or "0",
                "account": row["account"].strip() or None,
            }
        )

    rows = _read(path, CUSTOMER_COLUMNS, build, key=lambda customer: customer.phone)
    errors: list[RowError] = []
    first_with: dict[str, tuple[int, str]] = {}
    for line, customer in rows:
        if customer.account is None:
            continue
        if customer.account in first_with:
            first_line, first_phone = first_with[customer.account]
            errors.append(
                RowError(
                    line,
                    f"account {customer.account} is already {first_phone}'s "
                    f"on line {first_line}, not {customer.phone}'s",
                )
            )
            continue
        first_with[customer.account] = (line, customer.phone)
    if errors:
        raise CsvImportError(path, errors)
    return rows


def _read(
    path: Path,
    columns: tuple[str, ...],
    build: Callable[[Row], M],
    key: Callable[[M], str],
    optional: tuple[str, ...] = (),
) -> list[tuple[int, M]]:
    reader = csv.DictReader(io.StringIO(_text(path), newline=""))
    header = reader.fieldnames or []
    if not header:
        raise CsvFileError(path, f"the file is empty; its first line must be {','.join(columns)}")
    missing = [column for column in columns if column not in header]
    if missing:
        raise CsvFileError(path, f"line 1: missing column(s): {', '.join(missing)}")
    records: list[tuple[int, M]] = []
    errors: list[RowError] = []
    first_line_of: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        try:
            present = columns + tuple(column for column in optional if column in header)
            record = build(_cells(row, present))
        except (ValidationError, InvalidPhoneNumber, ValueError) as exc:
            errors.append(RowError(line, _describe(exc)))
            continue
        if key(record) in first_line_of:
            errors.append(
                RowError(line, f"{key(record)} already on line {first_line_of[key(record)]}")
            )
            continue
        first_line_of[key(record)] = line
        records.append((line, record))
    if errors:
        raise CsvImportError(path, errors)
    if not records:
        raise CsvFileError(path, "no rows below the header line")
    return records


def _text(path: Path) -> str:
    """The file as text; spreadsheets' Latin-1 or Windows-1252 exports are named as such."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise CsvFileError(
            path,
            f"line {line}, byte {column} (0x{raw[exc.start]:02X}) is not UTF-8; "
            'save the file as UTF-8 ("CSV UTF-8" in a spreadsheet) and import it again',
        ) from None


def _cells(row: dict[str | None, str | list[str] | None], columns: Iterable[str]) -> Row:
    if None in row:
        raise ValueError("more cells than columns")
    cells = {column: row.get(column) for column in columns}
    short = [column for column, value in cells.items() if value is None]
    if short:
        raise ValueError(f"missing cell(s): {', '.join(short)}")
    return {column: str(value) for column, value in cells.items()}


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return explain(exc)
    return str(exc)
