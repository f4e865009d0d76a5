"""Rep passwords are kept only as salted scrypt hashes that say how they were made."""

from __future__ import annotations

import base64
import hashlib

from crm.passwords import hash_password, verify_password


def test_the_right_password_verifies_and_a_wrong_one_does_not() -> None:
    hashed = hash_password("s3cret")
    assert verify_password("s3cret", hashed)
    assert not verify_password("s3cret ", hashed)
    assert not verify_password("S3cret", hashed)
    assert not verify_password("", hashed)


def test_two_hashes_of_one_password_differ_and_both_verify() -> None:
    first, second = hash_password("demo"), hash_password("demo")
    assert first != second
    assert verify_password("demo", first) and verify_password("demo", second)


def test_a_hash_names_its_scheme_and_parameters_and_hides_the_password() -> None:
    hashed = hash_password("s3cret")
    scheme, n, r, p, salt, digest = hashed.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert salt and digest and "s3cret" not in hashed


def test_a_hash_made_with_other_parameters_still_verifies() -> None:
    # Parameters are read from the hash, so raising the cost later keeps old hashes working.
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"old", salt=salt, n=2**10, r=8, p=1, dklen=32)
    hashed = (
        f"scrypt$1024$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    )
    assert verify_password("old", hashed)
    assert not verify_password("new", hashed)


def test_anything_that_is_not_one_of_our_hashes_verifies_nothing() -> None:
    for stored in ("", "x", "pbkdf2:sha256$abc$def", "scrypt$a$b$c$d$e", "scrypt$1024$8$1$!!$!!"):
        assert not verify_password("x", stored)
