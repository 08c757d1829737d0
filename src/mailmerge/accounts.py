"""Accounts of the office (issue 23): roles, argon2 password hashes, sign-in with lockout, sessions.

The library side of `mailmerge user …` and of the sign-in page; the database is officestore's.
Every function takes ``now`` (seconds since the epoch) so a test can move the clock without sleeping.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mailmerge import messages
from mailmerge.errors import MailmergeError
from mailmerge.officestore import OfficeStore, User, accounts_path

# The roles, least first: each may do what the ones before it may.
VIEWER, CHECKER, MANAGER = "閲覧", "確認", "管理"
ROLES = (VIEWER, CHECKER, MANAGER)
# OWASP's first argon2id setting (19 MiB, 2 passes, 1 lane): a sign-in stays within half a second here.
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Wrong passwords in a row before the account waits; the wait doubles with each further one.
FREE_FAILURES = 5
FIRST_WAIT = 30.0
LONGEST_WAIT = 3600.0
DEFAULT_IDLE_HOURS = 8.0
MAX_NAME = 40
MIN_PASSWORD = 8


class AccountError(MailmergeError):
    """An account command or a sign-in cannot be done as asked."""


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to: the account (None when refused), or how long to wait."""

    user: User | None
    wait_seconds: int = 0


def may(role: str, least: str) -> bool:
    """Return whether an account of ``role`` may do what needs ``least``."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(least)


def open_store(config_root: Path) -> OfficeStore:
    return OfficeStore(accounts_path(config_root))


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(not c.isprintable() or c in "<>&\"'/\\" for c in name):
        raise AccountError(messages.USER_BAD_NAME.format(limit=MAX_NAME))
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(messages.USER_BAD_ROLE.format(role=role, roles="|".join(ROLES)))
    return role


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(messages.USER_SHORT_PASSWORD.format(length=MIN_PASSWORD))
    return HASHER.hash(password)


def _known(store: OfficeStore, name: str) -> User:
    user = store.user(name)
    if user is None:
        raise AccountError(messages.USER_UNKNOWN.format(name=name))
    return user


def add_user(store: OfficeStore, name: str, role: str, password: str, now: float) -> str:
    name, role = _check_name(name), _check_role(role)
    if not store.add_user(name, role, _hash(password), now):
        raise AccountError(messages.USER_EXISTS.format(name=name))
    return name


def set_password(store: OfficeStore, name: str, password: str) -> None:
    _known(store, name)
    store.update_user(name, hash=_hash(password), failures=0, wait_until=0)


def set_disabled(store: OfficeStore, name: str, disabled: bool = True) -> None:
    _known(store, name)
    store.update_user(name, disabled=int(disabled))


def set_role(store: OfficeStore, name: str, role: str) -> None:
    _known(store, name)
    store.update_user(name, role=_check_role(role))


def sign_in(store: OfficeStore, name: str, password: str, now: float) -> SignIn:
    """Check a name and password; a waiting account is not checked at all (its wait is returned).

    An unknown name costs a hash as a known one does, so the time taken does not tell which names exist.
    """
    user = store.user(name.strip())
    if user is not None and user.wait_until > now:
        return SignIn(None, math.ceil(user.wait_until - now))
    try:
        HASHER.verify(user.hash if user else _DUMMY_HASH, password)
        ok = user is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if user is None:
        return SignIn(None)
    if not ok or user.disabled:
        failures = user.failures + (0 if ok else 1)
        wait = _wait_after(failures)
        store.update_user(user.name, failures=failures, wait_until=now + wait if wait else 0)
        return SignIn(None, math.ceil(wait))
    if user.failures or HASHER.check_needs_rehash(user.hash):
        store.update_user(
            user.name,
            failures=0,
            wait_until=0,
            **({"hash": HASHER.hash(password)} if HASHER.check_needs_rehash(user.hash) else {}),
        )
    return SignIn(user)


def _wait_after(failures: int) -> float:
    """Return how long an account waits after ``failures`` wrong passwords in a row (0 for the first four)."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(FIRST_WAIT * 2 ** (failures - FREE_FAILURES), LONGEST_WAIT)


_DUMMY_HASH = HASHER.hash("mailmerge: no such account")


# --- sessions ------------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Session:
    """A live session: its account, and the CSRF token its pages' forms carry (its own, not another's)."""

    user: User
    csrf: str


def new_session(store: OfficeStore, name: str, now: float) -> str:
    """Start a session for a signed-in account, with its own CSRF token; return the cookie's value."""
    token = secrets.token_urlsafe(32)
    store.add_session(_digest(token), name, now, secrets.token_urlsafe(32))
    return token


def live_session(store: OfficeStore, token: str, now: float, idle_seconds: float) -> Session | None:
    """Return a live session (its idle time starts again), or None (ended, expired, account disabled)."""
    if not token:
        return None
    found = store.session(_digest(token))
    if found is None:
        return None
    user, last_seen, csrf = found
    if now - last_seen > idle_seconds:
        store.end_session(_digest(token))
        return None
    if user.disabled or not csrf:
        return None
    if now - last_seen > 60:  # one write a minute at most per session, not one per thumbnail
        store.touch_session(_digest(token), now)
    return Session(user, csrf)


def end_session(store: OfficeStore, token: str) -> None:
    store.end_session(_digest(token))
