"""Which column of an imported file holds which customer field: found from the header's words
(English or Chinese, as Chinese CRMs and Excel templates name them), or given explicitly."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from core.customers.model import (
    BANK_ACCOUNT,
    NATIONAL_ID,
    PERSONAL_MOBILE,
    Contact,
    CustomerDraft,
    CustomerKind,
    CustomerStatus,
)
from core.customers.validate import FieldError
from core.errors import InvalidInput

IGNORE = "ignore"
CUSTOM_PREFIX = "custom:"

# Field -> what it holds, for help texts and reports.
FIELDS: dict[str, str] = {
    "name": "customer or company name (required)",
    "kind": "company or individual",
    "status": "lead, prospect, active or inactive",
    "phone": "phone numbers (several separated by ; or ,)",
    "email": "e-mail address",
    "address": "street address",
    "city": "city",
    "region": "region or province",
    "industry": "industry",
    "source": "where the customer came from",
    "tags": "tags (separated by ; or ,)",
    "notes": "notes",
    "credit_code": "unified social credit code (companies)",
    NATIONAL_ID: "resident identity number (protected)",
    PERSONAL_MOBILE: "personal mobile number (protected)",
    BANK_ACCOUNT: "bank account number (protected)",
    "contact": "contact person's name",
    "contact_title": "contact person's title",
    "contact_phone": "contact person's phone",
    "contact_email": "contact person's e-mail",
    "owner": "user name of the rep who owns the customer",
}
# Fields that several columns may feed (their values are joined); any other field in two
# columns is ambiguous and must be resolved with an explicit mapping.
MULTI = frozenset({"phone", "tags"})

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("name", "customer", "customer name", "company", "company name", "client",
             "client name", "account name", "名称", "客户", "客户名称", "客户名",
             "公司", "公司名称", "公司名", "企业名称", "单位名称", "姓名", "客户姓名"),
    "kind": ("kind", "type", "customer type", "类型", "客户类型", "客户性质"),
    "status": ("status", "stage", "状态", "客户状态", "阶段"),
    "phone": ("phone", "phones", "telephone", "tel", "mobile", "mobile phone", "cell",
              "phone number", "电话", "手机", "手机号", "手机号码", "联系电话", "电话号码",
              "座机", "固定电话"),
    "email": ("email", "e-mail", "mail", "email address", "邮箱", "电子邮箱", "电子邮件",
              "邮件"),
    "address": ("address", "street", "street address", "地址", "详细地址", "联系地址",
                "公司地址"),
    "city": ("city", "town", "城市", "所在城市", "市"),
    "region": ("region", "province", "state", "area", "地区", "省份", "省", "区域", "所在地区"),
    "industry": ("industry", "sector", "行业", "所属行业"),
    "source": ("source", "lead source", "channel", "来源", "客户来源", "渠道"),
    "tags": ("tags", "tag", "labels", "label", "标签"),
    "notes": ("notes", "note", "remarks", "remark", "comment", "comments", "description",
              "备注", "说明", "描述"),
    "credit_code": ("credit code", "uscc", "unified social credit code", "social credit code",
                    "统一社会信用代码", "社会信用代码", "信用代码", "税号", "纳税人识别号"),
    NATIONAL_ID: ("national id", "id number", "id card", "id card number", "identity number",
                  "resident id", "身份证", "身份证号", "身份证号码", "证件号码"),
    PERSONAL_MOBILE: ("personal mobile", "private mobile", "personal phone", "个人手机",
                      "私人手机", "个人电话"),
    BANK_ACCOUNT: ("bank account", "account number", "bank account number", "银行账号",
                   "银行账户", "银行卡号", "开户账号"),
    "contact": ("contact", "contact name", "contact person", "联系人", "联系人姓名",
                "联系人名称"),
    "contact_title": ("contact title", "title", "position", "job title", "职务", "职位",
                      "联系人职务", "联系人职位"),
    "contact_phone": ("contact phone", "contact mobile", "contact tel", "联系人电话",
                      "联系人手机", "联系人手机号"),
    "contact_email": ("contact email", "contact e-mail", "联系人邮箱"),
    "owner": ("owner", "account owner", "sales rep", "rep", "salesperson", "负责人",
              "所属销售", "销售", "销售代表", "客户经理", "归属人"),
}
# "*名称" and "手机（必填）" in import templates mark required columns.
_DECORATION = re.compile(r"[\(（\[【][^\)）\]】]*[\)）\]】]|[*＊:：]")
_SEPARATORS = re.compile(r"[\s_\-.]+")


@lru_cache(maxsize=4096)  # an import asks for the same few kind and status words per row
def header_key(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).casefold().replace("\ufeff", "")
    text = _DECORATION.sub("", text)
    return _SEPARATORS.sub("", text)


_LOOKUP = {header_key(word): name for name, words in _SYNONYMS.items() for word in words}


@dataclass
class ColumnMap:
    """Field per column (None: ignored), and what a person should hear about the header."""

    fields: list[str | None]
    problems: list[str] = field(default_factory=list)  # the file cannot be imported so
    ignored: list[str] = field(default_factory=list)  # headers matched to no field
    used: list[tuple[int, str]] = field(default_factory=list)  # (column, field) mapped

    def columns_of(self, name: str) -> list[int]:
        return [i for i, f in enumerate(self.fields) if f == name]

    def as_dict(self, header: list[str]) -> dict[str, str]:
        return {header[i] or column_letter(i): f for i, f in enumerate(self.fields) if f}


def column_letter(index: int) -> str:
    """A, B, ..., Z, AA, AB...: how a spreadsheet names the column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def check_field(name: str, custom_fields: frozenset[str]) -> str:
    """A field name given by a person: known, `ignore`, or custom:KEY of a defined field."""
    name = name.strip()
    if name in FIELDS or name == IGNORE:
        return name
    if name.startswith(CUSTOM_PREFIX) and name[len(CUSTOM_PREFIX):] in custom_fields:
        return name
    known = ", ".join([*FIELDS, IGNORE, *(CUSTOM_PREFIX + c for c in sorted(custom_fields))])
    raise InvalidInput(f"{name!r} is not a customer field; choose one of: {known}.")


