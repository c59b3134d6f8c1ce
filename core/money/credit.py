"""The credit scorecard: a pure function from what is known of a customer (qualification,
payment history, current exposure) to a rating A–D, the reasons behind it and a recommended
limit. Points add up; every factor gives one reason so a manager sees why, not only what.

Scoring (out of 100):
- business licence on file and not expired: 15;
- years in business: 10+ → 15, 5+ → 10, 2+ → 5;
- registered capital (CNY): 10M+ → 20, 1M+ → 12, 100k+ → 5;
- payment history (instalments due so far): on-time ratio 95%+ → 40, 80%+ → 28, 60%+ → 15,
  else 0; no history yet → 15 (neither rewarded nor punished much); then minus 10 when the
  average delay is over 30 days and minus 15 when any delay is over 90 days;
- exposure over the recommended limit: minus 10.
Ratings: A at 70+, B at 50+, C at 30+, D below. The recommended limit is the rating's share
of the registered capital (A 30%, B 20%, C 10%, D nothing), capped per rating; with no capital
known, a tenth of the cap. Rounded down to whole 10,000s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

RATING_BOUNDS: tuple[tuple[str, int], ...] = (("A", 70), ("B", 50), ("C", 30), ("D", 0))
CAPITAL_SHARE = {"A": Decimal("0.30"), "B": Decimal("0.20"), "C": Decimal("0.10"),
                 "D": Decimal(0)}
LIMIT_CAP = {"A": Decimal("5000000"), "B": Decimal("2000000"), "C": Decimal("500000"),
             "D": Decimal(0)}
LIMIT_STEP = Decimal("10000")


@dataclass(frozen=True)
class PaymentRecord:
    """One instalment due on or before the day scored: when it was settled (None while open)
    and, if still open, it counts as late by its days overdue."""

    due: date
    settled_on: date | None


@dataclass(frozen=True)
class PaymentHistory:
    due_count: int
    on_time: int
    average_days_late: Decimal  # over the instalments paid or still open late
    max_days_late: int

    @property
    def on_time_ratio(self) -> Decimal | None:
        return None if self.due_count == 0 else Decimal(self.on_time) / Decimal(self.due_count)


def payment_history(records: list[PaymentRecord], as_of: date) -> PaymentHistory:
    """On time = settled on or before the due date. An open instalment past due is late by its
    days overdue so far; instalments not yet due do not count."""
    due = [r for r in records if r.due <= as_of]
    late_days = []
    on_time = 0
    for r in due:
        end = r.settled_on if r.settled_on is not None else as_of
        days = max(0, (end - r.due).days)
        if r.settled_on is not None and days == 0:
            on_time += 1
        elif days > 0:
            late_days.append(days)
        # open and due today: neither on time yet nor late
    average = (Decimal(sum(late_days)) / Decimal(len(late_days))).quantize(Decimal("0.1"))\
        if late_days else Decimal(0)
    return PaymentHistory(len(due), on_time, average, max(late_days, default=0))


@dataclass(frozen=True)
class CreditInputs:
    licence_verified: bool
    years_in_business: Decimal | None  # None: not known
    registered_capital: Decimal | None  # CNY; None: not known
    history: PaymentHistory
    exposure: Decimal  # open receivables + approved contracts not signed yet


@dataclass(frozen=True)
class ScoreReason:
    code: str
    message: str
    points: int


@dataclass(frozen=True)
class Scorecard:
    customer_id: int
    currency: str
    score: int
    rating: str
    reasons: tuple[ScoreReason, ...]
    recommended_limit: Decimal
    exposure: Decimal
    approved_limit: Decimal | None = None  # in force now, if any
    review_on: date | None = None

    @property
    def available(self) -> Decimal | None:
        return None if self.approved_limit is None else self.approved_limit - self.exposure


def rating_for(score: int) -> str:
    for rating, bound in RATING_BOUNDS:
        if score >= bound:
            return rating
    return "D"


def recommended_limit(rating: str, capital: Decimal | None) -> Decimal:
    cap = LIMIT_CAP[rating]
    value = cap / 10 if capital is None else min(cap, capital * CAPITAL_SHARE[rating])
    return (value / LIMIT_STEP).to_integral_value(rounding=ROUND_DOWN) * LIMIT_STEP


def _qualification(i: CreditInputs) -> list[ScoreReason]:
    out = [ScoreReason("licence", "Business licence on file and valid.", 15)
           if i.licence_verified else
           ScoreReason("licence", "No valid business licence on file.", 0)]
    years = i.years_in_business
    if years is None:
        out.append(ScoreReason("years", "Years in business not known.", 0))
    else:
        points = 15 if years >= 10 else 10 if years >= 5 else 5 if years >= 2 else 0
        out.append(ScoreReason("years", f"{years.quantize(Decimal(1), ROUND_DOWN)} years in "
                               "business.", points))
    capital = i.registered_capital
    if capital is None:
        out.append(ScoreReason("capital", "Registered capital not known.", 0))
    else:
        points = (20 if capital >= 10_000_000 else 12 if capital >= 1_000_000
                  else 5 if capital >= 100_000 else 0)
        out.append(ScoreReason("capital", f"Registered capital {capital:,.2f} CNY.", points))
    return out


def _payments(h: PaymentHistory) -> list[ScoreReason]:
    ratio = h.on_time_ratio
    if ratio is None:
        return [ScoreReason("history", "No instalment due yet: no payment history.", 15)]
    points = 40 if ratio >= Decimal("0.95") else 28 if ratio >= Decimal("0.8") else \
        15 if ratio >= Decimal("0.6") else 0
    out = [ScoreReason("on_time", f"{h.on_time} of {h.due_count} instalments paid on time "
                       f"({(ratio * 100).quantize(Decimal(1))}%).", points)]
    if h.average_days_late > 30:
        out.append(ScoreReason("average_late", f"Late payments average {h.average_days_late} "
                               "days.", -10))
    if h.max_days_late > 90:
        out.append(ScoreReason("max_late", f"A payment was {h.max_days_late} days late.", -15))
    return out


def score(customer_id: int, currency: str, inputs: CreditInputs) -> Scorecard:
    reasons = _qualification(inputs) + _payments(inputs.history)
    points = sum(r.points for r in reasons)
    provisional = recommended_limit(rating_for(points), inputs.registered_capital)
    if inputs.exposure > provisional:
        reasons.append(ScoreReason("exposure", f"Current exposure {inputs.exposure:,.2f} "
                                   f"{currency} is above the {provisional:,.2f} the score "
                                   "alone would allow.", -10))
        points -= 10
    rating = rating_for(points)
    return Scorecard(customer_id, currency, points, rating, tuple(reasons),
                     recommended_limit(rating, inputs.registered_capital), inputs.exposure)
