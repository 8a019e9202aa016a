"""Beijing districts (spec README.md) and the city level code."""

from __future__ import annotations

CITY_CODE = "110000"

DISTRICTS: dict[str, str] = {
    "110101": "东城区",
    "110102": "西城区",
    "110105": "朝阳区",
    "110106": "丰台区",
    "110107": "石景山区",
    "110108": "海淀区",
    "110109": "门头沟区",
    "110111": "房山区",
    "110112": "通州区",
    "110113": "顺义区",
    "110114": "昌平区",
    "110115": "大兴区",
    "110116": "怀柔区",
    "110117": "平谷区",
    "110118": "密云区",
    "110119": "延庆区",
    "110192": "北京经济技术开发区",
}

# Codes a `district_code` column accepts: the 17 districts and the city level, every
# code the README's district table lists (docs/decisions.md).
DISTRICT_CODES: tuple[str, ...] = (*DISTRICTS, CITY_CODE)

NAMES: dict[str, str] = {**DISTRICTS, CITY_CODE: "市级"}
