"""Who may sign in to the back office: passwords, sign-in, throttling, session limits.

The functions here take what they need as arguments (an email, an IP, the time)
and never read the request, so they can be tested with a clock of our own.
Only `load_staff_user` runs inside a request. Roles and areas are the back-office
kit's (shop.backoffice.roles and shop.backoffice.access).
"""

from __future__ import annotations

import logging
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from shop.admin.models import LoginAttempt, SignInLock, StaffUser
from shop.extensions import database_kind, db, login_manager
from shop.models import utcnow
from shop.text import normalise_email

logger = logging.getLogger(__name__)

_USER_ID = re.compile(r"(\d{1,18}):(\d{1,9})", re.ASCII)


@login_manager.user_loader
def load_staff_user(user_id: str) -> StaffUser | None:
    """The account a session cookie names, if it still exists, is active and its
    session version has not moved on (which ends older sessions)."""
    match = _USER_ID.fullmatch(user_id or "")
    if match is None:
        return None
    user = db.session.get(StaffUser, int(match[1]))
    if user is None or not user.is_active or user.session_version != int(match[2]):
        return None
    return user


# How long a staff session lasts ---------------------------------------------------

# A staff session is a browser-session cookie that also carries when its owner signed
# in and when they were last seen, both signed with it. A copy of the cookie (from a
# shared computer, a proxy log, malware) stops working after STAFF_IDLE_MINUTES without
# use, and every session after STAFF_SESSION_HOURS, whoever holds it.
SESSION_IDLE = "idle"
SESSION_TOO_LONG = "too_long"
SESSION_UNDATED = "undated"

SESSION_ENDED_MESSAGES = {
    SESSION_IDLE: "You were signed out after {idle} minutes without activity. "
    "Please sign in again.",
    SESSION_TOO_LONG: "You were signed out because back-office sessions last at most "
    "{hours} hours. Please sign in again.",
    SESSION_UNDATED: "Your back-office session has ended. Please sign in again.",
}


def staff_session_ending(
    signed_in_at: object,
    seen_at: object,
    now: datetime,
    idle: timedelta,
    lifetime: timedelta,
) -> str | None:
    """Why a staff session must end at `now`, or None if it may go on.

    `signed_in_at` and `seen_at` are the POSIX timestamps (whole seconds) kept in the
    session; anything else (missing, from an older cookie) ends it.
    """
    if not all(type(value) is int for value in (signed_in_at, seen_at)):
        return SESSION_UNDATED
    moment = now.timestamp()
    if moment - signed_in_at >= lifetime.total_seconds():
        return SESSION_TOO_LONG
    if moment - seen_at >= idle.total_seconds():
        return SESSION_IDLE
    return None


# Emails and passwords -----------------------------------------------------------

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256  # hashing is deliberately slow; don't let anyone send a novel
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
_EDGE_DIGITS_AND_SYMBOLS = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def hash_password(password: str) -> str:
    """A salted scrypt hash of `password`, in werkzeug's self-describing format."""
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(32))


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords people pick most often, lower-cased."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why `password` is too weak for a staff account, or None if it will do."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Use at least {PASSWORD_MIN_LENGTH} characters."
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Use at most {PASSWORD_MAX_LENGTH} characters."
    lowered = password.lower()
    if len(set(lowered)) < 5:
        return "That password repeats too few different characters. Choose something less regular."
    common = common_passwords()
    # "sunshine2024!!!!" is "sunshine" with decoration: as easy to guess.
    squashed = "".join(lowered.split())
    core = _EDGE_DIGITS_AND_SYMBOLS.sub("", squashed)
    if lowered in common or squashed in common or (core and core in common):
        return (
            "That password is one of the most commonly used ones. "
            "Choose something less guessable, such as three or four unrelated words."
        )
    local_part = normalise_email(email).partition("@")[0]
    pieces = {local_part} | {p for p in re.split(r"[._+\-]", local_part) if len(p) >= 4}
    if any(len(piece) >= 3 and piece in lowered for piece in pieces):
        return "Don't include your email address in the password."
    return None


# Signing in and throttling ------------------------------------------------------

# Five failures for one email within 15 minutes hold that email back for a
# minute: no password is even checked until the wait is over. Each further
# failure that follows within an hour of the one before doubles the wait, up to
# 15 minutes. A successful sign-in starts again from nothing. So the person who
# owns the account waits at most 15 minutes, whoever is guessing gets a handful
# of tries an hour, and attempts made while held back don't count.
THROTTLE_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_CHAIN_GAP = timedelta(hours=1)
THROTTLE_FIRST_WAIT = timedelta(minutes=1)
THROTTLE_MAX_WAIT = timedelta(minutes=15)
_THROTTLE_HISTORY = 50  # recent failures to look at; far more than the wait needs to top out
_MAX_STREAK = 1 + math.ceil(math.log2(THROTTLE_MAX_WAIT / THROTTLE_FIRST_WAIT))


