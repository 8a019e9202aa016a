"""Chinese personal and unit names, drawn vectorized from fixed lists."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.districts import DISTRICTS

# The most common surnames, roughly by frequency (weights fall off with rank).
SURNAMES = [
    *"王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤",
    "欧阳",
    "司马",
    "上官",
    "诸葛",
]
GIVEN = [
    *"伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩凯健俊帆帅旭宁"
    "欣怡佳琪雪婷慧晶颖倩璐梦瑶涵晨阳博子轩睿泽宸皓然一诺思源嘉悦梓萱雨彤语嫣海波永成德胜利福"
    "春梅冬生金山林峰云龙凤珍淑兰秀珍桂芝玉珍凤英翠兰立新卫东红军小红建华振国晓东丹蕾琳婧",
    *"堃喆䶮昇镕頔珺赟",  # rarer characters (䶮 is a 4-byte GB18030 character)
]
MINORITY = ["买买提·艾力", "阿依古丽·吐尔逊", "古丽娜尔·阿不都", "艾尔肯·热合曼", "热依拉·买买提"]

BRANDS = list("华中天恒信达金盛鑫宏泰安康瑞丰佳和润隆兴源昌宝嘉伟博通远明新创智联众合锦祥顺德")
TRADES = [
    "科技",
    "信息技术",
    "商贸",
    "建筑工程",
    "餐饮管理",
    "物业管理",
    "文化传媒",
    "医药",
    "物流",
    "电子",
    "软件",
    "咨询",
    "机械设备",
    "食品",
    "教育科技",
    "网络科技",
    "环保科技",
    "汽车服务",
    "房地产开发",
    "广告",
    "家政服务",
    "装饰工程",
    "生物技术",
    "投资管理",
]
SUFFIXES = ["有限公司", "有限责任公司", "股份有限公司", "有限公司", "有限公司"]
AGENCIES = [
    "人力资源和社会保障局",
    "财政局",
    "教育委员会",
    "卫生健康委员会",
    "民政局",
    "司法局",
    "市场监督管理局",
    "城市管理委员会",
    "住房和城乡建设委员会",
    "街道办事处",
]
INSTITUTIONS = [
    "第一中学",
    "第二中学",
    "实验小学",
    "中心医院",
    "社区卫生服务中心",
    "图书馆",
    "文化馆",
    "疾病预防控制中心",
    "职业技术学校",
    "档案馆",
    "第三中学",
    "妇幼保健院",
]
ODD_UNIT_NAMES = [
    '北京"星光"文化传媒有限公司',
    "北京蓝海,远航科技有限公司",
    '北京"和""顺"餐饮管理有限公司',
    "北京华夏科技有限公司（朝阳分公司）",
    '北京天元,"地方"商贸有限公司',
    "北京恒信,达物流有限公司",
    '北京"一诺"家政服务有限公司',
    "北京佳和,润装饰工程有限公司",
]


def _weights(n: int) -> np.ndarray:
    w = 1.0 / (np.arange(n) + 8.0)
    return w / w.sum()


def person_names(rng: np.random.Generator, n: int) -> pa.Array:
    """n Chinese names: a surname and one or two given-name characters."""
    if n == 0:
        return pa.array([], pa.string())
    sur = pa.array(SURNAMES).take(pa.array(rng.choice(len(SURNAMES), n, p=_weights(len(SURNAMES)))))
    g1 = pa.array(GIVEN).take(pa.array(rng.integers(0, len(GIVEN), n)))
    g2_idx = rng.integers(0, len(GIVEN), n)
    g2 = pc.if_else(pa.array(rng.random(n) < 0.7), pa.array(GIVEN).take(pa.array(g2_idx)), "")
    names = pc.binary_join_element_wise(sur, g1, g2, "")
    minority = rng.random(n) < 0.002
    if minority.any():
        pick = pa.array(MINORITY).take(pa.array(rng.integers(0, len(MINORITY), n)))
        names = pc.if_else(pa.array(minority), pick, names)
    return names


def one_name(rng: np.random.Generator) -> str:
    return person_names(rng, 1)[0].as_py()


def unit_names(
    rng: np.random.Generator, unit_type: np.ndarray, district: np.ndarray, odd: int
) -> np.ndarray:
    """Unit names by type: companies, agencies, institutions; ``odd`` hold commas/quotes."""
    n = len(unit_type)
    b = np.array(BRANDS, dtype=object)
    brand = b[rng.integers(0, len(b), n)] + b[rng.integers(0, len(b), n)]
    three = rng.random(n) < 0.3
    brand[three] = brand[three] + b[rng.integers(0, len(b), three.sum())]
    trade = np.array(TRADES, dtype=object)[rng.integers(0, len(TRADES), n)]
    suffix = np.array(SUFFIXES, dtype=object)[rng.integers(0, len(SUFFIXES), n)]
    company = "北京" + brand + trade + suffix
    dname = np.array([DISTRICTS.get(str(d), "") for d in district], dtype=object)
    agency = "北京市" + dname + np.array(AGENCIES, dtype=object)[rng.integers(0, len(AGENCIES), n)]
    inst = (
        "北京市"
        + dname
        + np.array(INSTITUTIONS, dtype=object)[rng.integers(0, len(INSTITUTIONS), n)]
    )
    shop = (
        dname
        + brand
        + np.array(["餐馆", "便利店", "理发店", "五金店", "水果店"], dtype=object)[
            rng.integers(0, 5, n)
        ]
    )
    social = (
        "北京市"
        + brand
        + np.array(["协会", "促进会", "研究会"], dtype=object)[rng.integers(0, 3, n)]
    )
    out = np.select(
        [unit_type == "20", unit_type == "30", unit_type == "40", unit_type == "50"],
        [agency, inst, social, shop],
        company,
    )
    # keep names unique: a clash gets the unit's number appended as a branch
    _, first = np.unique(out.astype(str), return_index=True)
    dup = np.ones(n, dtype=bool)
    dup[first] = False
    out[dup] = out[dup] + np.array(
        [f"第{i % 97 + 1}分公司" for i in np.flatnonzero(dup)], dtype=object
    )
    if odd and n > odd * 10:
        where = rng.choice(np.flatnonzero(unit_type == "10"), odd, replace=False)
        out[where] = np.array(ODD_UNIT_NAMES * (odd // len(ODD_UNIT_NAMES) + 1), dtype=object)[:odd]
    return out
