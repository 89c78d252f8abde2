"""Write the malformed-input corpus: ``python tests/ingest/corpus/make_corpus.py`` (deterministic; committed).

Each kind (native, amlworld, amlsim, events, entities) has a small valid base file; every mutation below is
applied to each base that it fits, byte by byte, giving one file per (kind, mutation). ``manifest.json``
records for each file its kind and what must happen: ``refused`` (an IngestError naming the file, and
nothing stored) or ``read`` (every physical line accounted for), plus, where the mutation makes it certain,
the lines that must be quarantined. The amlworld and amlsim bases are slices of real third-party files
(see README.md beside this script); the others are generated here.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
ROWS = 40


@dataclass(frozen=True)
class Base:
    kind: str
    header: str
    rows: list[str]
    amount: int       # index of the amount-like field (-1: none)
    suffix: str = ".csv"


def _native() -> Base:
    header = "txn_id,timestamp,from_bank,from_account,to_bank,to_account,amount,currency,channel"
    rows = [f"t{i:03d},2021-03-{1 + i % 28:02d}T05:06:07Z,B1,A{i},B2,C{i % 7},{100 + i}.25,USD,wire"
            for i in range(ROWS)]
    return Base("native", header, rows, amount=6)


def _amlworld() -> Base:
    """Rows of the first laundering attempts in AMLworld's HI-Medium_Patterns.txt (real third-party data)."""
    header = ("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
              "Payment Currency,Payment Format,Is Laundering")
    rows = (HERE / "source_amlworld_rows.csv").read_text().splitlines()
    return Base("amlworld", header, rows[:ROWS], amount=5)


def _amlsim() -> Base:
    """The first rows of AMLSim's sample 20K_fanin200/transactions.csv (real third-party data)."""
    lines = (HERE / "source_amlsim_rows.csv").read_text().splitlines()
    return Base("amlsim", lines[0], lines[1:ROWS + 1], amount=2)


def _events() -> Base:
    header = ("event_id_cnty,event_date,event_type,sub_event_type,actor1,assoc_actor_1,actor2,assoc_actor_2,"
              "country,admin1,location,latitude,longitude,source,notes,fatalities")
    rows = [f"XYZ{i:04d},2021-0{1 + i % 9}-1{i % 10},Battles,Armed clash,Group A,,Group B,,Utopia,North,"
            f"Town {i},{10 + i / 10:.2f},{20 + i / 10:.2f},Daily News,clash near the market,{i % 5}"
            for i in range(ROWS)]
    return Base("events", header, rows, amount=15)


def _entities() -> Base:
    rows = []
    for i in range(ROWS):
        if i % 2:
            rows.append(json.dumps({"id": f"co-{i}", "schema": "Company", "properties": {
                "name": [f"Fictional Trading {i} Ltd"], "jurisdiction": ["gb"]}}))
        else:
            rows.append(json.dumps({"id": f"pe-{i}", "schema": "Person", "properties": {
                "name": [f"Imaginary Person {i}"], "nationality": ["fr"]}}))
    return Base("entities", "", rows, amount=-1, suffix=".jsonl")


def _join(header: str, rows: list[str], end: str = "\n") -> bytes:
    lines = ([header] if header else []) + rows
    return (end.join(lines) + end).encode("utf-8")


def _set_field(row: str, index: int, value: str) -> str:
    fields = row.split(",")
    fields[index] = value
    return ",".join(fields)


Mutation = Callable[[Base], "tuple[bytes, dict[str, object]] | None"]
MUTATIONS: dict[str, Mutation] = {}


def mutation(name: str) -> Callable[[Mutation], Mutation]:
    def register(f: Mutation) -> Mutation:
        MUTATIONS[name] = f
        return f
    return register


def _csv_only(b: Base) -> bool:
    return b.kind != "entities"


def _line(b: Base, row: int) -> int:
    """Physical line of data row ``row`` (0-based) in an unmutated file."""
    return row + (2 if b.header else 1)


def _stray(b: Base, row: int, where: str) -> tuple[bytes, dict[str, object]] | None:
    if not _csv_only(b):
        return None
    rows = list(b.rows)
    fields = rows[row].split(",")
    f = fields[1]
    fields[1] = {"start": '"' + f, "middle": f[:3] + '"' + f[3:], "end": f + '"'}[where]
    rows[row] = ",".join(fields)
    return _join(b.header, rows), {"expect": "read", "quarantined": [_line(b, row)]}


for _where in ("start", "middle", "end"):
    for _row in (0, 10, ROWS - 1):
        MUTATIONS[f"stray_quote_{_where}_row{_row}"] = (lambda b, w=_where, r=_row: _stray(b, r, w))


