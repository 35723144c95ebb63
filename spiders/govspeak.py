"""HTML (GOV.UK govspeak and similar) to clean paragraph texts, each with the headings above it."""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html

from spiders.parsing import clean_text

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BLOCKS = {"p", "li", "blockquote", "dd", "dt", "pre", "tr", "figcaption", "caption"}
SKIPPED = {"script", "style", "noscript"}


@dataclass(frozen=True)
class Paragraph:
    """One block of text, the heading trail above it (outermost first) and the nearest heading's anchor."""

    text: str
    headings: tuple[str, ...]
    anchor: str | None


def parse_fragment(html: str) -> lxml.html.HtmlElement:
    """Parse an HTML fragment into one element that holds it all."""
    return lxml.html.fragment_fromstring(html or "", create_parent="div")


def _text_parts(element: lxml.html.HtmlElement, parts: list[str]) -> None:
    """Append an element's text and its children's (with their tails) to `parts`, in reading order."""
    if element.tag in ("br", *SKIPPED):
        parts.append(" ")
    elif isinstance(element.tag, str):
        if element.tag in ("td", "th"):
            parts.append(" | ")
        parts.append(element.text or "")
        for child in element:
            _text_parts(child, parts)
            parts.append(child.tail or "")


def block_text(element: lxml.html.HtmlElement) -> str:
    """The clean text of an element, with line breaks and table cells kept apart."""
    parts: list[str] = []
    _text_parts(element, parts)
    return clean_text("".join(parts)).strip(" |")


def _is_leaf_block(element: lxml.html.HtmlElement) -> bool:
    """A block element with no block elements inside it."""
    return element.tag in BLOCKS and not any(
        child.tag in BLOCKS for child in element.iterdescendants() if isinstance(child.tag, str)
    )


def paragraphs(html: str) -> list[Paragraph]:
    """The fragment's text blocks in order, each with the headings it sits under."""
    root = parse_fragment(html)
    trail: dict[int, tuple[str, str | None]] = {}
    found: list[Paragraph] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or any(a.tag in SKIPPED for a in element.iterancestors()):
            continue
        if element.tag in HEADINGS:
            level = HEADINGS[element.tag]
            trail = {k: v for k, v in trail.items() if k < level}
            trail[level] = (block_text(element), element.get("id"))
        elif _is_leaf_block(element):
            text = block_text(element)
            if text:
                headings = tuple(t for t, _ in trail.values() if t)
                anchors = [a for _, a in trail.values() if a]
                found.append(Paragraph(text, headings, anchors[-1] if anchors else None))
    if not found:
        text = block_text(root)
        if text:
            found.append(Paragraph(text, (), None))
    return found


def links(html: str) -> list[tuple[str, str]]:
    """Every link in the fragment as (href, link text), in order."""
    root = parse_fragment(html)
    return [(a.get("href"), block_text(a)) for a in root.iter("a") if a.get("href")]
