"""Contract risk assessment (issue 4, point 3): each factor alone, its boundaries, its message,
the levels, and with Hypothesis that a worse deal never scores better."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.contracts.risk import (
    DEFAULT_POLICY,
    ReasonCode,
    RiskAssessment,
    RiskInputs,
    RiskLevel,
    RiskPolicy,
    assess,
    money,
    percent,
    threshold_in,
)
from core.errors import InvalidInput

P = DEFAULT_POLICY
# A deal with nothing wrong: known credit well above the total, no discount, 30 days, rating A.
CLEAN = RiskInputs(
    total=Decimal("10000"), currency="CNY", available_credit=Decimal("200000"),
    max_discount=Decimal("0"), payment_days=30, nonstandard_clauses=(),
    customer_rating="A", missing_qualifications=(), expired_qualifications=(),
    new_customer=False,
)


def with_(**changes: object) -> RiskInputs:
    return dataclasses.replace(CLEAN, **changes)  # type: ignore[arg-type]


def test_a_clean_deal_is_low_risk_with_no_reasons() -> None:
    assert assess(CLEAN) == RiskAssessment(0, RiskLevel.LOW, ())


@pytest.mark.parametrize(("inputs", "code", "points", "message"), [
    (with_(total=Decimal("120000"), available_credit=Decimal("80000")), ReasonCode.OVER_CREDIT,
     P.over_credit_points,
     "Amount 120,000.00 CNY exceeds the available credit of 80,000.00 CNY."),
    (with_(available_credit=None), ReasonCode.NO_CREDIT_LIMIT, P.no_credit_limit_points,
     "No credit limit is known for the customer, so the amount of 10,000.00 CNY cannot be "
     "checked against one."),
    (with_(total=Decimal("500000"), available_credit=Decimal("900000")),
     ReasonCode.LARGE_AMOUNT, P.large_amount_points,
     "Amount 500,000.00 CNY is at or above the large-contract threshold of 500,000.00 CNY."),
    (with_(total=Decimal("70000"), currency="USD", available_credit=Decimal("90000")),
     ReasonCode.LARGE_AMOUNT, P.large_amount_points,
     "Amount 70,000.00 USD is at or above the large-contract threshold of 70,000.00 USD."),
    (with_(currency="XAU"), ReasonCode.NO_LARGE_THRESHOLD, P.no_large_threshold_points,
     "Amount 10,000.00 XAU is in a currency with no large-contract threshold in the policy, so "
     "its size cannot be judged."),
    (with_(max_discount=Decimal("0.175")), ReasonCode.DISCOUNT, P.discount_points,
     "Discount of 17.5% exceeds the policy maximum of 15%."),
    (with_(payment_days=120), ReasonCode.PAYMENT_TERM, P.payment_term_points,
     "Payment term of 120 days exceeds the policy maximum of 90 days."),
    (with_(nonstandard_clauses=("违约责任",)), ReasonCode.NONSTANDARD_CLAUSE,
     P.nonstandard_clause_points, "Clause “违约责任” differs from the standard text."),
    (with_(customer_rating="C"), ReasonCode.RATING, P.rating_c_points,
     "Customer credit rating is C (on a scale of A to D)."),
    (with_(customer_rating=" d "), ReasonCode.RATING, P.rating_d_points,
     "Customer credit rating is D (on a scale of A to D)."),
    (with_(missing_qualifications=("Business licence",)), ReasonCode.MISSING_QUALIFICATION,
     P.missing_qualification_points, "Qualification document “Business licence” is missing."),
    (with_(expired_qualifications=("ISO 9001",)), ReasonCode.EXPIRED_QUALIFICATION,
     P.expired_qualification_points, "Qualification document “ISO 9001” has expired."),
    (with_(new_customer=True), ReasonCode.NEW_CUSTOMER, P.new_customer_points,
     "New customer: there is no order or payment history with them yet."),
], ids=lambda v: v if isinstance(v, str) and v in set(ReasonCode) else None)
def test_each_factor_alone(inputs: RiskInputs, code: ReasonCode, points: int,
                           message: str) -> None:
    result = assess(inputs)
    assert [(r.code, r.points, r.message) for r in result.reasons] == [(code, points, message)]
    assert result.score == points


@pytest.mark.parametrize(("inputs", "codes"), [
    # Exactly at a limit is within it; one step past is not.
    (with_(total=Decimal("200000"), available_credit=Decimal("200000")), ()),
    (with_(total=Decimal("200000.01"), available_credit=Decimal("200000")),
     (ReasonCode.OVER_CREDIT,)),
    (with_(total=Decimal("1"), available_credit=Decimal("0")), (ReasonCode.OVER_CREDIT,)),
    (with_(total=Decimal("1"), available_credit=Decimal("-500")), (ReasonCode.OVER_CREDIT,)),
    (with_(total=Decimal("0"), available_credit=Decimal("0")), ()),
    (with_(total=Decimal("499999.99"), available_credit=Decimal("1000000")), ()),
    (with_(total=Decimal("500000"), available_credit=Decimal("1000000")),
     (ReasonCode.LARGE_AMOUNT,)),
    (with_(max_discount=Decimal("0.15")), ()),
    (with_(max_discount=Decimal("0.1501")), (ReasonCode.DISCOUNT,)),
    (with_(payment_days=90), ()),
    (with_(payment_days=91), (ReasonCode.PAYMENT_TERM,)),
    (with_(payment_days=-10), ()),  # paid before the contract date
    (with_(customer_rating="B"), ()),
    (with_(customer_rating=None), ()),
    (with_(customer_rating=""), ()),
    (with_(currency="cny"), ()),
])
def test_boundaries(inputs: RiskInputs, codes: tuple[ReasonCode, ...]) -> None:
    assert tuple(r.code for r in assess(inputs).reasons) == codes


def test_one_reason_per_clause_and_document_in_the_order_given() -> None:
    result = assess(with_(nonstandard_clauses=("Liability", "Payment"),
                          missing_qualifications=("Licence", "Tax registration"),
                          expired_qualifications=("Permit",)))
    assert [r.message.split("“")[1].split("”")[0] for r in result.reasons] == [
        "Liability", "Payment", "Licence", "Tax registration", "Permit"]
    assert result.score == (2 * P.nonstandard_clause_points + 2 * P.missing_qualification_points
                            + P.expired_qualification_points)


def test_everything_wrong_lists_reasons_in_a_stable_order() -> None:
    worst = RiskInputs(
        total=Decimal("600000"), currency="CNY", available_credit=Decimal("80000"),
        max_discount=Decimal("0.4"), payment_days=180, nonstandard_clauses=("Liability",),
        customer_rating="D", missing_qualifications=("Licence",),
        expired_qualifications=("Permit",), new_customer=True,
    )
    result = assess(worst)
    codes = [r.code for r in result.reasons]
    assert codes == [c for c in ReasonCode if c in codes]  # ReasonCode order
    assert codes == [ReasonCode.OVER_CREDIT, ReasonCode.LARGE_AMOUNT, ReasonCode.DISCOUNT,
                     ReasonCode.PAYMENT_TERM, ReasonCode.NONSTANDARD_CLAUSE, ReasonCode.RATING,
                     ReasonCode.MISSING_QUALIFICATION, ReasonCode.EXPIRED_QUALIFICATION,
                     ReasonCode.NEW_CUSTOMER]
    assert result.score == sum(r.points for r in result.reasons)
    assert result.level is RiskLevel.HIGH
    assert assess(worst) == result  # deterministic


def test_exposure_over_credit_forces_high_whatever_the_points() -> None:
    cheap = RiskPolicy(over_credit_points=1)
    result = assess(with_(total=Decimal("10"), available_credit=Decimal("5")), cheap)
    assert (result.score, result.level) == (1, RiskLevel.HIGH)
    # A policy may choose what forces high.
    lenient = RiskPolicy(over_credit_points=1, forces_high=frozenset())
    assert assess(with_(total=Decimal("10"), available_credit=Decimal("5")),
                  lenient).level is RiskLevel.LOW
    strict = RiskPolicy(forces_high=frozenset({ReasonCode.NEW_CUSTOMER}))
    assert assess(with_(new_customer=True), strict).level is RiskLevel.HIGH


@pytest.mark.parametrize(("days", "level"), [
    # A policy where each day over the limit is one reason worth `payment_term_points`; use
    # the points directly to land exactly on and beside the thresholds.
    (0, RiskLevel.LOW), (19, RiskLevel.LOW), (20, RiskLevel.MEDIUM), (49, RiskLevel.MEDIUM),
    (50, RiskLevel.HIGH), (500, RiskLevel.HIGH),
])
def test_score_thresholds(days: int, level: RiskLevel) -> None:
    policy = RiskPolicy(payment_term_points=days, medium_at=20, high_at=50)
    assert assess(with_(payment_days=91), policy).level is level


def test_default_levels_for_typical_deals() -> None:
    assert assess(with_(max_discount=Decimal("0.2"))).level is RiskLevel.MEDIUM
    assert assess(with_(new_customer=True)).level is RiskLevel.LOW
    assert assess(with_(customer_rating="D", payment_days=120,
                        missing_qualifications=("Licence",))).level is RiskLevel.HIGH


@pytest.mark.parametrize("bad", [
    with_(total=Decimal("-1")),
    with_(max_discount=Decimal("-0.01")),
    with_(max_discount=Decimal("1.01")),
    with_(customer_rating="E"),
    with_(customer_rating="AA"),
])
def test_impossible_inputs_are_refused(bad: RiskInputs) -> None:
    with pytest.raises(InvalidInput):
        assess(bad)


def test_money_and_percent_formatting() -> None:
    assert money(Decimal("1234567.005"), "cny") == "1,234,567.01 CNY"  # half-up
    assert money(Decimal("0"), "USD") == "0.00 USD"
    assert percent(Decimal("0.15")) == "15%"
    assert percent(Decimal("0.175")) == "17.5%"
    assert percent(Decimal("1")) == "100%"
    assert money(Decimal("10000000.4"), "JPY") == "10,000,000 JPY"  # no minor unit
    # Never rounded to the limit it exceeds.
    assert percent(Decimal("0.150049")) == "15.0049%"


@pytest.mark.parametrize(("currency", "home", "expected"), [
    ("CNY", "500000", Decimal("500000")),
    (" cny ", "123.45", Decimal("123.45")),  # the home currency is never rounded
    ("USD", "500000", Decimal("70000")),  # 70,422 rounded down to two significant figures
    ("EUR", "100000", Decimal("12000")),
    ("JPY", "500000", Decimal("10000000")),
    ("USD", "0", Decimal("0")),
    ("XAU", "500000", None),
])
def test_thresholds_translate_down_into_other_currencies(currency: str, home: str,
                                                         expected: Decimal | None) -> None:
    assert threshold_in(currency, Decimal(home)) == expected


@given(home=st.decimals(min_value=1, max_value=10**9, places=2),
       currency=st.sampled_from(["USD", "EUR", "GBP", "HKD", "JPY", "KRW", "TWD"]))
def test_translated_thresholds_err_strict(home: Decimal, currency: str) -> None:
    # Never above the exact translation, and never below nine tenths of it.
    threshold = threshold_in(currency, home)
    assert threshold is not None
    exact = home / dict(RiskPolicy().rates_to_home)[currency]
    assert exact * Decimal("0.9") <= threshold <= exact


# --- Properties ---------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=10**8, places=2)
fractions = st.decimals(min_value=0, max_value=1, places=4)
titles = st.lists(st.text(min_size=1, max_size=12), max_size=3).map(tuple)
RATING_ORDER = [None, "A", "B", "C", "D"]

deals = st.builds(
    RiskInputs,
    total=amounts, currency=st.sampled_from(["CNY", "USD", "XAU"]), available_credit=amounts,
    max_discount=fractions, payment_days=st.integers(-30, 720), nonstandard_clauses=titles,
    customer_rating=st.sampled_from(RATING_ORDER), missing_qualifications=titles,
    expired_qualifications=titles, new_customer=st.booleans(),
)

RANK = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


def _worsen(deal: RiskInputs, how: str, amount: Decimal, days: int, title: str) -> RiskInputs:
    credit = deal.available_credit
    assert credit is not None
    match how:
        case "total":
            return dataclasses.replace(deal, total=deal.total + amount)
        case "credit":
            return dataclasses.replace(deal, available_credit=credit - amount)
        case "discount":
            step = min(Decimal(1) - deal.max_discount, amount / 10**8)
            return dataclasses.replace(deal, max_discount=deal.max_discount + step)
        case "days":
            return dataclasses.replace(deal, payment_days=deal.payment_days + days)
        case "clause":
            return dataclasses.replace(
                deal, nonstandard_clauses=(*deal.nonstandard_clauses, title))
        case "rating":
            index = RATING_ORDER.index(deal.customer_rating)
            return dataclasses.replace(
                deal, customer_rating=RATING_ORDER[min(index + 1, len(RATING_ORDER) - 1)])
        case "missing":
            return dataclasses.replace(
                deal, missing_qualifications=(*deal.missing_qualifications, title))
        case "expired":
            return dataclasses.replace(
                deal, expired_qualifications=(*deal.expired_qualifications, title))
        case "new":
            return dataclasses.replace(deal, new_customer=True)
    raise AssertionError(how)


@given(deal=deals,
       how=st.sampled_from(["total", "credit", "discount", "days", "clause", "rating",
                            "missing", "expired", "new"]),
       amount=amounts, days=st.integers(0, 365), title=st.text(min_size=1, max_size=12))
def test_a_worse_deal_never_scores_better(deal: RiskInputs, how: str, amount: Decimal,
                                          days: int, title: str) -> None:
    before = assess(deal)
    after = assess(_worsen(deal, how, amount, days, title))
    assert after.score >= before.score
    assert RANK[after.level] >= RANK[before.level]
    # Reasons are only ever added (a worse value may reword one, never drop it).
    assert {r.code for r in before.reasons} <= {r.code for r in after.reasons}


@given(deal=deals)
def test_score_is_the_sum_of_the_reasons_and_messages_carry_the_numbers(
        deal: RiskInputs) -> None:
    result = assess(deal)
    assert result.score == sum(r.points for r in result.reasons)
    for reason in result.reasons:
        text = reason.message
        assert text.endswith(".") and reason.points > 0
        if reason.code in (ReasonCode.OVER_CREDIT, ReasonCode.LARGE_AMOUNT,
                           ReasonCode.NO_LARGE_THRESHOLD, ReasonCode.NO_CREDIT_LIMIT):
            assert money(deal.total, deal.currency) in text
        if reason.code is ReasonCode.OVER_CREDIT:
            assert deal.available_credit is not None
            assert money(deal.available_credit, deal.currency) in text
        if reason.code is ReasonCode.DISCOUNT:
            assert percent(deal.max_discount) in text and "15%" in text
        if reason.code is ReasonCode.PAYMENT_TERM:
            assert f"{deal.payment_days} days" in text and "90 days" in text
        if reason.code is ReasonCode.RATING:
            assert f"rating is {deal.customer_rating}" in text
    for title in (*deal.nonstandard_clauses, *deal.missing_qualifications,
                  *deal.expired_qualifications):
        assert any(title in r.message for r in result.reasons)


@given(deal=deals)
def test_unknown_credit_is_a_lesser_reason_than_exceeding_it(deal: RiskInputs) -> None:
    unknown = assess(dataclasses.replace(deal, available_credit=None))
    exceeded = assess(dataclasses.replace(deal, available_credit=deal.total - 1))
    assert unknown.score < exceeded.score
    assert exceeded.level is RiskLevel.HIGH
