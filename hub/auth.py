"""Passwords and session tokens, pure.

Passwords are stored only as salted scrypt hashes (standard library). With a server
secret (`--secret`), the password is first keyed with it (HMAC-SHA256, a "pepper"): a
stolen database alone then does not even allow guessing passwords offline. The scheme
names which was used, so accounts made before a secret was set still log in. Tokens are
random; the store keeps only their SHA-256, so a leaked database holds no usable token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1  # ~16 MiB, tens of milliseconds: slow for guessing, fine for login
MIN_PASSWORD = 8
MAX_PASSWORD = 256


def _keyed(password: str, pepper: str | None) -> bytes:
    if pepper is None:
        return password.encode()
    return hmac.new(pepper.encode(), password.encode(), hashlib.sha256).digest()


def hash_password(password: str, *, n: int = _N, pepper: str | None = None) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(_keyed(password, pepper), salt=salt, n=n, r=_R, p=_P, dklen=32)
    scheme = "scrypt" if pepper is None else "scrypt+hmac"
    return f"{scheme}${n}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str, *, pepper: str | None = None) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme == "scrypt":
            keyed = password.encode()
        elif scheme == "scrypt+hmac" and pepper is not None:
            keyed = _keyed(password, pepper)
        else:  # unknown scheme, or peppered while this hub has no secret
            return False
        actual = hashlib.scrypt(keyed, salt=bytes.fromhex(salt), n=int(n),
                                r=int(r), p=int(p), dklen=len(digest) // 2)
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual.hex(), digest)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login_id(token_hash: str) -> str:
    """A short public name for one login (session): revocation signals carry this, never
    the token or its full hash."""
    return token_hash[:16]

