"""Chinese place names, division codes and plates for the sample county.

Names are built from syllable lists and the place-name elements of central Inner Mongolia
(营子, 圪旦, 沟, 梁, 滩, 壕, 湾, 窑, 店, 卜子, 忽洞, 乌素, 淖尔, 哈达, 板申 ...): family names with
家营子, numbers with 道沟, Mongolian words with 忽洞 or 淖尔. Every draw comes from the generator
passed in, so a name list is a pure function of the seed.
"""

from __future__ import annotations

import numpy as np

COUNTY_NAME = "示范县"
COUNTY_CODE = "150129"
"""Six-digit county code: Inner Mongolia (15), Hohhot (01), county 29 (fictional)."""

_FAMILIES = (
    "张王李赵刘陈杨黄周吴徐孙马胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟陆汪范金石贾夏付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶贺顾毛郝龚邵"
    "万钱严武戴孔常乔康牛樊温安齐"
)
_PREFIXES = (
    "大",
    "小",
    "东",
    "西",
    "南",
    "北",
    "前",
    "后",
    "上",
    "下",
    "中",
    "新",
    "老",
    "红",
    "白",
    "黑",
    "黄",
    "青",
    "双",
    "石",
    "沙",
    "土",
    "柳",
    "榆",
    "杨",
    "马",
    "羊",
    "牛",
    "驼",
    "狼",
    "鹿",
    "杏",
    "枣",
    "麻",
    "苗",
    "顺",
    "兴",
    "太",
    "平",
    "永",
    "长",
    "福",
    "庆",
    "德",
    "义",
    "富",
    "丰",
    "盛",
    "胜",
    "安",
    "乐",
    "官",
    "团",
    "庙",
    "碱",
    "蒿",
    "葫芦",
    "泉子",
    "井子",
)
_MIDDLES = (
    "树",
    "井",
    "泉",
    "河",
    "山",
    "岭",
    "坡",
    "台",
    "房",
    "盘",
    "庙",
    "岔",
    "水",
    "海",
    "圪",
    "门",
    "城",
    "堡",
    "林",
    "草",
    "花",
    "桥",
    "磨",
    "碾",
    "场",
    "塔",
    "柜",
    "地",
    "窝",
    "渠",
)
_ELEMENTS = (
    "营子",
    "圪旦",
    "沟",
    "梁",
    "滩",
    "壕",
    "湾",
    "窑",
    "店",
    "卜子",
    "村",
    "庄",
    "窑子",
    "坝",
    "营",
    "堡",
    "台",
    "洼",
    "坊",
    "圐圙",
    "沟门",
    "梁子",
    "房子",
    "铺",
    "河",
    "坡",
)
_ELEMENT_WEIGHTS = (
    9,
    6,
    9,
    6,
    6,
    3,
    5,
    5,
    3,
    3,
    3,
    2,
    4,
    2,
    3,
    2,
    2,
    2,
    1,
    2,
    2,
    2,
    2,
    1,
    1,
    1,
)
_FAMILY_ELEMENTS = ("营子", "湾", "窑", "店", "沟", "梁", "圪旦", "村", "窑子", "卜子", "坊", "壕")
_NUMBERS = ("头", "二", "三", "四", "五", "六", "七", "八", "九", "十")
_NUMBER_FORMS = ("道沟", "道营", "号地", "股地", "道湾", "号村", "份子", "道河", "顷地", "道梁")
_MONGOL_ROOTS = (
    "乌兰",
    "查干",
    "哈拉",
    "希拉",
    "呼和",
    "巴彦",
    "阿拉坦",
    "孟根",
    "额尔登",
    "朝鲁",
    "伊克",
    "巴嘎",
    "腾格尔",
    "德力格尔",
    "白音",
    "那仁",
    "格日勒",
    "宝音",
    "额很",
    "沙尔",
    "毛乌",
    "陶来",
    "赛罕",
    "乌力吉",
    "达尔罕",
    "图门",
    "苏吉",
    "包日",
    "哈达图",
    "敖伦",
)
_MONGOL_SUFFIXES = (
    "忽洞",
    "乌素",
    "淖尔",
    "哈达",
    "板申",
    "敖包",
    "宝力格",
    "布拉格",
    "塔拉",
    "乌拉",
    "陶勒盖",
    "高勒",
    "呼都格",
    "花",
    "图",
)


