"""Realistic-looking customers made quickly: Chinese and English people and companies, cities,
mobiles, contacts, notes and some protected values, from a seeded generator (same data for the
encrypted vault and the plain baseline)."""

from __future__ import annotations

import random
from collections.abc import Iterator

from core.customers.model import (
    NATIONAL_ID,
    PERSONAL_MOBILE,
    Contact,
    CustomerDraft,
    CustomerKind,
    CustomerStatus,
)
from core.customers.validate import id_check_char

# Roughly by frequency: 王, 李 and 张 alone are about a fifth of the population.
SURNAMES = ("王" * 7 + "李" * 7 + "张" * 7 + "刘" * 5 + "陈" * 5 + "杨" * 3 + "黄" * 2
            + "赵" * 2 + "吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
            + "余杜叶程苏魏吕丁任沈")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕飞鹏辉斌宇浩凯"
         "俊帅晨阳婷雪琳颖欣怡佳慧建国志文博睿轩子涵梓萱思远嘉怡")
CITIES = ("北京", "上海", "广州", "深圳", "杭州", "南京", "成都", "武汉", "西安", "重庆", "天津",
          "苏州", "厦门", "福州", "青岛", "长沙", "郑州", "合肥", "宁波", "无锡", "昆明", "大连")
REGIONS = ("华北", "华东", "华南", "华中", "西南", "西北", "东北")
FIRMS = ("华信", "恒通", "瑞丰", "鼎盛", "宏达", "金桥", "远航", "星辰", "联创", "新元", "嘉禾",
         "永泰", "天成", "博远", "中科", "东方", "润华", "安泰", "汇通", "盛世")
TRADES = ("科技", "贸易", "实业", "电子", "物流", "建材", "食品", "医药", "信息技术", "机械")
FIRST = ("James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David",
         "Elizabeth", "William", "Susan", "Richard", "Jessica", "Thomas", "Sarah", "Charles",
         "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra")
LAST = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson",
        "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White",
        "Harris", "Clark", "Lewis", "Walker", "Hall", "Allen", "Young", "King", "Wright")
WORDS = ("Acme", "Global", "Pacific", "Summit", "Pioneer", "Harbor", "Apex", "Vertex", "Orion",
         "Atlas", "Nova", "Bright", "Silver", "Golden", "United", "Eastern", "Blue River")
KINDS = ("Trading", "Logistics", "Electronics", "Foods", "Medical", "Systems", "Partners")
SUFFIXES = ("Ltd", "Inc", "Co.", "Group", "LLC")
NOTES = ("客户对报价满意，下周回访", "需要寄送样品", "Prefers e-mail; call after 3 pm",
         "年底有采购计划", "Met at the Canton Fair", "关注售后服务和交货期", "预算有限，先试用",
         "Decision maker is the CFO")
TAGS = ("vip", "重点", "exhibition", "渠道", "referral", "新客户")
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                   "152", "155", "157", "158", "159", "166", "177", "180", "181", "186", "187",
                   "188", "189", "191", "199")


def _mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def _chinese_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) if rng.random() < 0.35 else rng.choice(GIVEN) + rng.choice(GIVEN)
    return rng.choice(SURNAMES) + given


def _national_id(rng: random.Random) -> str:
    body = (f"{rng.choice((110105, 310104, 440305, 330106, 510107))}"
            f"{rng.randrange(1950, 2004)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
            f"{rng.randrange(1000):03d}")
    return body + id_check_char(body)


def customer(rng: random.Random) -> CustomerDraft:
    roll = rng.random()
    city = rng.choice(CITIES)
    phones: tuple[str, ...] = (_mobile(rng),) if rng.random() < 0.9 else ()
    if rng.random() < 0.15:
        phones += (_mobile(rng),)
    contacts: tuple[Contact, ...] = ()
    sensitive: dict[str, str] = {}
    email = ""
    if roll < 0.45:  # a Chinese person
        kind, name = CustomerKind.INDIVIDUAL, _chinese_name(rng)
        if rng.random() < 0.2:
            sensitive[NATIONAL_ID] = _national_id(rng)
        if rng.random() < 0.1:
            sensitive[PERSONAL_MOBILE] = _mobile(rng)
    elif roll < 0.8:  # a Chinese company
        kind = CustomerKind.COMPANY
        name = f"{city}{rng.choice(FIRMS)}{rng.choice(TRADES)}有限公司"
        contacts = tuple(Contact(name=_chinese_name(rng), title="经理", phone=_mobile(rng))
                         for _ in range(rng.randrange(1, 3)))
    elif roll < 0.9:  # an English-speaking person
        first, last = rng.choice(FIRST), rng.choice(LAST)
        kind, name = CustomerKind.INDIVIDUAL, f"{first} {last}"
        email = f"{first}.{last}{rng.randrange(100)}@example.com".lower()
    else:  # a foreign company
        kind = CustomerKind.COMPANY
        word = rng.choice(WORDS)
        name = f"{word} {rng.choice(KINDS)} {rng.choice(SUFFIXES)}"
        email = f"sales@{word.lower().replace(' ', '')}{rng.randrange(1000)}.com"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        contacts = (Contact(name=f"{first} {last}", title="Buyer",
                            email=f"{first}.{last}@example.com".lower()),)
    return CustomerDraft(
        kind=kind, name=name, status=rng.choice(tuple(CustomerStatus)), phones=phones,
        email=email, city=city, region=rng.choice(REGIONS),
        notes=rng.choice(NOTES) if rng.random() < 0.3 else "",
        tags=(rng.choice(TAGS),) if rng.random() < 0.2 else (), contacts=contacts,
        sensitive=sensitive)


def batches(count: int, owners: list[int], size: int,
            seed: int = 20260301) -> Iterator[list[tuple[CustomerDraft, int]]]:
    rng = random.Random(seed)
    done = 0
    while done < count:
        n = min(size, count - done)
        yield [(customer(rng), rng.choice(owners)) for _ in range(n)]
        done += n
