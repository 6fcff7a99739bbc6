#!/usr/bin/env python3
"""Writes the bad-input corpus: files an official (or an attacker) might hand
the importer, each with the rejection it must get. Run it to regenerate
`files/` and `cases.toml`; the test suite reads them (it needs no Python).

Every file is imported on top of the small city's master data (companies,
communities, contracts). A case expects either a row error (`row`, and
`column` when one cell is to blame) or a file error, and in both a phrase
of the reason (`contains`). The suite checks the data tables are unchanged
afterwards and the process is alive.

Usage: python3 tests/bad-input/make.py
"""

import io
import os
import random
import shutil
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "files"

K1 = "918245RK2A20Y55BBG"  # companies of the small city
K2 = "916171A427M6B0XBGX"
C1, C2 = "C000000", "C000001"


def gb32100(first17):
    """A unified social credit code: 17 characters and the GB 32100-2015 check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(alphabet.index(c) * w for c, w in zip(first17, weights))
    return first17 + alphabet[(31 - total % 31) % 31]


K_UNKNOWN = gb32100("91420100MA4KXY712")  # valid, but no such company

HEADERS = {
    "companies": "company_code,name,district,registered_on",
    "communities": "community_code,name,district,community_type,old_community,households,floor_area_m2",
    "contracts": "community_code,company_code,start_date,end_date",
    "surveys": "response_id,community_code,surveyed_on,respondent,overall",
    "complaints": "complaint_id,community_code,received_at,category,substantiated,resolved_at",
    "fees": "community_code,period,billed,collected",
    "inspections": "inspection_id,community_code,inspected_on,score,rectification_due,rectified_on",
    "conduct": "record_id,company_code,code,occurred_on,community_code,note",
}
GOOD = {
    "companies": f"{K1},测试物业服务有限公司0000,江汉区,2005-06-28",
    "communities": "C900000,小区甲,江汉区,commercial,false,280,32340.9",
    "contracts": f"{C1},{K1},2019-03-05,",
    "surveys": f"S900001,{C1},2025-08-01,H00001,4",
    "complaints": f"T900001,{C1},2025-07-18 09:10:18,噪音扰民,是,2025-07-18 11:28:01",
    "fees": f"{C1},2025Q3,1000.00,900.00",
    "inspections": f"I900001,{C1},2025-08-15,76.0,2025-08-30,",
    "conduct": f"R900001,{K1},GOOD-HONOR-CITY,2025-05-28,,",
}

cases = []


def case(name, kind, data, *, row=None, column=None, contains, file_error=False):
    path = OUT / kind / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    c = {"file": f"{kind}/{name}", "kind": kind, "contains": contains}
    if file_error:
        c["expect"] = "file"
    else:
        c["expect"] = "row"
        c["row"] = row
        if column is not None:
            c["column"] = column
    cases.append(c)


def csv(kind, *rows, header=None):
    lines = [header if header is not None else HEADERS[kind], *rows]
    return ("\n".join(lines) + "\n").encode()


# ---------------------------------------------------------------- XLSX ----
CT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
{sheets}</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
</styleSheet>"""
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def col_letters(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell_xml(ref, v):
    """v: str (inline string), int/float (number), or a tuple
    ('date', serial) | ('formula', f, cached or None) | ('error', '#DIV/0!')
    | ('blank',) styled empty | ('shared', index)."""
    if isinstance(v, tuple):
        tag = v[0]
        if tag == "date":
            return f'<c r="{ref}" s="1"><v>{v[1]}</v></c>'
        if tag == "formula":
            cached = "" if v[2] is None else f"<v>{v[2]}</v>"
            return f'<c r="{ref}"><f>{esc(v[1])}</f>{cached}</c>'
        if tag == "error":
            return f'<c r="{ref}" t="e"><v>{v[1]}</v></c>'
        if tag == "blank":
            return f'<c r="{ref}" s="1"/>'
        if tag == "shared":
            return f'<c r="{ref}" t="s"><v>{v[1]}</v></c>'
    if isinstance(v, str):
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{esc(v)}</t></is></c>'
    return f'<c r="{ref}"><v>{v}</v></c>'


def sheet_xml(rows, merges=(), dimension=None, pad=b""):
    """rows: {row_number: {col_index: value}}."""
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {NS}>']
    if dimension:
        parts.append(f'<dimension ref="{dimension}"/>')
    parts.append("<sheetData>")
    for r in sorted(rows):
        cells = "".join(cell_xml(f"{col_letters(c)}{r}", v) for c, v in sorted(rows[r].items()))
        parts.append(f'<row r="{r}">{cells}</row>')
    body = "".join(parts).encode()
    tail = "</sheetData>"
    if merges:
        tail += f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>"
    tail += "</worksheet>"
    return body + pad + tail.encode()


class Fixed:
    """Writes parts with a fixed timestamp, so the corpus is the same bytes every time."""

    def __init__(self, zf):
        self.zf = zf

    def writestr(self, name, data):
        info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zf.writestr(info, data)


def workbook(sheets, extra=None):
    """sheets: list of (name, sheet xml bytes). Returns the XLSX bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        z = Fixed(zf)
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(len(sheets))
        )
        z.writestr("[Content_Types].xml", CT.format(sheets=overrides))
        z.writestr("_rels/.rels", RELS)
        sheet_tags = "".join(f'<sheet name="{esc(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, (n, _) in enumerate(sheets))
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {NS} {RNS}><sheets>{sheet_tags}</sheets></workbook>')
        rels = "".join(
            f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(sheets))
        )
        rels += '<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        z.writestr("xl/styles.xml", STYLES)
        for i, (_, xml) in enumerate(sheets):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", xml)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def table(kind, *data_rows):
    """A header row and data rows (lists of values) as sheet rows."""
    rows = {1: dict(enumerate(HEADERS[kind].split(",")))}
    for i, r in enumerate(data_rows):
        rows[i + 2] = {c: v for c, v in enumerate(r) if v is not None}
    return rows


def xlsx(kind, *data_rows, **kw):
    return workbook([("Sheet1", sheet_xml(table(kind, *data_rows), **kw))])


def zip_bomb(kind, gib=1.0):
    """A workbook whose sheet unpacks to `gib` GiB of blank space (about 1 MB packed)."""
    header = sheet_xml(table(kind))
    split = header.index(b"</sheetData>")
    pad = b" " * int(gib * 1024 * 1024 * 1024)
    return workbook([("Sheet1", header[:split] + pad + header[split:])])


def lie_about_sizes(data, part, size):
    """Rewrites the declared unpacked size of `part` in both the local header
    and the central directory: the bytes still unpack to the real size."""
    b = bytearray(data)
    name = part.encode()
    # (signature, offset of the name length, offset of the name, offset of the size)
    for sig, name_len_at, name_at, size_at in ((b"PK\x03\x04", 26, 30, 22), (b"PK\x01\x02", 28, 46, 24)):
        i = b.find(sig)
        while i >= 0:
            n = int.from_bytes(b[i + name_len_at:i + name_len_at + 2], "little")
            if b[i + name_at:i + name_at + n] == name:
                b[i + size_at:i + size_at + 4] = size.to_bytes(4, "little")
            i = b.find(sig, i + 4)
    return bytes(b)


def main():
    random.seed(20261121)
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)

    # ---------------- XLSX: what spreadsheets really look like ----------------
    far = table("surveys", ["S900001", C1, ("date", 45870), "H1", 4])
    far[1048576] = {16383: "x"}
    case("far-cell.xlsx", "surveys", workbook([("Sheet1", sheet_xml(far, dimension="A1:XFD1048576"))]),
         row=1048576, contains="column XFD")
    far_header = table("surveys")
    far_header[1][16383] = "备注"
    case("far-header-cell.xlsx", "surveys", workbook([("Sheet1", sheet_xml(far_header))]),
         contains="column XFD", file_error=True)
    case("merged-cells.xlsx", "complaints",
         xlsx("complaints", ["T900001", C1, "2025-07-18 09:10:18", "噪音扰民", "是", None],
              [None, C1, "2025-07-19 09:10:18", "环境卫生", "否", None], merges=["A2:A3"]),
         row=3, column="complaint_id", contains="required and empty")
    case("formula-without-value.xlsx", "surveys",
         xlsx("surveys", ["S900001", C1, "2025-08-01", "H1", ("formula", "AVERAGE(X1:X9)", None)]),
         row=2, column="overall", contains="required and empty")
    case("formula-error.xlsx", "inspections",
         xlsx("inspections", ["I900001", C1, "2025-08-15", ("error", "#DIV/0!"), None, None]),
         row=2, column="score", contains="number")
    case("formula-text-result.xlsx", "fees",
         xlsx("fees", [C1, "2025Q3", ("formula", "B1", None), 900]),
         row=2, column="billed", contains="required and empty")
    case("date-as-number.xlsx", "surveys",
         xlsx("surveys", ["S900001", C1, 45870, "H1", 4]),
         row=2, column="surveyed_on", contains="Excel day number")
    case("datetime-as-number.xlsx", "complaints",
         xlsx("complaints", ["T900001", C1, 45870.5, "噪音扰民", "是", None]),
         row=2, column="received_at", contains="Excel day number")
    case("data-on-second-sheet.xlsx", "surveys",
         workbook([("封面", sheet_xml({})), ("数据", sheet_xml(table("surveys", ["S900001", C1, "2025-08-01", "H1", 4])))]),
         contains="empty", file_error=True)
    case("cover-sheet-first.xlsx", "companies",
         workbook([("说明", sheet_xml({1: {0: "2025年第三季度物业企业名单"}})), ("Sheet2", sheet_xml(table("companies", [K1, "甲", "江汉区", "2005-06-28"])))]),
         contains="not a column", file_error=True)
    case("no-sheets.xlsx", "surveys", workbook([]), contains="no worksheet", file_error=True)
    good = xlsx("surveys", ["S900001", C1, "2025-08-01", "H1", 4])
    case("truncated.xlsx", "surveys", good[: len(good) // 2], contains="XLSX", file_error=True)
    case("csv-renamed.xlsx", "surveys", csv("surveys", GOOD["surveys"]), contains="XLSX", file_error=True)
    case("old-excel.xlsx", "surveys", bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504), contains="XLSX", file_error=True)
    case("empty.xlsx", "surveys", b"", contains="XLSX", file_error=True)
    bomb = zip_bomb("surveys", 1.0)
    case("zip-bomb.xlsx", "surveys", bomb, contains="ZIP bomb", file_error=True)
    case("zip-bomb-lying.xlsx", "surveys",
         lie_about_sizes(zip_bomb("surveys", 0.25), "xl/worksheets/sheet1.xml", 4096),
         contains="larger than its declared", file_error=True)
    case("huge-cell.xlsx", "complaints",
         xlsx("complaints", ["T900001", C1, "2025-07-18 09:10:18", "噪" * 40000, "是", None]),
         row=2, contains="32767")
    case("value-right-of-header.xlsx", "fees",
         xlsx("fees", [C1, "2025Q3", 1000, 900, None, None, "备注：已核对"]),
         row=2, contains="column G")
    case("duplicate-header.xlsx", "surveys",
         workbook([("Sheet1", sheet_xml({1: dict(enumerate(HEADERS["surveys"].split(",") + ["overall"]))}))]),
         contains="appears twice", file_error=True)
    case("shared-string-missing.xlsx", "surveys",
         workbook([("Sheet1", sheet_xml({1: dict(enumerate(HEADERS["surveys"].split(","))), 2: {0: ("shared", 7), 1: C1, 2: "2025-08-01", 3: "H1", 4: 4}}))]),
         contains="shared strings", file_error=True)
    case("bad-rows-conduct.xlsx", "conduct",
         xlsx("conduct", ["R900001", K1, "NO-SUCH-CODE", "2025-05-28", None, None]),
         row=2, column="code", contains="is not a conduct code")

    # ---------------- CSV: encodings, headers, bytes ----------------
    case("empty.csv", "surveys", b"", contains="empty", file_error=True)
    case("only-bom.csv", "surveys", b"\xef\xbb\xbf", contains="empty", file_error=True)
    case("binary-garbage.csv", "complaints", bytes(random.getrandbits(8) for _ in range(4096)),
         contains="control character", file_error=True)
    mixed = csv("companies", f"{K1},武汉甲物业服务有限公司,江汉区,2005-06-28").rstrip(b"\n") + b"\n" + f"{K2},".encode() + "武汉乙物业服务有限公司".encode("gbk") + "，硚口区,2002-12-20\n".encode()
    case("mixed-encodings.csv", "companies", mixed, contains="mixes two encodings", file_error=True)
    case("bom-mid-file.csv", "surveys",
         csv("surveys", GOOD["surveys"]) + b"\xef\xbb\xbf" + f"S900002,{C1},2025-08-01,H2,5\n".encode(),
         row=3, contains="byte-order mark")
    case("two-files-joined.csv", "companies",
         csv("companies", f"{K1},甲,江汉区,2005-06-28") + b"\xef\xbb\xbf" + csv("companies", f"{K2},乙,硚口区,2002-12-20"),
         row=3, contains="byte-order mark")
    case("nul-bytes.csv", "complaints",
         csv("complaints", f"T900001,{C1},2025-07-18 09:10:18,噪音\x00扰民,是,"), row=2, contains="U+0000")
    case("control-char.csv", "conduct",
         csv("conduct", f"R900001,{K1},GOOD-HONOR-CITY,2025-05-28,,说明\x07"), row=2, contains="U+0007")
    case("huge-cell.csv", "conduct",
         csv("conduct", f"R900001,{K1},GOOD-HONOR-CITY,2025-05-28,,{'长' * 40000}"), row=2, contains="32767")
    case("endless-line.csv", "surveys",
         HEADERS["surveys"].encode() + b"\nS1," + b"x" * (2 * 1024 * 1024), row=2, contains="longer than")
    case("duplicate-header.csv", "fees", csv("fees", header=HEADERS["fees"] + ",billed"), contains="appears twice", file_error=True)
    case("missing-header.csv", "inspections",
         csv("inspections", f"I900001,{C1},2025-08-15", header="inspection_id,community_code,inspected_on"),
         contains="required column 'score'", file_error=True)
    case("extra-header.csv", "surveys", csv("surveys", GOOD["surveys"] + ",x", header=HEADERS["surveys"] + ",remark"),
         contains="'remark' is not a column", file_error=True)
    case("empty-header-cell.csv", "contracts", csv("contracts", header="community_code,,start_date,company_code"),
         contains="empty header", file_error=True)
    case("misspelt-chinese-header.csv", "companies", csv("companies", header="统一社会信用代码,企业名,所属区县,注册日期"),
         contains="'企业名' is not a column", file_error=True)
    case("wide-header.csv", "surveys", csv("surveys", header=",".join(f"c{i}" for i in range(100))),
         contains="header columns", file_error=True)
    case("unclosed-quote.csv", "complaints",
         csv("complaints", f'T900001,{C1},2025-07-18 09:10:18,"噪音扰民,是,'), row=2, contains="")
    case("more-cells-than-header.csv", "fees", csv("fees", GOOD["fees"] + ",extra"), row=2, contains="cells but the header")

    # ---------------- CSV: every check of data.md, one per file ----------------
    checks = [
        ("companies", "bad-check-character.csv", f"{K1[:-1]}X,甲,江汉区,2005-06-28", 2, "company_code", "check character"),
        ("companies", "short-code.csv", "91420,甲,江汉区,2005-06-28", 2, "company_code", "18"),
        ("companies", "bad-date.csv", f"{K1},甲,江汉区,2005/06/28", 2, "registered_on", "YYYY-MM-DD"),
        ("companies", "empty-name.csv", f"{K1},,江汉区,2005-06-28", 2, "name", "required and empty"),
        ("communities", "bad-type.csv", "C900000,甲,江汉区,villa,false,280,", 2, "community_type", "commercial"),
        ("communities", "zero-households.csv", "C900000,甲,江汉区,commercial,false,0,", 2, "households", ">= 1"),
        ("communities", "bad-boolean.csv", "C900000,甲,江汉区,commercial,maybe,280,", 2, "old_community", "true"),
        ("communities", "fractional-households.csv", "C900000,甲,江汉区,commercial,false,28.5,", 2, "households", "integer"),
        ("contracts", "unknown-company.csv", f"{C1},{K_UNKNOWN},2019-03-05,", 2, "company_code", "exist"),
        ("contracts", "end-before-start.csv", f"{C1},{K1},2019-03-05,2018-01-01", 2, "end_date", "before the start date"),
        ("contracts", "unknown-community.csv", f"C999999,{K1},2019-03-05,", 2, "community_code", "exist"),
        ("surveys", "overall-six.csv", f"S900001,{C1},2025-08-01,H1,6", 2, "overall", "1"),
        ("surveys", "overall-text.csv", f"S900001,{C1},2025-08-01,H1,满意", 2, "overall", "integer"),
        ("surveys", "unknown-community.csv", f"S900001,C999999,2025-08-01,H1,4", 2, "community_code", "exist"),
        ("complaints", "resolved-before-received.csv", f"T900001,{C1},2025-07-18 09:10:18,噪音扰民,是,2025-07-17 11:28:01", 2, "resolved_at", "before it was received"),
        ("complaints", "bad-datetime.csv", f"T900001,{C1},18/07/2025 09:10,噪音扰民,是,", 2, "received_at", "YYYY-MM-DD HH:MM:SS"),
        ("complaints", "bad-boolean.csv", f"T900001,{C1},2025-07-18 09:10:18,噪音扰民,属实,", 2, "substantiated", "是"),
        ("fees", "negative-billed.csv", f"{C1},2025Q3,-1.00,0", 2, "billed", ">= 0"),
        ("fees", "three-decimals.csv", f"{C1},2025Q3,1000.005,0", 2, "billed", "two decimals"),
        ("fees", "bad-period.csv", f"{C1},2025Q5,1000,0", 2, "period", "YYYYQn"),
        ("inspections", "score-over-100.csv", f"I900001,{C1},2025-08-15,101,,", 2, "score", "100"),
        ("inspections", "score-nan.csv", f"I900001,{C1},2025-08-15,NaN,,", 2, "score", "number"),
        ("conduct", "unknown-code.csv", f"R900001,{K1},BAD-UNKNOWN,2025-05-28,,", 2, "code", "is not a conduct code"),
        ("conduct", "unknown-company.csv", f"R900001,{K_UNKNOWN},GOOD-HONOR-CITY,2025-05-28,,", 2, "company_code", "exist"),
        ("conduct", "code-too-long.csv", f"R900001,914995WBCDXJMWED85X,GOOD-HONOR-CITY,2025-05-28,,", 2, "company_code", "18 characters"),
    ]
    for kind, name, row, r, col, words in checks:
        case(name, kind, csv(kind, row), row=r, column=col, contains=words)
    case("duplicate-key.csv", "surveys", csv("surveys", GOOD["surveys"], GOOD["surveys"]), row=3, column="response_id", contains="already appears on row 2")
    case("bad-row-at-the-end.csv", "surveys",
         csv("surveys", *[f"S9{i:05},{C1},2025-08-01,H{i},{1 + i % 5}" for i in range(20000)], f"S999999,{C1},2025-08-01,H1,0"),
         row=20002, column="overall", contains="1")

    # ---------------- JSON ----------------
    case("not-an-array.json", "surveys", b'{"response_id": "S1"}', contains="array", file_error=True)
    case("truncated.json", "surveys", b'[{"response_id": "S900001", "community_code": "C000000"', contains="not valid JSON", file_error=True)
    case("nested-value.json", "complaints",
         f'[{{"complaint_id": "T900001", "community_code": "{C1}", "received_at": {{"date": "2025-07-18"}}, "category": "x", "substantiated": true}}]'.encode(),
         row=2, contains="nested")
    case("arrays-not-objects.json", "fees", b'[["C000000", "2025Q3", 1000, 900]]', contains="not objects", file_error=True)
    case("one-not-an-object.json", "fees",
         f'[{{"community_code": "{C1}", "period": "2025Q3", "billed": 1000, "collected": 900}}, "C000001,2025Q3,1,1"]'.encode(),
         row=3, contains="not a JSON object")
    case("too-many-fields.json", "conduct",
         ("[{" + ",".join(f'"f{i}": 1' for i in range(100)) + "}]").encode(), contains="field names", file_error=True)
    case("nul-in-string.json", "surveys",
         f'[{{"response_id": "S9\\u0000", "community_code": "{C1}", "surveyed_on": "2025-08-01", "respondent": "H1", "overall": 4}}]'.encode(),
         row=2, contains="U+0000")

    rule_cases = make_rules()

    with open(HERE / "cases.toml", "w", encoding="utf-8") as f:
        f.write("# Written by make.py: the bad-input corpus and the rejection each file must get.\n")
        for c in cases:
            f.write("\n[[case]]\n")
            for k in ("file", "kind", "expect", "row", "column", "contains"):
                if k in c:
                    v = c[k]
                    f.write(f"{k} = {v}\n" if isinstance(v, int) else f"{k} = {toml_str(v)}\n")
        for c in rule_cases:
            f.write("\n[[rules]]\n")
            for k in ("file", "key", "contains"):
                f.write(f"{k} = {toml_str(c[k])}\n")
    print(f"{len(cases)} data files and {len(rule_cases)} rule files in {OUT}")


def make_rules():
    """Bad rule files: the example's rules, each broken in one way. A case
    expects an error naming `key` (empty: the file as a whole) and saying
    `contains`."""
    base = (HERE.parent / "data" / "small-city" / "rules.toml").read_text(encoding="utf-8")
    out = OUT / "rules"
    out.mkdir(parents=True, exist_ok=True)
    found = []

    def rule(name, text, key, contains):
        data = text if isinstance(text, bytes) else text.encode()
        (out / name).write_bytes(data)
        found.append({"file": f"rules/{name}", "key": key, "contains": contains})

    def sub(old, new, count=1):
        assert old in base, old
        return base.replace(old, new, count)

    rule("empty.toml", "", "", "missing field `name`")
    rule("not-toml.toml", "name = \"x\nversion = 1\n", "", "")
    rule("binary.toml", bytes(random.getrandbits(8) for _ in range(512)), "", "")
    rule("unknown-key.toml", sub('name = "example"', 'name = "example"\ncolour = "red"'), "colour", "")
    rule("weights-sum.toml", sub("satisfaction = 0.35", "satisfaction = 0.45"), "weights.default", "sum to")
    rule("weight-out-of-range.toml", sub("inspection = 0.20", "inspection = -0.20"), "weights.default.inspection", "not in [0, 1]")
    rule("unknown-community-type.toml", sub("[weights.resettlement]", "[weights.villa]"), "weights.villa", "not a community type")
    rule("worst-equals-best.toml", sub("worst = 50.0\nbest = 90.0", "worst = 90.0\nbest = 90.0"), "indicators.satisfaction", "must differ")
    rule("bad-on-missing.toml", sub('on_missing = "exclude"', 'on_missing = "guess"'), "", "guess")
    rule("duplicate-conduct-code.toml", sub('code = "GOOD-HONOR-PROV"', 'code = "GOOD-HONOR-CITY"'), "conduct[1].code", "more than once")
    rule("negative-points.toml", sub("points = 3.0", "points = -3.0"), "conduct[0].points", ">= 0")
    rule("good-veto.toml", sub('points = 3.0\nvalidity_months = 12', 'points = 3.0\nveto = true\nvalidity_months = 12'), "conduct[0].veto", "only bad records")
    rule("empty-conduct-code.toml", sub('code = "GOOD-VOLUNTEER"', 'code = ""'), "conduct[2].code", "must not be empty")
    rule("bad-conduct-kind.toml", sub('kind = "good"', 'kind = "neutral"'), "", "neutral")
    rule("duplicate-grade.toml", sub('name = "B"', 'name = "A"'), "grades[1].name", "more than once")
    rule("grades-out-of-order.toml", sub("min = 75.0", "min = 95.0"), "grades[1].min", "lower than the previous")
    rule("red-list-unknown-grade.toml", sub('red_grades = ["A"]', 'red_grades = ["S"]'), "lists.red_grades[0]", "not a grade")
    rule("bad-effective-from.toml", sub('effective_from = "2025-01-01"', 'effective_from = "2025-13-01"'), "", "")
    rule("bad-grading-method.toml", sub('method = "threshold"', 'method = "lottery"'), "", "lottery")
    rule("string-for-number.toml", sub("bonus_cap = 10.0", 'bonus_cap = "ten"'), "", "")
    rule("duplicate-table.toml", base + "\n[aggregation]\ncommunity_weight = \"households\"\n", "", "")
    rule("missing-name.toml", sub('name = "example"\n', ""), "", "name")
    return found


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


if __name__ == "__main__":
    main()
