"""Names, references and account numbers folded for comparison: a company name without its
legal form, width or punctuation, how alike two names are, a reference without case or
separators, the reference-like tokens in a transfer's remark, an account number's digits.
Statement matching and the fraud signals both compare through these, so a payer that matches
a line never looks "unlike the customer" to a signal."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher

_CN_FORMS = re.compile(r"股份有限公司|有限责任公司|有限公司|股份公司")
_CN_TAIL = ("分公司", "总公司", "集团", "公司", "股份", "有限")
_EN_TAIL = {"co", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "llc",
            "gmbh", "company", "plc", "pte", "ag", "bv", "sa", "lp"}



@functools.lru_cache(maxsize=1 << 16)  # a statement repeats its payers; folding is the hot path
def normalize_name(text: str) -> str:
    """A company or person name folded for comparison: full-width forms, case, punctuation,
    spaces, parenthesised parts ("(北京)", "(Shanghai)") and legal forms (有限公司, Co., Ltd.,
    Inc. ...) removed. "Acme Trading Co., Ltd." and "ACME TRADING LIMITED" fold alike."""
    value = unicodedata.normalize("NFKC", text or "").casefold()
    value = re.sub(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】", " ", value)
    value = re.sub(r"[.,&'’/\\\-]", " ", value)
    words = value.split()
    while len(words) > 1 and words[-1] in _EN_TAIL:
        words.pop()
    if words and words[0] == "the":
        words = words[1:]
    value = "".join(ch for ch in "".join(words) if ch.isalnum())
    value = _CN_FORMS.sub("", value) or value
    changed = True
    while changed:
        changed = False
        for tail in _CN_TAIL:
            if value.endswith(tail) and len(value) > len(tail):
                value, changed = value[: -len(tail)], True
    return value


def name_similarity(a: str, b: str) -> float:
    """0..1: 1 for names that fold alike; a name contained in the other (≥ 4 characters) 0.9;
    otherwise difflib's ratio of the folded names."""
    na, nb = normalize_name(a), normalize_name(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    score = SequenceMatcher(None, na, nb, autojunk=False).ratio()
    short, long_ = sorted((na, nb), key=len)
    if len(short) >= 4 and short in long_:
        score = max(score, 0.9)
    return round(score, 3)


def best_similarity(name: str, names: Iterable[str]) -> float:
    return max((name_similarity(name, other) for other in names), default=0.0)


def reference_key(text: str) -> str:
    """A reference compared without case, width, spaces or separators: HT-2026-001 = ht2026001."""
    value = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in value if ch.isalnum())


def reference_tokens(*texts: str) -> set[str]:
    """The reference-like tokens (letters and digits, at least 4) written in free text such as
    a transfer's remark: '货款 HT-2026-001/INV 778' gives HT2026001, INV778 among others."""
    keys: set[str] = set()
    for text in texts:
        value = unicodedata.normalize("NFKC", text or "").upper()
        for run in re.findall(r"[A-Z0-9][A-Z0-9\-_/. ]*[A-Z0-9]|[A-Z0-9]", value):
            pieces = re.split(r"[/. ]+", run)
            pairs = [a + b for a, b in itertools.pairwise(pieces)]
            for piece in {run, *pieces, *pairs}:
                key = reference_key(piece)
                if len(key) >= 4:
                    keys.add(key)
    return keys


def account_key(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "") if ch.isalnum())
