"""Realistic made-up customers for the demo vault and benchmarks: Chinese and English people and
companies with addresses in real cities, valid mainland mobiles, valid unified social credit
codes (GB 32100-2015) and resident ID numbers (GB 11643-1999), some bank accounts, contacts,
and the calls, visits and follow-ups a rep would record. Seeded: the same seed gives the same
customers."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.customers.interactions import InteractionKind
from core.customers.model import (
    BANK_ACCOUNT,
    NATIONAL_ID,
    PERSONAL_MOBILE,
    Contact,
    CustomerDraft,
    CustomerKind,
    CustomerStatus,
)
from core.customers.validate import id_check_char, uscc_check_char

# City -> (administrative division code, region, telephone area code, districts).
CITIES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "北京": ("110105", "华北", "010", ("朝阳区", "海淀区", "东城区", "丰台区")),
    "上海": ("310104", "华东", "021", ("徐汇区", "浦东新区", "静安区", "闵行区")),
    "广州": ("440106", "华南", "020", ("天河区", "越秀区", "海珠区", "白云区")),
    "深圳": ("440305", "华南", "0755", ("南山区", "福田区", "宝安区", "龙岗区")),
    "杭州": ("330106", "华东", "0571", ("西湖区", "滨江区", "上城区", "余杭区")),
    "南京": ("320106", "华东", "025", ("鼓楼区", "玄武区", "建邺区", "江宁区")),
    "成都": ("510107", "西南", "028", ("武侯区", "锦江区", "高新区", "青羊区")),
    "武汉": ("420106", "华中", "027", ("武昌区", "江汉区", "洪山区", "汉阳区")),
    "西安": ("610113", "西北", "029", ("雁塔区", "碑林区", "未央区", "高新区")),
    "苏州": ("320505", "华东", "0512", ("虎丘区", "姑苏区", "吴中区", "工业园区")),
    "厦门": ("350203", "华南", "0592", ("思明区", "湖里区", "集美区", "海沧区")),
    "天津": ("120101", "华北", "022", ("和平区", "河西区", "南开区", "滨海新区")),
}
ROADS = ("人民路", "解放路", "中山路", "建设路", "和平路", "长江路", "科技路", "学院路",
         "滨江大道", "东风路", "新华路", "文化路")
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑"
            "梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈")
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
         "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "建华", "玉兰", "海燕", "志强", "晓东",
         "思远", "子涵", "梓萱", "浩然", "雨欣", "俊杰", "嘉怡", "文博", "欣怡")
FIRMS = ("华信", "恒通", "瑞丰", "鼎盛", "宏达", "金桥", "远航", "星辰", "联创", "新元", "嘉禾",
         "永泰", "天成", "博远", "中科", "东方", "润华", "安泰", "汇通", "盛世", "蓝海", "启明")
TRADES = (("科技", "信息技术"), ("贸易", "批发零售"), ("实业", "制造业"), ("电子", "制造业"),
          ("物流", "物流运输"), ("建材", "建筑"), ("食品", "食品饮料"), ("医药", "医疗健康"),
          ("软件", "信息技术"), ("机械", "制造业"), ("餐饮管理", "餐饮"), ("教育咨询", "教育"))
FIRST = ("James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David",
         "Elizabeth", "William", "Susan", "Richard", "Jessica", "Thomas", "Sarah", "Emma",
         "Oliver", "Sophie", "Lucas")
LAST = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
        "Anderson", "Taylor", "Moore", "Martin", "Lee", "Thompson", "White", "Harris", "Clark")
WORDS = ("Acme", "Global", "Pacific", "Summit", "Pioneer", "Harbor", "Apex", "Vertex", "Orion",
         "Atlas", "Nova", "Silver Line", "Golden Gate", "Eastern Star", "Blue River")
KINDS = (("Trading", "Wholesale"), ("Logistics", "Logistics"), ("Electronics", "Manufacturing"),
         ("Foods", "Food and drink"), ("Medical", "Healthcare"), ("Systems", "IT"))
LEGAL = ("Ltd", "Inc", "Co., Ltd.", "LLC", "GmbH")
SOURCES = ("展会", "老客户推荐", "官网", "电话营销", "合作伙伴", "Trade show", "Referral",
           "Website")
TAGS = ("VIP", "重点客户", "展会", "渠道", "老客户", "新客户", "exporter", "key account")
NOTES = ("客户对报价满意，下周回访。", "需要寄送样品，关注交货期。", "年底有采购计划，预算约50万。",
         "决策人是财务总监。", "Prefers e-mail; call after 3 pm.", "Met at the Canton Fair.",
         "关注售后服务。", "Wants a volume discount above 500 units.")
TITLES = ("总经理", "采购经理", "财务主管", "行政主管", "技术总监", "Purchasing manager", "CFO")
MOBILE_PREFIXES = ("130", "131", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                   "158", "159", "166", "177", "180", "182", "186", "187", "188", "189", "199")
STATUSES = (CustomerStatus.LEAD,) * 3 + (CustomerStatus.PROSPECT,) * 3 + (
    CustomerStatus.ACTIVE,) * 5 + (CustomerStatus.INACTIVE,)


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def credit_code(rng: random.Random, division: str) -> str:
    """91 (a company registered with market regulation), the division, a 9-character
    organisation code with its GB 11714 check character, then the GB 32100 check character."""
    body = f"{rng.randrange(10**8):08d}"
    total = sum(int(ch) * w for ch, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    org = body + ("X" if check == 10 else "0" if check == 11 else str(check))
    first17 = f"91{division}{org}"
    return first17 + uscc_check_char(first17)


def national_id(rng: random.Random, division: str) -> str:
    first17 = (f"{division}{rng.randrange(1955, 2003)}{rng.randrange(1, 13):02d}"
               f"{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}")
    return first17 + id_check_char(first17)


def bank_account(rng: random.Random) -> str:
    """A 19-digit card-style number with a Luhn check digit."""
    digits = [6, 2, 2] + [rng.randrange(10) for _ in range(15)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        d = d * 2 if i % 2 == 0 else d
        total += d - 9 if d > 9 else d
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def chinese_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _address(rng: random.Random, city: str) -> str:
    district = rng.choice(CITIES[city][3])
    return f"{city}市{district}{rng.choice(ROADS)}{rng.randrange(1, 999)}号"


def customer(rng: random.Random) -> CustomerDraft:
    city = rng.choice(tuple(CITIES))
    division, region, area, _districts = CITIES[city]
    roll = rng.random()
    common = {"status": rng.choice(STATUSES), "city": city, "region": region,
              "source": rng.choice(SOURCES), "address": _address(rng, city),
              "notes": rng.choice(NOTES) if rng.random() < 0.4 else "",
              "tags": tuple(rng.sample(TAGS, rng.randrange(0, 3)))}
    if roll < 0.35:  # a Chinese person
        sensitive = {NATIONAL_ID: national_id(rng, division)} if rng.random() < 0.4 else {}
        if rng.random() < 0.15:
            sensitive[PERSONAL_MOBILE] = mobile(rng)
        return CustomerDraft(kind=CustomerKind.INDIVIDUAL, name=chinese_name(rng),
                             phones=(mobile(rng),), sensitive=sensitive, **common)
    if roll < 0.8:  # a Chinese company
        trade, industry = rng.choice(TRADES)
        firm = rng.choice(FIRMS)
        contacts = tuple(Contact(name=chinese_name(rng), title=rng.choice(TITLES[:5]),
                                 phone=mobile(rng)) for _ in range(rng.randrange(1, 3)))
        return CustomerDraft(
            kind=CustomerKind.COMPANY, name=f"{city}{firm}{trade}有限公司", industry=industry,
            phones=(mobile(rng),) if rng.random() < 0.6 else (
                f"{area}-{rng.randrange(2 * 10**7, 9 * 10**7)}",),
            credit_code=credit_code(rng, division), contacts=contacts,
            sensitive={BANK_ACCOUNT: bank_account(rng)} if rng.random() < 0.3 else {},
            **common)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    if roll < 0.9:  # an English-speaking person living in China
        return CustomerDraft(kind=CustomerKind.INDIVIDUAL, name=f"{first} {last}",
                             phones=(mobile(rng),),
                             email=f"{first}.{last}{rng.randrange(100)}@example.com".lower(),
                             **common)
    word = rng.choice(WORDS)
    trade, industry = rng.choice(KINDS)
    domain = word.lower().replace(" ", "") + f"{rng.randrange(1000)}.example"
    return CustomerDraft(
        kind=CustomerKind.COMPANY, name=f"{word} {trade} {rng.choice(LEGAL)}",
        industry=industry, email=f"sales@{domain}", phones=(mobile(rng),),
        contacts=(Contact(name=f"{first} {last}", title=rng.choice(TITLES[5:]),
                          email=f"{first}.{last}@{domain}".lower()),), **common)


def customers(count: int, seed: int = 2026) -> Iterator[CustomerDraft]:
    rng = random.Random(seed)
    for _ in range(count):
        yield customer(rng)


# -- what reps record ------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoInteraction:
    kind: InteractionKind
    summary: str
    outcome: str
    next_step: str


INTERACTIONS = (
    DemoInteraction(InteractionKind.CALL, "电话沟通新季度采购需求", "对方有兴趣，要求报价",
                    "发送报价单"),
    DemoInteraction(InteractionKind.VISIT, "上门拜访，演示产品", "技术部门认可", "安排试用"),
    DemoInteraction(InteractionKind.MEETING, "与采购和财务开会讨论合同条款", "付款方式待定",
                    "提交修改后的合同"),
    DemoInteraction(InteractionKind.EMAIL, "Sent the price list and product brochure",
                    "Asked for a volume discount", "Prepare a discount proposal"),
    DemoInteraction(InteractionKind.CALL, "Follow-up call on the quotation",
                    "Decision expected next week", "Call again on Friday"),
    DemoInteraction(InteractionKind.NOTE, "客户更换了采购负责人", "", "约新负责人见面"),
)
TASK_TITLES = ("回访报价", "寄送样品", "确认合同细节", "Send the revised quotation",
               "Call about the delivery date", "安排产品培训")


def interaction_times(rng: random.Random, now: datetime, count: int) -> list[datetime]:
    """`count` moments in the last 60 days, oldest first, in working hours (UTC+8)."""
    moments = []
    for _ in range(count):
        day = now - timedelta(days=rng.randrange(1, 60))
        moments.append(day.replace(hour=rng.randrange(1, 10), minute=rng.choice((0, 15, 30, 45)),
                                   second=0, microsecond=0))
    return sorted(moments)


def task_due(rng: random.Random, now: datetime, nth: int) -> datetime:
    """A rep's tasks in turn: one overdue, one due today, then two in the next two weeks."""
    step = nth % 4
    days = -rng.randrange(1, 6) if step == 0 else 0 if step == 1 else rng.randrange(1, 15)
    return (now + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
