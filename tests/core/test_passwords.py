"""The password policy: length, common passwords and their obvious variants, the user's own name,
and no reuse of the last five; an administrator's reset forces a change at next login."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.auth import Authenticator
from core.errors import AuthenticationFailed, PasswordChangeRequired, PolicyViolation
from core.passwords import PasswordRules, load_common_passwords
from core.policy import Policy
from core.roles import Permission, Role
from core.session import Session
from tests.conftest import ADMIN, ROOT, USERS

COMMON = sorted(load_common_passwords(ROOT / "resources" / "common-passwords.txt"))
MEI, MEI_PW = USERS[Role.SALES_MANAGER]
REP, REP_PW = USERS[Role.SALES_REP]


def _reasons(rules: PasswordRules, password: str, name: str = "Some Body") -> list[str]:
    return rules.problems(password, name, Policy())


def test_the_common_list_is_loaded() -> None:
    assert len(COMMON) > 10_000
    assert {"password", "123456", "qwerty", "woaini1314"} <= set(COMMON)


@pytest.mark.parametrize("password", ["", "a", "elevenchars", "short 1 2 3"])
def test_under_twelve_characters_is_refused(rules: PasswordRules, password: str) -> None:
    assert len(password) < 12
    assert any("at least 12" in r for r in _reasons(rules, password))


def test_twelve_characters_are_counted_as_characters_not_bytes(rules: PasswordRules) -> None:
    assert _reasons(rules, "雨后竹林很安静夜里听风声") == []  # 12 characters, 36 bytes
    assert any("at least" in r for r in _reasons(rules, "雨后竹林很安静夜里听风"))


@pytest.mark.parametrize("password", ["password123456", "PASSWORD123456", "Password!!2024!",
                                      "123456password", "qwertyuiop123", "WoAiNi1314!!!!",
                                      "changeme123456", "Admin@123456"])
def test_common_passwords_and_variants_are_refused(rules: PasswordRules, password: str) -> None:
    assert len(password) >= 12
    with pytest.raises(PolicyViolation) as info:
        rules.check(password, "Some Body", Policy())
    assert any("commonly used" in r for r in info.value.reasons)


@settings(max_examples=60, deadline=None)
@given(word=st.sampled_from([w for w in COMMON if w.isalpha() and len(w) >= 4]),
       prefix=st.text("0123456789!@#", max_size=3), suffix=st.text("0123456789!.?", max_size=8),
       upper=st.booleans())
def test_any_common_word_with_digits_or_symbols_around_it_is_refused(
        rules: PasswordRules, word: str, prefix: str, suffix: str, upper: bool) -> None:
    password = prefix + (word.upper() if upper else word) + suffix
    assert any("commonly used" in r for r in _reasons(rules, password))


@pytest.mark.parametrize(("name", "password"), [
    ("Mei Manager", "my mei manager secret"),
    ("Mei Manager", "MEI MANAGER forever and ever"),
    ("Frank Finance", "xxfrank financexx 2026"),
    ("王芳", "雨后的竹林王芳很安静 2026"),
    ("Ólafur", "olafur? no: ÓLAFUR rules 99"),
])
def test_a_password_containing_the_user_name_is_refused(rules: PasswordRules, name: str,
                                                        password: str) -> None:
    with pytest.raises(PolicyViolation) as info:
        rules.check(password, name, Policy())
    assert any("user name" in r for r in info.value.reasons)


def test_a_good_password_passes_and_reasons_accumulate(rules: PasswordRules) -> None:
    assert _reasons(rules, "correct horse battery staple") == []
    reasons = _reasons(rules, "password", "password")
    assert len(reasons) >= 2  # too short and common (and containing the name)


def test_reuse_of_the_last_five_is_refused_but_the_sixth_oldest_is_allowed(
        auth: Authenticator, vault_path: Path) -> None:
    session = auth.login(vault_path, MEI, MEI_PW)
    history = [MEI_PW]
    try:
        for i in range(1, 6):
            new = f"rotation phrase number {i}"
            session.change_password(history[-1], new)
            history.append(new)
        current = history[-1]
        for old in history[-5:-1]:  # the four before the current one
            with pytest.raises(PolicyViolation) as info:
                session.change_password(current, old)
            assert any("used recently" in r for r in info.value.reasons)
        with pytest.raises(PolicyViolation):
            session.change_password(current, current)
        # MEI_PW is now the sixth-oldest: allowed again.
        session.change_password(current, MEI_PW)
    finally:
        session.close()
    auth.login(vault_path, MEI, MEI_PW).close()


def test_a_longer_history_policy_is_honoured(admin_session: Session, auth: Authenticator,
                                             vault_path: Path) -> None:
    admin_session.policies.update(admin_session.user, Policy(password_history=8,
                                                             min_password_length=16))
    admin_session.close()
    session = auth.login(vault_path, MEI, MEI_PW)
    try:
        with pytest.raises(PolicyViolation) as info:
            session.change_password(MEI_PW, "fifteen chars!!")
        assert any("at least 16" in r for r in info.value.reasons)
        previous = MEI_PW
        for i in range(1, 7):
            session.change_password(previous, f"a longer rotation phrase {i}")
            previous = f"a longer rotation phrase {i}"
        with pytest.raises(PolicyViolation) as reuse:  # 7th-newest, kept: history is 8
            session.change_password(previous, MEI_PW)
        assert any("last 8" in r for r in reuse.value.reasons)
    finally:
        session.close()


def test_admin_reset_forces_a_change_at_next_login(admin_session: Session, auth: Authenticator,
                                                   vault_path: Path) -> None:
    admin = admin_session
    rep = admin.accounts.find(admin.user, REP)
    user, temporary = admin.accounts.reset_password(admin.user, rep.id)
    assert user.must_change_password and temporary
    admin.close()
    with pytest.raises(AuthenticationFailed):
        auth.login(vault_path, REP, REP_PW)
    session = auth.login(vault_path, REP, temporary)
    try:
        assert session.user.must_change_password
        assert not any(session.can(p) for p in Permission)
        with pytest.raises(PasswordChangeRequired):
            session.accounts.list_users(session.user)
        with pytest.raises(PolicyViolation):
            session.change_password(temporary, temporary)
        with pytest.raises(PolicyViolation):
            session.change_password(temporary, REP_PW)  # the old one is in the history
        session.change_password(temporary, "a fresh rep phrase 88")
        assert not session.user.must_change_password
    finally:
        session.close()
    again = auth.login(vault_path, REP, "a fresh rep phrase 88")
    assert not again.user.must_change_password
    again.close()


def test_a_weak_temporary_password_is_refused(admin_session: Session) -> None:
    rep = admin_session.accounts.find(admin_session.user, REP)
    with pytest.raises(PolicyViolation):
        admin_session.accounts.reset_password(admin_session.user, rep.id, temporary="abc")


def test_passwords_are_compared_in_one_unicode_form(admin_session: Session, auth: Authenticator,
                                                    vault_path: Path) -> None:
    """A password typed with a combining accent (NFD, as macOS input may send it) is the same
    password as the precomposed one."""
    nfc = unicodedata.normalize("NFC", "café crème brûlée 12")
    admin_session.accounts.add_user(admin_session.user, "Chloé Chef", Role.FINANCE, nfc,
                                    must_change=False)
    admin_session.close()
    auth.login(vault_path, "Chloé Chef", unicodedata.normalize("NFD", nfc)).close()
    auth.login(vault_path, unicodedata.normalize("NFD", "Chloé Chef"), nfc).close()


def test_admin_cannot_set_a_common_password_for_a_new_user(admin_session: Session) -> None:
    with pytest.raises(PolicyViolation):
        admin_session.accounts.add_user(admin_session.user, "Nora New", Role.SALES_REP,
                                        "password123456")
    assert all(u.name != "Nora New"
               for u in admin_session.accounts.list_users(admin_session.user))
    assert ADMIN[0] in {u.name for u in admin_session.accounts.list_users(admin_session.user)}