@mutation("two_stray_quotes_within_lookahead")
def _two_strays(b: Base) -> tuple[bytes, dict[str, object]] | None:
    if not _csv_only(b):
        return None
    rows = list(b.rows)
    for r in (5, 25):
        rows[r] = rows[r].replace(",", ',"', 1)
    return _join(b.header, rows), {"expect": "read", "quarantined": [_line(b, 5), _line(b, 25)]}


@mutation("unbalanced_quote_last_line_no_newline")
def _last_unbalanced(b: Base) -> tuple[bytes, dict[str, object]] | None:
    if not _csv_only(b):
        return None
    rows = list(b.rows)
    rows[-1] = rows[-1].replace(",", ',"', 1)
    return _join(b.header, rows)[:-1], {"expect": "read", "quarantined": [_line(b, ROWS - 1)]}


@mutation("quoted_newline_in_field")
def _quoted_newline(b: Base) -> tuple[bytes, dict[str, object]] | None:
    """A text field quoted and spanning two lines: a valid record on two physical lines."""
    field = {"native": 8, "amlworld": 9, "events": 14, "amlsim": 0}.get(b.kind)
    if field is None:
        return None
    rows = list(b.rows)
    fields = rows[7].split(",")
    fields[field] = '"' + fields[field][:2] + "\n" + fields[field][2:] + '"'
    rows[7] = ",".join(fields)
    return _join(b.header, rows), {"expect": "read", "quarantined": []}


@mutation("blank_lines_between_and_after")
def _blank(b: Base) -> tuple[bytes, dict[str, object]]:
    rows = list(b.rows)
    rows.insert(12, "")
    rows.insert(20, "   " if b.kind == "entities" else "")
    return _join(b.header, rows) + b"\n\n", {"expect": "read", "quarantined": []}


@mutation("crlf_endings")
def _crlf(b: Base) -> tuple[bytes, dict[str, object]]:
    return _join(b.header, b.rows, "\r\n"), {"expect": "read", "quarantined": []}


@mutation("mixed_line_endings")
def _mixed(b: Base) -> tuple[bytes, dict[str, object]]:
    body = b"".join(r.encode() + (b"\r\n" if i % 2 else b"\n") for i, r in enumerate(b.rows))
    return (b.header.encode() + b"\n" if b.header else b"") + body, {"expect": "read", "quarantined": []}


@mutation("bare_cr_endings")
def _bare_cr(b: Base) -> tuple[bytes, dict[str, object]]:
    if b.kind == "entities":  # one physical line holding every entity: not one JSON value
        return _join(b.header, b.rows, "\r"), {"expect": "read", "quarantined": [1]}
    return _join(b.header, b.rows, "\r"), {"expect": "refused"}


@mutation("lone_cr_inside_a_line")
def _lone_cr(b: Base) -> tuple[bytes, dict[str, object]]:
    rows = list(b.rows)
    rows[9] = rows[9][:6] + "\r" + rows[9][6:]  # in JSON this falls between tokens, where CR is white space
    return _join(b.header, rows), {"expect": "read", "quarantined": [] if b.kind == "entities" else [_line(b, 9)]}


@mutation("bom")
def _bom(b: Base) -> tuple[bytes, dict[str, object]]:
    return b"\xef\xbb\xbf" + _join(b.header, b.rows), {"expect": "read", "quarantined": []}


@mutation("nul_bytes_in_a_line")
def _nul(b: Base) -> tuple[bytes, dict[str, object]]:
    rows = list(b.rows)
    rows[3] = rows[3][:4] + "\x00\x00" + rows[3][4:]
    return _join(b.header, rows), {"expect": "read", "quarantined": [_line(b, 3)]}


@mutation("one_megabyte_line")
def _huge_line(b: Base) -> tuple[bytes, dict[str, object]] | None:
    if b.kind not in ("native", "entities"):  # 1 MB each: two kinds keep the corpus small
        return None
    rows = list(b.rows)
    rows.insert(4, "y" * (1 << 20))
    return _join(b.header, rows), {"expect": "read", "quarantined": [_line(b, 4)]}


@mutation("binary_garbage_after_header")
def _garbage(b: Base) -> tuple[bytes, dict[str, object]]:
    junk = bytes((i * 7919 + 13) % 256 for i in range(3000))
    return (b.header.encode() + b"\n" if b.header else b"") + junk + b"\n", {"expect": "read"}


@mutation("invalid_utf8_in_a_line")
def _bad_utf8(b: Base) -> tuple[bytes, dict[str, object]]:
    data = _join(b.header, b.rows)
    lines = data.split(b"\n")
    k = _line(b, 6) - 1
    lines[k] = lines[k][:5] + b"\xff\xfe" + lines[k][5:]
    # Events detect their encoding (ACLED and GTD exports come in cp1252 and latin-1): a file that is not
    # UTF-8 is read as latin-1, so the line is stored as the bytes say; the other kinds are UTF-8 by
    # definition and quarantine the line.
    return b"\n".join(lines), {"expect": "read", "quarantined": [] if b.kind == "events" else [_line(b, 6)]}


