"""The media type of an uploaded file, read from its content (magic bytes, and the parts list of ZIP-based formats),
never taken from the client. Only the types a case file needs are accepted: scans and photos, PDF and OFD,
Word/WPS and Excel documents, plain text."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from app.document.naming import safe_filename
from app.domain.errors import InvalidInput

PDF = "application/pdf"
OFD = "application/ofd"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
TIFF = "image/tiff"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
TEXT = "text/plain"

EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    OFD: (".ofd",),
    PNG: (".png",),
    JPEG: (".jpg", ".jpeg"),
    GIF: (".gif",),
    TIFF: (".tif", ".tiff"),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    DOC: (".doc", ".wps"),
    XLS: (".xls", ".et"),
    TEXT: (".txt", ".csv", ".log"),
}
"""Each accepted type and the file-name extensions that claim it."""

_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
]
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_PARTS: list[tuple[str, str]] = [("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("OFD.xml", OFD)]
_CLAIMED = {ext: media for media, exts in EXTENSIONS.items() for ext in exts}


@dataclass(frozen=True)
class Sniffed:
    media_type: str
    extension: str

    def file_name(self, filename: str, fallback_stem: str) -> str:
        """``filename`` made safe (``naming.safe_filename``) and ending with an extension of the content's type: a
        PDF uploaded as 「申请表.hta」 is kept as 「申请表.hta.pdf」, so that the clerk's computer opens what the file
        is, never runs it (a probe's PDF/HTML polyglot was served back as .hta and .html)."""
        name = safe_filename(filename, f"{fallback_stem}{self.extension}")
        if _extension(name) in EXTENSIONS[self.media_type]:
            return name
        return safe_filename(f"{name}{self.extension}")


def _extension(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot >= 0 else ""


def _zip_type(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    return next((media for part, media in _ZIP_PARTS if part in names), None)


def _is_text(content: bytes) -> bool:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return not any(ord(c) < 32 and c not in "\t\r\n" for c in text)


def _content_type(content: bytes, filename: str) -> str | None:
    for magic, media in _MAGIC:
        if content.startswith(magic):
            return media
    if content.startswith(b"PK\x03\x04"):
        return _zip_type(content)
    if content.startswith(_OLE):
        # An OLE compound file is a Word, WPS, Excel or ET document by its name; anything else is refused.
        claimed = _CLAIMED.get(_extension(filename))
        return claimed if claimed in (DOC, XLS) else None
    if _extension(filename) in EXTENSIONS[TEXT] and _is_text(content):
        return TEXT
    return None


def sniff(content: bytes, filename: str, declared: str | None) -> Sniffed:
    """The file's real type. Refused: an empty file, a type the case file does not take, and a forged type (the
    name's extension or the declared ``Content-Type`` claims a different accepted type than the content is)."""
    if not content:
        raise InvalidInput("file_empty", "文件为空，请重新选择文件。")
    media = _content_type(content, filename)
    if media is None:
        allowed = "、".join(ext for exts in EXTENSIONS.values() for ext in exts)
        raise InvalidInput("file_type_not_allowed", f"不接受该类型的文件（按内容识别）。可上传：{allowed}。")
    claimed = _CLAIMED.get(_extension(filename))
    declared_type = (declared or "").split(";")[0].strip().lower()
    if (claimed is not None and claimed != media) or (declared_type in EXTENSIONS and declared_type != media):
        raise InvalidInput(
            "media_type_mismatch",
            f"文件名或声明的类型与文件内容不符（内容为 {media}）。请确认文件未被改名后重新上传。",
        )
    return Sniffed(media, EXTENSIONS[media][0])
