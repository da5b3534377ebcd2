"""English (and tidier Chinese) labels for the words the sources use.

The warehouse keeps dimension members exactly as the source systems wrote them
(``物业管理``, ``自助终端``, ``60+``), because analysts filter on them. The screens show
them in the reader's language: ``label(member, "en")``. A member without a translation
shows as itself, so a new category from a source still appears, in Chinese. The fixed
words of the screens are in ``data.text``.
"""
from __future__ import annotations

from data import text

# member -> English. Grouped by the source field they come from; a word means the same
# wherever it occurs (助老 is an activity type and a volunteer category alike).
EN: dict[str, str] = {
    # 活动类型 (activities.type)
    "党建": "Party building",
    "文化": "Culture",
    "体育": "Sports",
    "亲子": "Parent and child",
    "助老": "Elderly support",
    "公益课程": "Public-interest classes",
    "志愿服务": "Volunteer service",
    "议事协商": "Community deliberation",
    # 诉求渠道 (hotline.channel)
    "电话": "Phone",
    "微信": "WeChat",
    "APP": "App",
    "网站": "Website",
    "信件": "Letter",
    # 诉求类型 (hotline.type)
    "咨询": "Enquiry",
    "求助": "Request for help",
    "投诉": "Complaint",
    "建议": "Suggestion",
    "表扬": "Praise",
    "举报": "Report",
    # 诉求类别 (hotline.category): the common 12345 classification
    "物业管理": "Property management",
    "市容环境": "City appearance",
    "环境保护": "Environmental protection",
    "噪音扰民": "Noise",
    "交通出行": "Transport",
    "道路交通": "Roads and traffic",
    "停车管理": "Parking",
    "市政设施": "Municipal facilities",
    "供水供电供气": "Water, power and gas",
    "供水": "Water supply",
    "供电": "Power supply",
    "供气": "Gas supply",
    "住房": "Housing",
    "住房保障": "Housing support",
    "房屋管理": "Housing management",
    "违章建筑": "Unauthorised building",
    "社会保障": "Social security",
    "劳动就业": "Employment",
    "劳动保障": "Labour protection",
    "教育": "Education",
    "医疗卫生": "Health care",
    "卫生健康": "Health",
    "消费维权": "Consumer rights",
    "市场监管": "Market regulation",
    "食品安全": "Food safety",
    "公共安全": "Public safety",
    "邻里纠纷": "Neighbour disputes",
    "城乡建设": "Urban and rural construction",
    "社区服务": "Community services",
    "政策咨询": "Policy enquiries",
    # 事件大类 (grid_events.category)
    "安全隐患": "Safety hazards",
    "矛盾纠纷": "Disputes",
    "环境卫生": "Sanitation",
    "治安防控": "Public order",
    "民生服务": "Livelihood services",
    "城市管理": "Urban management",
    # 紧急程度 (grid_events.urgency)
    "一般": "Normal",
    "紧急": "Urgent",
    "特急": "Critical",
    # 事项类别 (services.item)
    "社保": "Social insurance",
    "医保": "Medical insurance",
    "户籍": "Household registration",
    "民政": "Civil affairs",
    "残联": "Disability services",
    "不动产": "Real estate",
    "企业登记": "Business registration",
    "其他": "Other",
    # 渠道 (services.channel)
    "窗口": "Service window",
    "自助终端": "Self-service terminal",
    "网上": "Online",
    # 服务点 (services.point)
    "街道公共服务大厅": "Street public service hall",
    "社区便民服务站": "Community service station",
    "24小时自助服务区": "24-hour self-service area",
    # 服务项目 (care.item)
    "老年助餐": "Meals for the elderly",
    "居家养老上门": "Home-care visits",
    "康复理疗": "Rehabilitation",
    "儿童托管": "Child day care",
    "婴幼儿托育": "Infant care",
    "困境儿童帮扶": "Children in difficulty",
    # 服务类别 (volunteers.category); 助老 and 环境保护 are above
    "助残": "Disability support",
    "文明劝导": "Civility promotion",
    "应急救援": "Emergency rescue",
    "社区治理": "Community governance",
    # gender
    "男": "Male",
    "女": "Female",
    # age bands
    "0-17": "0–17",
    "18-34": "18–34",
    "35-59": "35–59",
    "60+": "60+",
    # --- co-building (needs, merchants, funds): 需求类别, 提出渠道, 需求类型, 认领方类型, 行业,
    # fund 类别 and 领域 (助老 and 其他 as above / below)
    "助学": "Education support",
    "就业": "Jobs",
    "环境": "Environment",
    "文体": "Culture and sports",
    "邻里互助": "Neighbourly help",
    "线下": "In person",
    "小程序": "Mini-program",
    "网格员": "Grid worker",
    "12345转办": "Passed on by 12345",
    "议事会": "Residents' council",
    "微心愿": "Micro-wish",
    "服务需求": "Service request",
    "企业": "Company",
    "社会组织": "Social organisation",
    "志愿队伍": "Volunteer team",
    "商户": "Merchant",
    "党员": "Party member",
    "餐饮": "Food and drink",
    "零售": "Retail",
    "生活服务": "Household services",
    "教育培训": "Education and training",
    "医疗健康": "Health care",
    "财政保障资金": "Public funds",
    "居民自筹": "Residents' own money",
    "企业捐赠": "Company donations",
    "个人捐赠": "Individual donations",
    "其他收入": "Other income",
    "项目支出": "Project spending",
    "运营支出": "Running costs",
    "环境微更新": "Micro-renewal of spaces",
    "助老助残": "Elderly and disability support",
    "儿童服务": "Children's services",
    "文体活动": "Culture and sports",
    "未填写": "Not filled in",
    # work items' statuses (12345 orders, grid events)
    "办理中": "In progress",
    "已办结": "Resolved",
    "已退回": "Returned",
    "待受理": "Awaiting action",
    "处置中": "Being handled",
    "已核查": "Verified",
    # domains, by their Chinese names (党建 is above)
    "治理": "Governance",
    "服务": "Services",
    "共建共享": "Co-building",
}

