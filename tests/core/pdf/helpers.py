"""Small PDFs, tampering tools and poppler's pdfsig for the signing tests (the renderer is
another module's business: these documents are drawn with plain reportlab)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from core.pdf.pki import Identity, cert_pem

PAGE_TEXT = "Page {n}: the buyer pays 1000.00 CNY"


def make_pdf(pages: int = 3) -> bytes:
    """A multi-page PDF with uncompressed page content, so a test can find and flip a byte
    of the visible text."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pageCompression=0)
    for n in range(1, pages + 1):
        c.setFont("Helvetica", 12)
        c.drawString(72, 720, PAGE_TEXT.format(n=n))
        c.showPage()
    c.save()
    return out.getvalue()


def png_scribble() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 80), (90, 20), (180, 85), (290, 15)], fill=(0, 0, 90, 255),
                               width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# -- tampering -----------------------------------------------------------------------------------
def flip_text(data: bytes, old: bytes, new: bytes) -> bytes:
    assert len(old) == len(new) and data.count(old) == 1, old
    return data.replace(old, new)


def _writer(data: bytes):  # type: ignore[no-untyped-def]
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    return IncrementalPdfFileWriter(io.BytesIO(data), strict=False)


def _finish(writer) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def append_page(data: bytes) -> bytes:
    """An incremental update that adds a page saying something new."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import init_xobject_dictionary  # noqa: F401 - API check

    w = _writer(data)
    stream = generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 720 Td (Extra clause) Tj ET")
    page = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject(
            [generic.NumberObject(v) for v in (0, 0, 595, 842)]),
        generic.NameObject("/Contents"): w.add_object(stream),
        generic.NameObject("/Resources"): generic.DictionaryObject(),
    })
    w.insert_page(page)
    return _finish(w)


def append_text(data: bytes, page: int = 0) -> bytes:
    """An incremental update that adds a content stream (new visible text) to a page."""
    from pyhanko.pdf_utils import generic

    w = _writer(data)
    stream = generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 600 Td (Price: 1.00 CNY) Tj ET")
    w.add_stream_to_page(page, w.add_object(stream))
    return _finish(w)


def append_annotation(data: bytes, page: int = 0) -> bytes:
    """An incremental update that adds a FreeText annotation (a comment) to a page."""
    from pyhanko.pdf_utils import generic

    w = _writer(data)
    page_ref = w.find_page_for_modification(page)[0]
    page_obj = page_ref.get_object()
    annot = w.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
        generic.NameObject("/Rect"): generic.ArrayObject(
            [generic.NumberObject(v) for v in (72, 500, 300, 540)]),
        generic.NameObject("/Contents"): generic.TextStringObject("Discount 90%"),
        generic.NameObject("/DA"): generic.pdf_string("/Helv 12 Tf 0 g"),
    }))
    annots = page_obj.get("/Annots")
    if annots is None:
        page_obj[generic.NameObject("/Annots")] = generic.ArrayObject([annot])
    else:
        annots.get_object().append(annot)
        if isinstance(annots, generic.IndirectObject):
            w.mark_update(annots)
    w.update_container(page_obj)
    return _finish(w)


def blank_last_signature(data: bytes) -> bytes:
    """Zero the hex digits of the last signature's /Contents (the gap in its /ByteRange)."""
    ranges = list(re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data))
    _, length, second, _ = (int(x) for x in ranges[-1].groups())
    gap = data[length:second]
    assert gap.startswith(b"<") and gap.endswith(b">")
    return data[:length] + b"<" + b"0" * (len(gap) - 2) + b">" + data[second:]


# -- poppler and qpdf -------------------------------------------------------------------------
TOOLS = ("pdfsig", "certutil", "qpdf")


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


@dataclass(frozen=True)
class PdfsigResult:
    blocks: list[str]
    output: str

    @property
    def all_valid_and_trusted(self) -> bool:
        return bool(self.blocks) and all(
            "Signature is Valid." in b and "Certificate is Trusted." in b for b in self.blocks)

    @property
    def some_signature_covers_file(self) -> bool:
        return any("Total document signed" in b and "Not total" not in b for b in self.blocks)

    @property
    def holds(self) -> bool:
        """What "the document verifies" means with pdfsig: every signature valid and trusted
        and the newest one covering the whole file (poppler cannot tell allowed changes after
        a certification from others, so anything unsigned at the end counts as a change)."""
        return self.all_valid_and_trusted and self.some_signature_covers_file


def make_nss_db(folder: Path, ca: Identity | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True,
                   capture_output=True)
    if ca is not None:
        pem = folder / "ca.pem"
        pem.write_bytes(cert_pem(ca.certificate))
        subprocess.run(["certutil", "-A", "-d", f"sql:{folder}", "-n", "strongroom-ca", "-t",
                        "C,C,C", "-i", str(pem)], check=True, capture_output=True)
    return folder


def pdfsig(data: bytes, nssdb: Path, tmp: Path) -> PdfsigResult:
    path = tmp / "checked.pdf"
    path.write_bytes(data)
    run = subprocess.run(["pdfsig", "-nssdir", f"sql:{nssdb}", str(path)],
                         capture_output=True, text=True, timeout=60)
    text = run.stdout + run.stderr
    # Empty (prepared) fields are listed too, as "The signature form field is not signed."
    blocks = [b for b in re.split(r"^Signature #\d+:", text, flags=re.M)[1:]
              if "is not signed" not in b]
    return PdfsigResult(blocks, text)


def qpdf_clean(data: bytes, tmp: Path) -> tuple[bool, str]:
    path = tmp / "qpdf-checked.pdf"
    path.write_bytes(data)
    run = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True,
                         timeout=60)
    text = run.stdout + run.stderr
    return run.returncode == 0 and "No syntax or stream encoding errors" in text, text