def map_columns(header: list[str], override: Mapping[str, str] | None = None,
                custom_fields: frozenset[str] = frozenset()) -> ColumnMap:
    """Each column's field: from `override` (header text -> field, or `ignore`) when it names
    the column, else from the header's words. Identical headers are a problem, not merged."""
    override = {header_key(k): check_field(v, custom_fields) for k, v in (override or {}).items()}
    keys = [header_key(h) for h in header]
    result = ColumnMap(fields=[None] * len(header))
    seen: dict[str, int] = {}
    for index, key in enumerate(keys):
        if not key:
            continue
        if key in seen:
            result.problems.append(
                f"Columns {column_letter(seen[key])} and {column_letter(index)} are both "
                f"named {header[index]!r}; rename one of them so each column says what it "
                "holds.")
            continue
        seen[key] = index
    for key in override:
        if key not in seen:
            result.problems.append(f"No column is named {key!r} (given in the mapping).")
    custom = {header_key(c): c for c in custom_fields}
    for index, key in enumerate(keys):
        if not key:
            continue
        name = override.get(key) or _LOOKUP.get(key) or (
            CUSTOM_PREFIX + custom[key] if key in custom else None)
        if name is None:
            result.ignored.append(header[index])
        elif name != IGNORE:
            result.fields[index] = name
    for name in dict.fromkeys(f for f in result.fields if f):
        columns = result.columns_of(name)
        if len(columns) > 1 and name not in MULTI:
            listed = ", ".join(f"{column_letter(i)} ({header[i]})" for i in columns)
            result.problems.append(f"Columns {listed} all hold {name}; map all but one to "
                                   f"{IGNORE!r}.")
    result.used = [(i, f) for i, f in enumerate(result.fields) if f]
    if "name" not in result.fields:
        result.problems.append("No column holds the customer's name; name one column 名称 or "
                               "Name, or map it (HEADER=name).")
    return result


# -- from a row's cells to a draft -----------------------------------------------------------
_KINDS = {CustomerKind.COMPANY: ("company", "business", "organisation", "organization", "org",
                                 "b2b", "企业", "公司", "单位", "机构", "法人"),
          CustomerKind.INDIVIDUAL: ("individual", "person", "personal", "private", "b2c",
                                    "个人", "自然人", "个体")}
_STATUSES = {CustomerStatus.LEAD: ("lead", "new", "线索", "潜在", "新客户"),
             CustomerStatus.PROSPECT: ("prospect", "opportunity", "意向", "意向客户", "商机",
                                       "潜在客户", "跟进中"),
             CustomerStatus.ACTIVE: ("active", "customer", "won", "活跃", "成交", "已成交",
                                     "正式客户", "合作中"),
             CustomerStatus.INACTIVE: ("inactive", "lost", "closed", "dormant", "停用", "流失",
                                       "无效", "休眠", "已流失")}
_KIND_WORDS = {header_key(w): k for k, words in _KINDS.items() for w in words}
_STATUS_WORDS = {header_key(w): s for s, words in _STATUSES.items() for w in words}
_LIST_SPLIT = re.compile(r"[;,/、，；|\n]+")
_HAN_NAME = re.compile(r"[\u4e00-\u9fff·]{2,5}")
# What our own export (and any careful exporter) puts before a value a spreadsheet would run
# as a formula; an imported value gets its text back.
_NEUTRALISED = re.compile(r"'(?=[=+\-@\t\r])")
_COMPANY_WORDS = re.compile(r"(公司|集团|企业|厂|店|中心|事务所|合作社|研究院|协会|学校|医院|"
                            r"银行|\b(?:ltd|limited|inc|llc|corp|co|gmbh|plc|group)\b)",
                            re.IGNORECASE)


