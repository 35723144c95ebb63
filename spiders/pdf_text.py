"""Text of a PDF, page by page, as passages that carry their page number for citations."""

from __future__ import annotations

import io
import logging
import re
from typing import Any

from pypdf import PdfReader

from spiders.parsing import clean_text

logging.getLogger("pypdf").setLevel(logging.ERROR)
_BLANK_LINE = re.compile(r"\n\s*\n")


class PdfError(ValueError):
    """The body is not a readable PDF, or holds no text; the message says which."""


def _page_text(page) -> str:
    """A page's text in layout mode (blank lines kept between paragraphs), else plain extraction."""
    try:
        return page.extract_text(extraction_mode="layout") or ""
    except Exception:  # layout mode fails on some fonts; plain mode is more forgiving
        return page.extract_text() or ""


def pdf_pages(body: bytes) -> list[str]:
    """The extracted text of each page, in order (raises PdfError for a non-PDF, broken or textless file)."""
    if not body.lstrip()[:5] == b"%PDF-":
        raise PdfError(f"not a PDF: the body starts with {body[:16]!r}")
    try:
        reader = PdfReader(io.BytesIO(body))
        pages = [_page_text(page) for page in reader.pages]
    except Exception as error:  # pypdf raises many kinds of error on damaged files
        raise PdfError(f"unreadable PDF: {type(error).__name__}: {error}") from error
    if not any(text.strip() for text in pages):
        raise PdfError(f"PDF has no extractable text in its {len(pages)} page(s) (scanned?)")
    return pages


def page_paragraphs(text: str) -> list[str]:
    """A page's paragraphs: blocks between blank lines, each joined into one line."""
    blocks = (clean_text(block) for block in _BLANK_LINE.split(text.replace("\r\n", "\n")))
    return [block for block in blocks if block]


def pdf_passages(doc_id: str, url: str, pages: list[str]) -> list[dict[str, Any]]:
    """One passage per paragraph of each page, with the page number and a `#page=N` permalink."""
    passages: list[dict[str, Any]] = []
    for number, text in enumerate(pages, start=1):
        for order, paragraph in enumerate(page_paragraphs(text), start=1):
            passages.append({
                "id": f"{doc_id}/page{number}.{order}",
                "position": len(passages), "kind": "pdf_text", "page": number, "text": paragraph,
                "permalink": f"{url}#page={number}", "speaker_name": None, "meta": None,
            })
    return passages


def pdf_document(base: dict[str, Any], url: str, pages: list[str]) -> dict[str, Any]:
    """A document for a PDF: the caller's fields (`id`, title, parent ...) plus page-numbered passages."""
    meta = {**(base.get("meta") or {}), "pages": len(pages)}
    return {**base, "url": url, "meta": meta, "passages": pdf_passages(base["id"], url, pages)}
