"""Build the first versions of the mailing's Word templates (letter.docx, overview.docx) from code: a one-off.

The .docx files in templates/ are the source of truth: the secretariat edits them in Word, and
no test compares them with what this script writes. Running it again would overwrite those edits,
so it writes only into the folder given: ``python tools/build_templates.py --out /tmp/fresh``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"

MINCHO = "IPAexMincho"
GOTHIC = "IPAexGothic"
AUTHOR = "一般社団法人 遠隔画像診断サービス連合会"
# A fixed timestamp keeps the build byte-for-byte reproducible (core.xml and zip entries).
FIXED_TIME = dt.datetime(2023, 12, 1, 0, 0, 0, tzinfo=dt.UTC)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# A4 in twips (1/1440 in); Word's own values, not 210 mm rounded down to 11905.
PAGE_W, PAGE_H = 11906, 16838
# 25 mm top, 20 mm elsewhere: 170 mm of line holds a 40-character organisation + " 御中" at 11 pt.
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_SIDE = 1417, 1134, 1134
FOOTER_DIST = 567  # 10 mm from the page edge
TEXT_MM = 170  # table widths below add up to this

# Relationship types nothing in these templates needs; each one drags in a part.
UNUSED_DOC_RELS = (
    "stylesWithEffects",
    "webSettings",
    "theme",
    "customXml",
    "numbering",
    "glossaryDocument",
)
UNUSED_PKG_RELS = ("thumbnail", "extended-properties", "custom-properties")


def _fonts(face: str) -> str:
    # All four slots: Word picks ascii/hAnsi for Latin, eastAsia for kana/kanji, cs for complex script.
    return f'<w:rFonts w:ascii="{face}" w:hAnsi="{face}" w:eastAsia="{face}" w:cs="{face}"/>'


def _heading(style_id: str, name: str, size: int, level: int, before: int, after: int, extra: str = "") -> str:
    return (
        f'<w:style w:type="paragraph" w:styleId="{style_id}"><w:name w:val="{name}"/>'
        '<w:basedOn w:val="Normal"/><w:next w:val="BodyText"/><w:qFormat/>'
        f'<w:pPr><w:keepNext/><w:keepLines/>{extra}<w:spacing w:before="{before}" w:after="{after}" w:line="300" '
        f'w:lineRule="auto"/><w:jc w:val="left"/><w:outlineLvl w:val="{level}"/></w:pPr>'
        f'<w:rPr>{_fonts(GOTHIC)}<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr></w:style>'
    )


def styles_xml(line: int) -> str:
    """Return styles.xml: only the styles the templates use, body lines LINE/240 of single spacing."""
    return f"""<w:styles {nsdecls("w")}>