def _pick(rng: np.random.Generator, items: tuple[str, ...] | str) -> str:
    return str(items[int(rng.integers(len(items)))])


def _han_name(rng: np.random.Generator) -> str:
    """One Han-style village name such as 张家营子, 二道沟, 柳树湾 or 大滩."""
    form = rng.random()
    if form < 0.32:
        return _pick(rng, _FAMILIES) + "家" + _pick(rng, _FAMILY_ELEMENTS)
    if form < 0.42:
        return _pick(rng, _NUMBERS) + _pick(rng, _NUMBER_FORMS)
    weights = np.asarray(_ELEMENT_WEIGHTS, dtype=float)
    element = _ELEMENTS[int(rng.choice(len(_ELEMENTS), p=weights / weights.sum()))]
    if form < 0.75:
        return _pick(rng, _PREFIXES) + _pick(rng, _MIDDLES) + element
    return _pick(rng, _PREFIXES) + element


def _mongol_name(rng: np.random.Generator) -> str:
    """One Mongolian-origin name such as 乌兰忽洞, 查干淖尔 or 巴彦敖包."""
    return _pick(rng, _MONGOL_ROOTS) + _pick(rng, _MONGOL_SUFFIXES)


def draw_place_name(
    rng: np.random.Generator,
    *,
    mongol_share: float,
    used: set[str],
    also_unused: set[str] | None = None,
    tries: int = 200,
) -> str:
    """Draw a place name not yet in ``used`` and add it there.

    Parameters
    ----------
    rng
        The random generator.
    mongol_share
        Probability of a Mongolian-origin name (higher in sumu and pastoral areas).
    used
        Names already taken in the scope where names must be unique (a township); updated.
    also_unused
        A wider scope (the county) where uniqueness is preferred but not required; updated.
    tries
        Attempts before a numeric suffix is appended.

    Returns
    -------
    str
        A name without its administrative suffix (村, 嘎查 ...).
    """
    fallback = ""
    for _ in range(tries):
        name = _mongol_name(rng) if rng.random() < mongol_share else _han_name(rng)
        if name in used:
            continue
        if also_unused is not None and name in also_unused:
            fallback = fallback or name
            continue
        break
    else:
        name = fallback
        serial = 2
        while not name or name in used:
            base = fallback or _han_name(rng)
            name = f"{base}{_NUMBERS[serial % 10]}队" if serial < 10 else f"{base}{serial}队"
            serial += 1
    used.add(name)
    if also_unused is not None:
        also_unused.add(name)
    return name


def draw_river_name(rng: np.random.Generator, *, used: set[str]) -> str:
    """A river name such as 乌兰河 or 柳树河 (unique in ``used``, which is updated)."""
    for _ in range(100):
        if rng.random() < 0.5:
            base = _pick(rng, _MONGOL_ROOTS)
        else:
            base = _pick(rng, _PREFIXES) + _pick(rng, ("水", "泉", "沙", "石", "柳", "树", ""))
        name = base + "河"
        if name not in used:
            used.add(name)
            return name
    name = f"{len(used) + 1}号河"
    used.add(name)
    return name


def draw_plate(rng: np.random.Generator, *, letter: str = "", used: set[str]) -> str:
    """A Hohhot vehicle plate such as 蒙A·52318 or 蒙A·J0231 (unique in ``used``)."""
    while True:
        digits = 5 - len(letter)
        plate = f"蒙A·{letter}{int(rng.integers(10**digits)):0{digits}d}"
        if plate not in used:
            used.add(plate)
            return plate
