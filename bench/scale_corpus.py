"""Build a large pursuit database by resampling the real passages and sentences of a tagged demo database.

Every generated passage is a real pool passage whose sentences each have one ordinary word swapped for
another word of the pool (so texts, hashes and vectors are distinct, as in real Hansard), placed in a
generated document of many passages with a speaker, a sitting date over fifteen years and a column. Topic
mentions, commitments and passage_tags come with their sentences. Only `--topic-share` of the documents
are on the topics (with an on-topic title, and about half their passages mention a topic); the rest take
their titles and passages from demo documents that mention none (most of Hansard is about other things).
With `--embeddings`, each sentence gets its pool sentence's vector plus small seeded noise, renormalised,
under each model name the pool holds.

Same pool and seed, same rows. Streaming: memory stays flat whatever `--passages` is. Bulk load: the FTS
tables and secondary indexes are dropped during the load and rebuilt after it, exactly as the migrations
declare them.

Run: .venv/bin/python bench/scale_corpus.py --passages 100000 --seed 1 --out /tmp/pursuit-scale/100k.db
(without --pool, a tagged demo database is built first with `pursuit demo --no-serve`, which takes minutes).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import json
import random
import re
import resource
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from db import shape  # noqa: E402
from db.connect import open_db  # noqa: E402
from db.store import document_hash, passage_hash  # noqa: E402

FIRST_DAY = dt.date(2010, 1, 4)
YEARS = 15
DEFAULT_TOPIC_SHARE = 0.05  # of documents; about half the passages of such a document mention a topic
TOPICAL_PASSAGE_SHARE = 0.5
NOISE = 0.02  # per-dimension standard deviation of the noise added to a pool vector (cosine ~0.93-0.96)
BATCH_PASSAGES = 2000
_WORD = re.compile(r"\b[a-z]{4,}\b")
# The mix of document kinds in a Hansard-scale database (most is debate and written answers).
KIND_WEIGHTS = {
    "hansard_debate": 0.62,
    "written_answer": 0.2,
    "written_question": 0.04,
    "written_statement": 0.04,
    "ministerial_statement": 0.02,
    "government_publication": 0.03,
    "government_press_release": 0.02,
    "police_release": 0.02,
    "inspectorate_report": 0.01,
}
PASSAGE_COLUMNS = (
    "id",
    "date",
    "speaker_name",
    "text",
    "document_title",
    "house",
    "document_kind",
    "kind",
    "office",
    "party",
    "column_number",
    "time",
    "permalink",
    "official_url",
    "document_id",
    "source",
    "position",
    "year",
    "speaker_id",
    "person_id",
    "content_hash",
    "meta",
    "page",
)
DOCUMENT_COLUMNS = (
    "id",
    "source",
    "native_id",
    "kind",
    "title",
    "date",
    "house",
    "chamber",
    "publisher",
    "url",
    "official_url",
    "source_url",
    "licence",
    "parent_id",
    "content_hash",
    "first_seen",
    "updated_at",
    "meta",
)
SENTENCE_COLUMNS = (
    "id",
    "passage_id",
    "position",
    "start",
    "end",
    "text",
    "text_hash",
    "topics",
    "commitment",
    "commitment_score",
    "commitment_reason",
    "actor",
    "date",
    "year",
    "speaker_name",
    "house",
    "document_kind",
)
MENTION_COLUMNS = (
    "sentence_id",
    "topic",
    "passage_id",
    "method",
    "score",
    "reason",
    "date",
    "year",
    "speaker_name",
    "house",
    "document_kind",
)
FACETS = ("date", "year", "speaker_name", "house", "document_kind")


@dataclass
class PoolSentence:
    """A tagged sentence of the pool, with its mentions and the words that must not be swapped."""

    start: int
    end: int
    text: str
    text_hash: str
    fields: dict
    mentions: list[dict]
    spots: list[tuple[int, int]]  # spans of the words that may be swapped (none a tag relies on)


@dataclass
class PoolPassage:
    """A tagged passage of the pool and its sentences."""

    id: str
    text: str
    kind: str
    document_kind: str
    source: str
    sentences: list[PoolSentence]

    @property
    def on_topic(self) -> bool:
        """Whether any of its sentences mentions a topic."""
        return any(s.mentions for s in self.sentences)


@dataclass
class Pool:
    """What the generator resamples: documents, passages by kind, speakers, words, vectors."""

    documents: dict[tuple[str, bool], list[dict]]  # by kind and whether the document mentions a topic
    passages: dict[tuple[str, bool], list[PoolPassage]]
    speakers: dict[str, list[dict]]
    vocabulary: list[str]
    vectors: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    tagger_version: str = ""


def build_pool_database(path: Path) -> Path:
    """Build the tagged demo database at `path` with `pursuit demo --no-serve` (minutes: it tags)."""
    subprocess.run(
        [sys.executable, "-m", "pursuit", "demo", "--db", str(path), "--no-serve"], check=True, cwd=REPO
    )
    return path


def _sentences_by_passage(db) -> dict[str, list[PoolSentence]]:
    """Every pool sentence with its mentions, grouped by passage, in order."""
    mentions: dict[str, list[dict]] = defaultdict(list)
    for row in db.query("SELECT sentence_id, topic, method, score, reason FROM mentions ORDER BY 1, 2"):
        mentions[row["sentence_id"]].append(row)
    grouped: dict[str, list[PoolSentence]] = defaultdict(list)
    sql = """SELECT id, passage_id, start, "end", text, text_hash, topics, commitment, commitment_score,
                    commitment_reason, actor FROM sentences ORDER BY passage_id, position"""
    for row in db.query(sql):
        found = mentions.get(row["id"], [])
        protected = set(_WORD.findall(" ".join(m["reason"] or "" for m in found).lower()))
        if row["actor"]:
            protected |= set(_WORD.findall(row["actor"].lower()))
        fields = {
            k: row[k] for k in ("topics", "commitment", "commitment_score", "commitment_reason", "actor")
        }
        spots = swappable_words(row["text"], protected)
        grouped[row["passage_id"]].append(
            PoolSentence(row["start"], row["end"], row["text"], row["text_hash"], fields, found, spots)
        )
    return grouped


def _speakers(db) -> dict[str, list[dict]]:
    """Real speakers by house, plus made-up ones (a real first name and a real surname) to reach Hansard's
    spread of about 1,500 members."""
    sql = """SELECT DISTINCT speaker_name, speaker_id, person_id, party, house FROM passages
             WHERE speaker_name IS NOT NULL AND speaker_name != '' ORDER BY speaker_name, speaker_id"""
    real: dict[str, list[dict]] = defaultdict(list)
    for row in db.query(sql):
        real[row["house"] or ""].append(row)
    speakers: dict[str, list[dict]] = {}
    for house, people in real.items():
        names = [p["speaker_name"].split() for p in people if len(p["speaker_name"].split()) >= 2]
        made = list(people)
        rng = random.Random(f"speakers-{house}")
        wanted = 1000 if house == "Commons" else 500 if house == "Lords" else len(people)
        while names and len(made) < wanted:
            first, last = rng.choice(names), rng.choice(names)
            made.append(
                {
                    "speaker_name": f"{first[0]} {last[-1]}",
                    "speaker_id": f"scale/{house}/{len(made)}",
                    "person_id": f"scale/person/{house}/{len(made)}",
                    "party": rng.choice(people)["party"],
                    "house": house,
                }
            )
        speakers[house] = made
    return speakers


def load_pool(path: Path, with_vectors: bool) -> Pool:
    """Read a tagged demo database into a Pool (small: a few thousand passages).

    On-topic passages are those with a mention; off-topic ones come only from documents with no mention at
    all (the demo's collected documents are about the topics throughout, even where a passage has no tag).
    """
    db = open_db(path, migrate=False)
    sentences = _sentences_by_passage(db)
    passages: dict[tuple[str, bool], list[PoolPassage]] = defaultdict(list)
    sql = """SELECT id, text, kind, document_kind, source,
                    document_id IN (SELECT p.document_id FROM mentions m
                                    JOIN passages p ON p.id = m.passage_id)
                    AS topical_document
             FROM passages ORDER BY id"""
    for row in db.query(sql):
        if sentences.get(row["id"]):
            passage = PoolPassage(
                row["id"], row["text"], row["kind"], row["document_kind"], row["source"], sentences[row["id"]]
            )
            if passage.on_topic or not row["topical_document"]:
                passages[(row["document_kind"], passage.on_topic)].append(passage)
    documents: dict[tuple[str, bool], list[dict]] = defaultdict(list)
    sql = """SELECT d.*, d.id IN (SELECT p.document_id FROM mentions m JOIN passages p ON p.id = m.passage_id)
                    AS topical
             FROM documents d ORDER BY d.id"""
    for row in db.query(sql):
        documents[(row["kind"], bool(row.pop("topical")))].append(row)
    words = [w for (_, on), ps in passages.items() if not on for p in ps for w in _WORD.findall(p.text)]
    versions = [
        r[0] for r in db.execute("SELECT tagger_version FROM passage_tags GROUP BY 1 ORDER BY count(*) DESC")
    ]
    pool = Pool(
        dict(documents), dict(passages), _speakers(db), words, tagger_version=versions[0] if versions else ""
    )
    if with_vectors:
        for text_hash_, model, blob in db.execute(
            "SELECT text_hash, model, vector FROM embeddings ORDER BY 1, 2"
        ):
            pool.vectors.setdefault(model, {})[text_hash_] = np.frombuffer(blob, dtype="<f4")
    db.close()
    return pool


def swappable_words(text: str, protected: set[str]) -> list[tuple[int, int]]:
    """Spans of the ordinary lower-case words of a sentence, leaving out the `protected` ones."""
    return [m.span() for m in _WORD.finditer(text) if m.group() not in protected]


def vary_sentence(text: str, spots: list[tuple[int, int]], vocabulary: list[str], rng: random.Random) -> str:
    """The sentence with the word at one of `spots` swapped for a pool word."""
    if not spots:
        return text
    start, end = rng.choice(spots)
    return text[:start] + rng.choice(vocabulary) + text[end:]


def sitting_days() -> list[dt.date]:
    """Every weekday of the fifteen years the corpus spans, in order."""
    days = (FIRST_DAY + dt.timedelta(days=n) for n in range(365 * YEARS))
    return [d for d in days if d.weekday() < 5]


@dataclass
class Generated:
    """One generated document's rows, ready for executemany."""

    document: tuple
    passages: list[tuple] = field(default_factory=list)
    sentences: list[tuple] = field(default_factory=list)
    mentions: list[tuple] = field(default_factory=list)
    tags: list[tuple] = field(default_factory=list)
    vector_sources: list[tuple[str, str]] = field(default_factory=list)  # (new text hash, pool text hash)


class Generator:
    """Turns a pool and a seed into documents with passages, sentences, mentions and tags, one at a time."""

    def __init__(self, pool: Pool, seed: int, topic_share: float = DEFAULT_TOPIC_SHARE):
        self.pool = pool
        self.seed = seed
        self.rng = random.Random(seed)
        self.topic_share = topic_share
        self.kinds = [k for k in KIND_WEIGHTS if (k, False) in pool.documents or (k, True) in pool.documents]
        cumulative, total = [], 0.0
        for kind in self.kinds:
            total += KIND_WEIGHTS[kind]
            cumulative.append(total)
        self.cumulative = [c / total for c in cumulative]
        self.tagged_at = "2025-01-01T00:00:00+00:00"

    def _kind(self) -> str:
        """A document kind drawn from the Hansard-scale mix."""
        return self.kinds[bisect.bisect_left(self.cumulative, self.rng.random())]

    def _passage_of(self, kind: str, topical: bool) -> PoolPassage:
        """A pool passage of this document kind; in a document on the topics, on-topic half the time."""
        on_topic = topical and self.rng.random() < TOPICAL_PASSAGE_SHARE
        for key in ((kind, on_topic), ("hansard_debate", on_topic), (kind, not on_topic)):
            if self.pool.passages.get(key):
                return self.rng.choice(self.pool.passages[key])
        return self.rng.choice([p for ps in self.pool.passages.values() for p in ps])

    def _size(self, kind: str) -> int:
        """Passages in a document: Hansard debates run long, other kinds have a handful."""
        if kind == "hansard_debate":
            return max(1, min(120, int(self.rng.lognormvariate(2.6, 0.9))))
        if kind in ("written_answer", "written_question"):
            return self.rng.choice((1, 2, 2, 2, 3))
        return max(1, min(40, int(self.rng.lognormvariate(1.8, 0.8))))

    def document(self, number: int, day: dt.date, budget: int) -> Generated:
        """Document `number`, sitting on `day`, with at most `budget` passages."""
        topical = self.rng.random() < self.topic_share
        kind = self._kind()
        if (kind, topical) not in self.pool.documents:  # e.g. every police release of the demo is on-topic
            kind = "hansard_debate" if ("hansard_debate", topical) in self.pool.documents else kind
        key = (kind, topical) if (kind, topical) in self.pool.documents else (kind, not topical)
        template = self.rng.choice(self.pool.documents[key])
        source = template["source"]
        doc_id = f"{source}/scale-{self.seed}/{day.isoformat()}/{number}"
        house = template["house"]
        people = self.pool.speakers.get(house or "", [])
        cast = [self.rng.choice(people) for _ in range(self.rng.randint(2, 12))] if people else []
        column = self.rng.randint(1, 1200)
        minute = self.rng.randint(9 * 60, 20 * 60)
        document = {
            **{
                k: template[k]
                for k in ("kind", "title", "house", "chamber", "publisher", "licence", "source")
            },
            "id": doc_id,
            "native_id": doc_id.split("/", 1)[1],
            "date": day.isoformat(),
            "url": f"{template['url'] or ''}#scale-{number}",
            "official_url": template["official_url"],
            "source_url": template["source_url"],
            "parent_id": None,
            "meta": json.dumps({"scale_template": template["id"]}),
        }
        generated_passages = []
        result = Generated(document=())
        for position in range(min(budget, self._size(kind))):
            source_passage = self._passage_of(kind, topical)
            speaker = self.rng.choice(cast) if cast and source_passage.kind != "paragraph" else {}
            passage = self._passage(
                document,
                source_passage,
                position,
                speaker,
                column + position // 3,
                minute + position * 2,
                result,
            )
            generated_passages.append(passage)
        document["content_hash"] = document_hash(document, generated_passages)
        stamp = f"{day.isoformat()}T23:00:00+00:00"
        document.update(first_seen=stamp, updated_at=stamp)
        result.document = tuple(document.get(c) for c in DOCUMENT_COLUMNS)
        return result

    def _passage(
        self,
        document: dict,
        source: PoolPassage,
        position: int,
        speaker: dict,
        column: int,
        minute: int,
        result: Generated,
    ) -> dict:
        """One generated passage (appended to `result` with its sentences and mentions)."""
        text_parts, sentences, cursor, offset = [], [], 0, 0
        for sentence in source.sentences:
            varied = vary_sentence(sentence.text, sentence.spots, self.pool.vocabulary, self.rng)
            gap = source.text[cursor : sentence.start]
            text_parts.append(gap)
            offset += len(gap)
            sentences.append((sentence, varied, offset))
            text_parts.append(varied)
            offset += len(varied)
            cursor = sentence.end
        text_parts.append(source.text[cursor:])
        passage_id = f"{document['id']}/{position}"
        is_hansard = document["kind"] == "hansard_debate"
        passage = {
            "id": passage_id,
            "position": position,
            "kind": source.kind,
            "text": "".join(text_parts),
            "speaker_name": speaker.get("speaker_name"),
            "speaker_id": speaker.get("speaker_id"),
            "person_id": speaker.get("person_id"),
            "party": speaker.get("party"),
            "office": None,
            "column_number": str(column) if is_hansard else None,
            "time": f"{minute // 60 % 24:02d}:{minute % 60:02d}:00" if is_hansard else None,
            "permalink": f"{document['url']}.{position}",
            "official_url": document["official_url"],
            "meta": json.dumps({"scale_source": source.id}),
            "page": None,
        }
        passage["content_hash"] = passage_hash(passage)
        year = int(document["date"][:4])
        row = {
            **passage,
            "date": document["date"],
            "year": year,
            "document_title": document["title"],
            "house": document["house"],
            "document_kind": document["kind"],
            "document_id": document["id"],
            "source": document["source"],
        }
        result.passages.append(tuple(row.get(c) for c in PASSAGE_COLUMNS))
        facets = {k: row[k] for k in FACETS}
        for number, (sentence, varied, start) in enumerate(sentences):
            sentence_id = f"{passage_id}#s{number + 1}"
            new_hash = hashlib.sha1(varied.encode("utf-8")).hexdigest()
            values = {
                "id": sentence_id,
                "passage_id": passage_id,
                "position": number,
                "start": start,
                "end": start + len(varied),
                "text": varied,
                "text_hash": new_hash,
                **sentence.fields,
                **facets,
            }
            result.sentences.append(tuple(values[c] for c in SENTENCE_COLUMNS))
            result.vector_sources.append((new_hash, sentence.text_hash))
            for mention in sentence.mentions:
                values = {**mention, "sentence_id": sentence_id, "passage_id": passage_id, **facets}
                result.mentions.append(tuple(values[c] for c in MENTION_COLUMNS))
        result.tags.append((passage_id, passage["content_hash"], self.pool.tagger_version, self.tagged_at))
        return passage

    def documents(self, total_passages: int) -> Iterator[Generated]:
        """Documents in date order, the fifteen years spread evenly over `total_passages` passages."""
        days = sitting_days()
        made, number = 0, 0
        while made < total_passages:
            day = days[min(len(days) - 1, made * len(days) // total_passages)]
            generated = self.document(number, day, total_passages - made)
            made += len(generated.passages)
            number += 1
            yield generated


def noisy_vectors(base: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rows of `base` plus small Gaussian noise, renormalised to unit length (float32)."""
    noisy = base + rng.normal(0.0, NOISE, size=base.shape).astype(np.float32)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype("<f4")


def _insert(db, table: str, columns: tuple[str, ...], rows: list[tuple], verb: str = "INSERT") -> None:
    """executemany one batch of rows into `table`."""
    if rows:
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" * len(columns))
        db.conn.executemany(f"{verb} INTO {table} ({names}) VALUES ({marks})", rows)


def drop_for_bulk_load(db) -> list[str]:
    """Drop the FTS tables (and their triggers) and secondary indexes; return the index SQL to restore."""
    indexes = [
        row[0]
        for row in db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('documents', 'passages', 'sentences', 'mentions', 'embeddings', 'passage_tags')"
        )
    ]
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('documents', 'passages', 'sentences', 'mentions', 'embeddings', 'passage_tags')"
        )
    ]
    for name in names:
        db.execute(f'DROP INDEX "{name}"')
    for table in ("passages", "sentences"):
        if db[table].detect_fts():
            db[table].disable_fts()
    return indexes


def restore_after_bulk_load(db, indexes: list[str]) -> None:
    """Recreate the indexes and the FTS tables with triggers, filled from their content tables."""
    for sql in indexes:
        db.execute(sql)
    shape.ensure_fts(db)
    if not db["sentences"].detect_fts():
        db["sentences"].enable_fts(["text"], tokenize="porter", create_triggers=True)
    db.execute("ANALYZE")


def current_tagger_version() -> str:
    """The version stamp `pursuit tag` gives passages today, so it finds nothing to redo in the corpus."""
    from nlp.heads import load_heads
    from pursuit.tagging import tagger_version

    return tagger_version(load_heads())


def write_corpus(
    pool: Pool,
    out: Path,
    passages: int,
    seed: int,
    embeddings: bool,
    topic_share: float = DEFAULT_TOPIC_SHARE,
    progress=print,
    bulk: bool = True,
) -> dict:
    """Generate `passages` passages into a new database at `out`; return counts and timings.

    `bulk=False` keeps the FTS triggers and indexes during the load (to measure what dropping them saves).

    The passages are stamped as tagged by the pool's tagger version (set `pool.tagger_version` to change it).
    """
    if out.exists():
        raise SystemExit(f"{out}: already exists; remove it or choose another --out")
    started = time.perf_counter()
    db = open_db(out)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -200000")
    db.execute("PRAGMA foreign_keys = OFF")
    indexes = drop_for_bulk_load(db) if bulk else []
    generator = Generator(pool, seed, topic_share)
    noise = np.random.default_rng(seed)
    counts = defaultdict(int)
    batch: list[Generated] = []
    for generated in generator.documents(passages):
        batch.append(generated)
        counts["passages"] += len(generated.passages)
        if sum(len(g.passages) for g in batch) >= BATCH_PASSAGES:
            _write_batch(db, batch, pool, noise, embeddings, counts)
            batch = []
            if counts["passages"] % 100_000 < BATCH_PASSAGES:
                progress(f"{out}: {counts['passages']} passages, {time.perf_counter() - started:.0f} s")
    _write_batch(db, batch, pool, noise, embeddings, counts)
    loaded = time.perf_counter() - started
    if bulk:
        restore_after_bulk_load(db, indexes)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    counts.update(load_seconds=round(loaded, 1), total_seconds=round(time.perf_counter() - started, 1))
    return dict(counts)


def _write_batch(
    db, batch: list[Generated], pool: Pool, noise: np.random.Generator, embeddings: bool, counts: dict
) -> None:
    """Insert a batch of generated documents (and their vectors) in one transaction."""
    if not batch:
        return
    with db.conn:
        _insert(db, "documents", DOCUMENT_COLUMNS, [g.document for g in batch])
        _insert(db, "passages", PASSAGE_COLUMNS, [r for g in batch for r in g.passages])
        sentences = [r for g in batch for r in g.sentences]
        _insert(db, "sentences", SENTENCE_COLUMNS, sentences)
        _insert(db, "mentions", MENTION_COLUMNS, [r for g in batch for r in g.mentions])
        _insert(
            db,
            "passage_tags",
            ("passage_id", "content_hash", "tagger_version", "tagged_at"),
            [r for g in batch for r in g.tags],
        )
        counts["documents"] += len(batch)
        counts["sentences"] += len(sentences)
        counts["mentions"] += sum(len(g.mentions) for g in batch)
        if embeddings:
            sources = [s for g in batch for s in g.vector_sources]
            for model, vectors in pool.vectors.items():
                usable = [(new, old) for new, old in sources if old in vectors]
                if not usable:
                    continue
                base = np.stack([vectors[old] for _, old in usable])
                rows = [
                    (new, model, blob.tobytes())
                    for (new, _), blob in zip(usable, noisy_vectors(base, noise), strict=True)
                ]
                _insert(db, "embeddings", ("text_hash", "model", "vector"), rows, verb="INSERT OR IGNORE")
                counts["embeddings"] += len(rows)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, load (or build) the pool, and write the corpus."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, required=True, help="How many passages to generate.")
    parser.add_argument("--seed", type=int, default=1, help="Same pool and seed, same rows.")
    parser.add_argument("--out", type=Path, required=True, help="The new database file.")
    parser.add_argument(
        "--pool",
        type=Path,
        help="A tagged demo database to resample (default: build one "
        "beside --out with `pursuit demo --no-serve`).",
    )
    parser.add_argument(
        "--no-bulk", action="store_true", help="Keep FTS triggers and indexes during the load."
    )
    parser.add_argument("--embeddings", action="store_true", help="Also write a vector per sentence.")
    parser.add_argument(
        "--topic-share",
        type=float,
        default=DEFAULT_TOPIC_SHARE,
        help="Share of documents on the topics (about half their passages mention one).",
    )
    args = parser.parse_args(argv)
    pool_path = args.pool or args.out.with_name("pool.db")
    if not pool_path.exists():
        build_pool_database(pool_path)
    pool = load_pool(pool_path, args.embeddings)
    pool.tagger_version = current_tagger_version()
    counts = write_corpus(
        pool, args.out, args.passages, args.seed, args.embeddings, args.topic_share, bulk=not args.no_bulk
    )
    size = args.out.stat().st_size / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({**counts, "out": str(args.out), "size_mib": round(size, 1), "peak_rss_mib": round(peak)})
    )


if __name__ == "__main__":
    main()
