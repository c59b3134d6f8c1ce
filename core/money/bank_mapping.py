"""Which column of a bank's export holds what: BankMapping (remembered per bank as a dict),
the Chinese and English header synonyms banks use, a mapping guessed from a header row, and a
header row's fingerprint to find a bank's remembered mapping again."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

from core.contracts.money import DEFAULT_CURRENCY, MINOR_UNITS
from core.customers.tabular import clean_header
from core.errors import InvalidInput

# Header synonyms in order of preference, compared after _key() folding.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": ("交易日期", "记账日期", "入账日期", "交易时间", "记账时间", "日期", "transactiondate",
             "date", "valuedate", "postingdate", "bookingdate"),
    "credit": ("收入金额", "贷方发生额", "贷方金额", "收入", "贷方", "存入金额", "存入",
               "收款金额", "credit", "creditamount", "deposit", "deposits", "moneyin",
               "paidin"),
    "debit": ("支出金额", "借方发生额", "借方金额", "支出", "借方", "取出金额", "付款金额",
              "debit", "debitamount", "withdrawal", "withdrawals", "moneyout", "paidout"),
    "amount": ("交易金额", "发生额", "金额", "amount", "transactionamount"),
    "direction": ("借贷标志", "借贷方向", "收支标志", "收支方向", "借贷", "收/支", "dr/cr",
                  "debit/credit", "direction"),
    "currency": ("币种", "币别", "货币", "currency", "ccy"),
    "reference": ("交易流水号", "流水号", "交易参考号", "参考号", "凭证号", "业务编号",
                  "reference", "ref", "transactionid", "transactionreference",
                  "bankreference"),
    "payer_name": ("对方户名", "对方账户名", "对方账户名称", "对方名称", "付款人名称", "付款人",
                   "付款方户名", "汇款人", "对方单位", "payer", "payername", "counterparty",
                   "counterpartyname", "remitter"),
    "payer_account": ("对方账号", "对方账户", "付款人账号", "付款账号", "对方卡号",
                      "payeraccount", "counterpartyaccount", "account"),
    "description": ("附言", "用途", "摘要", "交易附言", "备注", "说明", "description", "memo",
                    "narrative", "remark", "remarks", "details", "particulars"),
}


@dataclass(frozen=True)
class BankMapping:
    """Which header holds what. Either `amount` (signed, or unsigned with `direction`) or a
    `credit`/`debit` pair; `date_format` is a strptime format, "" for the common year-first
    forms. Remembered per bank as `to_dict()`."""

    date: str = ""
    amount: str = ""
    credit: str = ""
    debit: str = ""
    direction: str = ""
    currency: str = ""
    reference: str = ""
    payer_name: str = ""
    payer_account: str = ""
    description: tuple[str, ...] = ()
    date_format: str = ""
    default_currency: str = DEFAULT_CURRENCY

    def headers(self) -> list[str]:
        single = [getattr(self, f.name) for f in fields(self)
                  if f.name not in ("description", "date_format", "default_currency")]
        return [h for h in [*single, *self.description] if h]

    def problems(self) -> list[str]:
        """What keeps this mapping from reading a statement (the file is not consulted)."""
        out = []
        if not self.date:
            out.append("No column is mapped to the date.")
        if not (self.amount or self.credit or self.debit):
            out.append("No column is mapped to the amount (or to credit/debit).")
        if self.amount and (self.credit or self.debit):
            out.append("Map either one amount column or a credit/debit pair, not both.")
        if self.direction and not self.amount:
            out.append("A debit/credit indicator column needs a single amount column.")
        if self.default_currency not in MINOR_UNITS:
            out.append(f"Unsupported default currency {self.default_currency!r}.")
        used = self.headers()
        for header in sorted({h for h in used if used.count(h) > 1}):
            out.append(f"The column {header!r} is mapped to more than one field.")
        return out

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        out["description"] = list(self.description)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> BankMapping:
        values: dict[str, object] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if f.name == "description":
                if isinstance(value, str):
                    value = (value,) if value else ()
                if not isinstance(value, list | tuple) or not all(
                        isinstance(v, str) for v in value):
                    raise InvalidInput("A remembered bank mapping is damaged (description).")
                value = tuple(value)
            elif not isinstance(value, str):
                raise InvalidInput(f"A remembered bank mapping is damaged ({f.name}).")
            values[f.name] = value
        return cls(**values)  # type: ignore[arg-type]



def _key(header: str) -> str:
    text = clean_header(header).casefold()
    text = re.sub(r"[(\[][^()\[\]]*[)\]]$", "", text)  # units: "收入金额(元)", "amount [cny]"
    return re.sub(r"[\s:_\-.*]", "", text)


def _candidates(header: str) -> list[str]:
    key = _key(header)
    parts = [p for p in re.split(r"[/|\n]", key) if len(p) > 1]
    return [key, *parts] if len(parts) > 1 else [key]


def guess_mapping(header: Sequence[str], default_currency: str = DEFAULT_CURRENCY
                  ) -> BankMapping:
    """A mapping from the header's names; fields it cannot place stay "" (see problems())."""
    keys = [_candidates(h) for h in header]
    taken: set[int] = set()
    found: dict[str, str] = {}
    for name in ("date", "credit", "debit", "amount", "direction", "currency", "reference",
                 "payer_name", "payer_account"):
        if name == "amount" and ("credit" in found or "debit" in found):
            continue
        if name == "direction" and "amount" not in found:
            continue
        for synonym in SYNONYMS[name]:
            hit = next((i for i, ks in enumerate(keys) if i not in taken and synonym in ks),
                       None)
            if hit is not None:
                found[name] = header[hit]
                taken.add(hit)
                break
    description = tuple(header[i] for i, ks in enumerate(keys)
                        if i not in taken and any(s in ks for s in SYNONYMS["description"]))
    return BankMapping(**found, description=description,  # type: ignore[arg-type]
                       default_currency=default_currency)


def header_key(header: Sequence[str]) -> str:
    """A stable fingerprint of a header row, to remember a mapping for a bank's export."""
    return "|".join(_key(h) for h in header)
