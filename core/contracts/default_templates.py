"""The templates a new vault starts with: a Chinese sales contract (the default) and an English
one, each with a standard clause for every category of the library. Seeded on first use."""

from __future__ import annotations

from dataclasses import dataclass

from core.contracts.model import ClauseCategory as C
from core.contracts.model import TemplateClause


@dataclass(frozen=True)
class DefaultTemplate:
    code: str
    name: str
    language: str
    title: str
    preamble: str
    clauses: tuple[TemplateClause, ...]


ZH_CLAUSES = (
    TemplateClause(C.PAYMENT, "付款方式", (
        "买方应按本合同所附付款计划向卖方支付合同总价款{total}。每期款项应于到期日或之前以银行转账方式"
        "支付至卖方指定账户。卖方收款后应于十五个工作日内开具合法有效的增值税发票。买方逾期付款的，"
        "每逾期一日应按逾期金额的万分之五向卖方支付违约金。")),
    TemplateClause(C.DELIVERY, "交付", (
        "卖方应按以下交付条款交付合同标的：{delivery_terms}。货物的所有权及毁损、灭失风险自买方签收之日起"
        "转移至买方。因买方原因导致延迟收货的，由此产生的仓储等费用由买方承担。")),
    TemplateClause(C.ACCEPTANCE, "验收", (
        "买方应于收到货物之日起十个工作日内按照合同约定的规格和质量标准进行验收，并书面通知卖方验收结果。"
        "买方逾期未提出书面异议的，视为验收合格。验收不合格的，卖方应于合理期限内免费修理、更换或补足。")),
    TemplateClause(C.WARRANTY, "质量保证", (
        "卖方保证所交付的货物为全新、合格产品，符合国家标准及本合同约定。质量保证期为自验收合格之日起"
        "十二个月。保证期内非因买方使用不当造成的质量问题，卖方负责免费维修或更换。")),
    TemplateClause(C.LIABILITY, "违约责任", (
        "任何一方违反本合同约定的，应赔偿对方因此遭受的直接损失。除故意或重大过失外，任何一方在本合同项下"
        "的累计赔偿责任不超过合同总价款。任何一方均不对对方的间接损失或预期利润损失承担责任。")),
    TemplateClause(C.CONFIDENTIALITY, "保密", (
        "双方对在订立和履行本合同过程中知悉的对方商业秘密和其他保密信息负有保密义务，未经对方书面同意不得"
        "向第三方披露。本条款在合同终止后三年内继续有效。")),
    TemplateClause(C.DATA_PROTECTION, "个人信息保护", (
        "双方在履行本合同过程中处理个人信息的，应遵守《中华人民共和国个人信息保护法》等法律法规，仅为履行"
        "本合同之目的在必要范围内处理，并采取必要措施保障个人信息安全。发生个人信息泄露的，应及时通知对方"
        "并采取补救措施。")),
    TemplateClause(C.DISPUTE_RESOLUTION, "争议解决", (
        "本合同适用中华人民共和国法律。因本合同引起的或与本合同有关的任何争议，双方应友好协商解决；"
        "协商不成的，任何一方均可向卖方所在地有管辖权的人民法院提起诉讼。")),
)

EN_CLAUSES = (
    TemplateClause(C.PAYMENT, "Payment", (
        "The Buyer shall pay the Seller the contract price of {total} according to the payment "
        "schedule of this contract, each instalment by bank transfer to the account the Seller "
        "names, on or before its due date. The Seller issues a valid VAT invoice within fifteen "
        "working days of receiving each payment. Late payments bear a penalty of 0.05% of the "
        "overdue amount per day.")),
    TemplateClause(C.DELIVERY, "Delivery", (
        "The Seller delivers the goods on the following terms: {delivery_terms}. Title and risk "
        "of loss pass to the Buyer when the Buyer signs for the goods. Storage costs caused by "
        "the Buyer delaying acceptance of delivery are borne by the Buyer.")),
    TemplateClause(C.ACCEPTANCE, "Acceptance", (
        "The Buyer inspects the goods against the agreed specifications within ten working days "
        "of receipt and notifies the Seller of the result in writing. Goods not objected to in "
        "writing within that period are deemed accepted. The Seller repairs, replaces or "
        "completes non-conforming goods free of charge within a reasonable time.")),
    TemplateClause(C.WARRANTY, "Warranty", (
        "The Seller warrants that the goods are new, conform to applicable national standards "
        "and to this contract, and are free from defects for twelve months from acceptance. "
        "Within that period the Seller repairs or replaces defective goods free of charge, "
        "unless the defect results from misuse by the Buyer.")),
    TemplateClause(C.LIABILITY, "Liability", (
        "A party in breach compensates the other for the direct loss caused. Except for wilful "
        "misconduct or gross negligence, either party's total liability under this contract is "
        "limited to the contract price. Neither party is liable for indirect loss or loss of "
        "profit.")),
    TemplateClause(C.CONFIDENTIALITY, "Confidentiality", (
        "Each party keeps confidential the other party's trade secrets and other confidential "
        "information learned in negotiating or performing this contract, and discloses none of "
        "it to third parties without prior written consent. This obligation survives for three "
        "years after the contract ends.")),
    TemplateClause(C.DATA_PROTECTION, "Data protection", (
        "Where either party processes personal information in performing this contract, it "
        "complies with the Personal Information Protection Law of the People's Republic of China "
        "and other applicable law, processes only what is necessary for this contract, protects "
        "it with appropriate measures, and notifies the other party promptly of any breach.")),
    TemplateClause(C.DISPUTE_RESOLUTION, "Dispute resolution", (
        "This contract is governed by the laws of the People's Republic of China. The parties "
        "first seek to settle any dispute arising from or in connection with this contract by "
        "negotiation; failing that, either party may bring proceedings before the competent "
        "people's court at the Seller's place of business.")),
)

DEFAULTS: tuple[DefaultTemplate, ...] = (
    DefaultTemplate(
        code="sales-zh", name="标准销售合同", language="zh", title="销售合同",
        preamble=("合同编号：{contract_number}\n卖方：{company_name}\n买方：{customer_name}\n"
                  "签订日期：{contract_date}\n\n根据《中华人民共和国民法典》及相关法律法规，买卖双方"
                  "本着平等自愿、诚实信用的原则，经友好协商，就下列产品的买卖事宜达成如下协议，"
                  "合同期限自{start_date}至{end_date}。"),
        clauses=ZH_CLAUSES),
    DefaultTemplate(
        code="sales-en", name="Standard sales contract", language="en",
        title="Sales Contract",
        preamble=("Contract number: {contract_number}\nSeller: {company_name}\n"
                  "Buyer: {customer_name}\nDate: {contract_date}\n\nThe Seller and the Buyer, "
                  "on the basis of equality and good faith, agree on the sale of the products "
                  "listed below on the following terms, for the term from {start_date} to "
                  "{end_date}."),
        clauses=EN_CLAUSES),
)
DEFAULT_TEMPLATE_CODE = "sales-zh"
