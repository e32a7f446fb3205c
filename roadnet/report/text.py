"""The annual report's text, in the bureau's style, from :func:`report_figures` alone.

Numbers are written without thousands separators (as the bureau writes them: 22000余公里
becomes 21814公里), rates as percentages with one decimal, areas in 亩 with two decimals.
The text is a list of :class:`Block` that the Markdown and .docx writers both render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

BlockKind = Literal["title", "heading", "paragraph", "item", "chart"]

KIND_LABELS = {
    "network_link": ("农村公路联网路建设项目", "network-link projects"),
    "village_paving": ("较大人口自然村通硬化路项目", "village hardened-road projects"),
    "repair": ("修复性养护工程项目", "repair projects"),
    "continuing": ("续建项目", "continuing projects"),
    "other": ("其他项目", "other projects"),
}
EVENT_LABELS = {
    "obstacle": ("清理劝阻打麦晒场等公路障碍物{n}处", "{n} road obstacles cleared"),
    "overload": ("查处超限超载车辆{n}起", "{n} overloaded trucks stopped"),
    "illegal_operation": ("查处非法营运车辆{n}起", "{n} illegal operators stopped"),
    "encroachment": ("制止占用公路行为{n}处", "{n} encroachments stopped"),
    "other": ("处理其他路域事件{n}起", "{n} other events handled"),
}
SECTION_TITLES = {
    "coverage": ("城乡客运一体化", "Urban-rural bus service"),
    "access": ("农村公路路网", "Rural road network"),
    "patrol": ("路政巡查", "Road patrol"),
    "siting": ("农村公路项目", "Rural road projects"),
}
CHART_CAPTIONS = {
    "villages_by_township": ("各乡镇建制村通客车比例", "Share of villages served by township"),
    "patrol_by_month": ("巡查里程（按月）", "Patrol km by month"),
    "land_by_project": ("项目占地（按地类、项目）", "Land taken by category and project"),
}
_ORDINALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Block:
    """One piece of the report: a title, heading, paragraph, list item or chart."""

    kind: BlockKind
    text: str


def report_blocks(
    figures: dict[str, Any], *, lang: str = "zh", charts: tuple[str, ...] = ()
) -> list[Block]:
    """The report as blocks of text.

    Parameters
    ----------
    figures
        :func:`roadnet.report.figures.report_figures`.
    lang
        ``zh`` (the bureau's report) or ``en``.
    charts
        Names of the charts drawn (keys of :data:`CHART_CAPTIONS`); each is placed after
        the paragraph it illustrates.

    Returns
    -------
    list of Block
    """
    zh = lang != "en"
    county, year = figures["county"], figures["year"]
    blocks = [
        Block(
            "title",
            f"{county}交通运输局{year}年度工作总结报告"
            if zh
            else f"{county}: transport bureau annual report {year}",
        ),
        Block(
            "paragraph",
            f"按照年度工作总结要求，结合我局实际，现将{year}年度工作开展情况报告如下。"
            "本报告数据由全县村庄、道路、客运线路、巡查轨迹和项目用地图层计算生成。"
            if zh
            else f"This report summarises the bureau's work in {year}. Its figures are "
            "computed from the county's village, road, bus-line, patrol-track and project layers.",
        ),
        Block("heading", "一、工作开展情况" if zh else "1. Work done"),
    ]
    writers = {
        "coverage": _coverage,
        "access": _access,
        "patrol": _patrol,
        "siting": _siting,
    }
    chart_after = {
        "coverage": "villages_by_township",
        "patrol": "patrol_by_month",
        "siting": "land_by_project",
    }
    for i, (section, write) in enumerate(writers.items()):
        title = SECTION_TITLES[section][0 if zh else 1]
        label = f"（{_ORDINALS[i]}）{title}" if zh else f"1.{i + 1} {title}"
        if section in figures:
            text = write(figures[section], year=year, zh=zh)
        else:
            reason = figures["skipped"].get(section, "")
            text = (
                f"本年度未统计此项：{_reason_zh(reason)}。"
                if zh
                else f"Not reported this year: {reason}."
            )
        blocks.append(Block("paragraph", f"{label}。{text}" if zh else f"{label}. {text}"))
        chart = chart_after.get(section)
        if chart in charts and section in figures:
            blocks.append(Block("chart", chart))
    blocks.append(Block("heading", "二、存在的困难" if zh else "2. Difficulties"))
    problems = _difficulties(figures, zh=zh)
    if not problems:
        problems = ["本年度数据未显示突出困难。" if zh else "The data shows no pressing problem."]
    for n, problem in enumerate(problems, start=1):
        blocks.append(Block("item", f"{n}.{problem}" if zh else f"{n}. {problem}"))
    return blocks


def to_markdown(
    blocks: list[Block], *, charts: dict[str, str] | None = None, lang: str = "zh"
) -> str:
    """Markdown of the blocks; ``charts`` maps a chart name to its (relative) image path."""
    charts = charts or {}
    lines: list[str] = []
    for block in blocks:
        if block.kind == "title":
            lines += [f"# {block.text}", ""]
        elif block.kind == "heading":
            lines += [f"## {block.text}", ""]
        elif block.kind == "chart":
            if block.text in charts:
                caption = CHART_CAPTIONS[block.text][0 if lang != "en" else 1]
                lines += [f"![{caption}]({charts[block.text]})", ""]
        else:
            lines += [block.text, ""]
    return "\n".join(lines)


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _names(names: list[str], *, zh: bool, limit: int = 5) -> str:
    shown = names[:limit]
    sep = "、" if zh else ", "
    text = sep.join(str(n) for n in shown)
    if len(names) > limit:
        text += "等" if zh else f" and {len(names) - limit} more"
    return text


def _coverage(f: dict[str, Any], *, year: int, zh: bool) -> str:
    if zh:
        text = (
            f"对标“集约经营、统筹规划、乡村全通、价格惠民”的创建原则，有序推进城乡客运一体化。"
            f"全县设置城乡客运线路{f['lines']}条，投入客车{f['vehicles']}辆，"
            f"覆盖{f['townships_served']}个乡镇（全县共{f['townships_total']}个）、"
            f"{f['villages_served']}个建制村（全县共{f['villages_total']}个），"
            f"建制村通客车率{_pct(f['village_rate'])}，"
            f"服务人口{f['population_served']}人，占全县人口的{_pct(f['population_rate'])}。"
            f"按现行班次，各线路共需配车{f['vehicles_required']}辆"
        )
        if f["vehicles_short"]:
            return text + f"，车辆缺口{f['vehicles_short']}辆。"
        return text + "，现有车辆可满足运行需要。"
    text = (
        f"The county runs {f['lines']} rural bus lines with {f['vehicles']} buses, serving "
        f"{f['townships_served']} of {f['townships_total']} townships and "
        f"{f['villages_served']} of {f['villages_total']} administrative villages "
        f"({_pct(f['village_rate'])} served), a population of {f['population_served']} "
        f"({_pct(f['population_rate'])} of the county). The timetable needs "
        f"{f['vehicles_required']} buses"
    )
    if f["vehicles_short"]:
        return text + f": {f['vehicles_short']} buses short."
    return text + ", which the fleet covers."


def _access(f: dict[str, Any], *, year: int, zh: bool) -> str:
    listed = [v["name"] for v in f["unconnected_listed"]]
    if zh:
        text = (
            f"全县{f['villages_total']}个建制村中{f['villages_connected']}个通硬化路，"
            f"建制村公路通畅率{_pct(f['connected_rate'])}，"
            f"尚有{f['villages_unconnected']}个建制村未通硬化路"
        )
        if listed:
            text += f"（人口较多的有{'、'.join(listed)}）"
        return text + (
            f"；农村公路可达指数（RAI）{_pct(f['rai'])}。"
            f"全县道路总里程{f['roads_km']:.0f}公里，其中硬化路{f['paved_km']:.0f}公里。"
        )
    text = (
        f"{f['villages_connected']} of {f['villages_total']} administrative villages reach the "
        f"county seat on hardened road ({_pct(f['connected_rate'])}); "
        f"{f['villages_unconnected']} do not"
    )
    if listed:
        text += f" (the largest: {', '.join(listed)})"
    return text + (
        f". Rural Access Index {_pct(f['rai'])}. Roads total {f['roads_km']:.0f} km, "
        f"{f['paved_km']:.0f} km of them hardened."
    )


def _patrol(f: dict[str, Any], *, year: int, zh: bool) -> str:
    events = [
        EVENT_LABELS[k][0 if zh else 1].format(n=n)
        for k, n in f["events"].items()
        if n and k in EVENT_LABELS
    ]
    if zh:
        text = (
            f"全面加强路域环境治理。{year}年度累计出动巡查车辆{f['trips']}台次，"
            f"共巡查县乡公路总里程{f['target_km']:.0f}公里（匹配路网总里程{f['matched_km']:.0f}公里），"
            f"巡查覆盖县乡公路网{_pct(f['coverage'])}"
            f"（{f['patrolled_network_km']:.0f}公里/{f['target_network_km']:.0f}公里）"
        )
        if events:
            text += "；" + "，".join(events)
        return text + "，有力保护了全县公路路产路权。"
    text = (
        f"In {year} patrol vehicles made {f['trips']} trips, covering {f['target_km']:.0f} km "
        f"of county and township roads ({f['matched_km']:.0f} km matched in all) and "
        f"{_pct(f['coverage'])} of that network "
        f"({f['patrolled_network_km']:.0f} of {f['target_network_km']:.0f} km)"
    )
    if events:
        text += "; " + ", ".join(events)
    return text + "."


def _siting(f: dict[str, Any], *, year: int, zh: bool) -> str:
    kinds = [
        (KIND_LABELS[k][0 if zh else 1], n)
        for k, n in f["by_kind"].items()
        if n and k in KIND_LABELS
    ]
    if zh:
        listed = "，".join(f"{label}{n}个" for label, n in kinds)
        text = (
            f"夯实农村公路路网建设。{_when(f, year, zh=True)}实施{listed}，"
            f"共计{f['projects']}个项目。"
            f"项目共占地{f['footprint_mu']:.2f}亩，其中占用耕地{f['cultivated_mu']:.2f}亩、"
            f"林地{f['forest_mu']:.2f}亩、草地{f['grassland_mu']:.2f}亩；"
            f"{f['projects_basic_farmland']}个项目涉及永久基本农田"
            f"{f['basic_farmland_mu']:.2f}亩，{f['projects_eco_redline']}个项目涉及生态保护红线"
            f"{f['eco_redline_mu']:.2f}亩；需落实耕地占补平衡补充耕地{f['compensation_mu']:.2f}亩。"
        )
        return text
    listed = ", ".join(f"{n} {label}" for label, n in kinds)
    return (
        f"{f['projects']} projects {_when(f, year, zh=False)}: {listed}. "
        f"They take {f['footprint_mu']:.2f} mu "
        f"of land: {f['cultivated_mu']:.2f} mu cultivated, {f['forest_mu']:.2f} mu forest, "
        f"{f['grassland_mu']:.2f} mu grassland; {f['projects_basic_farmland']} projects touch "
        f"permanent basic farmland ({f['basic_farmland_mu']:.2f} mu) and "
        f"{f['projects_eco_redline']} the ecological red line ({f['eco_redline_mu']:.2f} mu); "
        f"{f['compensation_mu']:.2f} mu of farmland must be compensated."
    )


def _when(f: dict[str, Any], year: int, *, zh: bool) -> str:
    """When the projects are: the report's year when all are of it, else their years."""
    years = f.get("years") or []
    if not years or years == [year]:
        return f"{year}年" if zh else f"in {year}"
    listed = "、".join(str(y) for y in years) if zh else ", ".join(str(y) for y in years)
    return f"{listed}年度项目库中" if zh else f"of the {listed} project lists"


def _difficulties(figures: dict[str, Any], *, zh: bool) -> list[str]:
    out: list[str] = []
    cov = figures.get("coverage")
    if cov and cov["unserved_townships"]:
        names = cov["unserved_townships"]
        out.append(
            f"城乡客运方面。{_names(names, zh=True, limit=len(names))}"
            f"共{len(names)}个乡镇尚未开通客运班线，"
            f"全县仍有{cov['villages_total'] - cov['villages_served']}个建制村不通客车。"
            if zh
            else f"Bus service: {len(names)} townships have no line "
            f"({_names(names, zh=False, limit=len(names))}); "
            f"{cov['villages_total'] - cov['villages_served']} administrative villages "
            "are unserved."
        )
    if cov and cov["vehicles_short"]:
        out.append(
            f"客运车辆方面。按现行班次需配车{cov['vehicles_required']}辆，现有{cov['vehicles']}辆，"
            f"缺口{cov['vehicles_short']}辆。"
            if zh
            else f"Fleet: the timetable needs {cov['vehicles_required']} buses, "
            f"{cov['vehicles']} run, {cov['vehicles_short']} short."
        )
    acc = figures.get("access")
    if acc and acc["villages_unconnected"]:
        listed = [v["name"] for v in acc["unconnected_listed"]]
        out.append(
            f"农村公路通畅方面。尚有{acc['villages_unconnected']}个建制村未通硬化路"
            + (f"，如{'、'.join(listed)}" if listed else "")
            + "，需继续实施通硬化路工程。"
            if zh
            else f"Hardened roads: {acc['villages_unconnected']} administrative villages have none"
            + (f" ({', '.join(listed)})" if listed else "")
            + "."
        )
    sit = figures.get("siting")
    if sit and sit["basic_farmland_projects"]:
        names = sit["basic_farmland_projects"]
        out.append(
            f"农村公路建设方面。{_names(names, zh=True)}共{len(names)}个项目涉及永久基本农田，"
            f"办理占用耕地、林草地手续复杂、周期长，需补充耕地{sit['compensation_mu']:.2f}亩，"
            "耕地“进出平衡”压力较大。"
            if zh
            else f"Road building: {len(names)} projects touch permanent basic farmland "
            f"({_names(names, zh=False)}); {sit['compensation_mu']:.2f} mu of farmland must be "
            "compensated."
        )
    if sit and sit["eco_redline_projects"]:
        names = sit["eco_redline_projects"]
        out.append(
            f"生态保护方面。{_names(names, zh=True)}共{len(names)}个项目涉及生态保护红线，"
            "需调整线位或依法报批。"
            if zh
            else f"Ecology: {len(names)} projects touch the ecological red line "
            f"({_names(names, zh=False)}): realign or seek approval."
        )
    pat = figures.get("patrol")
    if pat and pat["coverage"] is not None and pat["coverage"] < 1:
        unpatrolled = pat["target_network_km"] - pat["patrolled_network_km"]
        out.append(
            f"路政巡查方面。县乡公路网仍有约{unpatrolled:.0f}公里全年未巡查，执法信息化水平需进一步提高。"
            if zh
            else f"Patrol: about {unpatrolled:.0f} km of county and township roads were never "
            "patrolled this year."
        )
    return out


def _reason_zh(reason: str) -> str:
    """Why a section was skipped, in Chinese (the English detail kept for other errors)."""
    from roadnet.schema import SCHEMAS

    missing = re.match(r"the county has no (.+) layer", reason)
    if missing:
        names = [n.strip() for n in missing.group(1).split(",")]
        labels = "、".join(SCHEMAS[n].label_zh if n in SCHEMAS else n for n in names)
        return f"县域数据缺少{labels}图层（请在 county.toml 中添加 [layers.{names[0]}]）"
    if "lists no [patrol] tracks" in reason:
        return "巡查台账为空，county.toml 中也未列出巡查轨迹（请先运行 roadnet patrol import）"
    no_trips = re.match(r"the patrol ledger .* has no trips in (\S+)", reason)
    if no_trips:
        return f"巡查台账中没有{no_trips.group(1)}年度的巡查轨迹"
    return f"数据有误，请先运行 roadnet validate 检查（{reason}）"
