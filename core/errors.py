"""Errors that cross the core boundary; every message is meant to be shown to a person."""

from __future__ import annotations


class StrongroomError(Exception):
    """Base of every error the application reports to its user instead of a traceback."""


class AuthenticationFailed(StrongroomError):
    """Unknown user, wrong password or disabled account: deliberately indistinguishable."""

    def __init__(self) -> None:
        super().__init__("Unknown user or wrong password.")


class RecoveryKeyRejected(AuthenticationFailed):
    """The recovery key typed does not open this vault (mistyped, or regenerated since)."""

    def __init__(self) -> None:
        StrongroomError.__init__(self, "That recovery key does not open this vault. Check it "
                                       "for typing mistakes; a regenerated key replaces older "
                                       "ones.")


class UnlockThrottled(StrongroomError):
    """Too many failed unlocks for this user name: wait before the next attempt."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"Too many failed attempts. Try again in {_seconds(retry_after)}."
        )


class VaultDamaged(StrongroomError):
    """A vault file failed its integrity check: never shown as data."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        text = "The vault is damaged or has been tampered with"
        super().__init__(f"{text}: {detail}" if detail else f"{text}.")


class VaultInaccessible(StrongroomError):
    """The vault's files are there but cannot be opened or written (permissions, a read-only
    disk): not damage, and nothing to restore from a backup."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"The vault's files cannot be opened for reading and writing ({detail}). Check that "
            "your account has permission to read and write the vault folder and every file in "
            "it, and that the disk is not read-only."
        )


class VaultTooNew(StrongroomError):
    def __init__(self, found: int, supported: int) -> None:
        self.found, self.supported = found, supported
        super().__init__(
            f"This vault was written by a newer version of Strongroom (format {found}; this "
            f"version reads up to {supported}). Install the newer version to open it."
        )


class VaultNotFound(StrongroomError):
    pass


class VaultExists(StrongroomError):
    pass


class VaultLocked(StrongroomError):
    def __init__(self) -> None:
        super().__init__("The vault is locked.")


class PermissionDenied(StrongroomError):
    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(f"You do not have permission to {action}.")


class PolicyViolation(StrongroomError):
    """A password or setting that the vault's policy rejects; reasons are listed for the user."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(" ".join(reasons))


class NotFound(StrongroomError):
    pass


class InvalidInput(StrongroomError):
    pass


class PasswordChangeRequired(StrongroomError):
    def __init__(self) -> None:
        super().__init__("Your password was reset: choose a new password before continuing.")


def _seconds(value: float) -> str:
    whole = max(1, round(value))
    return "1 second" if whole == 1 else f"{whole} seconds"
