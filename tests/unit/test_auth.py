"""Password hashing with and without the server secret (pepper)."""

from __future__ import annotations

from hub import auth

N = 2**10  # fast for tests; the scheme records it


def test_plain_hash_verifies_and_rejects() -> None:
    stored = auth.hash_password("correct horse", n=N)
    assert stored.startswith("scrypt$")
    assert auth.verify_password("correct horse", stored)
    assert not auth.verify_password("wrong horse", stored)
    assert auth.hash_password("correct horse", n=N) != stored  # salted


def test_peppered_hash_needs_the_same_secret() -> None:
    stored = auth.hash_password("correct horse", n=N, pepper="s3cret")
    assert stored.startswith("scrypt+hmac$")
    assert auth.verify_password("correct horse", stored, pepper="s3cret")
    assert not auth.verify_password("correct horse", stored, pepper="other")
    assert not auth.verify_password("correct horse", stored)  # secret lost: no login


def test_accounts_from_before_the_secret_still_log_in() -> None:
    stored = auth.hash_password("correct horse", n=N)
    assert auth.verify_password("correct horse", stored, pepper="s3cret")


def test_damaged_hashes_never_verify() -> None:
    for stored in ("", "scrypt$1$2", "md5$1$1$1$00$00", "scrypt$x$8$1$zz$00"):
        assert not auth.verify_password("anything", stored)