# Members stored in a form that is not the screen's Chinese.
ZH: dict[str, str] = {
    "0-17": "0-17岁",
    "18-34": "18-34岁",
    "35-59": "35-59岁",
    "60+": "60岁及以上",
    "M": "男",
    "F": "女",
    "male": "男",
    "female": "女",
}
EN.update({"M": "Male", "F": "Female", "male": "Male", "female": "Female"})

DOMAINS: dict[str, tuple[str, str]] = text.group("domain")


def label(member, lang: str = "zh") -> str:
    """``member`` in ``lang`` ("zh" or "en", region suffixes allowed), else the member itself.

    Domain codes are understood too: ``label("party", "zh")`` is 党建.
    """
    value = "" if member is None else str(member)
    if value in DOMAINS:
        return text.pick(DOMAINS[value], lang)
    if text.is_en(lang):
        return EN.get(value, value)
    return ZH.get(value, value)


def domain_label(domain: str, lang: str = "zh") -> str:
    """党建 / 治理 / 服务 / 共建共享 for party / governance / services / cobuild."""
    names = DOMAINS.get(domain)
    return text.pick(names, lang) if names else str(domain)


def role_label(role: str | None, lang: str = "zh") -> str:
    """查看 / 分析 / 编辑 / 管理员 for a user's role (the staff console's and the top bar's "who
    is signed in"); a role the project does not name, as it is; nothing for none."""
    if not role:
        return ""
    return text.t(f"role.{role}", lang) if role in text.group("role") else role


# A place's short name, without what every one of them is ("社区", "Community"): on a map the
# caption says it and the dots are close together; the wall's guide names its community so.
PLACE_SUFFIXES = ("社区", "街道", " Community", " Subdistrict")


def place_name(row: dict, lang: str = "zh") -> str:
    """An area register row's (``name``, ``name_en``) short name in ``lang``: 汇泉路社区 is 汇泉路,
    "Huiquanlu Community" is "Huiquanlu". A name that is only its suffix and one character
    keeps the suffix (a bare one-character name reads as nothing)."""
    name = (row.get("name_en") or row["name"]) if text.is_en(lang) else row["name"]
    for suffix in PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name
