"""Contract risk assessment: a pure function from the facts of a deal to a score, a level and the
reasons behind them, so a reviewer sees why a contract is risky, not only that it is.

Every factor adds points and one reason (one per clause or document when there are several).
The score maps to a level through the policy's thresholds; some reasons (by default exposure
over the available credit) force the level to high whatever the score, because no mix of good
factors makes an uncovered exposure acceptable without the strictest approval.

Amounts are compared as given: `available_credit` must already be in the contract's currency
(the caller converts, or passes None when it cannot).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

from core.contracts.money import MINOR_UNITS
from core.errors import InvalidInput


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ReasonCode(StrEnum):
    """Stable codes of the reasons, in the order `assess` reports them."""

    OVER_CREDIT = "over_credit"
    NO_CREDIT_LIMIT = "no_credit_limit"
    LARGE_AMOUNT = "large_amount"
    NO_LARGE_THRESHOLD = "no_large_threshold"
    DISCOUNT = "discount"
    PAYMENT_TERM = "payment_term"
    NONSTANDARD_CLAUSE = "nonstandard_clause"
    RATING = "rating"
    MISSING_QUALIFICATION = "missing_qualification"
    EXPIRED_QUALIFICATION = "expired_qualification"
    NEW_CUSTOMER = "new_customer"


RATINGS = ("A", "B", "C", "D")

HOME_CURRENCY = "CNY"
# Rough CNY per unit of the other currencies contracts are written in, only to translate
# thresholds ("large", "needs finance") into them; never used to convert an amount that is
# shown, stored or charged. Pairs, not a dict, so policies holding them stay hashable.
ROUGH_CNY_RATES: tuple[tuple[str, Decimal], ...] = (
    ("USD", Decimal("7.1")), ("EUR", Decimal("7.7")), ("GBP", Decimal("9.0")),
    ("HKD", Decimal("0.91")), ("JPY", Decimal("0.047")), ("SGD", Decimal("5.3")),
    ("AUD", Decimal("4.6")), ("CAD", Decimal("5.1")), ("CHF", Decimal("8.0")),
    ("KRW", Decimal("0.0051")), ("TWD", Decimal("0.22")),
)


def threshold_in(currency: str, home_amount: Decimal,
                 rates: tuple[tuple[str, Decimal], ...] = ROUGH_CNY_RATES,
                 home: str = HOME_CURRENCY) -> Decimal | None:
    """A threshold of `home_amount` in `home` currency expressed in `currency`, rounded down
    to two significant figures (a threshold that errs low errs strict), or None when no rate
    is known for the currency."""
    code = currency.strip().upper()
    if code == home.strip().upper():
        return home_amount
    rate = dict(rates).get(code)
    if rate is None:
        return None
    value = home_amount / rate
    if value <= 0:
        return Decimal(0)
    step = Decimal(1).scaleb(value.adjusted() - 1)
    rounded = value.quantize(step, rounding=ROUND_DOWN)
    # 7.0E+4 -> 70000: the same number, written the way people (and messages) expect.
    return rounded.quantize(Decimal(1)) if step >= 1 else rounded


@dataclass(frozen=True)
class RiskPolicy:
    """Limits and weights; the defaults suit a mid-sized Chinese seller and may be tuned.

    With them one breach of policy (discount, or rating D) is enough for medium, so finance
    sees it (workflow.DEFAULT_RULES); a new customer or one missing document alone stays low;
    exposure over the available credit, or about three serious factors together, is high."""

    max_discount: Decimal = Decimal("0.15")
    max_payment_days: int = 90
    home_currency: str = HOME_CURRENCY
    large_amount: Decimal = Decimal("500000")  # in the home currency
    # Translate `large_amount` into other currencies; one with no rate gets its own, lesser
    # reason rather than passing silently.
    rates_to_home: tuple[tuple[str, Decimal], ...] = ROUGH_CNY_RATES
    over_credit_points: int = 40
    no_credit_limit_points: int = 10
    large_amount_points: int = 15
    no_large_threshold_points: int = 5
    discount_points: int = 20
    payment_term_points: int = 15
    nonstandard_clause_points: int = 10
    rating_c_points: int = 15
    rating_d_points: int = 30
    missing_qualification_points: int = 15
    expired_qualification_points: int = 10
    new_customer_points: int = 10
    medium_at: int = 20
    high_at: int = 50
    forces_high: frozenset[str] = frozenset({ReasonCode.OVER_CREDIT})

    def large_threshold(self, currency: str) -> Decimal | None:
        return threshold_in(currency, self.large_amount, self.rates_to_home, self.home_currency)


@dataclass(frozen=True)
class RiskInputs:
    total: Decimal
    currency: str
    available_credit: Decimal | None  # None: no credit limit known for the customer
    max_discount: Decimal  # largest line discount, a fraction 0..1
    payment_days: int  # from the contract date to the last instalment's due date
    nonstandard_clauses: tuple[str, ...] = ()  # titles
    customer_rating: str | None = None  # "A".."D"
    missing_qualifications: tuple[str, ...] = ()
    expired_qualifications: tuple[str, ...] = ()
    new_customer: bool = False


@dataclass(frozen=True)
class RiskReason:
    code: str
    message: str
    points: int


@dataclass(frozen=True)
class RiskAssessment:
    score: int
    level: RiskLevel
    reasons: tuple[RiskReason, ...]

    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)


def money(amount: Decimal, currency: str) -> str:
    """'120,000.00 CNY': rounded half-up to the currency's minor unit, thousands separated."""
    code = currency.strip().upper()
    places = MINOR_UNITS.get(code, 2)
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{places}f} {code}"


