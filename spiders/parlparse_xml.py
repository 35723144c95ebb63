"""Parse TheyWorkForYou's ParlParse XML (one sitting day of one directory) into documents."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from spiders.parsing import clean_text, normalise_time

SOURCE = "parlparse"
LICENCE = "Open Parliament Licence v3.0"
PUBLISHER = "UK Parliament (Hansard), via TheyWorkForYou ParlParse"
TWFY = "https://www.theyworkforyou.com"


@dataclass(frozen=True)
class Directory:
    """One ParlParse directory: its file-name prefix, house, chamber, kind and TWFY path."""

    name: str
    prefix: str
    house: str
    chamber: str
    kind: str
    twfy_path: str


DIRECTORIES: dict[str, Directory] = {
    d.name: d
    for d in (
        Directory("debates", "debates", "Commons", "Commons Chamber", "hansard_debate", "debates"),
        Directory(
            "westminhall", "westminster", "Commons", "Westminster Hall", "hansard_debate", "whall"
        ),
        Directory("lordspages", "daylord", "Lords", "Lords Chamber", "hansard_debate", "lords"),
        Directory("wms", "ministerial", "Commons", "Written statements", "written_statement", "wms"),
        Directory("lordswms", "lordswms", "Lords", "Written statements", "written_statement", "wms"),
        Directory("wrans", "answers", "Commons", "Written answers", "written_answer", "wrans"),
        Directory(
            "lordswrans", "lordswrans", "Lords", "Written answers", "written_answer", "wrans"
        ),
    )
}
PREFIXES = {d.prefix: d for d in DIRECTORIES.values()}
FILE_NAME = re.compile(
    r"(?:^|/)(?P<prefix>[a-z]+?)(?P<date>\d{4}-\d{2}-\d{2})(?P<version>[a-z]+)\.xml$"
)
HEADING_LEVELS = {"oral-heading": 0, "major-heading": 1, "minor-heading": 2}
PASSAGE_KINDS = {"speech": "speech", "ques": "question", "reply": "answer"}


class ParlParseError(ValueError):
    """The file is not usable ParlParse XML; the message says why."""


@dataclass(frozen=True)
class DayFile:
    """A file name found in a listing: directory, sitting date and scrape version."""

    directory: Directory
    date: str
    version: str
    name: str


@dataclass
class ParsedFile:
    """What one file holds: whether it is current, its documents, redirects and division votes."""

    latest: bool
    documents: list[dict[str, Any]] = field(default_factory=list)
    redirects: list[dict[str, str]] = field(default_factory=list)
    votes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def match_file_name(href: str) -> DayFile | None:
    """Recognise a ParlParse day file by its name alone (e.g. `debates2009-10-28c.xml`)."""
    match = FILE_NAME.search(href.split("?")[0])
    if not match or match["prefix"] not in PREFIXES:
        return None
    name = href.split("?")[0].rsplit("/", 1)[-1]
    return DayFile(PREFIXES[match["prefix"]], match["date"], match["version"], name)


def native_id(directory: Directory, gid: str) -> str:
    """A readable, collision-free native id: `<directory>/<gid tail>`."""
    return f"{directory.name}/{gid.rsplit('/', 1)[-1]}"


def item_id(directory: Directory, gid: str) -> str:
    """The stored id `parlparse/<directory>/<gid tail>`."""
    return f"{SOURCE}/{native_id(directory, gid)}"


def permalink(directory: Directory, gid: str) -> str:
    """TheyWorkForYou's permalink for a gid."""
    return f"{TWFY}/{directory.twfy_path}/?id={gid.rsplit('/', 1)[-1]}"


def _short_id(value: str | None) -> str | None:
    """`uk.org.publicwhip/member/1827` -> `member/1827`; None for missing or unknown ids."""
    if not value or value == "unknown":
        return None
    return "/".join(value.split("/")[-2:])


