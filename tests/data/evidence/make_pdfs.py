"""Writes the two PDF fixtures by hand (no PDF library): one with a text layer, one without.

Run once; the outputs are committed. Kept so anyone can see exactly what the fixtures contain.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def _pdf(content: bytes, with_font: bool) -> bytes:
    resources = b"<< /Font << /F1 5 0 R >> >>" if with_font else b"<< >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources " + resources + b" >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
    ]
    if with_font:
        objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def main() -> None:
    lines = ["Harbor Ledger report, 12 May 2022.",
             "Zephyrine Trading LLC paid USD 45,000 to Vostok Amber Group in Syria."]
    text_ops = b"BT /F1 12 Tf 72 720 Td 16 TL " + b" ".join(
        b"(" + line.encode("latin-1") + b") Tj T*" for line in lines) + b" ET"
    (HERE / "report_text.pdf").write_bytes(_pdf(text_ops, with_font=True))
    # Only a filled rectangle, as a scan would have only an image: no text to extract.
    (HERE / "report_scanned.pdf").write_bytes(_pdf(b"0.5 g 72 500 400 200 re f", with_font=False))


if __name__ == "__main__":
    main()