<w:docDefaults>
<w:rPrDefault><w:rPr>{_fonts(MINCHO)}<w:kern w:val="2"/><w:sz w:val="21"/><w:szCs w:val="21"/>
<w:lang w:val="en-US" w:eastAsia="ja-JP" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="{line}" w:lineRule="auto"/></w:pPr></w:pPrDefault>
</w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>
<w:pPr><w:widowControl w:val="0"/><w:jc w:val="both"/></w:pPr><w:rPr>{_fonts(MINCHO)}<w:sz w:val="21"/>
<w:szCs w:val="21"/><w:lang w:val="en-US" w:eastAsia="ja-JP"/></w:rPr></w:style>
<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:semiHidden/>
<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/>
<w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar>
</w:tblPr></w:style>
<w:style w:type="paragraph" w:styleId="BodyText"><w:name w:val="Body Text"/><w:basedOn w:val="Normal"/><w:qFormat/>
<w:pPr><w:spacing w:after="60"/><w:ind w:firstLineChars="100" w:firstLine="210"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/>
<w:next w:val="BodyText"/>
<w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="240" w:line="300" w:lineRule="auto"/>
<w:jc w:val="center"/><w:outlineLvl w:val="0"/></w:pPr>
<w:rPr>{_fonts(GOTHIC)}<w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr></w:style>
{
        _heading(
            "Heading1",
            "heading 1",
            24,
            0,
            320,
            120,
            '<w:pBdr><w:bottom w:val="single" w:sz="6" w:space="2" w:color="404040"/></w:pBdr>',
        )
    }
{_heading("Heading2", "heading 2", 21, 1, 200, 80)}
{_heading("Heading3", "heading 3", 21, 2, 120, 20)}
<w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/><w:qFormat/>
<w:pPr><w:spacing w:before="30" w:after="30" w:line="276" w:lineRule="auto"/><w:jc w:val="left"/></w:pPr>
<w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TableHeading"><w:name w:val="Table Heading"/><w:basedOn w:val="TableText"/>
<w:qFormat/><w:pPr><w:keepNext/><w:jc w:val="center"/></w:pPr><w:rPr>{_fonts(GOTHIC)}</w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/>
<w:pPr><w:spacing w:line="240" w:lineRule="auto"/><w:jc w:val="right"/></w:pPr>
<w:rPr><w:color w:val="808080"/><w:sz w:val="14"/><w:szCs w:val="14"/></w:rPr></w:style>
</w:styles>"""


# Charset 80 = Shift-JIS: tells Word these are Japanese fonts, so a machine without IPAex falls back to a
# Japanese face rather than a Latin one.
FONT_TABLE_XML = f"""<w:fonts {nsdecls("w")}>
<w:font w:name="{MINCHO}"><w:altName w:val="IPAex明朝"/><w:charset w:val="80"/><w:family w:val="roman"/>
<w:pitch w:val="variable"/></w:font>
<w:font w:name="{GOTHIC}"><w:altName w:val="IPAexゴシック"/><w:charset w:val="80"/><w:family w:val="modern"/>
<w:pitch w:val="variable"/></w:font>
</w:fonts>"""

# defaultTabStop 840 twips = 4 characters at 10.5 pt, the Japanese Word default.
SETTINGS_CHILDREN = """
<w:defaultTabStop w:val="840"/>
<w:characterSpacingControl w:val="doNotCompress"/>
<w:compat>
<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/>
</w:compat>
<w:themeFontLang w:val="en-US" w:eastAsia="ja-JP"/>
<w:decimalSymbol w:val="."/>
<w:listSeparator w:val=","/>
"""

SECT_PR_CHILDREN = f"""
<w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/>
<w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_SIDE}" w:bottom="{MARGIN_BOTTOM}" w:left="{MARGIN_SIDE}"
 w:header="{FOOTER_DIST}" w:footer="{FOOTER_DIST}" w:gutter="0"/>
