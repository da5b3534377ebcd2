"""The zh/en catalogue: every fixed word the screens show, in Chinese and English, in one place.

Look a word up with ``t(key, lang)``; ``pair(key)`` gives the (zh, en) tuple and
``group(prefix)`` a {name: (zh, en)} dict of one family (``group("source")`` is the data
page's source names). Keys are dotted, ``family.name``. Month and weekday names live
here too (``month_name``, ``weekday_name``), for Python and, through
``data.present.wall_settings``, for assets/wall.js. Metric names and units are not here: they come from the metric catalogue
(data/reference/metrics.csv); what the source systems wrote (``物业管理``) is translated
by ``data.labels``.

``lang`` is "zh" or "en"; anything starting with "en" is English, anything else Chinese.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

# Monday first, as Python's ``date.weekday()``.
WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")

TEXT: dict[str, tuple[str, str]] = {
    "app.title": ("社区智慧大脑", "Community Smart Brain"),
    "word.target": ("目标", "Target"),
    "compare.previous": ("环比", "vs prev."),
    "compare.last_year": ("同比", "vs last yr"),
    "word.no_value": ("暂无数据", "No data"),
    "word.masked": ("人数过少，不予显示", "Too few people to show"),
    "word.area": ("地区", "Area"),
    "word.period": ("时段", "Period"),
    "word.ignored_parameters": ("链接中有无法识别的参数：", "Some link parameters were ignored: "),
    "link.repeated": ("链接中的参数“{name}”出现了不止一次，无法确定要显示什么。请使用只含一次该参数的链接。",
                      "The link gives '{name}' more than once, so what to show is unclear. Use a link that gives it once."),
    "word.colon": ("：", ": "),
    "word.list_separator": ("、", ", "),
    "word.unknown_area": ("地区 {area} 不在地区登记表中。", "Area {area} is not in the area register."),
    "word.masked_note": ("少于{n}人的单元格显示为“<{n}”，图中不绘出。",
                         "Cells under {n} people show as “<{n}” and are not drawn."),
    # --- the laptop pages' frame (layouts/shell.py)
    "nav./": ("总览", "Overview"),
    "nav./explore": ("分析", "Explore"),
    "nav./data": ("数据", "Data health"),
    "nav./wall": ("大屏", "Wall screen"),
    "nav./console": ("控制台", "Console"),
    "nav.user": ("{name}（{role}）", "{name} ({role})"),
    "nav.logout": ("退出", "Log out"),
    # --- named periods (layouts/components.py)
    "period.this_month": ("本月", "This month"),
    "period.last_month": ("上月", "Last month"),
    "period.this_quarter": ("本季度", "This quarter"),
    "period.last_quarter": ("上季度", "Last quarter"),
    "period.this_year": ("今年", "This year"),
    "period.last_year": ("去年", "Last year"),
    "period.last_7_days": ("近7天", "Last 7 days"),
    "period.last_30_days": ("近30天", "Last 30 days"),
    "period.last_12_months": ("近12个月", "Last 12 months"),
    "period.last_24_months": ("近24个月", "Last 24 months"),
    "period.year_to_date": ("年初至今", "Year to date"),
    "period.same_period_last_year": ("去年同期", "Same period last year"),
    "period.custom": ("自定义", "Custom"),
    # --- domains (data/labels.py)
    "domain.party": ("党建", "Party building"),
    "domain.governance": ("治理", "Governance"),
    "domain.services": ("服务", "Services"),
    # --- the explorer's choices (layouts/explore.py)
    "grain.day": ("日", "Day"),
    "grain.week": ("周", "Week"),
    "grain.month": ("月", "Month"),
    "grain.year": ("年", "Year"),
    "chart.bars": ("合计条形", "Totals"),
    "chart.stacked": ("堆叠", "Stacked"),
    "chart.multiples": ("小多图", "Small multiples"),
    "dimension.children": ("下级地区", "Child areas"),
    "dimension.category": ("类别", "Category"),
    "dimension.channel": ("渠道", "Channel"),
    "dimension.type": ("类型", "Type"),
    "dimension.age_band": ("年龄段", "Age band"),
    "dimension.gender": ("性别", "Gender"),
    "dimension.item": ("事项", "Item"),
    "dimension.point": ("服务点", "Service point"),
    "dimension.urgency": ("紧急程度", "Urgency"),
    "table.trend": ("趋势", "Trend"),
    "table.breakdown": ("分解", "Breakdown"),
    "table.map": ("地图", "Map"),
    # --- the data page (layouts/data_health.py): sources, rhythms, statuses
    "source.hotline": ("12345 热线工单", "12345 hotline"),
    "source.grid_events": ("网格事件", "Grid events"),
    "source.activities": ("活动报名", "Activity sign-ups"),
    "source.volunteers": ("志愿服务", "Volunteer service"),
    "source.party": ("党组织月报", "Party monthly report"),
    "source.services": ("便民服务", "Service hall"),
    "source.care": ("一老一小", "Elderly and child care"),
    "source.areas": ("区划登记", "Area register"),
    "source.content": ("资讯与指引", "News and guides"),
    "source.catalog": ("指标与区划目录", "Metric and area catalogue"),  # data/catalog.py, loaded with the warehouse
    "rhythm.daily": ("每日", "daily"),
    "rhythm.weekly": ("每周", "weekly"),
    "rhythm.monthly": ("每月", "monthly"),
    "status.ok": ("正常", "On time"),
    "status.due": ("待更新", "Due"),
    "status.overdue": ("逾期", "Overdue"),
    "status.failed": ("加载失败", "Failed"),
    "status.never": ("未加载", "Never loaded"),
    "run.success": ("成功", "success"),
    "run.failed": ("失败", "failed"),
    "run.unchanged": ("未变化", "unchanged"),
    "run.running": ("进行中", "running"),
    "run.quarantined": ("已隔离", "quarantined"),  # failed the same way twice: not read again until retried
    "run.retry": ("操作员重试", "operator's retry"),
    # --- the overview (layouts/ and callbacks/overview.py)
    "overview.no_child_areas": ("没有下级地区", "No child areas"),
    "overview.needs_attention": ("需要关注", "Needs attention"),
    # work items (data/items.py): the wall's "just in", the overview's needs-action list
    "item.source_hotline": ("12345工单", "12345 order"),
    "item.source_grid_events": ("网格事件", "Grid event"),
    "todo.title": ("待办", "Needs action"),
    "todo.hint": ("超期及{days}天内到期的在办工单、待处置的网格事件，最早受理的在前",
                  "Open orders past due or due within {days} days and grid events awaiting action, oldest first"),
    "todo.source": ("来源", "Source"),
    "todo.status": ("状态", "Status"),
    "todo.all_statuses": ("全部在办状态", "Every open status"),
    "todo.category": ("类别", "Category"),
    "todo.community": ("社区", "Community"),
    "todo.received": ("受理时间", "Received"),
    "todo.due": ("办理时限", "Due"),
    "todo.days_over": ("超期天数", "Days overdue"),
    "todo.due_soon": ("即将到期", "Due soon"),
    "todo.no_due": ("无时限", "No due time"),
    "todo.csv": ("导出 CSV", "Download CSV"),
    "todo.none": ("没有需要处理的工单和事件", "No work orders or events need action"),
    "todo.figures": ("相关统计：", "Figures: "),
    "todo.count": ("共 {n} 条", "{n} items"),
    "todo.not_recorded": ("{names}明细尚未载入（自下次交付起记录），不代表没有待办",
                          "{names}: items not loaded yet (from the next delivery), not 'none'"),
    "overview.sort_by": ("排序依据", "Sort by"),
    "overview.below_target": ("未达标", "Below target"),
    "overview.overdue": ("超期", "Orders overdue"),  # 12345 work orders past their time limit
    "overview.open": ("在办", "Open"),
    "overview.worse": ("变差", "Worse"),
    "overview.rising": ("上升", "Rising"),
    "overview.above_target_text": ("{name} {shown}，高于目标 {goal}", "{name} {shown}, above the target of {goal}"),
    "overview.below_target_text": ("{name} {shown}，低于目标 {goal}", "{name} {shown}, below the target of {goal}"),
    "overview.overdue_orders": ("12345 超期工单 {count} 件", "{count} overdue 12345 work orders"),
    "overview.open_orders": ("12345 在办工单 {count} 件，请跟进办结", "{count} 12345 work orders still open"),
    "overview.worse_text": ("{name} 环比 {moved}", "{name} {moved} vs last period"),
    "overview.rising_text": ("12345 诉求类别「{name}」比上期增加 {rise} 件", "12345 requests on {name} up {rise} on last period"),
    "overview.league_title": ("比学赶超 · 各{level}", "League table · {level}"),
    # --- issue 12, the overview part: periods cut to the data, late reports, as-of (callbacks/overview.py)
    "overview.as_of": ("数据截至{day}", "Data through {day}"),
    "overview.through": ("截至{day}", "through {day}"),
    "overview.vs": ("{now} vs {then}", "{now} vs {then}"),
    "overview.not_reported": ("未报送", "Not yet reported"),
    "overview.no_base": ("本期{base}为0，不计比值", "No ratio: divisor is 0"),
    "overview.late": ("未报送", "Not in yet"),
    "overview.late_overdue": ("逾期未报", "Data overdue"),  # a source's delivery, not work orders
    "overview.late_text": ("{source}未报送（截至{day}）", "{source} not yet delivered (through {day})"),
    "overview.late_communities": ("{source}：{names}未报送（截至{day}）", "{source}: no report from {names} (through {day})"),
    "overview.and_more": ("等{count}个社区", " and {more} more"),
    "overview.some_missing": ("{count}个社区未报送", "{count} communities not reported"),
    "overview.stale": ("最近一期为{day}，已超出{months}个月的结转期",
                       "Latest report {day}, beyond the {months}-month carry-forward"),
    "overview.provenance": ("来源：{source} · 数据截至{day}", "Source: {source} · data through {day}"),
    "overview.provenance_none": ("来源：{source} · 尚无数据", "Source: {source} · no data yet"),
    "overview.partial_month": ("至{day}", "to {day}"),
    "overview.not_recorded_at_level": ("该指标只记录到{level}，网格没有单独的数字",
                                       "recorded per {level} only: a grid cell has no figure of its own"),
    "overview.young": ("事件尚新，不作环比", "Recent events: not compared"),
    "overview.young_why": ("办结、满意等按受理日统计，随办理推进才补齐；本期事件未满{days}天，与已办完的上期比较不公平",
                           "closures and ratings count on the day received and fill in as cases are handled; this "
                           "period's events are under {days} days old, so comparing them with a settled period is unfair"),
    "overview.spark_carried": ("{months}含结转：有社区未报送，沿用其上期数",
                               "{months}: communities that missed the report count with their last one"),
    "overview.spark_late": ("{months}未报送", "{months}: not yet reported"),
    "overview.monthly_only": ("按月报送，此时段不含完整月份", "Reported monthly: this period holds no whole month"),
    "overview.league_as_of": ("{title} · {span}", "{title} · {span}"),
    # dcc.Dropdown's own words ("Search", "3 selected", ...), by its ``labels`` keys (components.dropdown_labels)
    "dropdown.select_all": ("全选", "Select all"),
    "dropdown.deselect_all": ("全不选", "Deselect all"),
    "dropdown.selected_count": ("已选 {num_selected} 项", "{num_selected} selected"),
    "dropdown.search": ("搜索", "Search"),
    "dropdown.clear_search": ("清除搜索", "Clear search"),
    "dropdown.clear_selection": ("清除选择", "Clear selection"),
    "dropdown.no_options_found": ("没有匹配的选项", "No options found"),
    # the league's chosen KPI: its target and how far each area is from it; counts per 1,000 residents
    "overview.league_target": ("目标（{unit}）", "Target ({unit})"),
    "overview.league_gap": ("差距（{unit}）", "Gap to target ({unit})"),
    "overview.league_points": ("百分点", "pp"),
    "overview.league_gap_tip": ("与目标之差：负数（▼）为未达标", "Distance from the target: negative (▼) is below target"),
    "overview.league_scale": ("计数", "Counts"),
    "overview.league_totals": ("总量", "Totals"),
    "overview.league_per_1000": ("每千居民", "Per 1,000 residents"),
    "overview.league_per_1000_unit": ("{unit}/千人", "{unit} per 1,000 residents"),
    "league_level.district": ("街道", "streets"),
    "league_level.street": ("社区", "communities"),
    "league_level.community": ("网格", "grid cells"),
    "league_level.other": ("下级地区", "areas"),
    # --- the explorer (layouts/ and callbacks/explore.py)
    "explore.compare_unknown": ("对比地区 {areas} 不在地区登记表中，已略过",
                                "compare: {areas} not in the area register, left out"),
    "explore.value_in": ("数值（{unit}）", "Value ({unit})"),
    "explore.metric": ("指标", "Metric"),
    "explore.grain": ("时间粒度", "Grain"),
    "explore.break_down_by": ("分解维度", "Break down by"),
    "explore.breakdown_chart": ("分解图形", "Breakdown chart"),
    "explore.compare_with": ("对比地区", "Compare with"),
    "explore.download_csv": ("下载 CSV", "Download CSV"),
    "explore.download_excel": ("下载 Excel", "Download Excel"),
    "explore.area_levels": ("地区层级", "Area levels"),
    "explore.chengdu_by_district": ("成都市各区（市）县", "Chengdu by district"),
    "explore.map_note": ("示意轮廓，非测绘地图。点击某区可下钻。",
                         "Schematic outlines, not a surveyed map. Click a district to drill down."),
    "explore.figures_behind_the_charts": ("图表数据", "Figures behind the charts"),
    "explore.value": ("数值", "Value"),
    "explore.period": ("期间", "Period"),
    "explore.code": ("编码", "Code"),
    "explore.name": ("名称", "Name"),
    "explore.no_data_for_this_period": ("这一时段没有数据", "No data for this period"),
    "explore.this_area_has_no_lower_level": ("这个地区没有下级地区", "This area has no lower level"),
    "explore.no_breakdown_for_this_period": ("这一时段没有分解数据", "No breakdown for this period"),
    "explore.click_a_bar_to_drill_down": ("点击条形可进入下一级。", "Click a bar to drill down."),
    "explore.table_of": ("表格内容", "The table shows"),
    # the charts' clicks as a list a keyboard reaches (callbacks/explore.keyboard_choices)
    "explore.keys_bars": ("条形图中的地区（可用键盘选择）", "The bars' areas (keyboard)"),
    "explore.keys_map": ("地图中的区县（可用键盘选择）", "The map's districts (keyboard)"),
    "explore.no_data": ("无数据", "no data"),
    # --- the explorer's comparisons, chart downloads and maps below the district (issue 18)
    "compare_as.index": ("指数（首期=100）", "Indexed (first = 100)"),
    "compare_as.shared": ("同一坐标", "One axis"),
    "compare_as.multiples": ("各自坐标", "Own axes"),
    "explore18.compare_as": ("对比方式", "Compare as"),
    "explore18.year_on_year": ("叠加去年同期", "Overlay last year"),
    "explore18.last_year": ("去年同期", "Last year"),
    "explore18.last_year_of": ("{name}（去年同期）", "{name} (last year)"),
    "explore18.last_year_column": ("去年同期", "Same period last year"),
    "explore18.index_column": ("指数（{base}=100）", "Index ({base} = 100)"),
    "explore18.index_axis": ("指数（{base}=100）", "Index ({base} = 100)"),
    "explore18.index_base_moved": ("基期改为{base}：{first}{why}，不能作基期。",
                                   "Base moved to {base}: {first} {why}, so it cannot be the base."),
    "explore18.index_partial": ("{periods}不完整，不计指数。", "{periods}: partial, not indexed."),
    "explore18.index_why_partial": ("不完整", "is partial"),
    "explore18.index_why_missing": ("有地区无数据或数据被隐藏", "has an area with no figure or a hidden one"),
    "explore18.index_why_zero": ("有地区为0", "has an area at 0"),
    "explore18.no_index_base": ("没有各地区都完整且有数据的时期，无法作指数对比；改用各自坐标查看。",
                                "No period is whole and has a figure for every area, so no index; use own axes."),
    "explore18.yoy_not_with_compare": ("对比多个地区时不叠加去年同期。", "Last year is not overlaid while comparing areas."),
    "explore18.yoy_no_data": ("去年同期没有数据。", "No data for the same period last year."),
    "explore18.yoy_note": ("虚线为去年同期（{span}），与今年同样的天数。",
                           "The dashed line is the same period last year ({span}), the same days as this year."),
    "explore18.download_png": ("PNG", "PNG"),
    "explore18.download_svg": ("SVG", "SVG"),
    "explore18.download_chart": ("{format} 下载{chart}图", "{format} download of the {chart} chart"),
    "explore18.map_places": ("{area}各{level}", "{area} by {level}"),
    "explore18.map_siblings": ("{area}所在{parent}各{level}", "{parent} by {level}, {area} ringed"),
    "explore18.map_note_places": ("示意图：区县轮廓为示意，点位为登记坐标（样例数据为示意坐标）。"
                                  "圆点大小和颜色表示数值，空心圆为无数据。点击圆点可下钻。",
                                  "Schematic: the district outline is schematic and the points are register coordinates "
                                  "(sample data: made-up ones). Dot size and colour show the figure; a ring has none. "
                                  "Click a dot to drill down."),
    "explore18.map_unplaced": ("{n}个地区没有坐标，未画出：{names}", "{n} areas have no coordinates and are not drawn: {names}"),
    # --- issue 12, the explorer part (callbacks/explore.py): partial periods, recorded
    # levels, whole months, secondary suppression
    "explore12.partial_through": ("至{date}", "to {date}"),
    "explore12.day": ("{month}{day}日", "{day} {month}"),
    "explore12.partial_span": ("{span}（不完整）", "{span} (partial)"),
    "explore12.partial_column": ("完整性", "Completeness"),
    "explore12.partial_row": ("不完整：{span}", "partial: {span}"),
    "explore12.carried_point": ("含结转（有社区沿用上期报告）", "carried: some communities' last report"),
    "explore12.late_bucket": ("未报送", "not yet reported"),
    "explore12.as_of": ("数据截至{date}", "data to {date}"),
    "explore12.source": ("来源：{source}", "source: {source}"),
    "explore12.never_delivered": ("{source}尚未报送这个地区的数据", "{source} has not reported for this area yet"),
    "explore12.partial_note": (
        "虚线与浅色为数据未覆盖完整的时段（{span}）。",
        "Dashed and pale: a period the data does not yet cover in full ({span})."),
    "explore12.monthly_grain": ("月报指标按整月显示", "A monthly report is shown by whole months"),
    "explore12.whole_months": ("月报指标只计整月：{span}", "Monthly report: whole months only, {span}"),
    "explore12.window_cuts_months": (
        "月报指标只计整月，这一时段不含完整月份，请选择整月时段",
        "A monthly report counts whole months only: this window holds none, choose whole months"),
    "explore12.not_recorded_below": (
        "该指标只记录到{level}，不能按下级地区分解",
        "This metric is recorded per {level}: it has no figures for lower areas"),
    "explore12.level.community": ("社区", "community"),
    "explore12.level.grid": ("网格", "grid cell"),
    "explore12.level.street": ("街道", "street"),
    "explore12.level.district": ("区（市）县", "district"),
    "explore12.level.city": ("市", "city"),
    "explore12.suppressed_note": (
        "标“*”的单元格一并隐去，以免由合计推算出少于{n}人的单元格。",
        "Cells marked “*” are hidden too, so that no cell under {n} people can be worked out from a total."),
    "explore12.no_value_reason": ("{dash}（{reason}）", "{dash} ({reason})"),
    "explore12.about_sheet": ("说明", "About"),
    "explore12.about_item": ("项目", "Item"),
    "explore12.about_value": ("内容", "Value"),
    "explore12.about_metric": ("指标", "Metric"),
    "explore12.about_area": ("地区", "Area"),
    "explore12.about_period": ("时段", "Period"),
    "explore12.about_masking": ("小数保护", "Small counts"),
    "explore12.about_source": ("来源与数据截至", "Source and data to"),
    "explore12.about_note": ("注意", "Note"),
    # --- the data page (layouts/ and callbacks/data_health.py)
    "data.never": ("从未", "never"),
    "data.today": ("今天", "today"),
    "data.yesterday": ("昨天", "yesterday"),
    "data.no_delivery_rhythm_set": ("未设定送达周期", "no delivery rhythm set"),
    "data.no_refused_rows": ("没有被拒收的行", "No refused rows"),
    "data.not_loaded": ("未能加载（之后也未补上）：", "Not loaded (and not since):"),
    "data.quarantined": ("已隔离，不再自动重试；新文件送达或运行 python -m etl retry {file} 后重新读取",
                         "Quarantined: not retried automatically; read again on a new delivery or after "
                         "python -m etl retry {file}"),
    "data.last_loaded": ("最近加载：", "Last loaded: "),
    "data.last_checked": ("最近检查：", "Last checked: "),
    "data.rows_in": ("读入行", "rows in"),
    "data.loaded": ("已入库", "loaded"),
    "data.refused": ("拒收", "refused"),
    "data.unknown_file": ("（未知文件）", "(unknown file)"),
    "data.none_yet": ("尚无", "none yet"),
    "data.run": ("批次", "Run"),
    "data.source": ("数据源", "Source"),
    "data.result": ("结果", "Result"),
    "data.started": ("开始", "Started"),
    "data.finished": ("结束", "Finished"),
    "data.in": ("读入", "In"),
    "data.head_loaded": ("入库", "Loaded"),
    "data.head_refused": ("拒收", "Refused"),
    "data.file": ("文件", "File"),
    "data.message": ("说明", "Message"),
    "data.no_loads_yet": ("还没有加载记录", "No loads yet"),
    "data.row": ("行号", "Row"),
    "data.field": ("字段", "Field"),
    "data.reason": ("原因", "Reason"),
    "data.raw_row": ("原始内容（已去除个人信息）", "Row as received (personal data removed)"),
    "data.data_health": ("数据健康", "Data health"),
    "data.recent_loads": ("近期加载记录", "Recent loads"),
    "data.unreadable": ("无法读取数据仓库：", "The warehouse cannot be read: "),
    "data.days_ago": ("{days} 天前", "{days} days ago"),
    "data.stamp_ago": ("{stamp}（{ago}）", "{stamp} ({ago})"),
    "data.rhythm": ("{rhythm}送达 · 宽限 {grace} 天", "delivers {rhythm} · {grace} days' grace"),
    "data.row_number": ("第 {row} 行", "row {row}"),
    "data.next_due": ("下次应在 {date} 前送达", "next delivery due by {date}"),
    "data.latest_read": ("最近一次读取（{status}）：{when}", "Latest read ({status}): {when}"),
    "data.sources": ("共 {count} 个数据源", "{count} sources"),
    "data.version": ("数据版本 {version} · 最近一次成功加载 {loaded}", "Data version {version} · last successful load {loaded}"),
    # --- the laptop pages' shared pieces (layouts/components.py)
    "ui.nothing_needs_attention": ("暂无需要关注的事项。", "Nothing needs attention."),
    "ui.type_to_search_areas": ("输入名称搜索地区", "Type to search areas"),
    "ui.start": ("开始日期", "Start"),
    "ui.end": ("结束日期", "End"),
    # the date picker's month heading (Dash's tokens; the names come from the page's date-fns locale)
    "ui.calendar_month": ("YYYY年MMM", "MMMM YYYY"),
    # --- the wall (layouts/wall.py, callbacks/wall.py)
    "wall.title": ("社区智慧大脑", "Community Smart Brain"),
    "wall.ticker": ("通知公告", "Bulletin"),  # not "News": the items' own tags say News / Notice
    "wall.no_data": ("暂无数据", "No data yet"),
    # a figure whose metric the catalogue cannot give (data.wallfigures logs which and why): not "yet"
    "wall.unread": ("无数据", "no data"),
    "wall.this_month": ("本月", "this month"),
    "wall.party": ("党建引领", "Party building"),
    "wall.governance": ("基层治理", "Governance"),
    "wall.services": ("便民服务", "Public services"),
    "wall.participation": ("居民参与", "Participation"),
    "wall.league": ("比学赶超", "League table"),
    "wall.guide": ("办事指引 · 15分钟生活圈", "Service guide · 15-minute living circle"),
    "wall.activities": ("近期活动", "Coming up"),
    "wall.agenda_from": ("{day}起 · 正在进行和即将开始", "From {day} · on now and next"),
    "wall.agenda_now": ("进行中", "On now"),
    "wall.agenda_today": ("今天", "Today"),
    "wall.agenda_tomorrow": ("明天", "Tomorrow"),
    "wall.agenda_none": ("近两周暂无活动", "No activities in the next two weeks"),
    "wall.party_trend": ("党员参与活动人次 · 近12个月", "Party members at activities · 12 months"),
    "wall.events_by_category": ("网格事件分类 · 本月", "Grid events by category · this month"),
    "wall.hotline_trend": ("12345 受理量与办结质量 · 近12个月", "12345 orders and quality · 12 months"),
    "wall.services_by_item": ("办件量 · 按事项 · 本月", "Transactions by item · this month"),
    "wall.services_by_channel": ("办理渠道 · 本月", "Channels · this month"),
    "wall.care_by_item": ("一老一小服务 · 本月", "Elderly and child care · this month"),
    "wall.activities_by_type": ("参与人次 · 按活动类型 · 本月", "Participants by activity type · this month"),
    "wall.activities_by_age": ("参与者年龄 · 本月", "Participants by age · this month"),
    "wall.participation_trend": ("活动参与人次 · 近12个月", "Activity participants · 12 months"),
    "wall.guide_list": ("办事指引", "Service guide"),
    "wall.resource_list": ("15分钟生活圈 · 服务点", "15-minute living circle · service points"),
    "wall.map": ("辖区地图", "Map"),
    "wall.map_schematic": ("示意图 · 位置与边界非测绘", "Schematic · not a surveyed map"),
    "wall.map_hollow": ("○ 空心：本期无数据", "○ hollow: no figure this period"),
    "wall.map_services": ("◆ 服务点 {count} 处 · 15分钟生活圈", "◆ {count} service points · 15-minute living circle"),
    "wall.map_services_unplaced": ("另有 {count} 处无坐标，未标注", "{count} more have no position, not placed"),
    "wall.map_services_none": ("服务点无坐标，未标注在图上", "Service points have no position: not on the map"),
    "wall.map_caption": ("{metric} · 近30天", "{metric} · last 30 days"),
    "wall.league_unranked": (" · 另有{count}个无数据", " · {count} more without figures"),
    "wall.league_caption": ("各下级区域 · 近30天", "Areas below · last 30 days"),
    "wall.area": ("区域", "Area"),
    "wall.monthly_report": ("党组织月报 · ", "Monthly report · "),
    "wall.below_target": ("▼ 目标", "▼ Target"),  # + the target: "▼ 目标 90%" (the tile turns red), short enough for nine tiles
    "wall.target": ("目标", "Target"),
    # the guide panel: a guide's two lines, a service point's walk; English fallback marked
    "wall.guide_bring": ("带：{what}", "Bring: {what}"),
    "wall.guide_where": ("到：{where}", "Where: {where}"),
    "wall.walk_minutes": ("步行约{minutes}分钟", "{minutes} min walk"),
    "wall.in_chinese": ("", "(in Chinese)"),
    # a KPI tile without a target: its change against the same days of last period (overview's rule)
    "wall.kpi_vs": ("环比{change}", "{change} vs {then}"),  # {then}: last month's short name, same days
    "wall.kpi_from_zero": ("上月同期为0", "was 0 in {then}"),  # same days of last month; no % from 0
    # the league table: counts per 1,000 residents, each cell's gap to its column's target
    "wall.league_per_thousand": ("每千人", "per 1,000 residents"),
    "wall.league_met": ("达标", "on target"),
    "wall.league_short": ("差{gap}", "{gap} short"),
    "wall.league_points": ("{points}点", "{points} pts"),
    # The wall's short metric names, where a tile has less room than the catalogue's name.
    # kpi.*: the KPI strip; stat.*: the panels' figures; league.*: the league table's
    # heads; short.*: the hotline chart's legend.
    "kpi.party_members": ("党员总数", "Party members"),
    "kpi.activities_held": ("活动场次", "Activities"),
    "kpi.activity_participants": ("参与人次", "Participants"),
    # 12345's two look-alike rates, named apart (issue 13): of the orders closed, the share
    # closed on time (the KPI), and of the orders received, the share closed (governance).
    "kpi.hotline_on_time_rate": ("12345按时率", "12345 on time"),
    "kpi.hotline_satisfaction_rate": ("12345满意率", "12345 satisfied"),
    "kpi.volunteer_hours": ("志愿服务", "Volunteer time"),  # its unit h beside it: not "Volunteering h"
    "kpi.elderly_meals": ("老年助餐", "Elderly meals"),
    "kpi.service_transactions": ("办件量", "Services"),
    "stat.party_organisations": ("党组织", "Party organisations"),
    "stat.party_members": ("党员", "Party members"),
    "stat.party_mobile_members": ("流动党员", "Mobile members"),
    "stat.party_new_members": ("发展党员", "New members"),
    "stat.party_three_sessions": ("三会一课", "Branch sessions"),
    "stat.party_theme_days": ("主题党日", "Theme days"),
    "stat.party_school_attendance": ("微党校学习", "Party school"),
    "stat.party_volunteer_hours": ("党员志愿服务", "Volunteer hours"),
    "stat.hotline_received": ("12345受理", "12345 received"),
    "stat.hotline_resolution_rate": ("12345受理办结率", "12345 closed of received"),
    "stat.grid_events_reported": ("网格事件", "Grid events"),
    "stat.grid_events_closure_rate": ("事件办结率", "Events closed"),
    "stat.disputes_mediated": ("矛盾纠纷化解", "Disputes resolved"),
    "stat.grid_events_avg_closure_hours": ("平均处置", "Avg. closure"),
    "stat.service_self_service_share": ("自助办理", "Self-service"),
    "stat.service_avg_wait": ("平均等候", "Average wait"),
    "stat.volunteer_hours": ("志愿时长", "Hours"),
    "stat.active_volunteers": ("活跃志愿者", "Volunteers"),
    "stat.volunteer_teams": ("志愿队伍", "Teams"),
    "stat.activities_held": ("活动场次", "Activities"),
    "stat.activity_checkin_rate": ("签到率", "Check-in rate"),
    "league.activity_participants": ("活动参与人次", "Participants"),
    "league.volunteer_hours": ("志愿服务时长", "Volunteer hours"),
    "league.hotline_satisfaction_rate": ("12345满意率", "12345 satisfaction"),
    "league.grid_events_closure_rate": ("事件办结率", "Events closed"),
    "short.hotline_received": ("受理量", "Received"),
    "short.hotline_on_time_rate": ("按时率", "On time"),
    "short.hotline_satisfaction_rate": ("满意率", "Satisfied"),
    # The wall's units: Chinese as the catalogue's; English only where a tile needs one.
    "wall_unit.人": ("人", ""),
    "wall_unit.人次": ("人次", ""),
    "wall_unit.场": ("场", ""),
    "wall_unit.件": ("件", ""),
    "wall_unit.个": ("个", ""),
    "wall_unit.次": ("次", ""),
    "wall_unit.支": ("支", ""),
    "wall_unit.%": ("%", "%"),
    "wall_unit.小时": ("小时", "h"),
    "wall_unit.分钟": ("分钟", "min"),
    # assets/wall.js: the status note, the ticker, the "updated" line (sent by data.present.wall_settings)
    "js.updated": ("数据更新于", "Updated"),
    "js.offline": ("网络连接中断", "Connection lost"),
    "js.stale": ("数据暂未更新", "Data not updated"),
    "js.connecting": ("正在连接数据服务…", "Connecting to the data service…"),
    "js.unavailable": ("数据服务暂不可用", "Data service unavailable"),
    "js.showing": ("显示", "showing"),
    "js.data": ("的数据", "data"),
    "js.ago": ("前", " ago"),
    "js.justNow": ("刚刚", "just now"),
    "js.min": ("分钟", " min"),
    "js.hour": ("小时", " h"),
    "js.day": ("天", " d"),
    "js.notice": ("通知", "Notice"),
    "js.news": ("新闻", "News"),
    "js.filler": ("社区智慧大脑", "Community Smart Brain"),
    # --- issue 12, the data page (layouts/ and callbacks/data_health.py): how far each source reaches,
    # refusals and field warnings over a period, the download
    "data.data_through": ("数据截至{date}", "Data through {date}"),
    "data.no_dated_data": ("尚无数据（从未送达任何一天的数据）", "No data yet (no day ever delivered)"),
    "reach.overdue": ("已逾期", "overdue"),
    "reach.due": ("待更新", "due"),
    "data.period_all": ("全部", "All"),
    "data.period_counts": ("{period}：拒收 {refused} 行 · 字段警告 {warnings} 行",
                           "{period}: {refused} refused · {warnings} field warnings"),
    "data.latest_refusals_in": ("{period}最近的拒收原因", "Latest reasons for refusal ({period})"),
    "data.latest_warnings_in": ("{period}最近的字段警告（行已保留）", "Latest field warnings, rows kept ({period})"),
    "data.no_refusals_in": ("{period}没有拒收的行", "No refused rows ({period})"),
    "data.refused_rows": ("拒收的行", "Refused rows"),
    "data.warning_rows": ("字段警告（行已保留，该字段不可用）", "Field warnings (row kept, that field unusable)"),
    "data.no_warnings": ("没有字段警告", "No field warnings"),
    "data.all_sources": ("全部数据源", "All sources"),
    "data.download_csv": ("下载拒收与警告（CSV）", "Download refusals and warnings (CSV)"),
    "data.grid_limit": ("表格显示最近 {limit} 行；下载的文件含最近 {download} 行"
                        "（更早的见 python -m etl status 与 etl_reject 表）。",
                        "The tables show the latest {limit} rows; the download holds the latest {download} "
                        "(older ones: python -m etl status and the etl_reject table)."),
    "data.full_reason": ("完整原因", "Full reason"),
    "data.severity": ("类别", "Kind"),
    "data.raw_stored": ("原始内容（已去除个人信息）", "Row as stored (personal data removed)"),
    "severity.refused": ("拒收", "refused"),
    "severity.warning": ("字段警告", "field warning"),
    # --- wall12: issue 12, the wall part (layouts/wall.py, callbacks/wall.py): the last load,
    # each panel's as-of, a trend's unfinished month, "not yet reported", the community league
    "wall12.loaded": ("数据更新于 {when}", "Data loaded {when}"),
    "wall12.through": ("数据截至{day}", "Data through {day}"),
    "wall12.source_through": ("{source}截至{day}", "{source} through {day}"),
    "wall12.source_not_reported": ("{source}未报送", "{source} not yet reported"),
    "wall12.not_reported": ("未报送", "Not yet reported"),
    "wall12.overdue": ("逾期未报", "Overdue"),  # a panel's as-of: its source past its grace days
    "wall12.tile_through": ("截至{day}", "Through {day}"),
    "wall12.not_recorded": ("只记录到{level}", "{level} only"),  # short: a KPI tile's line
    "wall12.partial_to": ("至{day}", "to {day}"),
    # A trend's first bar, a year before its last: under it on two lines in Chinese (one line,
    # "2025年12月" or "去年12月", ran into "2月" under the 700 px hotline chart).
    "wall12.month_last_year": ("{month}<br>去年", "{month} '{yy}"),
    "wall12.chart_late": ("{source}未报送<br>截至{day}", "{source}<br>not yet reported, through {day}"),
    "wall12.league_siblings": ("本街道各社区 · 近30天", "Communities of the street · last 30 days"),
    # --- co-building, issue 14 (共建共享: needs, merchants, funds): the domain, its sources,
    # breakdowns, the wall panel and KPI tile, the overview's flags
    "domain.cobuild": ("共建共享", "Co-building"),
    "source.needs": ("需求清单 · 微心愿", "Needs and micro-wishes"),
    "source.merchants": ("商居联盟", "Merchant alliance"),
    "source.funds": ("社区基金", "Community funds"),
    "dimension.claimer_type": ("认领方", "Claimed by"),
    "dimension.trade": ("行业", "Trade"),
    "dimension.kind": ("类别", "Kind"),
    "dimension.domain": ("领域", "Field"),
    "wall.cobuild": ("共建共享", "Co-building"),
    "wall.needs_this_month": ("居民需求 · 本月", "Residents' needs · this month"),
    "wall.just_fulfilled": ("刚刚实现的微心愿", "Micro-wishes just fulfilled"),
    "wall.fulfilled_by": ("{category} · {who}认领实现", "{category} · by a {who}"),
    "wall.no_recent_wishes": ("近期暂无实现的微心愿", "No micro-wishes fulfilled lately"),
    "wall.just_in": ("刚刚受理", "Just in"),
    "wall.no_recent_pulses": ("近期暂无新工单和事件", "No new work orders or events lately"),

    "wall.alliance": ("商居联盟", "Merchant alliance"),
    "wall.fund_this_year": ("社区基金 · 今年", "Community fund · this year"),
    "wall.fund_by_domain": ("基金支出 · 按领域 · 今年", "Fund spending by field · this year"),
    "kpi.needs_satisfaction_rate": ("需求满意率", "Needs satisfied"),
    "stat.needs_raised": ("需求提出", "Raised"),
    "stat.needs_fulfilled": ("已实现", "Fulfilled"),
    "stat.needs_rated": ("已评价", "Rated"),
    "stat.needs_satisfaction_rate": ("满意率", "Satisfied"),
    "stat.alliance_merchants": ("联盟商户", "Merchants"),
    "stat.model_merchants": ("示范商户", "Model merchants"),
    "stat.merchant_offers": ("优惠服务", "Offers"),
    "stat.merchant_service_hours": ("公益服务", "Service hours"),
    "stat.fund_income": ("基金收入", "Income"),
    "stat.fund_spending": ("基金支出", "Spending"),
    "stat.fund_leverage": ("撬动比", "Leverage"),
    "wall_unit.元": ("元", "yuan"),
    "wall_unit.家": ("家", ""),
    "wall_unit.项": ("项", ""),
    "wall_unit.天": ("天", "days"),
    "wall_unit.元/元": ("元/元", ""),
    "overview.needs_overdue": ("需求超期", "Needs overdue"),
    # In English the days come first and "overdue" is the tag's: the words keep to the list's two
    # lines (assets/pages.css), where whatever runs longer is cut, the claimer first.
    "overview.needs_overdue_text": ("{community}{category}需求 {item}（{claimer}）超过承诺时限 {days} 天",
                                    "{days} days overdue: {community}, {category} need {item} ({claimer})"),
    # several needs past their promised time share one line, naming the one furthest past it
    "overview.needs_overdue_many": ("{count} 项需求超过承诺时限 · 最久 {days} 天（{community} · {category} · {claimer}）",
                                    "{count} needs, longest {days} days ({community}, {category}, {claimer})"),
    "overview.unclaimed": ("待认领", "unclaimed"),
    # --- the staff console (layouts/console*.py, console/guard.py)
    "role.viewer": ("查看", "viewer"),
    "role.analyst": ("分析", "analyst"),
    "role.editor": ("编辑", "editor"),
    "role.admin": ("管理员", "admin"),
    "console.title": ("工作台 · 大屏管理", "Staff console"),
    "console.signed_in": ("当前用户：{name}（{role}）", "Signed in as {name} ({role})"),
    "console.area": ("管理地区", "Area"),
    "console.all_areas": ("全部地区", "All areas"),
    "console.switch_lang": ("English", "中文"),
    "console.tab_notices": ("公告", "Notices"),
    "console.tab_playlist": ("轮播", "Playlist"),
    "console.tab_targets": ("目标", "Targets"),
    "console.tab_screens": ("屏幕", "Screens"),
    "console.tab_audit": ("审计", "Audit"),
    "console.placeholder": ("此部分正在建设中。", "This section is being built."),
    "console.refused_auth_off": ("控制台需要开启登录（CSB_AUTH=on）：每项修改都要记录是谁做的。",
                                 "The console needs logins (CSB_AUTH=on): every change must say who made it."),
    "console.refused_no_login": ("请先登录。", "Log in first."),
    "console.refused_kiosk": ("大屏终端不能修改内容。", "A lobby screen may not change anything."),
    "console.refused_role": ("{name}（{role}）无权进行此操作，需要 {needed} 权限。",
                             "{name} ({role}) may not do this; it needs the {needed} role."),
    "console.refused_csrf": ("表单已过期或不是从本页提交的，请刷新页面后重试。",
                             "The form has expired or was not sent from this page; reload the page and try again."),
    "console.refused_area": ("{name} 无权管理地区 {area}。", "{name} may not act for area {area}."),
    "console.refused_no_areas": ("尚未给 {name} 分配管理地区，请联系管理员"
                                 "（python -m auth add-user {name} --role editor --area 编码）。",
                                 "{name} has no areas yet; ask an administrator "
                                 "(python -m auth add-user {name} --role editor --area CODE)."),
    "console.refused_unknown_areas": ("分配给 {name} 的地区 {areas} 不在地区登记表中，请联系管理员。",
                                      "The areas given to {name} ({areas}) are not in the area register; ask an administrator."),
    # notices (layouts/console_notices.py, console/notices.py)
    "console.notice_form": ("写公告或新闻", "Write a notice or news item"),
    "console.notice_editing": ("修改 #{id}", "Editing #{id}"),
    "console.notice_kind": ("类型", "Kind"),
    "console.notice_title": ("标题", "Title"),
    "console.notice_title_en": ("英文标题（可选）", "English title (optional)"),
    "console.notice_body": ("正文（Markdown）", "Body (Markdown)"),
    "console.notice_area_code": ("发布范围", "For area"),
    "console.notice_published_at": ("发布时间", "Publish at"),
    "console.notice_ends_at": ("到期时间（可选）", "Expires at (optional)"),
    "console.notice_time_format": ("年-月-日 时:分", "YYYY-MM-DD HH:MM"),
    "console.notice_time_hint": ("格式 2026-12-05 17:00；留空为立即", "e.g. 2026-12-05 17:00; empty: now"),
    "console.notice_expiry_hint": ("留空为不过期", "empty: never"),
    "console.notice_pinned": ("置顶", "Pinned"),
    "console.notice_pin": ("在大屏滚动条中置顶", "First on the wall's ticker"),
    "console.notice_publish": ("发布", "Publish"),
    "console.notice_save": ("保存修改", "Save changes"),
    "console.notice_new": ("新建", "New"),
    "console.notice_preview": ("预览（与大屏一致）", "Preview (as the wall shows it)"),
    "console.notice_preview_ticker": ("大屏滚动条", "Wall ticker"),
    "console.notice_preview_body": ("正文（大屏和页面只显示文字，不执行任何标记）",
                                    "Body (screens show its words only; no markup runs)"),
    "console.notice_preview_empty": ("输入标题后在此预览。", "Type a title to see the preview."),
    "console.notice_list": ("本地区的公告和新闻", "Notices and news of this area"),
    "console.notice_none": ("暂无公告或新闻。", "No notices or news yet."),
    "console.notice_edit": ("修改", "Edit"),
    "console.notice_withdraw": ("撤回", "Withdraw"),
    "console.notice_by": ("{name} 发布", "by {name}"),
    "console.notice_delivered": ("数据导入 · 只读", "Delivered by the ETL · read-only"),
    "console.notice_live": ("显示中", "Showing"),
    "console.notice_scheduled": ("定时发布", "Scheduled"),
    "console.notice_expired": ("已过期", "Expired"),
    "console.notice_withdrawn": ("已撤回", "Withdrawn"),
    "console.notice_all_areas": ("全部地区", "All areas"),
    "console.notice_published": ("已发布 #{id}，大屏将在下次刷新时显示。",
                                 "Published #{id}; walls show it at their next refresh."),
    "console.notice_saved": ("已保存 #{id}，大屏将在下次刷新时更新。",
                             "Saved #{id}; walls show the change at their next refresh."),
    "console.notice_withdrawn_done": ("已撤回 #{id}，大屏将在下次刷新时移除。",
                                      "Withdrew #{id}; walls drop it at their next refresh."),
    "console.notice_not_editable": ("#{id} 不能修改：{reason}", "#{id} cannot be changed: {reason}"),
    "console.notice_why_missing": ("不存在", "it does not exist"),
    "console.notice_why_delivered": ("它由数据导入提供，请在来源系统中修改",
                                     "it was delivered by the ETL; change it at its source"),
    "console.notice_why_withdrawn": ("它已被撤回", "it has been withdrawn"),
    "console.notice_bad": ("{field}：{reason}", "{field}: {reason}"),
    "console.notice_kind_label": ("类型", "Kind"),
    "console.notice_bad_required": ("必填", "required"),
    "console.notice_bad_too_long": ("最多 {limit} 个字符，现有 {length} 个", "at most {limit} characters, it has {length}"),
    "console.notice_bad_formula": ("不能以“{start}”开头（表格软件会把它当作公式执行）",
                                   "must not start with '{start}' (a spreadsheet would run it as a formula)"),
    "console.notice_bad_control": ("含有不可见的控制字符", "holds invisible control characters"),
    "console.notice_bad_time": ("无法识别的时间“{value}”，请写成 2026-12-05 17:00",
                                "cannot read the time '{value}'; write it as 2026-12-05 17:00"),
    "console.notice_bad_before": ("必须晚于发布时间", "must be after the publication time"),
    "console.notice_bad_kind": ("只能是 {kinds}", "must be one of {kinds}"),
    "console.kind_notice": ("通知", "Notice"),
    "console.kind_news": ("新闻", "News"),
    # screens (layouts/console_screens.py, console/screens.py)
    "console.screens_title": ("本地区的大屏", "Lobby screens of this area"),
    "console.screens_none": ("本地区还没有大屏。管理员可用 python -m auth add-token 名称 --area 编码 添加。",
                             "No lobby screens in this area yet. "
                             "An admin adds one with python -m auth add-token NAME --area CODE."),
    "console.screen_name": ("屏幕", "Screen"),
    "console.screen_area": ("地区", "Area"),
    "console.screen_any_area": ("任意地区", "any area"),
    "console.screen_seen": ("最近联系", "Last contact"),
    "console.screen_never": ("从未联系", "never"),
    "console.screen_reloaded": ("最近重新加载请求", "Last reload request"),
    "console.screen_reload": ("立即重新加载", "Reload now"),
    "console.screen_reload_done": ("已请求 {screen} 重新加载，它将在下次刷新时重新加载。",
                                   "Asked {screen} to reload; it reloads at its next refresh."),
    "console.screen_unknown": ("没有名为 {screen} 的大屏。", "There is no screen named {screen}."),
    "console.screen_seen_ago": ("{when}（{ago}前）", "{when} ({ago} ago)"),
    # audit (layouts/console_audit.py)
    "console.audit_title": ("修改记录", "Audit trail"),
    "console.audit_none": ("还没有修改记录。", "No changes recorded yet."),
    "console.audit_when": ("时间", "When"),
    "console.audit_who": ("用户", "Who"),
    "console.audit_action": ("操作", "Action"),
    "console.audit_subject": ("对象", "Subject"),
    "console.audit_area": ("地区", "Area"),
    "console.audit_before": ("修改前", "Before"),
    "console.audit_after": ("修改后", "After"),
    "console.audit_more": ("更早的记录", "Older changes"),
    "console.audit_admins": ("只有管理员可以查看修改记录。", "Only admins may read the audit trail."),
    # --- unusual changes: a figure outside its usual range (data/unusual.py; overview and explorer)
    "unusual.above": ("高于常态", "Above usual"),
    "unusual.below": ("低于常态", "Below usual"),
    "unusual.text": ("{name} {month} {shown} · 常态 {low}–{high}", "{name}, {month}: {shown} · usual {low}–{high}"),
    "unusual.range": ("常态 {low}–{high}", "usual {low}–{high}"),
    "unusual.band": ("常态范围", "Usual range"),
    "unusual.outside": ("超出常态", "Outside usual range"),
    "unusual.how": ("常态：往年同月按近{trend}个月的同比趋势推算，加减{z}倍稳健标准差（往年月份偏离推算的中位绝对偏差）；"
                    "比率为近{months}个月的合计比率，加减月度波动与样本量噪声。只用完整、已报送的月份。",
                    "Usual: the same month of earlier years scaled by the last {trend} months' change on a year "
                    "before, ± {z} robust standard deviations (the median absolute deviation of earlier months from "
                    "their forecast); a rate: its pooled rate of the last {months} months ± its monthly spread and the "
                    "noise of its denominator. Whole, reported months only."),
    # The explorer's participation card (layouts/reach.py, callbacks/reach.py)
    "reach.title": ("参与人数：人与人次", "Reach: people and person-times"),
    "reach.people_and_visits": ("每月人数与人次", "People and person-times a month"),
    "reach.new_and_returning": ("新参与与回头参与", "New and returning people"),
    "reach.by_age": ("各年龄段人数", "People by age band"),
    "reach.people": ("人数（人）", "People"),
    "reach.visits": ("人次", "Person-times"),
    "reach.per_person": ("人均次数", "Visits per person"),
    "reach.new": ("新参与", "New"),
    "reach.returning": ("回头参与", "Returning"),
    "reach.regulars": ("常客（近6个月中至少3个月参与）", "Regulars (3 or more of the last 6 months)"),
    "reach.summary_people": ("人", "people"),
    "reach.summary_visits": ("人次", "person-times"),
    "reach.summary_per_person": ("人均 {n} 次", "{n} visits per person"),
    "reach.summary_new": ("新参与 {n} 人", "{n} new"),
    "reach.summary_month": ("{month}：", "{month}: "),
    "reach.not_summed": ("人数按月去重：同一居民一个月内只计一次，在街道、区内跨社区参与也只计一次。各月人数不能相加，"
                         "所以本时段不显示“总人数”，只看每个月。",
                         "People are counted once a month: a resident who comes often, or to two communities of "
                         "the street, is one person. Months cannot be added up, so the period shows no total of "
                         "people, only each month's."),
    "reach.new_note": ("新参与：此前12个月在本地区未出现过的人；在有满12个月记录之后才计算。",
                       "New: not seen in this area in the 12 months before (counted once 12 months of records "
                       "exist)."),
    "reach.regulars_note": ("常客：当月参与、且近6个月中至少3个月参与的人。",
                            "Regulars: this month's people who took part in 3 or more of the last 6 months."),
    "reach.partial": ("{month}为不完整月份（数据至{date}）。", "{month} is not complete (data to {date})."),
    "reach.none": ("该时段没有参与人数", "No reach figures in this period"),
    "reach.one_month": ("人数按月去重，各月不能相加：本时段没有合计，分解和地图请选单个月份",
                        "People are counted per month and cannot be added up: no total for this period; "
                        "choose one month for the breakdown and the map"),
    "reach.grid": ("参与人数只统计到社区一级，网格没有。", "Reach is counted down to communities, not grid cells."),
    # --- the staff console, issue 15: where a target was set (data.targets), the targets
    # and playlist sections
    "target_source.community": ("社区设定", "set by the community"),
    "target_source.grid": ("网格设定", "set by the grid cell"),
    "target_source.street": ("街道设定", "set by the street"),
    "target_source.district": ("区县设定", "set by the district"),
    "target_source.city": ("市级设定", "set by the city"),
    "target_source.catalogue": ("默认目标", "catalogue default"),
    # a KPI tile's target an area set, short enough for nine tiles: "目标98.5%·社区", "98.5%·comm."
    "wall.target_set": ("目标{target}·{source}", "{target}·{source}"),
    "wall_target_source.community": ("社区", "comm."),
    "wall_target_source.grid": ("网格", "grid"),
    "wall_target_source.street": ("街道", "street"),
    "wall_target_source.district": ("区县", "dist."),
    "wall_target_source.city": ("市级", "city"),
    "target.with_source": ("{target}（{source}）", "{target} ({source})"),
    "target_error.metric": ("未知指标“{value}”", "unknown metric '{value}'"),
    "target_error.area": ("未知地区“{value}”", "unknown area '{value}'"),
    "target_error.year": ("年份应为 {low} 到 {high} 之间的数字，现为“{value}”",
                          "a year is a number from {low} to {high}, not '{value}'"),
    "target_error.number": ("目标应为数字，现为“{value}”", "a target is a number, not '{value}'"),
    "target_error.negative": ("目标不能小于 0，现为 {value}", "a target cannot be below 0, not {value}"),
    "target_error.rate": ("比率的目标应在 0% 到 100% 之间，现为 {value}", "a rate's target is between 0% and 100%, not {value}"),
    # the console's Targets section (layouts/console_targets.py)
    "console.target_title": ("本地区的目标", "This area's targets"),
    "console.target_year": ("年份", "Year"),
    "console.target_year_option": ("{year}年", "{year}"),
    "console.target_hint": ("每项指标：现行目标及其设定者；填写本地区自己的目标（比率填百分数，如 96 表示 96%），"
                            "留空则沿用上级地区或默认目标。大屏和概览在下一次刷新时使用新目标。",
                            "For each metric: the target in force and who set it; type this area's own (a rate as a "
                            "percentage: 96 for 96%), or leave it empty to follow the area above or the catalogue. "
                            "Screens and the overview use a new target at their next refresh."),
    "console.target_col_metric": ("指标", "Metric"),
    "console.target_col_in_force": ("现行目标", "In force"),
    "console.target_col_own": ("本地区目标", "This area's own"),
    "console.target_col_fallback": ("留空时", "If left empty"),
    "console.target_none": ("无目标", "no target"),
    "console.target_save": ("保存目标", "Save targets"),
    "console.target_saved": ("已保存 {year} 年的 {count} 项目标：{names}", "Saved {count} targets for {year}: {names}"),
    "console.target_unchanged": ("没有修改，未保存。", "Nothing changed; nothing saved."),
    "console.target_refused": ("未保存：{metric}的{field}有误：{reason}", "Not saved: {metric}, {field}: {reason}"),
    "console.target_field_metric": ("指标", "metric"),
    "console.target_field_area": ("地区", "area"),
    "console.target_field_year": ("年份", "year"),
    "console.target_field_value": ("目标值", "target"),
    # the console's Playlist section (layouts/console_playlist.py)
    "console.pl_title": ("大屏轮播", "The screens' playlist"),
    "console.pl_refresh": ("数据刷新间隔", "Data refresh every"),
    "console.pl_seconds": ("秒", "s"),
    "console.pl_hint": ("白天按下列顺序轮播；时段内改用该时段的面板。保存后，打开的大屏在下一次刷新时跟随；"
                        "有误的内容不会保存。", "By day the panels rotate in this order; within a time window, that "
                        "window's panels. Open screens follow a save at their next refresh; a mistake is never saved."),
    "console.pl_day": ("白天（其余时段）", "Daytime (all other hours)"),
    "console.pl_window": ("时段 {number}", "Time window {number}"),
    "console.pl_window_name": ("名称", "Name"),
    "console.pl_from": ("从", "From"),
    "console.pl_to": ("到", "To"),
    "console.pl_dim": ("亮度", "Dim"),
    "console.pl_dim_none": ("正常", "none"),
    "console.pl_dim_evening": ("傍晚稍暗", "evening"),
    "console.pl_dim_night": ("夜间更暗", "night"),
    "console.pl_up": ("上移", "Move up"),
    "console.pl_down": ("下移", "Move down"),
    "console.pl_remove": ("移除", "Remove"),
    "console.pl_add": ("添加", "Add"),
    "console.pl_choose_panel": ("选择面板", "Choose a panel"),
    "console.pl_add_window": ("添加时段", "Add a time window"),
    "console.pl_remove_window": ("删除时段", "Remove window"),
    "console.pl_save": ("保存轮播", "Save playlist"),
    "console.pl_saved": ("已保存为第 {version} 版；打开的大屏将在下一次刷新时跟随。",
                         "Saved as version {version}; open screens follow at their next refresh."),
    "console.pl_restored": ("已恢复第 {old} 版（保存为第 {version} 版）。",
                            "Restored version {old} (saved as version {version})."),
    "console.pl_refused": ("未保存：{field}有误：{reason}", "Not saved: {field}: {reason}"),
    "console.pl_no_such_version": ("本地区没有第 {version} 版。", "This area has no version {version}."),
    "console.pl_preview": ("大屏预览", "The wall, small"),
    "console.pl_versions": ("已保存的版本", "Saved versions"),
    "console.pl_no_versions": ("尚未保存过：大屏使用上级地区或默认文件的轮播。",
                               "Nothing saved yet: the screens use the area above's or the file's playlist."),
    "console.pl_current": ("使用中", "in use"),
    "console.pl_restore": ("恢复", "Restore"),
    "console.pl_restored_from": ("恢复自第 {version} 版", "restores version {version}"),
    "console.pl_windows_count": ("；另有 {count} 个时段", "; {count} time windows"),
    "console.pl_from_file": ("现用：默认文件 {name}", "In use: the file {name} (the default)"),
    "console.pl_from_every_screen": ("现用：全部大屏的第 {version} 版", "In use: version {version} for every screen"),
    "console.pl_from_here": ("现用：本地区的第 {version} 版", "In use: this area's version {version}"),
    "console.pl_from_above": ("现用：{area}的第 {version} 版", "In use: {area}'s version {version}"),
    "console.pl_nth_panel": ("第 {number} 个面板", "panel {number}"),
    "console.pl_field_id": ("面板", "panel"),
    "console.pl_field_duration": ("停留秒数", "seconds"),
    "console.pl_field_refresh": ("数据刷新间隔", "refresh interval"),
    "console.pl_field_from": ("开始时间", "start"),
    "console.pl_field_to": ("结束时间", "end"),
    "console.pl_field_dim": ("亮度", "dim"),
    "console.pl_field_name": ("名称", "name"),
    "console.pl_field_metric": ("地图指标", "map metric"),
}


def is_en(lang: str | None) -> bool:
    """True for English ("en", "en-GB", ...); everything else reads Chinese."""
    return (lang or "zh").lower().startswith("en")


def pick(pair: tuple[str, str], lang: str | None) -> str:
    """The Chinese or the English of a (zh, en) pair."""
    return pair[1] if is_en(lang) else pair[0]


def pair(key: str) -> tuple[str, str]:
    """The (zh, en) pair for ``key`` (KeyError for a key the catalogue lacks: a typo, not a blank)."""
    return TEXT[key]


def t(key: str, lang: str | None, **values) -> str:
    """The word for ``key`` in ``lang``: ``t("period.this_month", "en")`` is "This month".

    With ``values`` the entry is a sentence with {placeholders} to fill:
    ``t("data.days_ago", "en", days=3)`` is "3 days ago".
    """
    words = pick(TEXT[key], lang)
    return words.format(**values) if values else words


def group(family: str) -> dict[str, tuple[str, str]]:
    """Every pair of one family by its name: ``group("grain")["day"]`` is ("日", "Day")."""
    prefix = family + "."
    return {key[len(prefix):]: words for key, words in TEXT.items() if key.startswith(prefix)}


#: AG Grid's own words in Chinese: its published zh-CN locale (AG_GRID_LOCALE_CN of the npm
#: package @ag-grid-community/locale 35.3.1, the AG Grid that dash-ag-grid bundles; MIT licence,
#: data/reference/ATTRIBUTION.md), stored as it is.
GRID_LOCALE_ZH = Path(__file__).resolve().parent / "reference" / "ag_grid_locale_zh_cn.json"

#: Where the published words read badly in the grid's fixed word order: its pager writes
#: "Page 1 of 14" and "1 to 20 of 300" word by word, which the published locale makes
#: "页 1 的 14"; these make it "页 1 / 14" and "1 – 20 / 300".
GRID_ZH_WORDS = {"page": "页", "of": "/", "to": "–", "pageSizeSelectorLabel": "每页行数：",
                 "firstPage": "首页", "lastPage": "末页", "noRowsToShow": "没有数据", "loadingOoo": "加载中…",
                 "searchOoo": "搜索…", "filterOoo": "筛选…", "selectAll": "全选"}


@cache
def _grid_zh() -> dict[str, str]:
    with GRID_LOCALE_ZH.open(encoding="utf-8") as f:
        return {**json.load(f), **GRID_ZH_WORDS}


def grid_locale(lang: str | None, **words: str) -> dict[str, str]:
    """AG Grid's ``localeText`` for a page in ``lang``: every word of the grid in Chinese on a
    Chinese page (its own English otherwise), with the page's own ``words`` over them
    (``noRowsToShow="没有下级地区"``)."""
    return {**({} if is_en(lang) else _grid_zh()), **words}


def month_name(month: int, lang: str | None, *, short: bool = False) -> str:
    """``12`` as "12月", "December" or, ``short``, "Dec"."""
    if not is_en(lang):
        return f"{month}月"
    name = MONTHS_EN[month - 1]
    return name[:3] if short else name


def weekday_name(weekday: int, lang: str | None, *, short: bool = False) -> str:
    """Monday (0) as "一" (the 周/星期 is the caller's), "Monday" or, ``short``, "Mon"."""
    if not is_en(lang):
        return WEEKDAYS_ZH[weekday]
    name = WEEKDAYS_EN[weekday]
    return name[:3] if short else name