def load_xml(body: bytes) -> etree._Element:
    """Parse bytes as XML, honouring the internal DTD's entities and nothing external."""
    parser = etree.XMLParser(
        resolve_entities="internal", no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as error:
        raise ParlParseError(f"malformed XML: {error}") from error
    if root is None or root.tag != "publicwhip":
        tag = None if root is None else root.tag
        raise ParlParseError(f"not a ParlParse file: root element is <{tag}>, not <publicwhip>")
    return root


def paragraphs(element: etree._Element) -> list[str]:
    """The element's paragraphs as clean text (the element's own text if it has no <p>)."""
    found = [clean_text("".join(p.itertext())) for p in element.iter("p")]
    found = [p for p in found if p]
    return found or [t for t in [clean_text("".join(element.itertext()))] if t]


class _DayBuilder:
    """Walks a file's elements in order, opening a document at each heading."""

    def __init__(self, day: DayFile, source_url: str):
        self.day = day
        self.source_url = source_url
        self.headings: dict[int, str] = {}
        self.documents: list[dict[str, Any]] = []
        self.votes: dict[str, list[dict[str, Any]]] = {}
        self.current: dict[str, Any] | None = None

    def heading(self, element: etree._Element) -> None:
        """Open a new document titled by the heading and its parents."""
        level = HEADING_LEVELS[element.tag]
        self.headings = {k: v for k, v in self.headings.items() if k < level}
        self.headings[level] = clean_text("".join(element.itertext()))
        self.current = self._new_document(element, " — ".join(self.headings.values()))

    def _new_document(self, element: etree._Element, title: str) -> dict[str, Any]:
        """A document for the section that starts at `element`."""
        d = self.day.directory
        gid = element.get("id") or f"{d.prefix}{self.day.date}{self.day.version}"
        document = {
            "id": item_id(d, gid), "source": SOURCE, "native_id": native_id(d, gid),
            "kind": d.kind, "title": title or f"{d.chamber}, {self.day.date}",
            "date": self.day.date, "house": d.house, "chamber": d.chamber,
            "publisher": PUBLISHER, "url": permalink(d, gid),
            "official_url": element.get("url"), "source_url": self.source_url,
            "licence": LICENCE, "parent_id": None,
            "meta": {"gid": gid, "file": self.day.name, "column": element.get("colnum")},
            "passages": [],
        }
        self.documents.append(document)
        return document

    def passage(self, element: etree._Element, kind: str, text: str) -> dict[str, Any]:
        """Add a passage to the open document (opening an untitled one if needed)."""
        if self.current is None:
            self.current = self._new_document(element, "")
        d, gid = self.day.directory, element.get("id", "")
        uins = [p.get("qnum") for p in element.iter("p") if p.get("qnum")]
        passage = {
            "id": item_id(d, gid), "position": len(self.current["passages"]), "kind": kind,
            "speaker_name": clean_text(element.get("speakername")).rstrip(":") or None,
            "speaker_id": _short_id(element.get("speakerid")),
            "person_id": _short_id(element.get("person_id")),
            "party": None, "office": clean_text(element.get("speakeroffice")) or None,
            "column_number": element.get("colnum"), "time": normalise_time(element.get("time")),
            "permalink": permalink(d, gid), "official_url": element.get("url"), "text": text,
            "meta": {"gid": gid, "uin": uins[0]} if uins else {"gid": gid},
        }
        self.current["passages"].append(passage)
        return passage

    def division(self, element: etree._Element) -> None:
        """Store a division as a passage and keep how each member voted."""
        count = element.find("divisioncount")
        counts = dict(count.attrib) if count is not None else {}
        tally = ", ".join(f"{k.capitalize()} {v}" for k, v in counts.items() if "teller" not in k)
        text = f"Division No. {element.get('divnumber', '?')}: {tally}."
        passage = self.passage(element, "division", text)
        self.votes[passage["id"]] = [
            {
                "voter_id": _short_id(v.get("id")) or clean_text(v.text),
                "voter_name": clean_text("".join(v.itertext())),
                "vote": v.get("vote"), "teller": int(v.get("teller") == "yes"),
            }
            for v in element.iter()
            if v.get("vote") and v.tag not in ("mplist", "lordlist")
        ]


def parse_day(body: bytes, day: DayFile, source_url: str) -> ParsedFile:
    """Parse one ParlParse file; superseded files give only their gid redirects."""
    root = load_xml(body)
    d = day.directory
    redirects = [
        {
            "old_id": item_id(d, r.get("oldgid", "")), "new_id": item_id(d, r.get("newgid", "")),
            "matchtype": r.get("matchtype"),
        }
        for r in root.iter("gidredirect")
        if r.get("oldgid") and r.get("newgid")
    ]
    if root.get("latest") != "yes":
        return ParsedFile(latest=False, redirects=redirects)
    builder = _DayBuilder(day, source_url)
    for element in root:
        if element.tag in HEADING_LEVELS:
            builder.heading(element)
        elif element.tag in PASSAGE_KINDS:
            text = "\n\n".join(paragraphs(element))
            if text:
                builder.passage(element, PASSAGE_KINDS[element.tag], text)
        elif element.tag == "division":
            builder.division(element)
    documents = [doc for doc in builder.documents if doc["passages"]]
    return ParsedFile(True, documents, redirects, builder.votes)
