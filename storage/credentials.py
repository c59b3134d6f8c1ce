"""The OS credential store through keyring, refusing backends that would not protect a secret."""

from __future__ import annotations

import base64
import contextlib

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

SERVICE = "Strongroom"

_REFUSED = {
    "keyring.backends.fail": "no usable credential store was found on this computer",
    "keyring.backends.null": "the credential store is disabled (null keyring)",
    "keyrings.alt.file": "the only credential store found keeps secrets in a plain file",
}


def refusal(backend: KeyringBackend) -> str | None:
    """Why a backend must not hold Strongroom secrets, or None when it may."""
    children = getattr(backend, "backends", None)
    if children is not None:
        # The chainer writes to its first backend (by priority): a safe store further down the
        # chain would not stop the secret landing in a plaintext file first.
        children = list(children)
        return refusal(children[0]) if children else _REFUSED["keyring.backends.fail"]
    module = type(backend).__module__
    for prefix, reason in _REFUSED.items():
        if module.startswith(prefix):
            return reason
    name = type(backend).__name__.lower()
    if "plaintext" in name or "uncrypted" in name or getattr(backend, "priority", 1) <= 0:
        return "the only credential store found does not encrypt what it keeps"
    return None


class KeyringCredentials:
    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend

    def _kr(self) -> KeyringBackend:
        return self._backend or keyring.get_keyring()

    def unavailable_reason(self) -> str | None:
        try:
            reason = refusal(self._kr())
        except Exception as exc:  # a broken backend must not break the login window
            return f"the credential store cannot be used ({type(exc).__name__})"
        return f"Remember on this computer is off: {reason}." if reason else None

    def get(self, account: str) -> bytes | None:
        if self.unavailable_reason():
            return None
        try:
            value = self._kr().get_password(SERVICE, account)
        except keyring.errors.KeyringError:
            return None
        return base64.b64decode(value) if value else None

    def put(self, account: str, secret: bytes) -> None:
        if self.unavailable_reason():
            raise RuntimeError(self.unavailable_reason())
        self._kr().set_password(SERVICE, account, base64.b64encode(secret).decode("ascii"))

    def delete(self, account: str) -> None:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            self._kr().delete_password(SERVICE, account)
