"""Checking and normalising what people type: mainland mobile numbers, e-mail addresses, the
unified social credit code (GB 32100-2015) and the resident identity number (GB 11643-1999)."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from core.customers.model import (
    BANK_ACCOUNT,
    NATIONAL_ID,
    PERSONAL_MOBILE,
    Contact,
    CustomerDraft,
    CustomerKind,
)
from core.errors import InvalidInput

MAX_TEXT = 200
MAX_NOTES = 20_000


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class CustomerInvalid(InvalidInput):
    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__(" ".join(f"{e.field}: {e.message}" for e in errors))


def clean_text(value: str, limit: int = MAX_TEXT) -> str:
    """NFC, full-width ASCII folded to half-width (Excel exports from Chinese Windows carry
    both), control characters dropped, whitespace collapsed."""
    if not value:
        return ""  # most cells of an import are empty: the common case costs nothing
    if value.isascii():
        text = value  # ASCII is already NFC and holds no full-width character
    else:
        text = unicodedata.normalize("NFKC", value) if _has_fullwidth(value) else value
        text = unicodedata.normalize("NFC", text)
    # isprintable() is False for every category C character (and for separators other than
    # the space): only then is the character-by-character filter needed. Import cleans a dozen
    # values per row, so this is most of its time.
    if not text.isprintable():
        text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    return " ".join(text.split())[:limit] if limit <= MAX_TEXT else text.strip()[:limit]


_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")


def _has_fullwidth(value: str) -> bool:
    return _FULLWIDTH.search(value) is not None


_MOBILE = re.compile(r"1[3-9]\d{9}")
_PHONE_NOISE = re.compile(r"[\s\-().]")


def normalise_mobile(value: str) -> str | None:
    """The 11 digits of a mainland mobile number, or None when it is not one."""
    digits = _PHONE_NOISE.sub("", clean_text(value))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            digits = digits[len(prefix):]
            break
    return digits if _MOBILE.fullmatch(digits) else None


_LANDLINE = re.compile(r"0\d{2,3}\d{7,8}(?:[#*x]\d{1,6})?")
_INTERNATIONAL = re.compile(r"\+\d{6,15}")


def normalise_phone(value: str) -> str | None:
    """A mobile as 11 digits, a landline as area code + number, or +international digits."""
    mobile = normalise_mobile(value)
    if mobile:
        return mobile
    compact = _PHONE_NOISE.sub("", clean_text(value)).replace("转", "x").replace("ext", "x")
    if compact.startswith("1") and len(compact) == 11:
        return None  # looks like a mobile but is not a valid one
    if _LANDLINE.fullmatch(compact) or (_INTERNATIONAL.fullmatch(compact)
                                        and not compact.startswith("+86")):
        return compact
    return None


_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(?:\.[^@\s.]+)+")


def normalise_email(value: str) -> str | None:
    text = clean_text(value)
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        return None
    local, domain = text.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS,
                                                               strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(value: str) -> str | None:
    """An 18-character unified social credit code with a correct check character."""
    code = clean_text(value).replace(" ", "").upper()
    if len(code) != 18 or any(ch not in _USCC_ALPHABET for ch in code):
        return None
    return code if uscc_check_char(code[:17]) == code[17] else None


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_char(first17: str) -> str:
    return "10X98765432"[sum(int(ch) * w for ch, w in zip(first17, _ID_WEIGHTS,
                                                             strict=True)) % 11]


def normalise_national_id(value: str) -> str | None:
    """An 18-character resident identity number with a valid birth date and check character."""
    code = clean_text(value).replace(" ", "").upper()
    if len(code) != 18 or not code[:17].isdigit() or not (code[17].isdigit() or code[17] == "X"):
        return None
    try:
        born = date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return None
    if born.year < 1900 or born > date.today():
        return None
    return code if id_check_char(code[:17]) == code[17] else None


def normalise_bank_account(value: str) -> str | None:
    digits = re.sub(r"[\s\-]", "", clean_text(value))
    return digits if digits.isdigit() and 8 <= len(digits) <= 30 else None


_SENSITIVE_CHECKS = {
    NATIONAL_ID: (normalise_national_id, "not a valid 18-character resident identity number"),
    PERSONAL_MOBILE: (normalise_mobile, "not a valid mainland mobile number"),
    BANK_ACCOUNT: (normalise_bank_account, "a bank account has 8 to 30 digits"),
}


def validate_draft(draft: CustomerDraft, custom_fields: frozenset[str] = frozenset(),
                   ) -> CustomerDraft:
    """The draft with every value cleaned, or CustomerInvalid listing every problem."""
    errors: list[FieldError] = []
    name = clean_text(draft.name)
    if not name:
        errors.append(FieldError("name", "a name is required"))
    phones: list[str] = []
    for raw in draft.phones:
        if not clean_text(raw):
            continue
        phone = normalise_phone(raw)
        if phone is None:
            errors.append(FieldError("phones", f"{clean_text(raw)!r} is not a valid phone "
                                               "number (mainland mobile, landline with area "
                                               "code, or +country code)"))
        elif phone not in phones:
            phones.append(phone)
    email = ""
    if clean_text(draft.email):
        email = normalise_email(draft.email) or ""
        if not email:
            errors.append(FieldError("email", "not a valid e-mail address"))
    credit_code = ""
    if clean_text(draft.credit_code):
        if draft.kind != CustomerKind.COMPANY:
            errors.append(FieldError("credit_code", "only companies have a credit code"))
        credit_code = normalise_credit_code(draft.credit_code) or ""
        if not credit_code:
            errors.append(FieldError("credit_code", "not a valid unified social credit code "
                                                    "(18 characters, GB 32100-2015)"))
    sensitive: dict[str, str] = {}
    for key, raw in draft.sensitive.items():
        if not clean_text(raw):
            continue
        check = _SENSITIVE_CHECKS.get(key)
        if check is None:
            if key not in custom_fields:
                errors.append(FieldError(key, "unknown field"))
            sensitive[key] = clean_text(raw)
            continue
        value = check[0](raw)
        if value is None:
            errors.append(FieldError(key, check[1]))
        else:
            sensitive[key] = value
    custom: dict[str, str] = {}
    for key, raw in draft.custom.items():
        if key not in custom_fields:
            errors.append(FieldError(key, "unknown field"))
        elif clean_text(raw):
            custom[key] = clean_text(raw)
    contacts = []
    for contact in draft.contacts:
        cleaned = _clean_contact(contact, errors)
        if cleaned is not None:
            contacts.append(cleaned)
    if errors:
        raise CustomerInvalid(errors)
    tags = tuple(dict.fromkeys(t for t in (clean_text(t, 40) for t in draft.tags) if t))
    return dataclasses.replace(
        draft, name=name, phones=tuple(phones), email=email, credit_code=credit_code,
        address=clean_text(draft.address), city=clean_text(draft.city, 60),
        region=clean_text(draft.region, 60), industry=clean_text(draft.industry, 60),
        source=clean_text(draft.source, 60), tags=tags,
        notes=clean_text(draft.notes, MAX_NOTES), contacts=tuple(contacts), custom=custom,
        sensitive=sensitive)


def _clean_contact(contact: Contact, errors: list[FieldError]) -> Contact | None:
    name = clean_text(contact.name)
    phone, email = "", ""
    if clean_text(contact.phone):
        phone = normalise_phone(contact.phone) or ""
        if not phone:
            errors.append(FieldError("contacts", f"{name or 'a contact'}: not a valid phone"))
    if clean_text(contact.email):
        email = normalise_email(contact.email) or ""
        if not email:
            errors.append(FieldError("contacts", f"{name or 'a contact'}: not a valid e-mail"))
    if not name:
        if phone or email:
            errors.append(FieldError("contacts", "a contact needs a name"))
        return None
    return Contact(name=name, title=clean_text(contact.title, 60), phone=phone, email=email,
                   id=contact.id)
