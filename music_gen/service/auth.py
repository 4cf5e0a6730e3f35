"""API keys: creation (shown once), hashing, lookup, revocation.

A key looks like ``mgk_<prefix>_<secret>``. The prefix (12 hex characters) is stored in
clear to find the key and to list it; the whole key is stored only as HMAC-SHA256 under the
service's secret key, compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from music_gen.errors import InvalidParameterError
from music_gen.service.exceptions import ResourceNotFoundError, UnauthorizedError
from music_gen.service.models import Account, ApiKey, utcnow
from music_gen.service.settings import TIERS

KEY_PREFIX = "mgk_"
_KEY = re.compile(r"^mgk_([0-9a-f]{12})_[A-Za-z0-9_-]{32,64}$")
#: The account every request acts as when auth is disabled (development only).
LOCAL_ACCOUNT_ID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account, its tier and the key used."""

    account_id: str
    tier: str
    # The key's id, or "local" when auth is disabled.
    key_id: str


@dataclass(frozen=True)
class KeyInfo:
    """What ``keys list`` shows about a key (never the key)."""

    id: str
    prefix: str
    name: str
    account_id: str
    tier: str
    created_at: datetime
    revoked_at: datetime | None


def hash_key(key: str, secret: str) -> str:
    """The stored form of a key."""
    return hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()


def create_key(
    session: Session, *, name: str, secret: str, tier: str = "free", account_id: str | None = None
) -> tuple[KeyInfo, str]:
    """Create a key (and a new account unless ``account_id`` names one).

    Returns:
        The key's listing entry and the key itself, which is not stored anywhere.
    """
    if not name.strip() or len(name) > 200:
        raise InvalidParameterError("name must be 1 to 200 characters", details={"field": "name"})
    if account_id is None:
        if tier not in TIERS:
            raise InvalidParameterError(
                f"Unknown tier {tier!r}; tiers: {', '.join(TIERS)}",
                details={"field": "tier", "value": tier},
            )
        account = Account(id=str(uuid.uuid4()), name=name, tier=tier)
        session.add(account)
    else:
        found = session.get(Account, account_id)
        if found is None:
            raise ResourceNotFoundError(f"No account {account_id!r}")
        account = found
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        id=str(uuid.uuid4()),
        account_id=account.id,
        name=name,
        prefix=prefix,
        key_hash=hash_key(key, secret),
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return _info(row, account), key


def list_keys(session: Session) -> list[KeyInfo]:
    """Every key, oldest first."""
    rows = session.execute(select(ApiKey, Account).join(Account).order_by(ApiKey.created_at)).all()
    return [_info(key, account) for key, account in rows]


def revoke_key(session: Session, key_or_prefix: str) -> KeyInfo:
    """Revoke a key given its id, its prefix or the key itself.

    Raises:
        ResourceNotFoundError: No such key.
    """
    match = _KEY.fullmatch(key_or_prefix)
    prefix = match.group(1) if match else key_or_prefix
    row = session.execute(
        select(ApiKey).where((ApiKey.prefix == prefix) | (ApiKey.id == key_or_prefix))
    ).scalar_one_or_none()
    if row is None:
        raise ResourceNotFoundError(f"No API key {key_or_prefix!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    account = session.get(Account, row.account_id)
    assert account is not None
    session.flush()
    return _info(row, account)


def authenticate(session: Session, authorization: str | None, secret: str) -> Principal:
    """Check an ``Authorization: Bearer <key>`` header.

    Raises:
        UnauthorizedError: Missing, malformed, unknown or revoked key.
    """
    if not authorization:
        raise UnauthorizedError("Missing API key: send 'Authorization: Bearer <key>'")
    scheme, _, key = authorization.strip().partition(" ")
    match = _KEY.fullmatch(key.strip())
    if scheme.lower() != "bearer" or match is None:
        raise UnauthorizedError("Malformed Authorization header: expected 'Bearer mgk_...'")
    row = session.execute(
        select(ApiKey, Account.tier).join(Account).where(ApiKey.prefix == match.group(1))
    ).one_or_none()
    if row is None or not hmac.compare_digest(row[0].key_hash, hash_key(key.strip(), secret)):
        raise UnauthorizedError("Invalid API key")
    api_key, tier = row
    if api_key.revoked_at is not None:
        raise UnauthorizedError("This API key has been revoked")
    return Principal(account_id=api_key.account_id, tier=tier, key_id=api_key.id)


def ensure_local_account(session: Session, tier: str = "pro") -> Principal:
    """The account used when auth is disabled (created on first use).

    Safe when several first requests arrive at once (a page loading its data in parallel):
    the row is inserted with ON CONFLICT DO NOTHING, so the second insert is a no-op.
    """
    if session.get(Account, LOCAL_ACCOUNT_ID) is None:
        dialect = session.get_bind().dialect.name
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        session.execute(
            insert(Account)
            .values(id=LOCAL_ACCOUNT_ID, name="local", tier=tier, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["id"])
        )
        session.flush()
    return Principal(account_id=LOCAL_ACCOUNT_ID, tier=tier, key_id="local")


def _info(key: ApiKey, account: Account) -> KeyInfo:
    return KeyInfo(
        id=key.id,
        prefix=key.prefix,
        name=key.name,
        account_id=account.id,
        tier=account.tier,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
    )