@mutation("gzip_ok")
def _gzip_ok(b: Base) -> tuple[bytes, dict[str, object]]:
    return gzip.compress(_join(b.header, b.rows), mtime=0), {"expect": "read", "quarantined": [], "suffix": ".gz"}


@mutation("bzip2_ok")
def _bz2_ok(b: Base) -> tuple[bytes, dict[str, object]]:
    return bz2.compress(_join(b.header, b.rows)), {"expect": "read", "quarantined": [], "suffix": ".bz2"}


@mutation("xz_truncated")
def _xz_trunc(b: Base) -> tuple[bytes, dict[str, object]]:
    data = lzma.compress(_join(b.header, b.rows * 5))
    return data[:len(data) // 2], {"expect": "refused", "suffix": ".xz"}


@mutation("gzip_truncated")
def _gzip_trunc(b: Base) -> tuple[bytes, dict[str, object]]:
    data = gzip.compress(_join(b.header, b.rows * 5), mtime=0)
    return data[:len(data) * 2 // 3], {"expect": "refused", "suffix": ".gz"}


@mutation("gzip_crc_damaged")
def _gzip_crc(b: Base) -> tuple[bytes, dict[str, object]]:
    data = bytearray(gzip.compress(_join(b.header, b.rows), mtime=0))
    data[-8] ^= 0x55  # CRC-32 field
    return bytes(data), {"expect": "refused", "suffix": ".gz"}


@mutation("gzip_length_damaged")
def _gzip_len(b: Base) -> tuple[bytes, dict[str, object]]:
    data = bytearray(gzip.compress(_join(b.header, b.rows), mtime=0))
    data[-2] ^= 0x01  # ISIZE field
    return bytes(data), {"expect": "refused", "suffix": ".gz"}


@mutation("gzip_bytes_flipped_mid_stream")
def _gzip_flip(b: Base) -> tuple[bytes, dict[str, object]]:
    data = bytearray(gzip.compress(_join(b.header, b.rows * 5), mtime=0))
    for i in range(40):
        data[len(data) // 2 + i] ^= 0xA5
    return bytes(data), {"expect": "refused", "suffix": ".gz"}


@mutation("gzip_trailing_garbage")
def _gzip_trailing(b: Base) -> tuple[bytes, dict[str, object]]:
    return gzip.compress(_join(b.header, b.rows), mtime=0) + b"garbage!", {"expect": "refused", "suffix": ".gz"}


def _amount(b: Base, value: str, quarantined: bool = True) -> tuple[bytes, dict[str, object]] | None:
    if b.amount < 0:
        return None
    rows = list(b.rows)
    rows[8] = _set_field(rows[8], b.amount, value)
    return _join(b.header, rows), {"expect": "read", "quarantined": [_line(b, 8)] if quarantined else []}


for _name, _value in (("nan", "NaN"), ("inf", "inf"), ("minus_inf", "-Infinity"), ("1e400", "1e400"),
                      ("underscore", "1_000"), ("hex", "0x10"), ("binary_literal", "0b11"), ("empty", ""),
                      ("huge_int", "9" * 5000), ("words", "ten"), ("1e10", "1e10")):
    MUTATIONS[f"amount_{_name}"] = (lambda b, v=_value: _amount(b, v, quarantined=not (
        (v == "1e10" and b.kind in ("native", "amlworld", "amlsim")) or (v == "" and b.kind == "events"))))


@mutation("step_out_of_range")
def _step(b: Base) -> tuple[bytes, dict[str, object]] | None:
    if b.kind != "amlsim":
        return None
    rows = list(b.rows)
    rows[2] = _set_field(rows[2], 3, "99999999999")
    rows[3] = _set_field(rows[3], 3, "2147483647")
    rows[4] = _set_field(rows[4], 3, "-5")
    return _join(b.header, rows), {"expect": "read", "quarantined": [_line(b, 2), _line(b, 3), _line(b, 4)]}


@mutation("duplicate_ids_in_file")
def _dup_ids(b: Base) -> tuple[bytes, dict[str, object]] | None:
    if b.kind in ("amlworld", "amlsim"):
        return None  # positional ids: identical rows are legitimate there
    rows = [*list(b.rows), b.rows[3], b.rows[4]]
    return _join(b.header, rows), {"expect": "read", "duplicates": 2}


@mutation("too_many_fields")
def _too_many(b: Base) -> tuple[bytes, dict[str, object]] | None:
    if not _csv_only(b):
        return None
    rows = list(b.rows)
    rows[11] += ",extra,fields"
    return _join(b.header, rows), {"expect": "read", "quarantined": [_line(b, 11)]}


@mutation("too_few_fields")
def _too_few(b: Base) -> tuple[bytes, dict[str, object]] | None:
    if not _csv_only(b):
        return None
    rows = list(b.rows)
    rows[11] = rows[11].rsplit(",", 2)[0]
    return _join(b.header, rows), {"expect": "read", "quarantined": [_line(b, 11)]}


@mutation("empty_file")
def _empty(b: Base) -> tuple[bytes, dict[str, object]]:
    return b"", {"expect": "read" if b.kind == "entities" else "refused"}


@mutation("header_only")
def _header_only(b: Base) -> tuple[bytes, dict[str, object]] | None:
    if not _csv_only(b):
        return None
    return b.header.encode() + b"\n", {"expect": "read", "quarantined": []}


@mutation("no_final_newline")
def _no_final(b: Base) -> tuple[bytes, dict[str, object]]:
    return _join(b.header, b.rows)[:-1], {"expect": "read", "quarantined": []}


@mutation("missing_column")
def _missing(b: Base) -> tuple[bytes, dict[str, object]] | None:
    if not _csv_only(b):
        return None
    header = ",".join(["renamed", *b.header.split(",")[1:]]) if b.kind != "amlworld" else \
        b.header.replace("Timestamp", "When")
    return _join(header, b.rows), {"expect": "refused"}


@mutation("semicolon_delimited")
def _semicolon(b: Base) -> tuple[bytes, dict[str, object]] | None:
    if not _csv_only(b):
        return None
    return _join(b.header.replace(",", ";"), [r.replace(",", ";") for r in b.rows]), {"expect": "refused"}


# JSON lines only.
def _entity_line(b: Base, row: int, text: str, quarantined: bool) -> tuple[bytes, dict[str, object]] | None:
    if b.kind != "entities":
        return None
    rows = list(b.rows)
    rows[row] = text
    return _join("", rows), {"expect": "read", "quarantined": [_line(b, row)] if quarantined else []}


for _name, _text, _bad in (
        ("u2028_in_string", '{"id": "x-1", "schema": "Person", "properties": {"name": ["Line\u2028Sep"]}}', False),
        ("u0085_in_string", '{"id": "x-2", "schema": "Person", "properties": {"name": ["Next\u0085Line"]}}', False),
        ("u2029_in_string", '{"id": "x-3", "schema": "Person", "properties": {"name": ["Para\u2029Sep"]}}', False),
        ("deep_nesting", "[" * 100_000 + "]" * 100_000, True),
        ("moderate_nesting", '{"id": "x-4", "schema": "Person", "properties": {}, "x": '
         + "[" * 80 + "]" * 80 + "}", True),
        ("huge_integer", '{"id": "x-5", "schema": "Person", "properties": {}, "n": ' + "7" * 5000 + "}", True),
        ("huge_float", '{"id": "x-6", "schema": "Person", "properties": {}, "n": 1e400}', False),
        ("nan_constant", '{"id": "x-7", "schema": "Person", "properties": {}, "n": NaN}', True),
        ("invalid_json", '{"id": "x-8", "schema": "Person", ', True),
        ("not_an_object", '["id", "x-9"]', True),
        ("unknown_schema", '{"id": "x-10", "schema": "Spaceship", "properties": {}}', True),
        ("markup_and_escapes", '{"id": "x-12", "schema": "Person", "properties": {"name": '
         '["[/bold] \\u001b[31m [link=http://evil.example]x[/link] \\u202eexe.pdf"]}}', False)):
    MUTATIONS[f"json_{_name}"] = (lambda b, t=_text, bad=_bad: _entity_line(b, 5, t, bad))


def _value_not_text(b: Base) -> tuple[bytes, dict[str, object]] | None:
    """A property value that is not text: the entity is kept and only that value is quarantined."""
    made = _entity_line(b, 5, '{"id": "x-11", "schema": "Person", "properties": {"name": [5]}}', True)
    if made is None:
        return None
    data, expect = made
    return data, {**expect, "quarantined": [], "quarantined_values": expect["quarantined"]}


MUTATIONS["json_number_as_value"] = _value_not_text


BASES = [_native, _amlworld, _amlsim, _events, _entities]


def main() -> None:
    manifest: dict[str, dict[str, object]] = {}
    for make in BASES:
        base = make()
        folder = HERE / base.kind
        folder.mkdir(exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        for name, mutate in MUTATIONS.items():
            made = mutate(base)
            if made is None:
                continue
            data, expect = made
            suffix = base.suffix + str(expect.pop("suffix", ""))
            path = folder / f"{name}{suffix}"
            path.write_bytes(data)
            manifest[f"{base.kind}/{path.name}"] = {"kind": base.kind, **expect}
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"{len(manifest)} files")


if __name__ == "__main__":
    main()