<w:cols w:space="425"/>
<w:docGrid w:linePitch="360"/>
"""


# ---------------------------------------------------------------------------------------------------------------
# Building blocks


def _replace_children(element, xml_children: str) -> None:
    for child in list(element):
        element.remove(child)
    wrapper = parse_xml(f"<w:x {nsdecls('w')}>{xml_children}</w:x>")
    for child in list(wrapper):
        element.append(child)


def _set_style(paragraph: Paragraph, style_id: str | None) -> None:
    # Set the style id directly: python-docx's name lookup would need its own (large) styles part.
    if style_id and style_id != "Normal":
        paragraph._p.get_or_add_pPr().style = style_id


def add_text(paragraph: Paragraph, text: str, *, size: float | None = None) -> None:
    """Append TEXT as one run, so docxtpl sees every Jinja tag whole."""
    run = paragraph.add_run(text)
    if size is not None:
        run.font.size = Pt(size)
    # Spaces at either end of a rendered value must survive ("山田 様", "· 2024 ·").
    for t in run._r.findall(qn("w:t")):
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def para(
    container,
    text: str = "",
    style: str | None = None,
    *,
    align: str | None = None,
    size: float | None = None,
    before: float | None = None,
    after: float | None = None,
) -> Paragraph:
    """Add a paragraph with one run of TEXT to CONTAINER (document, cell or footer)."""
    paragraph = container.add_paragraph()
    _set_style(paragraph, style)
    fmt = paragraph.paragraph_format
    if align is not None:
        paragraph.alignment = {
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
        }[align]
    if before is not None:
        fmt.space_before = Pt(before)
    if after is not None:
        fmt.space_after = Pt(after)
    if text:
        add_text(paragraph, text, size=size)
    return paragraph


def tag(container, statement: str) -> Paragraph:
    """Add a docxtpl paragraph tag ({%p ... %}) alone in its own paragraph."""
    return para(container, "{%p " + statement + " %}")


def table(
    doc: DocxDocument,
    widths_mm: Sequence[float],
    rows: Sequence[Sequence[str | Sequence[str]]],
    *,
    header: Sequence[str] | None = None,
    label_column: bool = False,
) -> Table:
    """Add a bordered table; a cell given as a list gets one paragraph (one run) per item."""
    if sum(widths_mm) != TEXT_MM:
        raise ValueError(f"table columns add up to {sum(widths_mm)} mm, the text width is {TEXT_MM} mm")
    twips = [round(w * 1440 / 25.4) for w in widths_mm]
    all_rows = ([list(header)] if header else []) + [list(r) for r in rows]
    tbl = doc.add_table(rows=len(all_rows), cols=len(widths_mm))
    tbl_el = tbl._tbl
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="595959"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    new_pr = parse_xml(
        f'<w:tblPr {nsdecls("w")}><w:tblW w:w="{sum(twips)}" w:type="dxa"/>'
        f'<w:tblInd w:w="0" w:type="dxa"/><w:tblBorders>{borders}</w:tblBorders>'
        '<w:tblLayout w:type="fixed"/><w:tblCellMar><w:top w:w="28" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
        '<w:bottom w:w="28" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" '
        'w:noVBand="1"/></w:tblPr>'
    )
    tbl_el.replace(tbl_el.tblPr, new_pr)
    for grid_col, width in zip(tbl_el.tblGrid.findall(qn("w:gridCol")), twips, strict=False):
        grid_col.set(qn("w:w"), str(width))
    for r, values in enumerate(all_rows):
        row = tbl.rows[r]
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))
        is_header = header is not None and r == 0
        if is_header:
            # Repeat the header row when a table runs onto the next page.
            tr_pr.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
        for c, value in enumerate(values):
            cell = row.cells[c]
            tc_pr = cell._tc.get_or_add_tcPr()
            _replace_children(tc_pr, f'<w:tcW w:w="{twips[c]}" w:type="dxa"/>')
            shade = is_header or (label_column and c == 0)
            if shade:
                fill = "D9D9D9" if is_header else "F2F2F2"
                tc_pr.append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>'))
            tc_pr.append(parse_xml(f'<w:vAlign {nsdecls("w")} w:val="center"/>'))
            lines = [value] if isinstance(value, str) else list(value)
            style = "TableHeading" if is_header or (label_column and c == 0) else "TableText"
            first = cell.paragraphs[0]
            _set_style(first, style)
            if lines and lines[0]:
                add_text(first, lines[0])
            for line in lines[1:]:
                para(cell, line, style)
    return tbl


def add_footer(doc: DocxDocument) -> None:
    """Put the page mark (member · cycle · page/pages) in the footer of every page."""
    footer = doc.sections[0].footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    _set_style(paragraph, "Footer")
    add_text(paragraph, "{{ member_id }} · {{ cycle }} · ")
    p = paragraph._p
    for i, field in enumerate(("PAGE", "NUMPAGES")):
        if i:
            add_text(paragraph, "/")
        # fldSimple: Word and LibreOffice both recompute it at layout time; "1" is only the cached result.
        p.append(
            parse_xml(
                f'<w:fldSimple {nsdecls("w")} w:instr=" {field} \\* MERGEFORMAT "><w:r><w:rPr><w:noProof/></w:rPr>'
                "<w:t>1</w:t></w:r></w:fldSimple>"
            )
        )


def recipient_lines(doc: DocxDocument, *, with_address: bool, name_size: float) -> None:
    """Add the recipient block: the organisation gets 御中 only when no representative is named."""
    if with_address:
        para(doc, "〒{{ postal_code }}", align="left")
        para(doc, "{{ address1 }}", align="left")
        tag(doc, "if address2")
        para(doc, "{{ address2 }}", align="left")
        tag(doc, "endif")
        para(doc, "", align="left", after=4)
    para(doc, "{{ organisation }}{% if not representative_name %} 御中{% endif %}", align="left", size=name_size)
    tag(doc, "if department")
    para(doc, "{{ department }}", align="left", size=name_size)
    tag(doc, "endif")
    tag(doc, "if representative_name")
    para(
        doc,
        "{{ representative_title }}{% if representative_title %} {% endif %}{{ representative_name }} 様",
        align="left",
        size=name_size,
    )
    tag(doc, "endif")


# ---------------------------------------------------------------------------------------------------------------
# The two documents (wording from /work/shared/seed/ats-renewal-notice.txt)


def build_letter(doc: DocxDocument) -> None:
    """Write the chairman's renewal letter."""
    para(doc, "{{ issue_date }}", align="right", after=14)
    recipient_lines(doc, with_address=True, name_size=11)
    # Unenrolled members have nothing to renew: their letter is simply an invitation (ご案内).
    para(
        doc,
        "ATS会員専用保険「{{ insurance_name }}」{% if enrolled %}更新{% endif %}のご案内",
        "Title",
        before=30,
        after=24,
    )
    body = [
        "会員の皆さまにおかれましてはご健勝のこととお慶び申し上げます。",
        "{{ introduced }}に導入しましたATS会員専用保険「{{ insurance_name }}」の更新日「{{ renewal_date }}」"
        "が近づいてまいりました。",
        "連合会設立後すぐに「{{ insurance_name }}」を保険会社と共に開発し、団体保険として制度化して募集を開始いた"
        "しました。",
        "この保険は医師賠償責任保険、個人情報取扱事業者保険、IT保険といった独立した保険商品を組み合わせ、"
        "遠隔画像診断サービス事業者向けに設計された会員専用の独自の補償制度です。",
        "2022年度から、サイバー攻撃などによる不正アクセスやネットワークの不具合などが原因による損害賠償請求など、"
        "サイバーリスクに対応した内容にアップグレードいたしました。",
        "この保険により会員は安心して事業を行うことができるようになり、本会の大きなメンバーズベネフィットの一つです。",
    ]
    for text in body:
        para(doc, text, "BodyText")
    tag(doc, "if enrolled")
    para(doc, "〈ご加入いただいている会員の皆さまへ〉", "Heading2", before=16)
    para(doc, "更新手続に必要な書類を同封しております。お早めの更新手続をお願いします。", "BodyText")
    tag(doc, "else")
    para(doc, "〈未加入の会員の皆さまへ〉", "Heading2", before=16)
    para(
        doc,
        "本保険は、ATS会員だけが加入できる制度であり、遠隔画像診断サービス事業におけるリスクを総合的にカバーする"
        "内容となっております。",
        "BodyText",
    )
    para(doc, "この機会に是非ご検討をお願いします。", "BodyText")
    tag(doc, "endif")
    para(doc, "{{ association }}", align="right", before=30)
    para(doc, "{{ chairman_title }} {{ chairman }}", align="right", size=11)


