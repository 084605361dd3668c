"""Peak memory and throughput of a sync of one mailbox whose mails carry many attachments.

Writes a tenant with one mailbox of N mails, each with one attachment of a
different office or text format (docx, xlsx, pptx, pdf, html, csv, txt, eml),
serves it with the emulator, runs `outlook-connector sync` in its own process and
reports wall time, attachments per second and the peak resident memory of the
connector and of its extraction workers.

    python bench/attachments_memory.py --mails 1000
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

MAILBOX = "alice@contoso.example"


def sample_files() -> list[tuple[str, str, bytes]]:
    """(name, content type, bytes) of one small file per format, each with its own words."""
    import docx
    import openpyxl
    from pptx import Presentation

    files: list[tuple[str, str, bytes]] = []
    document = docx.Document()
    for n in range(40):
        document.add_paragraph(f"Paragraph {n} of the supplier contract for canoes and paddles.")
    buf = io.BytesIO()
    document.save(buf)
    files.append(("contract.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", buf.getvalue()))
    book = openpyxl.Workbook()
    sheet = book.active
    for row in range(200):
        sheet.append([f"SKU-{row}", "Kayak", row * 3, 499.0])
    buf = io.BytesIO()
    book.save(buf)
    files.append(("prices.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.getvalue()))
    deck = Presentation()
    for n in range(5):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = f"Launch plan, slide {n}"
    buf = io.BytesIO()
    deck.save(buf)
    files.append(("launch.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", buf.getvalue()))
    files.append(("notes.html", "text/html", ("<html><body>" + "<p>Meeting notes about the Lisbon store.</p>" * 200 + "</body></html>").encode()))
    files.append(("orders.csv", "text/csv", ("order,item,qty\n" + "".join(f"{n},tent,{n % 7}\n" for n in range(2000))).encode()))
    files.append(("readme.txt", "text/plain", ("Warehouse procedures. " * 500).encode()))
    files.append(("invoice.pdf", "application/pdf", _pdf("Invoice for 20 kayaks, due in 30 days")))
    inner = EmailMessage()
    inner["From"], inner["To"], inner["Subject"] = "a@b.example", MAILBOX, "Forwarded order"
    inner.set_content("The forwarded order confirmation.")
    files.append(("forwarded.eml", "message/rfc822", bytes(inner)))
    return files


def _pdf(text: str) -> bytes:
    """A minimal one-page PDF showing ``text``."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def write_tenant(folder: Path, mails: int) -> Path:
    generated = benchlib.tenant(1, 1, seed=1)  # only for its tenant.toml (app, service account)
    (folder / "mailboxes" / MAILBOX / "inbox").mkdir(parents=True)
    toml = (generated / "tenant.toml").read_text()
    users_at = toml.index("[[users]]")
    (folder / "tenant.toml").write_text(
        toml[:users_at] + f'[[users]]\nmail = "{MAILBOX}"\ndisplay_name = "Alice"\n'
    )
    files = sample_files()
    for n in range(mails):
        name, content_type, data = files[n % len(files)]
        message = EmailMessage()
        message["From"], message["To"] = "supplier@fabrikam.example", MAILBOX
        message["Subject"] = f"Document {n}: {name}"
        message["Date"] = "Wed, 01 May 2024 09:00:00 +0000"
        message.set_content(f"Attached: {name}")
        maintype, subtype = content_type.split("/")
        if maintype == "message":
            message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
        else:
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        (folder / "mailboxes" / MAILBOX / "inbox" / f"m{n:05d}.eml").write_bytes(bytes(message))
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=1000, help="mails, one attachment each (default 1000)")
    parser.add_argument("--quick", action="store_true", help="a smoke run with 50 mails")
    args = parser.parse_args()
    mails = 50 if args.quick else args.mails
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_tenant(Path(tmp) / "tenant", mails)
        info = benchlib.tenant_info(folder)
        with benchlib.Emulator(folder, "--no-throttling") as emulator:
            index = Path(tmp) / "index.db"
            config = benchlib.cloud_config(Path(tmp) / "c.toml", emulator, info, index)
            run = benchlib.connector("sync", "--config", str(config), "--json")
            benchlib.check_sync(run, "attachments sync")
    attachments = run.summary.get("by_type", {}).get("Mail Attachment", 0)
    print(f"machine: {benchlib.machine()}")
    print(f"command: bench/attachments_memory.py --mails {mails}")
    print(benchlib.table(
        ["mails", "attachments indexed", "seconds", "attachments/s", "connector peak", "extraction worker peak"],
        [[mails, attachments, f"{run.wall:.1f}", f"{attachments / run.wall:.0f}",
          benchlib.mib(run.vm_hwm_kb), benchlib.mib(run.children_vm_hwm_kb)]],
    ))
    return 0


if __name__ == "__main__":
    sys.exit(main())
