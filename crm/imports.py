"""CSV imports of customers and reps: every row checked first, then all stored or none.

A half-imported directory is worse than none (some callers recognised, some not, nobody knows
which), so a file with any bad row is rejected whole, with every bad row's line number.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from werkzeug.security import generate_password_hash

from crm.models import Customer, Rep
from crm.phones import InvalidPhoneNumber, to_e164

CUSTOMER_COLUMNS = ("phone", "name", "spend", "account")
REP_COLUMNS = ("id", "name", "endpoint", "role", "password")

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


def read_customers(path: Path, region: str) -> list[Customer]:
    """Parse a customers CSV (`phone,name,spend,account`), or raise `CsvImportError`."""

    def build(row: Row) -> Customer:
        return Customer.model_validate(
            {
                "phone": to_e164(row["phone"], region),
                "name": row["name"].strip(),
                "spend": row["spend"].strip() or "0",
                "account": row["account"].strip() or None,
            }
        )

    return _read(path, CUSTOMER_COLUMNS, build, key=lambda customer: customer.phone)


def read_reps(path: Path, region: str) -> list[Rep]:
    """Parse a reps CSV (`id,name,endpoint,role,password`), or raise `CsvImportError`."""

    def build(row: Row) -> Rep:
        endpoint = row["endpoint"].strip()
        if not endpoint.startswith("client:"):
            endpoint = to_e164(endpoint, region)
        if not row["password"]:
            raise ValueError("password is empty")
        return Rep.model_validate(
            {
                "id": row["id"].strip(),
                "name": row["name"].strip(),
                "endpoint": endpoint,
                "role": row["role"].strip().lower(),
                "password_hash": generate_password_hash(row["password"]),
            }
        )

    return _read(path, REP_COLUMNS, build, key=lambda rep: rep.id)


def _read(
    path: Path,
    columns: tuple[str, ...],
    build: Callable[[Row], M],
    key: Callable[[M], str],
) -> list[M]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in columns if column not in (reader.fieldnames or ())]
        if missing:
            raise CsvImportError(path, [RowError(1, f"missing column(s): {', '.join(missing)}")])
        records: list[M] = []
        errors: list[RowError] = []
        first_line_of: dict[str, int] = {}
        for row in reader:
            line = reader.line_num
            try:
                record = build(_cells(row, columns))
            except (ValidationError, InvalidPhoneNumber, ValueError) as exc:
                errors.append(RowError(line, _describe(exc)))
                continue
            if key(record) in first_line_of:
                errors.append(
                    RowError(line, f"{key(record)} already on line {first_line_of[key(record)]}")
                )
                continue
            first_line_of[key(record)] = line
            records.append(record)
    if errors:
        raise CsvImportError(path, errors)
    return records


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
        return "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'row'}: {error['msg']}"
            for error in exc.errors()
        )
    return str(exc)