CASES = [
    ("事例①", "個人情報データベースがサイバー攻撃を受け情報が流出、国内及び海外からも損害賠償請求された。"),
    ("事例②", "事務所に保管しているレポート(個人情報含みます。)を記録したパソコン、CD-Rが盗難にあった。"),
    ("事例③", "契約医師によるレポート内容に誤診断(誤記載)があり、医療事故が発生した。"),
    ("事例④", "誤って依頼元とは異なる医療機関へレポートを送付してしまった。"),
    ("事例⑤", "システム不具合の発生により、医療機関へ提供するレポートデータが、消失してしまった。"),
    ("事例⑥", "コンピューターのウィルス感染が、取引病院へ影響を及ぼしてしまった。"),
]

FEATURES = [
    (
        "特長①",
        "医療事故の原因が読影レポートにあったとして、遠隔画像診断事業者が損害賠償請求や求償を受けた場合に、"
        "法律上の賠償責任および訴訟費用などを補償します。",
    ),
    (
        "特長②",
        "事業者が契約する読影医師は包括的に被保険者区分に入っており、別途、個別に医師賠償保険契約を手配する必要は"
        "ありません。また年間を通じて契約医師の増減は通知不要なため、管理業務が削減されます。",
    ),
    (
        "特長③",
        "遠隔画像ネットワークに起因するシステム事故及び個人情報漏えい事故サイバー攻撃による事故について"
        "第三者への法律上の賠償責任を補償します。",
    ),
    ("特長④", "ネットワーク事故により、レポートデータが消失してしまった場合、再作成費用等を補償します。"),
]