def cell_value(cell: str) -> str:
    text = cell.strip()
    return text[1:] if text.startswith("'") and _NEUTRALISED.match(text) else text


def row_values(cells: list[str], cmap: ColumnMap) -> dict[str, str]:
    """Field -> the row's value; the columns of a field several columns feed joined by ";"."""
    values: dict[str, str] = {}
    for index, name in cmap.used:
        if index < len(cells):
            value = cell_value(cells[index])
            if name in values and name in MULTI:
                values[name] = f"{values[name]};{value}" if values[name] else value
            else:
                values[name] = value
    return values


def draft_of(values: dict[str, str], sensitive_custom: frozenset[str] = frozenset(),
             ) -> tuple[CustomerDraft, str, list[FieldError]]:
    """(draft as typed, owner's user name, problems found before validation)."""
    errors: list[FieldError] = []
    get = values.get
    name = get("name", "")
    kind_text = get("kind", "")
    kind = _KIND_WORDS.get(header_key(kind_text)) if kind_text else _guess_kind(values, name)
    if kind is None:
        errors.append(FieldError("kind", f"{kind_text!r} is neither company (企业) nor "
                                         "individual (个人)"))
        kind = CustomerKind.COMPANY
    status_text = get("status", "")
    status = _STATUS_WORDS.get(header_key(status_text)) if status_text else CustomerStatus.LEAD
    if status is None:
        errors.append(FieldError("status", f"{status_text!r} is not one of lead, prospect, "
                                           "active, inactive"))
        status = CustomerStatus.LEAD
    contact = Contact(name=get("contact", ""), title=get("contact_title", ""),
                      phone=get("contact_phone", ""), email=get("contact_email", ""))
    custom: dict[str, str] = {}
    sensitive = {k: values[k] for k in (NATIONAL_ID, PERSONAL_MOBILE, BANK_ACCOUNT)
                 if get(k)}
    for key in [k for k, v in sensitive.items() if "***" in v]:
        # A masked export read back: its stars are not the value.
        errors.append(FieldError(key, "holds a masked value (exported without revealing); "
                                      "give the real value or leave it empty"))
        del sensitive[key]
    for key, value in values.items():
        if value and key.startswith(CUSTOM_PREFIX):
            target = sensitive if key[len(CUSTOM_PREFIX):] in sensitive_custom else custom
            target[key[len(CUSTOM_PREFIX):]] = value
    phones, tags = get("phone", ""), get("tags", "")
    draft = CustomerDraft(
        kind=kind, name=name, status=status,
        phones=tuple(p for p in _LIST_SPLIT.split(phones) if p) if phones else (),
        email=get("email", ""), address=get("address", ""), city=get("city", ""),
        region=get("region", ""), industry=get("industry", ""), source=get("source", ""),
        tags=tuple(t for t in _LIST_SPLIT.split(tags) if t) if tags else (),
        notes=get("notes", ""), credit_code=get("credit_code", ""),
        contacts=(contact,) if contact.name or contact.phone or contact.email else (),
        custom=custom, sensitive=sensitive)
    return draft, get("owner", ""), errors


def _guess_kind(values: dict[str, str], name: str) -> CustomerKind:
    """Without a kind column: a credit code, a contact person or a company word makes a
    company; an ID number or a Chinese personal name (2-5 characters, no company word) a
    person."""
    if values.get("credit_code") or values.get("contact") or _COMPANY_WORDS.search(name):
        return CustomerKind.COMPANY
    if values.get(NATIONAL_ID) or _HAN_NAME.fullmatch(name.strip()):
        return CustomerKind.INDIVIDUAL
    return CustomerKind.COMPANY


def field_column(field_name: str, cmap: ColumnMap, header: list[str]) -> str:
    """The header of the column a validation error is about ("" when none is)."""
    wanted = {"phones": ["phone"], "contacts": ["contact", "contact_phone", "contact_email"]}
    for name in wanted.get(field_name, [field_name, CUSTOM_PREFIX + field_name]):
        columns = cmap.columns_of(name)
        if columns:
            return header[columns[0]] or column_letter(columns[0])
    return ""


def custom_definitions(defined: object) -> tuple[frozenset[str], frozenset[str]]:
    """(every custom field, the protected ones) from the `customer_fields` setting:
    {"custom": {"key": {"sensitive": true}, ...}} or {"custom": ["key", ...]}."""
    custom = defined.get("custom", {}) if isinstance(defined, dict) else {}
    if isinstance(custom, dict):
        names = frozenset(str(k) for k in custom)
        return names, frozenset(str(k) for k, v in custom.items()
                                if isinstance(v, dict) and v.get("sensitive"))
    if isinstance(custom, list):
        return frozenset(str(k) for k in custom), frozenset()
    return frozenset(), frozenset()
