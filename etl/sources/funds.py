"""Community fund and governance-fund ledger (社区基金 / 社区发展治理保障资金): one row
per ledger entry, counted by the day it was booked (记账日期).

Income (收支 收入) by kind: public funds (财政保障资金) and the social money they lever
(居民自筹, 企业捐赠, 个人捐赠; 其他收入 counts in neither); spending (支出) by field (领域)
and kind (项目支出, 运营支出). Amounts come as ledgers write them, "12,345.00" or "1.2万"
(:func:`etl.clean.parse_amounts`, through ``Field(kind="amount")``). A 类别 that belongs
to the other side of the ledger (a 企业捐赠 booked as 支出) is refused.

The workbook holds one sheet per year, each with its own title rows and header: they are
read one after the other (:func:`read`). A refused row is named by its running number in
the workbook, and its ``工作表`` cell says the sheet and the row there. 经办人 (a person)
and 备注 (free text) are dropped on reading; 项目名称 names a project, not a person, and
is not needed for any figure.
"""
from __future__ import annotations

import io

import pandas as pd

from etl import clean, extract
from etl.extract import Delivery, RefusedFile, Sheet
from etl.facts import breakdown, combine, totals
from etl.load import Output, span_days
from etl.validate import Field, aliases, combine_rejects, reject_rows

NAME = "funds"

METRICS = ("fund_income", "fund_public_income", "fund_social_income", "fund_spending")

PUBLIC = ("财政保障资金",)
SOCIAL = ("居民自筹", "企业捐赠", "个人捐赠")
INCOME_KINDS = PUBLIC + SOCIAL + ("其他收入",)
SPENDING_KINDS = ("项目支出", "运营支出")
DOMAINS = ("环境微更新", "助老助残", "儿童服务", "文体活动", "邻里互助", "其他")
INCOME, SPENDING = "收入", "支出"
UNFILLED = "未填写"
SHEET = "工作表"  # filled by :func:`read`: which sheet and row a workbook row came from

FIELDS = [
    Field("记账日期", ("日期", "入账日期", "发生日期", "记账时间"), kind="datetime", required=True, nullable=False,
          label_en="booked on"),
    Field("街道", ("所属街道", "街道(镇)", "镇街"), label_en="street"),
    Field("社区", ("所属社区", "社区名称", "社区(村)"), required=True, nullable=False, label_en="community"),
    Field("收支", ("收支类型", "收入/支出", "收支方向"), required=True, nullable=False, allowed=(INCOME, SPENDING),
          label_en="income or spending"),
    Field("类别", ("收支类别", "资金类别", "科目"), required=True, nullable=False,
          allowed=INCOME_KINDS + SPENDING_KINDS, label_en="kind"),
    Field("项目名称", ("项目", "支出项目"), label_en="project"),
    Field("领域", ("项目领域", "服务领域"), allowed=DOMAINS, label_en="field"),
    Field("金额(元)", ("金额", "金额（元）", "发生额"), kind="amount", required=True, nullable=False,
          minimum=0, maximum=1e9, label_en="amount (yuan)"),
    Field(SHEET, ("sheet",), label_en="sheet", verbatim=True),
    # Personal data and free text: recognised so the header is found, then dropped.
    Field("经办人", ("经手人", "记账人", "经办人姓名"), personal=True),
    Field("备注", ("说明", "摘要"), personal=True),
]