def build_overview(doc: DocxDocument) -> None:
    """Write the insurance overview, with the seed's missing figures redrawn as tables."""
    para(doc, "{{ issue_date }}", align="right", after=6)
    recipient_lines(doc, with_address=False, name_size=10.5)
    para(doc, "ATS会員専用保険「{{ insurance_name }}」のご案内", "Title", before=14, after=4)
    para(doc, "{{ association }}", align="right", after=6)

    para(doc, "1. {{ insurance_name }}の概要", "Heading1")
    para(
        doc,
        "{{ insurance_name }}は、遠隔画像診断サービス連合会の会員さま向けの独自の補償制度です。"
        "医師賠償責任保険・サイバー保険といった独立した保険商品を組み合わせ、各種オプション設定を行い、"
        "取り巻く各種リスクに適應できるように設計されております。",
        "BodyText",
    )
    para(doc, "遠隔画像診断事業における事故事例", "Heading2")
    table(doc, [22, 148], CASES, header=("事例", "事故の内容"), label_column=True)

    para(doc, "リスクマップと制度内容", "Heading2")
    para(doc, "上記の事故事例をリスクごとに整理し、関係する制度の特長（3. 参照）を示します。", "BodyText")
    table(
        doc,
        [52, 32, 86],
        [
            (
                "医療事故（読影レポートの誤診断・誤記載）",
                "事例③",
                ["特長①　法律上の賠償責任および訴訟費用など", "特長②　契約医師も包括的に被保険者"],
            ),
            ("個人情報漏えい", "事例①・②・④", "特長③　第三者への法律上の賠償責任"),
            (
                "システム事故・サイバー攻撃",
                "事例①・⑤・⑥",
                ["特長③　第三者への法律上の賠償責任", "特長④　レポートデータの再作成費用等"],
            ),
        ],
        header=("リスク", "事故事例", "関係する制度の特長"),
        label_column=True,
    )

    para(doc, "2. 被保険者の範囲（ATSの正会員）", "Heading1")
    para(doc, "遠隔画像診断事業者と読影医師を包括的に補償。", "BodyText")
    table(
        doc,
        [66, 104],
        [
            ("遠隔画像診断事業者（ATSの正会員）", "被保険者"),
            (
                "読影医師（契約医師）",
                "被保険者（事業者が契約する読影医師は包括的に被保険者区分に入っており、別途、"
                "個別に医師賠償保険契約を手配する必要はありません）",
            ),
            ("対象となる医療行為", "日本国内の医療行為のみ"),
        ],
        header=("区分", "本制度での扱い"),
        label_column=True,
    )
    # The seed's "つまり上図の②群全体が…" pointed at a lost figure; the table above now says it.
    para(doc, "※日本国内の医療行為のみが対象となります。", "BodyText", before=4)

    para(doc, "3. 制度の特長", "Heading1")
    for name, text in FEATURES:
        para(doc, name, "Heading3")
        para(doc, text, "BodyText")

    tag(doc, "if enrolled")
    para(doc, "4. 更新のお手続き", "Heading1")
    para(doc, "更新手続に必要な書類を同封しております。お早めの更新手続をお願いします。", "BodyText")
    table(
        doc,
        [42, 128],
        [
            ("更新日", "{{ renewal_date }}"),
            ("ご返送いただく書類", "同封の更新書類"),
            ("ご返送期限", "{{ return_deadline }}"),
            # The seed names no return address for the forms: point to the contacts rather than invent one.
            ("お問い合わせ", "下記「5. 問い合わせ先」の事務局または取扱代理店までお寄せください"),
        ],
        label_column=True,
    )
    tag(doc, "else")
    para(doc, "4. ご加入のご案内", "Heading1")
    para(
        doc,
        "本保険は、ATS会員だけが加入できる制度であり、遠隔画像診断サービス事業におけるリスクを総合的にカバーする"
        "内容となっております。この機会に是非ご検討をお願いします。",
        "BodyText",
    )
    # The full addresses follow in 5.; repeating them in a second table only made the page longer.
    para(
        doc,
        "ご加入についてのお問い合わせは、下記「5. 問い合わせ先」の事務局（TEL : {{ secretariat.tel }}）"
        "または取扱代理店（TEL : {{ agent.tel }}）までお寄せください。",
        "BodyText",
    )
    tag(doc, "endif")

    para(doc, "5. 問い合わせ先", "Heading1")
    para(
        doc,
        "※本ご案内は概要を説明したものです。詳しい内容についてはパンフレットをご確認ください。",
        "BodyText",
        after=6,
    )
    table(
        doc,
        [32, 138],
        [
            (
                "契約者",
                [
                    "{{ secretariat.name }}",
                    "〒{{ secretariat.postal_code }} {{ secretariat.address }}",
                    "TEL : {{ secretariat.tel }}",
                ],
            ),
            (
                "取扱代理店",
                [
                    "{{ agent.name }}",
                    "〒{{ agent.postal_code }} {{ agent.address }}",
                    "TEL : {{ agent.tel }}（受付時間 : {{ agent.tel_hours }}）　FAX : {{ agent.fax }}",
                    "e-mail : {{ agent.email }}（受信専用）",
                ],
            ),
            (
                "引受保険会社",
                [
                    "{{ insurer.name }}",
                    "〒{{ insurer.postal_code }} {{ insurer.address }}",
                    "TEL : {{ insurer.tel }}（受付時間 : {{ insurer.tel_hours }}）　FAX : {{ insurer.fax }}",
                ],
            ),
        ],
        label_column=True,
    )


