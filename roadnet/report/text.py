"""The annual report's text, in the bureau's style, from :func:`report_figures` alone.

Figures follow the one rounding rule of :mod:`roadnet.formatting`: counts thousands
separated, lengths with one decimal under 10 km and whole km above, rates as percentages
with one decimal, areas in 亩 with one decimal. A figure the data does not give is never
printed: its sentence says the data is missing instead (no fleet layer: the buses are not
known and no sufficiency is claimed; no townships: no township figure). The text is a list
of :class:`Block` (plain text) that the Markdown writer escapes (names are data: a village
called ``<script>`` or ``*x*`` is shown as written) and the .docx writer writes as text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Literal

from roadnet.formatting import format_count, format_km, format_mu, format_percent
from roadnet.labels import CHART_CAPTIONS, EVENT_PHRASES, PROJECT_KIND_PHRASES, REPORT_SECTIONS

BlockKind = Literal["title", "heading", "paragraph", "item", "chart"]

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
        :func:`roadnet.report.result.report_figures`.
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
    county, year = figures["county"], figures.get("year")
    blocks = [
        Block("title", _title(county, year, zh=zh)),
        Block("paragraph", _intro(figures, zh=zh)),
    ]
    blocks.append(Block("heading", "一、工作开展情况" if zh else "1. Work done"))
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
        title = REPORT_SECTIONS[section][0 if zh else 1]
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
    notes = list((figures.get("data_quality") or {}).values())
    if notes:
        blocks.append(Block("heading", "三、数据说明" if zh else "3. Data notes"))
        for n, note in enumerate(notes, start=1):
            text = str(note["message_zh"] if zh else note["message"])
            blocks.append(Block("item", f"（{n}）{text}。" if zh else f"{n}. {text}."))
    return blocks


def _title(county: str, year: int | None, *, zh: bool) -> str:
    if zh:
        return (
            f"{county}交通运输局{year}年度工作总结报告"
            if year is not None
            else f"{county}交通运输局年度工作总结报告（年度不详）"
        )
    return (
        f"{county}: transport bureau annual report {year}"
        if year is not None
        else f"{county}: transport bureau annual report (year not known)"
    )


def _intro(figures: dict[str, Any], *, zh: bool) -> str:
    from roadnet.report.period import YEAR_SOURCES

    year = figures.get("year")
    source = YEAR_SOURCES.get(str(figures.get("year_source")))
    if zh:
        if year is None:
            when = (
                "按照年度工作总结要求，结合我局实际，现将年度工作开展情况报告如下。"
                "数据中没有可确定报告年度的日期（巡查台账、项目年度、公交时刻表均无），"
                "本报告未注明年度，请用 --year 指定。"
            )
        else:
            when = f"按照年度工作总结要求，结合我局实际，现将{year}年度工作开展情况报告如下。" + (
                f"报告年度：{year}年（{source[0]}）。" if source else ""
            )
        return when + "本报告数据由全县村庄、道路、客运线路、巡查轨迹和项目用地图层计算生成。"
    if year is None:
        when = (
            "This report summarises the bureau's work. The data gives no year (no patrol "
            "ledger, project year or timetable date): the report is undated; give one with "
            "--year."
        )
    else:
        when = f"This report summarises the bureau's work in {year}" + (
            f" (the year is {source[1]})." if source else "."
        )
    return (
        when + " Its figures are computed from the county's village, road, bus-line, "
        "patrol-track and project layers."
    )


def to_markdown(
    blocks: list[Block], *, charts: dict[str, str] | None = None, lang: str = "zh"
) -> str:
    """Markdown of the blocks; ``charts`` maps a chart name to its (relative) image path.

    Every text is escaped (:func:`markdown_text`): names from the data are shown as
    written, never rendered as HTML or Markdown.
    """
    charts = charts or {}
    lines: list[str] = []
    for block in blocks:
        if block.kind == "title":
            lines += [f"# {markdown_text(block.text, start=False)}", ""]
        elif block.kind == "heading":
            lines += [f"## {markdown_text(block.text, start=False)}", ""]
        elif block.kind == "chart":
            if block.text in charts:
                caption = CHART_CAPTIONS[block.text][0 if lang != "en" else 1]
                lines += [f"![{markdown_text(caption)}]({charts[block.text]})", ""]
        elif block.kind == "item":
            number = re.match(r"\d+\.\s?", block.text)
            head = number.group(0) if number else ""
            lines += [head + markdown_text(block.text[len(head) :], start=not head), ""]
        else:
            lines += [markdown_text(block.text), ""]
    return "\n".join(lines)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_START = re.compile(r"^(\s*)(?:([-+>=#])|(\d+)([.)])(?=\s|$))")


def markdown_text(text: str, *, start: bool = True) -> str:
    r"""``text`` safe as Markdown: HTML-escaped and Markdown specials backslash-escaped.

    ``<``, ``>`` and ``&`` become entities (no HTML reaches a Markdown viewer); the backslash,
    backquote, ``*``, ``_``, ``[``, ``]``, ``|`` and ``~`` are backslash-escaped (no emphasis,
    link, image, code, table cell or strike-through can start in a name); line breaks become
    spaces; with ``start``, a leading ``-``, ``+``, ``>``, ``=``, ``#`` or ``1.`` (a list,
    quote or heading marker) is escaped.
    """
    flat = " ".join(str(text).split("\n"))
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))
    if start:
        escaped = _MD_LINE_START.sub(_escape_marker, escaped)
    return escaped


def _escape_marker(match: re.Match[str]) -> str:
    """A backslash before the punctuation of a list, quote or heading marker."""
    indent, mark, number, dot = match.groups()
    return f"{indent}\\{mark}" if mark else f"{indent}{number}\\{dot}"


def _names(names: list[str], *, zh: bool, limit: int = 5) -> str:
    shown = names[:limit]
    sep = "、" if zh else ", "
    text = sep.join(str(n) for n in shown)
    if len(names) > limit:
        text += "等" if zh else f" and {len(names) - limit} more"
    return text


def _coverage(f: dict[str, Any], *, year: int | None, zh: bool) -> str:
    lines, vehicles = format_count(f["lines"]), f.get("vehicles")
    towns_total = f.get("townships_total")
    people = f.get("population_total")
    required = format_count(f["vehicles_required"])
    if zh:
        text = (
            "对标“集约经营、统筹规划、乡村全通、价格惠民”的创建原则，有序推进城乡客运一体化。"
            f"全县设置城乡客运线路{lines}条"
        )
        if vehicles is not None:
            text += f"，投入客车{format_count(vehicles)}辆"
        text += "，覆盖"
        if towns_total is not None:
            served = format_count(f["townships_served"])
            text += f"{served}个乡镇（全县共{format_count(towns_total)}个）、"
        text += (
            f"{format_count(f['villages_served'])}个建制村（全县共{format_count(f['villages_total'])}个），"
            f"建制村通客车率{format_percent(f['village_rate'])}"
        )
        if people:
            text += (
                f"，服务人口{format_count(f['population_served'])}人，"
                f"占全县人口的{format_percent(f['population_rate'])}"
            )
        else:
            text += "（村庄图层无人口数据，未统计服务人口）"
        text += f"。按现行班次，各线路共需配车{required}辆"
        if vehicles is None:
            return (
                text
                + "；县域数据没有车辆（fleet）图层，现有客车数量不详，未核定车辆能否满足运行需要。"
            )
        if f.get("vehicles_short"):
            return text + f"，车辆缺口{format_count(f['vehicles_short'])}辆。"
        return text + "，现有车辆可满足运行需要。"
    text = f"The county runs {lines} rural bus lines"
    if vehicles is not None:
        text += f" with {format_count(vehicles)} buses"
    text += ", serving "
    if towns_total is not None:
        text += (
            f"{format_count(f['townships_served'])} of {format_count(towns_total)} townships and "
        )
    text += (
        f"{format_count(f['villages_served'])} of {format_count(f['villages_total'])} "
        f"administrative villages ({format_percent(f['village_rate'])} served)"
    )
    if people:
        text += (
            f", a population of {format_count(f['population_served'])} "
            f"({format_percent(f['population_rate'])} of the county)"
        )
    else:
        text += " (the villages have no population figures)"
    text += f". The timetable needs {required} buses"
    if vehicles is None:
        return text + "; the county has no fleet layer, so whether the buses suffice is not known."
    if f.get("vehicles_short"):
        return text + f": {format_count(f['vehicles_short'])} buses short."
    return text + ", which the fleet covers."


_RULES = {
    "unpaved": ("按未硬化计", "counted as unpaved"),
    "paved": ("按硬化计", "counted as paved"),
    "exclude": ("未计入路网", "left out of the road network"),
}


def _access(f: dict[str, Any], *, year: int | None, zh: bool) -> str:
    listed = [v["name"] for v in f["unconnected_listed"]]
    seat = (f.get("seat") or {}).get("name")
    unknown = f.get("unknown_surface") or {}
    unknown_km = unknown.get("km") or 0.0
    rule = _RULES.get(str(unknown.get("rule")), _RULES["unpaved"])
    bounds = unknown.get("villages_connected_range")
    if zh:
        text = f"以{seat}为县城，" if seat else ""
        text += (
            f"全县{format_count(f['villages_total'])}个建制村中"
            f"{format_count(f['villages_connected'])}个通硬化路，"
            f"建制村公路通畅率{format_percent(f['connected_rate'])}，"
            f"尚有{format_count(f['villages_unconnected'])}个建制村未通硬化路"
        )
        if listed:
            text += f"（人口较多的有{'、'.join(listed)}）"
        if f.get("rai") is None:
            text += "；村庄图层无人口数据，未计算农村公路可达指数（RAI）。"
        else:
            text += f"；农村公路可达指数（RAI）{format_percent(f['rai'])}。"
        roads, paved = format_km(f["roads_km"]), format_km(f["paved_km"])
        text += f"全县道路总里程{roads}公里，其中硬化路{paved}公里"
        if unknown_km > 0:
            text += (
                f"；另有{format_km(unknown_km)}公里道路（占{format_percent(unknown.get('share'))}）"
                f"路面类型不详，{rule[0]}"
            )
            if bounds:
                text += (
                    f"，若全部按硬化计或全部按未硬化计，通硬化路建制村在"
                    f"{format_count(bounds[0])}至{format_count(bounds[1])}个之间"
                )
        return text + "。"
    text = f"With {seat} as the county seat, " if seat else ""
    text += (
        f"{format_count(f['villages_connected'])} of {format_count(f['villages_total'])} "
        f"administrative villages reach the county seat on hardened road "
        f"({format_percent(f['connected_rate'])}); "
        f"{format_count(f['villages_unconnected'])} do not"
    )
    if listed:
        text += f" (the largest: {', '.join(listed)})"
    if f.get("rai") is None:
        text += ". The villages have no population figures: no Rural Access Index."
    else:
        text += f". Rural Access Index {format_percent(f['rai'])}."
    text += (
        f" Roads total {format_km(f['roads_km'])} km, {format_km(f['paved_km'])} km of them "
        "hardened"
    )
    if unknown_km > 0:
        text += (
            f"; {format_km(unknown_km)} km ({format_percent(unknown.get('share'))}) have no "
            f"known surface and are {rule[1]}"
        )
        if bounds:
            text += (
                f" (all unpaved or all paved, {format_count(bounds[0])} to "
                f"{format_count(bounds[1])} villages are connected)"
            )
    return text + "."


def _in_year(year: int | None, *, zh: bool) -> str:
    if zh:
        return f"{year}年度" if year is not None else "本期"
    return f"In {year}" if year is not None else "In the period"


def _patrol(f: dict[str, Any], *, year: int | None, zh: bool) -> str:
    events = [
        EVENT_PHRASES[k][0 if zh else 1].format(n=format_count(n))
        for k, n in f["events"].items()
        if n and k in EVENT_PHRASES
    ]
    target, matched = format_km(f["target_km"]), format_km(f["matched_km"])
    patrolled, network = format_km(f["patrolled_network_km"]), format_km(f["target_network_km"])
    if not f.get("target_network_km"):  # no county/township road in the roads layer
        if zh:
            text = (
                f"全面加强路域环境治理。{_in_year(year, zh=True)}累计出动巡查车辆"
                f"{format_count(f['trips'])}台次，巡查道路总里程{matched}公里"
                "（道路图层无路线编码或行政等级，县乡公路巡查里程和覆盖率未统计）"
            )
            return (
                text
                + ("；" + "，".join(events) if events else "")
                + "，有力保护了全县公路路产路权。"
            )
        text = (
            f"{_in_year(year, zh=False)} patrol vehicles made {format_count(f['trips'])} trips "
            f"over {matched} km of road (the roads layer gives no route code or class: km and "
            "coverage of county and township roads not reported)"
        )
        return text + ("; " + ", ".join(events) if events else "") + "."
    if zh:
        text = (
            f"全面加强路域环境治理。{_in_year(year, zh=True)}累计出动巡查车辆"
            f"{format_count(f['trips'])}台次，"
            f"共巡查县乡公路总里程{target}公里（匹配路网总里程{matched}公里），"
            f"巡查覆盖县乡公路网{format_percent(f['coverage'])}"
            f"（{patrolled}公里/{network}公里）"
        )
        if events:
            text += "；" + "，".join(events)
        return text + "，有力保护了全县公路路产路权。"
    text = (
        f"{_in_year(year, zh=False)} patrol vehicles made {format_count(f['trips'])} trips, "
        f"covering {target} km of county and township roads ({matched} km matched in all) and "
        f"{format_percent(f['coverage'])} of that network ({patrolled} of {network} km)"
    )
    if events:
        text += "; " + ", ".join(events)
    return text + "."


def _siting(f: dict[str, Any], *, year: int | None, zh: bool) -> str:
    kinds = [
        (PROJECT_KIND_PHRASES[k][0 if zh else 1], n)
        for k, n in f["by_kind"].items()
        if n and k in PROJECT_KIND_PHRASES
    ]
    checked = f.get("layers_checked") or {}
    bf, eco = checked.get("basic_farmland", True), checked.get("eco_redline", True)
    mu = {k: format_mu(f.get(k)) for k in f if k.endswith("_mu")}
    if zh:
        listed = "，".join(f"{label}{format_count(n)}个" for label, n in kinds)
        text = (
            f"夯实农村公路路网建设。{_when(f, year, zh=True)}实施{listed}，"
            f"共计{format_count(f['projects'])}个项目。"
            f"项目共占地{mu['footprint_mu']}亩，其中占用耕地{mu['cultivated_mu']}亩、"
            f"林地{mu['forest_mu']}亩、草地{mu['grassland_mu']}亩；"
        )
        text += (
            f"{format_count(f['projects_basic_farmland'])}个项目涉及永久基本农田"
            f"{mu['basic_farmland_mu']}亩，"
            if bf
            else "未提供永久基本农田图层，未核查项目是否涉及永久基本农田，"
        )
        text += (
            f"{format_count(f['projects_eco_redline'])}个项目涉及生态保护红线"
            f"{mu['eco_redline_mu']}亩；"
            if eco
            else "未提供生态保护红线图层，未核查项目是否涉及生态保护红线；"
        )
        return text + f"需落实耕地占补平衡补充耕地{mu['compensation_mu']}亩。"
    listed = ", ".join(f"{format_count(n)} {label}" for label, n in kinds)
    text = (
        f"{format_count(f['projects'])} projects {_when(f, year, zh=False)}: {listed}. "
        f"They take {mu['footprint_mu']} mu of land: {mu['cultivated_mu']} mu cultivated, "
        f"{mu['forest_mu']} mu forest, {mu['grassland_mu']} mu grassland; "
    )
    text += (
        f"{format_count(f['projects_basic_farmland'])} projects touch permanent basic farmland "
        f"({mu['basic_farmland_mu']} mu)"
        if bf
        else "basic farmland was not checked (no layer)"
    )
    text += (
        f" and {format_count(f['projects_eco_redline'])} the ecological red line "
        f"({mu['eco_redline_mu']} mu); "
        if eco
        else " and the ecological red line was not checked (no layer); "
    )
    return text + f"{mu['compensation_mu']} mu of farmland must be compensated."


def _when(f: dict[str, Any], year: int | None, *, zh: bool) -> str:
    """When the projects are: the report's year when all are of it, else their years."""
    years = f.get("years") or []
    if not years:
        if year is None:
            return "" if zh else "listed"
        return f"{year}年" if zh else f"in {year}"
    if years == [year]:
        return f"{year}年" if zh else f"in {year}"
    listed = "、".join(str(y) for y in years) if zh else ", ".join(str(y) for y in years)
    return f"{listed}年度项目库中" if zh else f"of the {listed} project lists"


