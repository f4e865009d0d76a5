"""Rep passwords, stored only as salted scrypt hashes, on the standard library alone.

The format names its own parameters (`scrypt$n$r$p$salt$hash`, salt and hash in base64), so the
cost can be raised later without breaking the hashes already stored: each is checked with the
parameters it was made with.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
# scrypt's cost: about 16 MiB of memory and some tens of milliseconds per hash on a server.
COST = 2**14
BLOCK_SIZE = 8
PARALLELISM = 1
SALT_BYTES = 16
HASH_BYTES = 32
# A stored hash may ask for more than we would ever choose; refuse it rather than exhaust memory.
_MAX_MEMORY = 64 * 1024 * 1024


def hash_password(plain: str) -> str:
    """A new salted hash of `plain`; two hashes of one password differ."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(plain, salt, COST, BLOCK_SIZE, PARALLELISM, HASH_BYTES)
    return "$".join(
        [SCHEME, str(COST), str(BLOCK_SIZE), str(PARALLELISM), _b64(salt), _b64(digest)]
    )


def verify_password(plain: str, hashed: str) -> bool:
    """True if `plain` is the password `hashed` was made from; False for any other text."""
    try:
        scheme, n, r, p, salt, digest = hashed.split("$")
        if scheme != SCHEME:
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = _scrypt(
            plain, base64.b64decode(salt, validate=True), int(n), int(r), int(p), len(expected)
        )
    except ValueError:  # not one of our hashes, or parameters scrypt refuses
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(plain: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        plain.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAX_MEMORY, dklen=length
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