# ---------------------------------------------------------------------------------------------------------------
# Packaging


def new_document(title: str, line: int) -> DocxDocument:
    """Return an empty A4 document whose parts are reduced to what the templates use."""
    doc = Document()
    part = doc.part
    for r_id, rel in list(part.rels.items()):
        if rel.reltype.rsplit("/", 1)[-1] in UNUSED_DOC_RELS:
            part.rels.pop(r_id)
    package_rels = part.package.rels
    for r_id, rel in list(package_rels.items()):
        if rel.reltype.rsplit("/", 1)[-1] in UNUSED_PKG_RELS:
            package_rels.pop(r_id)
    # python-docx's default styles.xml is 350 KB of latent and unused styles; LibreOffice parses all of it.
    _replace_children(doc.styles.element, styles_xml(line).split(">", 1)[1].rsplit("</w:styles>", 1)[0])
    _replace_children(doc.settings.element, SETTINGS_CHILDREN)
    font_part = part.part_related_by("http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable")
    # python-docx loads fontTable.xml as an opaque part (bytes), not as XML.
    font_part._blob = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n" + FONT_TABLE_XML.encode()
    sect_pr = doc.sections[0]._sectPr
    _replace_children(sect_pr, SECT_PR_CHILDREN)
    for name in list(sect_pr.attrib):  # revision ids of the template python-docx ships: noise
        del sect_pr.attrib[name]

    props = doc.core_properties
    props.title = title
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.comments = ""
    props.subject = ""
    props.keywords = ""
    props.category = ""
    props.revision = 1
    props.created = FIXED_TIME.replace(tzinfo=None)
    props.modified = FIXED_TIME.replace(tzinfo=None)
    return doc


def save_reproducibly(doc: DocxDocument, path: Path) -> int:
    """Save DOC with fixed zip timestamps and maximum compression; return the size in bytes."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            zout.writestr(entry, zin.read(info.filename), compresslevel=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
    return len(out.getvalue())


# name -> (document title, line spacing in 240ths, content); the one-page letter can afford airier lines.
DOCUMENTS: dict[str, tuple[str, int, Callable[[DocxDocument], None]]] = {
    "letter": ("ATS会員専用保険 更新のご案内（理事長書簡）", 408, build_letter),
    "overview": ("ATS会員専用保険 概要のご案内", 336, build_overview),
}


def build(name: str) -> DocxDocument:
    """Return the named template as a python-docx Document (not yet saved)."""
    title, line, fill = DOCUMENTS[name]
    doc = new_document(title, line)
    fill(doc)
    add_footer(doc)
    return doc


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--out", type=Path, required=True, help="folder for the .docx files (templates/ only on purpose)"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in DOCUMENTS:
        path = args.out / f"{name}.docx"
        size = save_reproducibly(build(name), path)
        print(f"{path}: {size / 1024:.1f} KB")


if __name__ == "__main__":
    main()