def held_until(failures: list[datetime], history_cut: bool = False) -> datetime | None:
    """When a run of failed sign-ins (oldest first, none since the last success)
    stops holding the email back, or None if it does not hold it back at all.

    `history_cut` says older failures were left out, so the run already counts
    as at its longest.
    """
    streak = _MAX_STREAK if history_cut else 0
    oldest_in_window = 0
    for index, at in enumerate(failures):
        while at - failures[oldest_in_window] >= THROTTLE_WINDOW:
            oldest_in_window += 1
        previous = failures[index - 1] if index else None
        if streak and (previous is None or at - previous <= THROTTLE_CHAIN_GAP):
            streak += 1
        elif index - oldest_in_window + 1 >= THROTTLE_FAILURES:
            streak = 1
        else:
            streak = 0
    if not streak:
        return None
    wait = min(THROTTLE_FIRST_WAIT * 2 ** min(streak - 1, _MAX_STREAK), THROTTLE_MAX_WAIT)
    return failures[-1] + wait


def sign_in_wait(email: str, now: datetime) -> timedelta | None:
    """How long sign-ins for `email` are held back from `now`, or None."""
    rows = db.session.execute(
        select(LoginAttempt.at, LoginAttempt.succeeded)
        .where(LoginAttempt.email == normalise_email(email)[:254])
        .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc())
        .limit(_THROTTLE_HISTORY)
    ).all()
    failures: list[datetime] = []
    for at, succeeded in rows:
        if succeeded:
            break
        failures.append(at)
    history_cut = len(failures) == _THROTTLE_HISTORY
    until = held_until(failures[::-1], history_cut)
    if until is None or until <= now:
        return None
    return until - now


def wait_message(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return f"Too many attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}."


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to: the user on success, the wait when held back."""

    user: StaffUser | None = None
    wait: timedelta | None = None


def take_sign_in_turn(email: str, now: datetime) -> None:
    """Lock `email`'s SignInLock row (made if missing) until the transaction ends.

    One statement, INSERT ... ON CONFLICT DO UPDATE, on SQLite and PostgreSQL alike: on
    PostgreSQL it locks the row, so a second attempt for the same email waits here until
    the first commits; SQLite lets one writer in at a time. Whoever comes next then
    reads the failures recorded before it.
    """
    dialect = database_kind()
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the shop runs on these two
        raise RuntimeError(f"no sign-in lock for {dialect}")
    statement = insert(SignInLock).values(email=email, last_attempt_at=now)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[SignInLock.email],
            set_={"last_attempt_at": statement.excluded.last_attempt_at},
        )
    )


def authenticate(email: str, password: str, ip: str | None, now: datetime | None = None) -> SignIn:
    """Check an email and password, record the attempt, and flush.

    Unknown emails, wrong passwords and deactivated accounts all fail the same
    way (and take as long), so the answer never says which emails have accounts.

    Attempts for one email are checked one at a time (take_sign_in_turn), from the
    hold check to the recorded attempt, so call this first in a transaction and
    commit straight after: twenty guesses sent at once get no more password checks
    than five sent one after another.
    """
    now = now or utcnow()
    email = normalise_email(email)[:254]
    take_sign_in_turn(email, now)
    wait = sign_in_wait(email, now)
    if wait is not None:
        logger.warning("Staff sign-in held back for %s from %s", email, ip)
        return SignIn(wait=wait)
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email)) if email else None
    if user is None:
        verify_password(_dummy_hash(), password)
        succeeded = False
    else:
        succeeded = verify_password(user.password_hash, password) and user.is_active
    db.session.add(LoginAttempt(email=email, ip=(ip or "")[:64], at=now, succeeded=succeeded))
    if succeeded:
        user.last_login_at = now
    db.session.flush()
    return SignIn(user=user if succeeded else None)


def forget_old_sign_in_attempts(now: datetime, keep_days: int) -> tuple[int, int]:
    """Delete staff sign-in attempts older than `keep_days`, and the per-email turn rows
    nobody has used for a day (flushes); returns how many of each went.

    Old attempts can no longer hold anyone back: a hold ends at most THROTTLE_MAX_WAIT
    after the last failure, and a run of guesses long enough to matter stays at the
    longest wait on the failures still kept. Each member of staff's last sign-in stays
    on their account (StaffUser.last_login_at).
    """
    attempts = db.session.execute(
        delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(days=max(keep_days, 1)))
    ).rowcount
    locks = db.session.execute(
        delete(SignInLock).where(SignInLock.last_attempt_at < now - timedelta(days=1))
    ).rowcount
    return attempts, locks