def _difficulties(figures: dict[str, Any], *, zh: bool) -> list[str]:
    out: list[str] = []
    cov = figures.get("coverage")
    if cov and cov["unserved_townships"]:
        names = cov["unserved_townships"]
        unserved = format_count(cov["villages_total"] - cov["villages_served"])
        out.append(
            f"城乡客运方面。{_names(names, zh=True, limit=len(names))}"
            f"共{format_count(len(names))}个乡镇尚未开通客运班线，"
            f"全县仍有{unserved}个建制村不通客车。"
            if zh
            else f"Bus service: {format_count(len(names))} townships have no line "
            f"({_names(names, zh=False, limit=len(names))}); "
            f"{unserved} administrative villages are unserved."
        )
    if cov and cov.get("vehicles_short"):
        out.append(
            f"客运车辆方面。按现行班次需配车{format_count(cov['vehicles_required'])}辆，"
            f"现有{format_count(cov['vehicles'])}辆，缺口{format_count(cov['vehicles_short'])}辆。"
            if zh
            else f"Fleet: the timetable needs {format_count(cov['vehicles_required'])} buses, "
            f"{format_count(cov['vehicles'])} run, {format_count(cov['vehicles_short'])} short."
        )
    acc = figures.get("access")
    if acc and acc["villages_unconnected"]:
        listed = [v["name"] for v in acc["unconnected_listed"]]
        count = format_count(acc["villages_unconnected"])
        out.append(
            f"农村公路通畅方面。尚有{count}个建制村未通硬化路"
            + (f"，如{'、'.join(listed)}" if listed else "")
            + "，需继续实施通硬化路工程。"
            if zh
            else f"Hardened roads: {count} administrative villages have none"
            + (f" ({', '.join(listed)})" if listed else "")
            + "."
        )
    sit = figures.get("siting")
    if sit and sit["basic_farmland_projects"]:
        names = sit["basic_farmland_projects"]
        owed = format_mu(sit["compensation_mu"])
        out.append(
            f"农村公路建设方面。{_names(names, zh=True)}共{format_count(len(names))}个项目"
            "涉及永久基本农田，"
            f"办理占用耕地、林草地手续复杂、周期长，需补充耕地{owed}亩，"
            "耕地“进出平衡”压力较大。"
            if zh
            else f"Road building: {format_count(len(names))} projects touch permanent basic "
            f"farmland ({_names(names, zh=False)}); {owed} mu of farmland must be compensated."
        )
    if sit and sit["eco_redline_projects"]:
        names = sit["eco_redline_projects"]
        out.append(
            f"生态保护方面。{_names(names, zh=True)}共{format_count(len(names))}个项目"
            "涉及生态保护红线，"
            "需调整线位或依法报批。"
            if zh
            else f"Ecology: {format_count(len(names))} projects touch the ecological red line "
            f"({_names(names, zh=False)}): realign or seek approval."
        )
    pat = figures.get("patrol")
    if pat and pat["coverage"] is not None and pat["coverage"] < 1:
        unpatrolled = format_km(pat["target_network_km"] - pat["patrolled_network_km"])
        out.append(
            f"路政巡查方面。县乡公路网仍有约{unpatrolled}公里全年未巡查，执法信息化水平需进一步提高。"
            if zh
            else f"Patrol: about {unpatrolled} km of county and township roads were never "
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
    if "no road has a surface" in reason:
        return (
            "道路图层没有路面类型（路面类型字段或 OSM surface 标签），无法判断通硬化路；"
            "请补充路面类型"
        )
    return f"数据有误，请先运行 roadnet validate 检查（{reason}）"
