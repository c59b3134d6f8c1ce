"""Validation and masking of customer data: mobile and landline numbers, e-mail, the unified
social credit code (GB 32100-2015), the resident identity number (GB 11643-1999), full-width
input, and how protected values look masked."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.customers.masking import mask
from core.customers.model import (
    BANK_ACCOUNT,
    NATIONAL_ID,
    PERSONAL_MOBILE,
    Contact,
    CustomerDraft,
    CustomerKind,
)
from core.customers.validate import (
    CustomerInvalid,
    clean_text,
    id_check_char,
    normalise_bank_account,
    normalise_credit_code,
    normalise_email,
    normalise_mobile,
    normalise_national_id,
    normalise_phone,
    uscc_check_char,
    validate_draft,
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALID_USCC = ("91350100M000100Y43", "91110000600037341L")
VALID_ID = "11010519491231002X"


@pytest.mark.parametrize("typed", ["13812345678", "138 1234 5678", "138-1234-5678",
                                   "+86 138 1234 5678", "+8613812345678", "0086 13812345678",
                                   "86-138-1234-5678", "(138) 1234.5678", " 138 1234 5678 "])
def test_mainland_mobiles_in_every_usual_spelling(typed: str) -> None:
    assert normalise_mobile(typed) == "13812345678"


@pytest.mark.parametrize("typed", ["12812345678", "11012345678", "10012345678", "1381234567",
                                   "138123456789", "23812345678", "+1 13812345678", "138abc45678",
                                   "", "+86", "86 12812345678"])
def test_not_mobiles(typed: str) -> None:
    assert normalise_mobile(typed) is None


@pytest.mark.parametrize(("typed", "stored"), [
    ("010-12345678", "01012345678"), ("0571 8888 1234", "057188881234"),
    ("(021) 6123-4567", "02161234567"), ("010-1234567 转 123", "0101234567x123"),
    ("+1 415 555 0100", "+14155550100"), ("+86 139 0000 1111", "13900001111")])
def test_landlines_and_international_numbers(typed: str, stored: str) -> None:
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "12812345678", "+86 12812345678", "abc", "0-1",
                                   "+86 10 1234 5678"])
def test_not_phone_numbers(typed: str) -> None:
    assert normalise_phone(typed) is None


@pytest.mark.parametrize(("typed", "stored"), [
    ("Foo@Example.COM", "Foo@example.com"), ("  li.na@corp.example.cn ", "li.na@corp.example.cn"),
    ("ｆｏｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "foo@example.com")])
def test_email(typed: str, stored: str) -> None:
    assert normalise_email(typed) == stored


@pytest.mark.parametrize("typed", ["a@b", "no-at.example.com", "a b@c.com", "a@@b.com", "@b.com",
                                   "a@.com", "a@b.", "x" * 65 + "@example.com"])
def test_not_email(typed: str) -> None:
    assert normalise_email(typed) is None


@pytest.mark.parametrize("code", VALID_USCC)
def test_published_credit_codes_are_valid(code: str) -> None:
    assert normalise_credit_code(code) == code
    assert normalise_credit_code(code.lower()) == code
    assert normalise_credit_code(" ".join(code[i:i + 6] for i in (0, 6, 12))) == code
    # Full-width, as pasted from a Chinese document.
    full = "".join(chr(ord(ch) + 0xFEE0) for ch in code)
    assert normalise_credit_code(full) == code


@pytest.mark.parametrize("code", VALID_USCC)
@pytest.mark.parametrize("position", range(18))
def test_one_wrong_character_of_a_credit_code_is_rejected(code: str, position: int) -> None:
    for replacement in USCC_ALPHABET:
        if replacement != code[position]:
            wrong = code[:position] + replacement + code[position + 1:]
            assert normalise_credit_code(wrong) is None, wrong


@pytest.mark.parametrize("typed", ["", "91350100M000100Y4", "91350100M000100Y433",
                                   "91350100M000100I43", "91350100M000100O43", "9135010"])
def test_malformed_credit_codes(typed: str) -> None:
    assert normalise_credit_code(typed) is None


_BODIES = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17)


@given(_BODIES)
def test_any_body_with_its_check_character_is_accepted(body: str) -> None:
    code = body + uscc_check_char(body)
    assert normalise_credit_code(code) == code


@given(_BODIES, st.integers(0, 17), st.sampled_from(USCC_ALPHABET + "IOSVZ!"))
def test_any_single_character_change_is_rejected(body: str, position: int, new: str) -> None:
    # The weights 1..30 are all non-zero modulo the prime 31: one changed character always
    # changes the checksum.
    code = body + uscc_check_char(body)
    if code[position] == new:
        return
    assert normalise_credit_code(code[:position] + new + code[position + 1:]) is None


def test_national_id_check_character_and_birth_date() -> None:
    assert id_check_char(VALID_ID[:17]) == "X"
    assert normalise_national_id(VALID_ID) == VALID_ID
    assert normalise_national_id(VALID_ID.lower()) == VALID_ID
    assert normalise_national_id("１１０１０５１９４９１２３１００２Ｘ") == VALID_ID
    for i in range(17):
        digit = str((int(VALID_ID[i]) + 1) % 10)
        assert normalise_national_id(VALID_ID[:i] + digit + VALID_ID[i + 1:]) is None
    assert normalise_national_id(VALID_ID[:17] + "1") is None


@pytest.mark.parametrize("born", ["19490230", "19491301", "18991231", "20000000"])
def test_national_id_with_an_impossible_birth_date(born: str) -> None:
    body = "110105" + born + "002"
    assert normalise_national_id(body + id_check_char(body)) is None


def test_national_id_born_in_the_future() -> None:
    tomorrow = date.today() + timedelta(days=1)
    body = "110105" + tomorrow.strftime("%Y%m%d") + "002"
    assert normalise_national_id(body + id_check_char(body)) is None


def test_bank_account() -> None:
    assert normalise_bank_account("6222 0212 3456 7890") == "6222021234567890"
    assert normalise_bank_account("1234567") is None
    assert normalise_bank_account("6222-abc") is None


def test_full_width_input_is_folded_and_controls_dropped() -> None:
    assert clean_text("ＡＣＭＥ　Ｔｒａｄｉｎｇ") == "ACME Trading"
    assert clean_text("王芳\u0000\u200b 华\t\n") == "王芳 华"
    assert normalise_mobile("１３８ １２３４ ５６７８") == "13812345678"
    assert normalise_phone("０１０－１２３４５６７８") == "01012345678"


@pytest.mark.parametrize(("field", "value", "shown"), [
    (PERSONAL_MOBILE, "13812345678", "138****5678"),
    (NATIONAL_ID, VALID_ID, "110***********002X"),
    (BANK_ACCOUNT, "6222021234567890", "************7890"),
    ("passport", "E12345678", "E*******8"),
    ("passport", "ab", "**"),
    ("passport", "", ""),
    ("long_field", "x" * 40, "x" + "*" * 8 + "x"),
])
def test_masking_formats(field: str, value: str, shown: str) -> None:
    assert mask(field, value) == shown


def test_masks_never_contain_the_middle_of_the_value() -> None:
    assert "1234" not in mask(PERSONAL_MOBILE, "13812345678")
    assert "19491231" not in mask(NATIONAL_ID, VALID_ID)
    assert "02123456" not in mask(BANK_ACCOUNT, "6222021234567890")


def test_validate_draft_cleans_every_field() -> None:
    draft = CustomerDraft(
        kind=CustomerKind.COMPANY, name="  ＡＣＭＥ  Trading ", phones=("+86 138-1234-5678",
                                                                    "13812345678", " "),
        email="Sales@ACME.example", credit_code="91350100m000100y43",
        contacts=(Contact(name=" 王芳 ", phone="139 0000 1111"), Contact(name="")),
        tags=("vip", " vip ", ""), sensitive={BANK_ACCOUNT: "6222 0212 3456 7890"})
    clean = validate_draft(draft)
    assert clean.name == "ACME Trading"
    assert clean.phones == ("13812345678",)
    assert clean.email == "Sales@acme.example"
    assert clean.credit_code == "91350100M000100Y43"
    assert clean.contacts == (Contact(name="王芳", phone="13900001111"),)
    assert clean.tags == ("vip",)
    assert clean.sensitive == {BANK_ACCOUNT: "6222021234567890"}


def test_validate_draft_lists_every_problem() -> None:
    draft = CustomerDraft(
        kind=CustomerKind.INDIVIDUAL, name=" ", phones=("12812345678",), email="nope",
        credit_code="91350100M000100Y43", custom={"shoe_size": "42"},
        contacts=(Contact(name="", phone="13900001111"),),
        sensitive={NATIONAL_ID: "110105194912310021", PERSONAL_MOBILE: "123",
                   "diary": "secret"})
    with pytest.raises(CustomerInvalid) as info:
        validate_draft(draft)
    fields = [e.field for e in info.value.errors]
    assert fields.count("credit_code") == 1  # individuals have none
    for name in ("name", "phones", "email", "shoe_size", "contacts", NATIONAL_ID,
                 PERSONAL_MOBILE, "diary"):
        assert name in fields, name
    # Messages are for people and never echo a protected value.
    assert "110105194912310021" not in str(info.value)


def test_custom_fields_only_when_defined() -> None:
    draft = CustomerDraft(kind=CustomerKind.INDIVIDUAL, name="Li", custom={"shoe_size": " 42 "},
                          sensitive={"passport": "E12345678"})
    clean = validate_draft(draft, frozenset({"shoe_size", "passport"}))
    assert clean.custom == {"shoe_size": "42"} and clean.sensitive == {"passport": "E12345678"}
