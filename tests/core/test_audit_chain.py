"""core.audit on in-memory entries: the hash chain and seal name the first entry that was edited,
deleted, inserted or reordered; a cut tail shows against the anchor; secrets never reach the
details."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.audit import (
    GENESIS,
    REDACTED,
    SECRET_KEYS,
    AuditEntry,
    ChainHead,
    chain_hash,
    entry_body,
    redact,
    seal,
    verify_chain,
)

KEY = bytes(range(32))
T0 = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)


def make_chain(n: int, key: bytes = KEY, start_prev: str = GENESIS) -> list[AuditEntry]:
    entries, prev = [], start_prev
    for i in range(1, n + 1):
        at = T0 + timedelta(minutes=i)
        details: dict[str, Any] = {"n": i, "note": f"entry {i}"}
        body = entry_body(at, i % 3 or None, f"user{i % 3}", f"action.{i % 4}", "user", str(i),
                          "ok", details)
        digest = chain_hash(prev, body)
        entries.append(AuditEntry(seq=i, at=at, actor_id=i % 3 or None, actor_name=f"user{i % 3}",
                                  action=f"action.{i % 4}", object_type="user", object_id=str(i),
                                  outcome="ok", details=details, prev_hash=prev, hash=digest,
                                  seal=seal(key, digest)))
        prev = digest
    return entries


def renumber(entries: list[AuditEntry]) -> list[AuditEntry]:
    return [dataclasses.replace(e, seq=i) for i, e in enumerate(entries, start=1)]


def head(entries: list[AuditEntry]) -> ChainHead:
    return ChainHead(entries[-1].seq, entries[-1].hash)


# -- intact chains -----------------------------------------------------------------------------
@given(st.integers(min_value=0, max_value=30))
def test_an_untouched_chain_verifies(n: int) -> None:
    chain = make_chain(n)
    result = verify_chain(chain, KEY, head(chain) if chain else None)
    assert result.ok and result.entries == n and result.seq is None
    assert result.summary() == f"{n} entries, chain intact"


def test_the_seal_key_matters() -> None:
    result = verify_chain(make_chain(4), b"another key, same length, 32 b!")
    assert not result.ok and result.seq == 1 and "edited" in result.problem


# -- single changes ----------------------------------------------------------------------------
EDITS = {
    "details": lambda e: dataclasses.replace(e, details={**e.details, "n": -1}),
    "actor": lambda e: dataclasses.replace(e, actor_name="mallory"),
    "actor_id": lambda e: dataclasses.replace(e, actor_id=999),
    "action": lambda e: dataclasses.replace(e, action="nothing.happened"),
    "time": lambda e: dataclasses.replace(e, at=e.at + timedelta(seconds=1)),
    "outcome": lambda e: dataclasses.replace(e, outcome="denied"),
    "object": lambda e: dataclasses.replace(e, object_id="other"),
    "rehashed": lambda e: dataclasses.replace(
        e, details={}, hash=chain_hash(e.prev_hash, dataclasses.replace(e, details={}).body())),
}


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=25), st.data(), st.sampled_from(sorted(EDITS)))
def test_any_single_edit_is_named(n: int, data: st.DataObject, kind: str) -> None:
    chain = make_chain(n)
    k = data.draw(st.integers(min_value=1, max_value=n))
    chain[k - 1] = EDITS[kind](chain[k - 1])
    result = verify_chain(chain, KEY, head(make_chain(n)))
    assert not result.ok
    assert result.seq == k
    assert result.problem == f"entry #{k} was edited"


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=2, max_value=25), st.data())
def test_any_single_deletion_is_named(n: int, data: st.DataObject) -> None:
    chain = make_chain(n)
    anchor = head(chain)
    k = data.draw(st.integers(min_value=1, max_value=n))
    del chain[k - 1]
    result = verify_chain(chain, KEY, anchor)
    assert not result.ok
    if k < n:
        assert result.seq == k + 1
        assert result.problem == f"an entry between #{k - 1} and #{k + 1} was deleted"
    else:  # the last entry: only the anchor knows it existed
        assert verify_chain(chain, KEY).ok
        assert result.seq == n
        assert result.problem.startswith(f"entries after #{n - 1} were deleted")


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=20), st.integers(min_value=1, max_value=5),
       st.data())
def test_a_cut_tail_shows_only_against_the_anchor(keep: int, cut: int,
                                                  data: st.DataObject) -> None:
    chain = make_chain(keep + cut)
    anchor = head(chain)
    short = chain[:keep]
    assert verify_chain(short, KEY).ok  # by itself a prefix is a valid chain
    result = verify_chain(short, KEY, anchor)
    assert not result.ok and result.seq == keep + 1
    assert f"entries after #{keep} were deleted" in result.problem


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=2, max_value=25), st.data())
def test_any_swap_of_two_entries_is_named_as_reordering(n: int, data: st.DataObject) -> None:
    chain = make_chain(n)
    a = data.draw(st.integers(min_value=1, max_value=n - 1))
    b = data.draw(st.integers(min_value=a + 1, max_value=n))
    chain[a - 1], chain[b - 1] = chain[b - 1], chain[a - 1]
    result = verify_chain(renumber(chain), KEY, head(make_chain(n)))
    assert not result.ok
    assert result.seq == a
    assert result.problem == f"entry #{a} was reordered"


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=25), st.data(), st.booleans())
def test_any_forged_insertion_is_named(n: int, data: st.DataObject, knows_key: bool) -> None:
    """A forged row slipped in between k-1 and k: without the seal key it cannot seal it; with
    the key (someone who exported it) it still cannot relink the entries after it."""
    chain = make_chain(n)
    k = data.draw(st.integers(min_value=1, max_value=n))
    prev = chain[k - 2].hash if k > 1 else GENESIS
    body = entry_body(T0, 1, "mallory", "user.added", "user", "66", "ok", {"forged": True})
    digest = chain_hash(prev, body)
    forged = AuditEntry(seq=0, at=T0, actor_id=1, actor_name="mallory", action="user.added",
                        object_type="user", object_id="66", outcome="ok",
                        details={"forged": True}, prev_hash=prev, hash=digest,
                        seal=seal(KEY if knows_key else b"x" * 32, digest))
    chain.insert(k - 1, forged)
    result = verify_chain(renumber(chain), KEY, head(make_chain(n)))
    assert not result.ok
    assert result.seq == k
    assert result.problem == f"entry #{k} was inserted"


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=20), st.data())
def test_a_full_rewrite_with_the_key_shows_against_the_anchor(n: int,
                                                              data: st.DataObject) -> None:
    original = make_chain(n)
    k = data.draw(st.integers(min_value=1, max_value=n))
    rewritten, prev = [], GENESIS
    for e in original:
        changed = dataclasses.replace(e, details={"n": 0}) if e.seq == k else e
        digest = chain_hash(prev, changed.body())
        rewritten.append(dataclasses.replace(changed, prev_hash=prev, hash=digest,
                                             seal=seal(KEY, digest)))
        prev = digest
    assert verify_chain(rewritten, KEY).ok  # internally consistent
    result = verify_chain(rewritten, KEY, head(original))
    assert not result.ok and result.seq == n
    assert "rewritten" in result.problem


# -- redaction ---------------------------------------------------------------------------------
SECRET = "hunter2-secret-value"


@pytest.mark.parametrize("key", sorted(SECRET_KEYS))
def test_secret_keys_are_redacted_in_any_case(key: str) -> None:
    for spelling in (key, key.upper(), key.title()):
        out = redact({spelling: SECRET, "name": "Alice"})
        assert out == {spelling: REDACTED, "name": "Alice"}


def _values(obj: Any) -> list[Any]:
    if isinstance(obj, dict):
        return [v for x in obj.values() for v in _values(x)]
    if isinstance(obj, list | tuple):
        return [v for x in obj for v in _values(x)]
    return [obj]


secret_trees = st.recursive(
    st.dictionaries(st.sampled_from(sorted(SECRET_KEYS)), st.just(SECRET), min_size=1),
    lambda inner: st.one_of(
        st.dictionaries(st.sampled_from(["before", "after", "changes", "x"]), inner,
                        min_size=1),
        st.lists(inner, min_size=1, max_size=3).map(lambda items: {"items": items}),
    ),
    max_leaves=8,
)


@given(secret_trees)
def test_secrets_are_redacted_at_any_depth(details: dict[str, Any]) -> None:
    out = redact(details)
    assert SECRET not in _values(out)
    assert SECRET not in repr(out)
    assert details and SECRET in _values(details)  # the input really held one