def percent(fraction: Decimal) -> str:
    """'17.5%' from Decimal('0.175'): exact, never rounded, so 15.004% does not read as the 15%
    limit it exceeds."""
    return f"{(fraction * 100).normalize():f}%"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _validate(inputs: RiskInputs) -> str | None:
    if inputs.total < 0:
        raise InvalidInput("A contract total cannot be negative.")
    if not Decimal(0) <= inputs.max_discount <= Decimal(1):
        raise InvalidInput(
            f"A discount must be between 0% and 100%, not {percent(inputs.max_discount)}."
        )
    if inputs.customer_rating is None or not inputs.customer_rating.strip():
        return None
    rating = inputs.customer_rating.strip().upper()
    if rating not in RATINGS:
        raise InvalidInput(
            f"Unknown customer rating {inputs.customer_rating!r}; expected one of A, B, C, D."
        )
    return rating


def _credit_reasons(i: RiskInputs, p: RiskPolicy) -> list[RiskReason]:
    if i.available_credit is None:
        return [RiskReason(
            ReasonCode.NO_CREDIT_LIMIT,
            f"No credit limit is known for the customer, so the amount of "
            f"{money(i.total, i.currency)} cannot be checked against one.",
            p.no_credit_limit_points,
        )]
    if i.total > i.available_credit:
        return [RiskReason(
            ReasonCode.OVER_CREDIT,
            f"Amount {money(i.total, i.currency)} exceeds the available credit of "
            f"{money(i.available_credit, i.currency)}.",
            p.over_credit_points,
        )]
    return []


def _size_reasons(i: RiskInputs, p: RiskPolicy) -> list[RiskReason]:
    threshold = p.large_threshold(i.currency)
    if threshold is None:
        return [RiskReason(
            ReasonCode.NO_LARGE_THRESHOLD,
            f"Amount {money(i.total, i.currency)} is in a currency with no large-contract "
            "threshold in the policy, so its size cannot be judged.",
            p.no_large_threshold_points,
        )]
    if i.total >= threshold:
        return [RiskReason(
            ReasonCode.LARGE_AMOUNT,
            f"Amount {money(i.total, i.currency)} is at or above the large-contract threshold "
            f"of {money(threshold, i.currency)}.",
            p.large_amount_points,
        )]
    return []


def _terms_reasons(i: RiskInputs, p: RiskPolicy) -> list[RiskReason]:
    reasons = []
    if i.max_discount > p.max_discount:
        reasons.append(RiskReason(
            ReasonCode.DISCOUNT,
            f"Discount of {percent(i.max_discount)} exceeds the policy maximum of "
            f"{percent(p.max_discount)}.",
            p.discount_points,
        ))
    if i.payment_days > p.max_payment_days:
        reasons.append(RiskReason(
            ReasonCode.PAYMENT_TERM,
            f"Payment term of {_days(i.payment_days)} exceeds the policy maximum of "
            f"{_days(p.max_payment_days)}.",
            p.payment_term_points,
        ))
    for title in i.nonstandard_clauses:
        reasons.append(RiskReason(
            ReasonCode.NONSTANDARD_CLAUSE,
            f"Clause \u201c{title}\u201d differs from the standard text.",
            p.nonstandard_clause_points,
        ))
    return reasons


def _customer_reasons(i: RiskInputs, p: RiskPolicy, rating: str | None) -> list[RiskReason]:
    reasons = []
    if rating in ("C", "D"):
        points = p.rating_c_points if rating == "C" else p.rating_d_points
        reasons.append(RiskReason(
            ReasonCode.RATING, f"Customer credit rating is {rating} (on a scale of A to D).",
            points,
        ))
    for title in i.missing_qualifications:
        reasons.append(RiskReason(
            ReasonCode.MISSING_QUALIFICATION,
            f"Qualification document \u201c{title}\u201d is missing.",
            p.missing_qualification_points,
        ))
    for title in i.expired_qualifications:
        reasons.append(RiskReason(
            ReasonCode.EXPIRED_QUALIFICATION,
            f"Qualification document \u201c{title}\u201d has expired.",
            p.expired_qualification_points,
        ))
    if i.new_customer:
        reasons.append(RiskReason(
            ReasonCode.NEW_CUSTOMER,
            "New customer: there is no order or payment history with them yet.",
            p.new_customer_points,
        ))
    return reasons


def level_for(score: int, codes: frozenset[str], policy: RiskPolicy) -> RiskLevel:
    if score >= policy.high_at or codes & policy.forces_high:
        return RiskLevel.HIGH
    if score >= policy.medium_at:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


DEFAULT_POLICY = RiskPolicy()


def assess(inputs: RiskInputs, policy: RiskPolicy = DEFAULT_POLICY) -> RiskAssessment:
    """Score a contract. Reasons come in the order of `ReasonCode`, clauses and documents in
    the order given, so the same inputs always give the same assessment."""
    rating = _validate(inputs)
    reasons = (_credit_reasons(inputs, policy) + _size_reasons(inputs, policy)
               + _terms_reasons(inputs, policy) + _customer_reasons(inputs, policy, rating))
    score = sum(r.points for r in reasons)
    codes = frozenset(r.code for r in reasons)
    return RiskAssessment(score, level_for(score, codes, policy), tuple(reasons))