def read(delivery: Delivery) -> Sheet:
    """Every sheet of a workbook (one per year), stacked under one header; a CSV as it is.

    Each sheet's header is found below its own title rows; rows are numbered through the
    workbook (sheet after sheet), and each carries its sheet name and row in ``工作表``.
    """
    head = delivery.head(4)
    if head != b"PK\x03\x04":
        return extract.read_sheet(delivery)
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(delivery.data))
        sheets = [(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names]
    except Exception as err:  # noqa: BLE001 - calamine raises its own error types for damaged files
        raise RefusedFile(f"Excel 文件无法打开 / cannot open the workbook {delivery.location}: {err}") from None
    names = [f.name for f in FIELDS if not f.personal and f.name != SHEET]
    required = [f.name for f in FIELDS if f.required]
    known = aliases(FIELDS)
    rows: list[list[str]] = [names + [SHEET]]
    numbers: list[int] = [0]
    offset, found = 0, 0
    for sheet_name, cells in sheets:
        if not cells or not any(any(str(v).strip() for v in r if v is not None) for r in cells):
            offset += len(cells)
            continue
        width = max(len(r) for r in cells)
        texts = [[extract._cell_text(v) for v in r] + [""] * (width - len(r)) for r in cells]
        frame = pd.DataFrame(texts, dtype=str)
        try:
            header = clean.locate_header(Sheet(frame), known, required)
        except RefusedFile as err:
            raise RefusedFile(f"工作表 {sheet_name!r}: {err}") from None
        for r in range(header.first_row + header.height, len(texts)):
            line = texts[r]
            if any(clean.TOTALS.match("".join(clean.normalize_cell(c).split())) for c in line[:3]):
                continue  # the sheet's 合计 row, wherever its columns are
            rows.append([line[header.columns[n]] if n in header.columns else "" for n in names]
                        + [f"{sheet_name} 第{r + 1}行 / row {r + 1}"])
            numbers.append(offset + r + 1)
        offset += len(texts)
        found += 1
    if not found:
        raise RefusedFile(f"工作簿没有数据 / the workbook has no data: {delivery.location}")
    return Sheet(pd.DataFrame(rows, dtype=str), pd.Series(numbers))


def transform(rows: pd.DataFrame, ctx) -> Output:
    """Ledger entries -> daily community income by kind and spending by field and kind."""
    side = rows["收支"]
    wrong = (side.eq(INCOME) & rows["类别"].isin(SPENDING_KINDS)) | (side.eq(SPENDING) & rows["类别"].isin(INCOME_KINDS))
    reasons = ("类别 " + rows["类别"].astype(str) + " 与收支 " + side.astype(str)
               + " 不符 / the kind is on the other side of the ledger")
    rows, side_rejects = reject_rows(rows, ctx.fields, wrong, "类别", reasons)

    rows, codes, area_rejects = ctx.matched_rows(rows, community="社区", street="街道")

    frame = pd.DataFrame({
        "period": rows["记账日期"].dt.normalize(),
        "area_code": codes,
        "kind": rows["类别"],
        "domain": rows["领域"].where(rows["领域"].ne(""), UNFILLED),
        **counted(rows["收支"], rows["类别"], rows["金额(元)"]),
    })
    spending = frame[frame["fund_spending"] > 0].reset_index(drop=True)
    social = frame[frame["fund_social_income"] > 0].reset_index(drop=True)
    income = frame[frame["fund_income"] > 0].reset_index(drop=True)
    facts = combine([
        totals(frame, list(METRICS)),
        breakdown(income, "fund_income", ["kind"]),
        breakdown(social, "fund_social_income", ["kind"]),
        breakdown(spending, "fund_spending", ["domain", "kind"]),
    ])
    return Output(facts, combine_rejects(side_rejects, area_rejects), periods=span_days(frame["period"]))


def counted(side: pd.Series, kind: pd.Series, amount: pd.Series) -> dict[str, pd.Series]:
    """What each ledger entry adds to each metric, in yuan: the one statement of what is
    public money (财政保障资金) and what social money (居民自筹, 企业捐赠, 个人捐赠)."""
    income = side.eq(INCOME)
    return {
        "fund_income": amount.where(income, 0.0),
        "fund_public_income": amount.where(income & kind.isin(PUBLIC), 0.0),
        "fund_social_income": amount.where(income & kind.isin(SOCIAL), 0.0),
        "fund_spending": amount.where(side.eq(SPENDING), 0.0),
    }

