"""The server's secret key (``GONGKAI_SECRET_KEY``), kept outside the database, and what it protects: the audit
chain's MACs and the webhook signing secrets (encrypted at rest). Design mistake 8: no secret kept in clear.

Each key has an id (``GONGKAI_SECRET_KEY_ID``) written next to what it keys, so keys can be rotated: set the new key
and id, move the old one to ``GONGKAI_OLD_SECRET_KEYS`` (``id:key,id:key``), run ``gongkai secrets reencrypt`` to
re-encrypt the webhook secrets under the new key; audit records keep the id of the key that signed them, so the old
key stays in ``GONGKAI_OLD_SECRET_KEYS`` for as long as those records must be verified.

Outside production a fixed, public development key (id ``dev``) is used when none is set; production refuses to
start without one (``app.settings``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DEV_KEY_ID = "dev"
DEV_KEY = "gongkai development key: public, never for production"
ENCRYPTED_PREFIX = "enc:"
SESSION_INFO_KEY = "gongkai.keyring"


class KeyMissing(LookupError):
    """A value was keyed with a key id that is not configured (any more)."""


@dataclass(frozen=True)
class Keyring:
    current: str
    keys: Mapping[str, bytes]

    def _key(self, key_id: str | None) -> bytes:
        name = key_id or self.current
        if name not in self.keys:
            raise KeyMissing(name)
        return self.keys[name]

    def mac(self, purpose: str, data: bytes, key_id: str | None = None) -> str:
        """HMAC-SHA256 of ``data`` under the key ``key_id`` (default: the current one), separated by ``purpose``."""
        subkey = hmac.new(self._key(key_id), purpose.encode(), hashlib.sha256).digest()
        return hmac.new(subkey, data, hashlib.sha256).hexdigest()

    def _fernet(self, key_id: str) -> Fernet:
        subkey = hmac.new(self._key(key_id), b"encryption at rest", hashlib.sha256).digest()
        return Fernet(base64.urlsafe_b64encode(subkey))

    def encrypt(self, plain: str) -> str:
        """``enc:<key id>:<Fernet token>`` (AES-128-CBC with HMAC-SHA256, under a key derived from the current key)."""
        token = self._fernet(self.current).encrypt(plain.encode()).decode()
        return f"{ENCRYPTED_PREFIX}{self.current}:{token}"

    def decrypt(self, stored: str) -> str:
        """The plain value; a value stored before encryption was introduced is returned as it is."""
        if not stored.startswith(ENCRYPTED_PREFIX):
            return stored
        key_id, _, token = stored.removeprefix(ENCRYPTED_PREFIX).partition(":")
        try:
            return self._fernet(key_id).decrypt(token.encode()).decode()
        except InvalidToken:
            raise KeyMissing(key_id) from None

    def is_current(self, stored: str) -> bool:
        return stored.startswith(f"{ENCRYPTED_PREFIX}{self.current}:")


def keyring(secret_key: str | None, key_id: str, old_keys: str | None) -> Keyring:
    """The configured keys (or the development key), the current one first."""
    keys: dict[str, bytes] = {}
    for entry in (old_keys or "").split(","):
        name, sep, value = entry.strip().partition(":")
        if sep and name and value:
            keys[name] = value.encode()
    if secret_key:
        keys[key_id] = secret_key.encode()
        return Keyring(key_id, keys)
    keys[DEV_KEY_ID] = DEV_KEY.encode()
    return Keyring(DEV_KEY_ID, keys)


DEVELOPMENT = keyring(None, DEV_KEY_ID, None)


def of(session: Session) -> Keyring:
    """The keys of a unit of work, given to its session factory (``app.db.make_session_factory``); the development
    key for a factory made without settings (tests)."""
    ring = session.info.get(SESSION_INFO_KEY)
    return ring if isinstance(ring, Keyring) else DEVELOPMENT
