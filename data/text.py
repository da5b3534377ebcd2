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
    "overview.overdue": ("超期", "Overdue"),
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
    "overview.late": ("未报送", "Late"),
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
    "explore.no_data": ("无数据", "no data"),
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
    # --- the wall (layouts/wall.py, callbacks/wall.py)
    "wall.title": ("社区智慧大脑", "Community Smart Brain"),
    "wall.ticker": ("通知公告", "Bulletin"),  # not "News": the items' own tags say News / Notice
    "wall.no_data": ("暂无数据", "No data yet"),
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
    "wall.below_target": ("▼低于", "▼ below"),  # + the target: "▼低于 90%", "▼ below 90%": what fits a tile
    "wall.target": ("目标", "Target"),
    # the guide panel: a guide's two lines, a service point's walk; English fallback marked
    "wall.guide_bring": ("带：{what}", "Bring: {what}"),
    "wall.guide_where": ("到：{where}", "Where: {where}"),
    "wall.walk_minutes": ("步行约{minutes}分钟", "{minutes} min walk"),
    "wall.in_chinese": ("", "(in Chinese)"),
    # a KPI tile without a target: its change against the same days of last period (overview's rule)
    "wall.kpi_vs": ("环比{change}", "{change} vs {then}"),  # {then}: last month's short name, same days
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
    "kpi.volunteer_hours": ("志愿服务", "Volunteering"),
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
    "wall12.tile_through": ("截至{day}", "Through {day}"),
    "wall12.not_recorded": ("只记录到{level}", "{level} only"),  # short: a KPI tile's line
    "wall12.partial_to": ("至{day}", "to {day}"),
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
    "overview.needs_overdue": ("需求超期", "Need overdue"),
    "overview.needs_overdue_text": ("{community}{category}需求 {item}（{claimer}）超过承诺时限 {days} 天",
                                    "{community}: {category} need {item} ({claimer}) {days} days past its promised time"),
    "overview.unclaimed": ("待认领", "unclaimed"),
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
