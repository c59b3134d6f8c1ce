"""The contract PDF renderer: what a reader (and pdftotext, qpdf) finds in the file.

Text is checked by extracting it with poppler's pdftotext, so a font without a ToUnicode map,
a wrong glyph or a dropped character fails here. Whitespace is normalised (line wrapping moves
it), every other character is compared."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core.pdf.document import (
    Clause,
    ContractDocument,
    Instalment,
    LineItem,
    Party,
    Signatories,
    Totals,
    canonical_json,
    content_fingerprint,
)
from core.pdf.formatting import money, percent, quantity, rmb_capital, zh_ordinal
from core.pdf.render import render, render_contract

ROOT = Path(__file__).resolve().parents[2]
D = Decimal

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                     reason="poppler-utils (pdftotext) is not installed")
needs_qpdf = pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")

ZH_CLAUSE = ("乙方应于收到甲方开具的增值税专用发票后三十日内，将合同款项支付至甲方指定账户。"
             "本合同适用《中华人民共和国民法典》“合同编”的规定；逾期付款的，每日按未付金额的"
             "万分之五支付违约金。")
EN_CLAUSE = ("The Buyer shall pay each instalment within thirty (30) days of receiving the "
             "Seller's invoice. Late payments bear interest at 0.05% per day <until> paid & "
             "settled.")


def make_doc(language: str = "zh", items: int = 3, clauses: int = 4, **changes: object
             ) -> ContractDocument:
    zh = language == "zh"
    rows = [LineItem(product=(f"企业级加密存储服务器（型号{n}）" if zh
                              else f"Encrypted storage server, model {n}"),
                     quantity=D(n), unit="台" if zh else "unit", unit_price=D("12999.50"),
                     discount_percent=D("5"), tax_rate_percent=D("13"),
                     line_total=D("12349.525") * n)
            for n in range(1, items + 1)]
    texts = [Clause(title=f"付款条件{n}" if zh else f"Payment terms {n}",
                    text=ZH_CLAUSE if zh else EN_CLAUSE, nonstandard=(n == 2))
             for n in range(1, clauses + 1)]
    doc = ContractDocument(
        number="HT-2026-000123", title="产品销售合同" if zh else "Sales Contract",
        language=language,  # type: ignore[arg-type]
        company=Party("上海保险箱软件有限公司" if zh else "Strongroom Software Ltd.",
                      "上海市浦东新区世纪大道100号" if zh else "100 Century Avenue, Shanghai",
                      "91310000MA1FL0XX0X", "021-5555 0100"),
        customer=Party("北京“星辰”科技有限公司" if zh else "Acme Trading GmbH",
                       "北京市海淀区中关村大街1号" if zh else "Hauptstraße 1, 10115 Berlin",
                       "9111****XX0X", contact="王芳"),
        issue_date=date(2026, 11, 27), currency="CNY", items=rows,
        totals=Totals(D("100000"), D("13000"), D("113000")),
        created_at=datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
        start_date=date(2026, 12, 1), end_date=date(2027, 11, 30),
        schedule=[Instalment("预付款" if zh else "Advance payment", date(2026, 12, 10),
                             D("33900")),
                  Instalment("验收款" if zh else "On acceptance", date(2027, 1, 31),
                             D("79100"))],
        delivery_terms=("甲方应于2026年12月31日前将货物送达乙方指定地点。" if zh
                        else "Delivery DAP Berlin no later than 31 December 2026."),
        clauses=texts,
        signatories=Signatories("李明", "销售总监" if zh else "Sales Director", "王芳",
                                "采购经理" if zh else "Purchasing Manager"),
        audit_head="9f" * 32)
    return dataclasses.replace(doc, **changes)  # type: ignore[arg-type]


def pdftotext(pdf: bytes, tmp_path: Path, *args: str) -> str:
    source = tmp_path / "contract.pdf"
    source.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", *args, str(source), "-"],
                          capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def words(text: str) -> str:
    return " ".join(text.split())


@needs_pdftotext
def test_chinese_names_addresses_and_clauses_extract_exactly(tmp_path: Path) -> None:
    doc = make_doc("zh")
    text = squash(pdftotext(render_contract(doc), tmp_path))
    expected = [doc.title, doc.company.name, doc.company.address, doc.customer.name,
                doc.customer.address, doc.customer.contact, doc.delivery_terms,
                doc.signatories.company_name, doc.signatories.company_title,
                *(item.product for item in doc.items), *(p.label for p in doc.schedule),
                "2026年12月10日", "第二条付款条件2", "［非标准条款］", "统一社会信用代码"]
    for value in expected:
        assert squash(value) in text, value
    # Every clause, punctuation (，。《》“”；) included, comes out whole and in order.
    assert text.count(squash(ZH_CLAUSE)) == len(doc.clauses)


@needs_pdftotext
def test_chinese_lines_never_start_with_closing_punctuation(tmp_path: Path) -> None:
    doc = make_doc("zh", clauses=12)
    lines = pdftotext(render_contract(doc), tmp_path).splitlines()
    assert not [line for line in lines if line and line[0] in "，。、；：！？）》〉”’"]


@needs_pdftotext
def test_english_text_and_markup_characters_extract_as_typed(tmp_path: Path) -> None:
    doc = make_doc("en")
    text = words(pdftotext(render_contract(doc), tmp_path))
    for value in (doc.title, doc.company.name, doc.customer.address, doc.delivery_terms,
                  EN_CLAUSE, "2. Payment terms 2 [Non-standard clause]", "Seller", "Buyer",
                  "Authorised representative: 李明, Sales Director", "2026-12-10"):
        assert words(value) in text, value
    assert "[Non-standard clause]" not in text.split("2. Payment terms 2")[0]
    assert text.count("[Non-standard clause]") == 1


@needs_pdftotext
@pytest.mark.parametrize(("language", "pattern"), [
    ("en", "Page {page} of {pages}"), ("zh", "第 {page} 页 / 共 {pages} 页")])
def test_a_three_page_contract_numbers_every_page(tmp_path: Path, language: str,
                                                  pattern: str) -> None:
    doc = make_doc(language, items=25, clauses=6)
    result = render(doc)
    assert result.pages == 3
    for page in (1, 2, 3):
        text = pdftotext(result.pdf, tmp_path, "-f", str(page), "-l", str(page))
        assert squash(pattern.format(page=page, pages=3)) in squash(text)
        assert doc.number in text
        assert f"SHA-256 {result.fingerprint[:16]}" in text
    info = subprocess.run(["pdfinfo", str(tmp_path / "contract.pdf")], capture_output=True,
                          text=True, check=True).stdout
    assert re.search(r"^Pages:\s+3$", info, re.MULTILINE)


@needs_pdftotext
def test_a_long_items_table_repeats_its_header_on_every_page(tmp_path: Path) -> None:
    doc = make_doc("en", items=90, clauses=1)
    result = render(doc)
    assert result.pages >= 3
    pages_with_items = 0
    seen: list[str] = []
    for page in range(1, result.pages + 1):
        text = pdftotext(result.pdf, tmp_path, "-f", str(page), "-l", str(page))
        rows = re.findall(r"Encrypted storage server, model\s+(\d+)", text)
        if rows:
            pages_with_items += 1
            assert "Unit price (CNY)" in text and "Amount (CNY)" in text, page
        seen += rows
    assert pages_with_items >= 3
    assert seen == [str(n) for n in range(1, 91)]  # every row once, in order


@needs_qpdf
@pytest.mark.parametrize("language", ["zh", "en"])
def test_qpdf_finds_nothing_wrong(tmp_path: Path, language: str) -> None:
    path = tmp_path / "contract.pdf"
    path.write_bytes(render_contract(make_doc(language, items=30, clauses=8)))
    done = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No syntax or stream encoding errors" in done.stdout


def test_the_same_document_renders_to_the_same_bytes() -> None:
    doc = make_doc("zh")
    first = render(doc)
    assert render(make_doc("zh")).pdf == first.pdf
    # Amount of work done in between (font subsets, reportlab's caches) changes nothing.
    render(make_doc("en", items=40))
    assert render_contract(doc) == first.pdf


def test_the_same_document_renders_to_the_same_bytes_in_another_process() -> None:
    script = ("import hashlib, sys; sys.path.insert(0, sys.argv[1]); "
              "from tests.core.test_pdf_render import make_doc; "
              "from core.pdf.render import render_contract; "
              "print(hashlib.sha256(render_contract(make_doc('zh'))).hexdigest())")
    done = subprocess.run([sys.executable, "-c", script, str(ROOT)], capture_output=True,
                          text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == hashlib.sha256(render_contract(make_doc("zh"))).hexdigest()


def test_amounts_round_half_up_with_thousands_separators() -> None:
    assert money(D("2.675")) == "2.68"  # a float would make this 2.67
    assert money(D("0.005")) == "0.01"
    assert money(D("0.004")) == "0.00"
    assert money(D("-0.004")) == "0.00"
    assert money(D("-1234.565")) == "-1,234.57"
    assert money(D("1234567.894")) == "1,234,567.89"
    assert money(D("1000000")) == "1,000,000.00"
    assert quantity(D("1E+3")) == "1,000"
    assert quantity(D("2.500")) == "2.5"
    assert percent(D("13.00")) == "13%"
    assert percent(D("12.5")) == "12.5%"
    assert [zh_ordinal(n) for n in (1, 10, 11, 20, 23, 100, 105, 110)] == [
        "一", "十", "十一", "二十", "二十三", "一百", "一百零五", "一百一十"]


@pytest.mark.parametrize(("amount", "words"), [
    ("113000", "壹拾壹万叁仟元整"), ("1234567.13", "壹佰贰拾叁万肆仟伍佰陆拾柒元壹角叁分"),
    ("1010", "壹仟零壹拾元整"), ("30001", "叁万零壹元整"), ("100010000", "壹亿零壹万元整"),
    ("100000001", "壹亿零壹元整"), ("1680.02", "壹仟陆佰捌拾元零贰分"),
    ("1680.30", "壹仟陆佰捌拾元叁角整"), ("0.5", "伍角整"), ("0.05", "伍分"),
    ("0", "零元整"), ("2.675", "贰元陆角捌分"), ("-20.5", "负贰拾元伍角整")])
def test_rmb_totals_in_capital_numerals(amount: str, words: str) -> None:
    assert rmb_capital(D(amount)) == words


@needs_pdftotext
def test_a_chinese_rmb_contract_states_the_total_in_capital_numerals(tmp_path: Path) -> None:
    text = squash(pdftotext(render_contract(make_doc("zh")), tmp_path))
    assert "价税合计（大写）：人民币壹拾壹万叁仟元整" in text
    euro = squash(pdftotext(render_contract(make_doc("zh", currency="EUR")), tmp_path))
    assert "大写" not in euro and "EUR113,000.00" in euro


@needs_pdftotext
def test_amounts_in_the_pdf_are_rounded_and_right_aligned(tmp_path: Path) -> None:
    doc = make_doc("en", items=1, totals=Totals(D("1234567.125"), D("0.005"),
                                                D("1234567.13")))
    doc = dataclasses.replace(doc, items=(dataclasses.replace(doc.items[0],
                                                              line_total=D("12345.675")),))
    result = render(doc)
    text = pdftotext(result.pdf, tmp_path)
    for shown in ("12,345.68", "CNY 1,234,567.13", "CNY 0.01", "12,999.50", "5%", "13%"):
        assert shown in text, shown
    # Right-aligned: the amount column's right edges line up.
    html = pdftotext(result.pdf, tmp_path, "-bbox", "-f", "1", "-l", "1")
    right_edges = {round(float(m.group(1))) for m in re.finditer(
        r'xMax="([\d.]+)"[^>]*>(?:12,999\.50|12,345\.68)<', html)}
    assert len(right_edges) == 2  # unit price column and amount column, each one edge


@needs_pdftotext
@pytest.mark.parametrize("size", [(1, 1), (25, 6), (60, 20)])
def test_signature_boxes_are_empty_and_always_in_the_same_place(tmp_path: Path,
                                                                size: tuple[int, int]) -> None:
    result = render(make_doc("zh", items=size[0], clauses=size[1]))
    reference = render(make_doc("en"))
    assert result.company_box.page_index == result.customer_box.page_index == result.pages - 1
    assert result.company_box.box == reference.company_box.box
    assert result.customer_box.box == reference.customer_box.box
    company, customer = result.company_box, result.customer_box
    assert company.x2 < customer.x1  # side by side, not overlapping
    assert company.y2 - company.y1 >= 80 and company.x2 - company.x1 >= 200
    html = pdftotext(result.pdf, tmp_path, "-bbox", "-f", str(result.pages),
                     "-l", str(result.pages))
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', html).group(1))
    words_on_page = [(float(a), height - float(d), float(c), height - float(b), w)
                     for a, b, c, d, w in re.findall(
                         r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                         r"([^<]*)<", html)]
    assert words_on_page
    for box in (company, customer):
        inside = [w for (x1, y1, x2, y2, w) in words_on_page
                  if x1 < box.x2 and x2 > box.x1 and y1 < box.y2 and y2 > box.y1]
        assert inside == [], f"text drawn in the reserved signature space: {inside}"


def test_fingerprint_covers_the_content_and_only_the_content() -> None:
    doc = make_doc("zh")
    base = content_fingerprint(doc)
    assert re.fullmatch(r"[0-9a-f]{64}", base)
    assert render(doc).fingerprint == base
    changed = [
        dataclasses.replace(doc, clauses=(dataclasses.replace(doc.clauses[0],
                                                              text=ZH_CLAUSE + "。"),
                                          *doc.clauses[1:])),
        dataclasses.replace(doc, totals=Totals(D("100000"), D("13000"), D("113000.01"))),
        dataclasses.replace(doc, customer=dataclasses.replace(doc.customer, name="北京星辰")),
        dataclasses.replace(doc, clauses=(dataclasses.replace(doc.clauses[0], nonstandard=True),
                                          *doc.clauses[1:])),
        dataclasses.replace(doc, language="en"),
        dataclasses.replace(doc, items=doc.items[:-1]),
    ]
    prints = {content_fingerprint(d) for d in changed}
    assert base not in prints and len(prints) == len(changed)
    # The same value written differently, and the vault's audit head, are not content.
    same = dataclasses.replace(doc, totals=Totals(D("100000.00"), D("13000.0"), D("113000")),
                               audit_head="")
    assert content_fingerprint(same) == base
    assert b"audit_head" not in canonical_json(doc)


@needs_pdftotext
def test_fingerprint_and_audit_head_are_printed_and_in_the_metadata(tmp_path: Path) -> None:
    doc = make_doc("en", items=25, clauses=6)
    result = render(doc)
    last = pdftotext(result.pdf, tmp_path, "-f", str(result.pages), "-l", str(result.pages))
    assert result.fingerprint in squash(last)
    assert doc.audit_head in squash(last)
    first = pdftotext(result.pdf, tmp_path, "-f", "1", "-l", "1")
    assert result.fingerprint not in squash(first)  # short form before the last page
    info = subprocess.run(["pdfinfo", "-custom", str(tmp_path / "contract.pdf")],
                          capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Title:\s+Sales Contract$", info, re.MULTILINE)
    assert re.search(r"^Author:\s+Strongroom$", info, re.MULTILINE)
    assert re.search(r"^Subject:\s+HT-2026-000123$", info, re.MULTILINE)
    assert f"StrongroomFingerprint:{result.fingerprint}" in squash(info)
    assert f"StrongroomAuditHead:{doc.audit_head}" in squash(info)
    assert re.search(r"^CreationDate:.*2026", info, re.MULTILINE)


@needs_pdftotext
def test_without_an_audit_head_nothing_pretends_there_is_one(tmp_path: Path) -> None:
    result = render(make_doc("zh", audit_head=""))
    text = pdftotext(result.pdf, tmp_path)
    assert "审计链头" not in text
    assert b"StrongroomAuditHead" not in result.pdf


def test_bad_input_is_refused_before_rendering() -> None:
    with pytest.raises(ValueError, match="language"):
        make_doc("fr")
    with pytest.raises(ValueError, match="timezone"):
        make_doc("zh", created_at=datetime(2026, 1, 1))  # naive on purpose
    with pytest.raises(ValueError, match="hexadecimal"):
        make_doc("zh", audit_head="not-a-hash")
    with pytest.raises(TypeError, match="Decimal"):
        make_doc("zh", totals=Totals(D(1), 0.13, D(1)))  # type: ignore[arg-type]
    doc = make_doc("zh")
    with pytest.raises(TypeError, match="Decimal"):
        dataclasses.replace(doc, items=[dataclasses.replace(doc.items[0], unit_price=1.5)])


def test_documents_are_immutable_records() -> None:
    doc = make_doc("zh")
    assert isinstance(doc.items, tuple) and isinstance(doc.clauses, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.number = "X"  # type: ignore[misc]


def test_building_documents_does_not_load_reportlab() -> None:
    """core.pdf.document is what the domain imports at start-up, and the app's start path
    (main, ui.app, core.session) must not pull the renderer in: reportlab costs ~0.5 s."""
    script = ("import sys; import core.pdf, core.pdf.document, core.pdf.formatting, "
              "core.pdf.fonts, core.session, main, ui.app; "
              "loaded = [m for m in sys.modules if m.startswith('reportlab')]; "
              "print(loaded); sys.exit(1 if loaded else 0)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
