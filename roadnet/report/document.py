"""The annual report as a Word document (python-docx), charts embedded."""

from __future__ import annotations

from pathlib import Path

from roadnet.io.atomic import atomic_path
from roadnet.report.text import CHART_CAPTIONS, Block


def write_docx(
    blocks: list[Block], path: str | Path, *, charts: dict[str, Path], lang: str = "zh"
) -> Path:
    """Write the report's blocks to a .docx, atomically.

    Parameters
    ----------
    blocks
        :func:`roadnet.report.text.report_blocks`.
    path
        The .docx to write.
    charts
        Chart name -> PNG path, embedded where the blocks place them.
    lang
        Language of the chart captions.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    for block in blocks:
        if block.kind == "title":
            heading = document.add_heading(block.text, level=0)
            heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.kind == "heading":
            document.add_heading(block.text, level=1)
        elif block.kind == "chart":
            if block.text in charts:
                document.add_picture(str(charts[block.text]), width=Cm(15))
                caption = document.add_paragraph(
                    CHART_CAPTIONS[block.text][0 if lang != "en" else 1]
                )
                caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            paragraph = document.add_paragraph(block.text)
            paragraph.paragraph_format.first_line_indent = Pt(24)
    target = Path(path)
    with atomic_path(target) as tmp:
        document.save(str(tmp))
    return target
