"""`pursuit import`: JSON lines become documents and paragraph passages; bad lines are rejected."""

from __future__ import annotations

import json

from conftest import CORPUS, run_pursuit

from db.connect import open_db


def test_corpus_loads_all_78_documents_as_paragraphs(tmp_path):
    db_path = tmp_path / "c.db"
    result = run_pursuit("import", str(db_path), str(CORPUS), "--source", "corpus")
    assert "new 78, changed 0, unchanged 0, rejected 0" in result.stdout
    db = open_db(db_path)
    assert db["documents"].count == 78
    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    first = records[0]
    doc = db["documents"].get(
        "corpus/consult.justice.gov.uk/homeoffice-moj/domestic-abuse-consultation-short-version"
    )
    assert (doc["title"], doc["publisher"], doc["kind"], doc["date"], doc["licence"]) == (
        first["title"], first["publisher"], first["kind"], first["date"], first["licence"],
    )
    paragraphs = list(db.query(
        "select text from passages where document_id = ? order by position", [doc["id"]]
    ))
    assert [p["text"] for p in paragraphs] == [p for p in first["text"].split("\n\n") if p.strip()]
    hits = [r["document_id"] for r in db["passages"].search('"stalking protection orders"')]
    assert hits and all(h.startswith("corpus/") for h in hits)


def test_reimport_is_idempotent(tmp_path):
    db_path = tmp_path / "c.db"
    run_pursuit("import", str(db_path), str(CORPUS))
    before = list(open_db(db_path).query("select * from passages order by id"))
    result = run_pursuit("import", str(db_path), str(CORPUS))
    assert "new 0, changed 0, unchanged 78" in result.stdout
    assert list(open_db(db_path).query("select * from passages order by id")) == before


def test_bad_lines_are_rejected_with_line_numbers_and_the_rest_load(tmp_path):
    good = CORPUS.read_text(encoding="utf-8").splitlines()[:2]
    lines = [
        good[0],
        '{"url": "https://example.org/a", "title": "No text"}',
        "{not json",
        '{"url": "https://example.org/b", "title": "Bad date", "text": "x", "date": "13/12/2021"}',
        '["a list"]',
        '{"url": "relative/path", "title": "Relative", "text": "x"}',
        good[1],
    ]
    jsonl = tmp_path / "mixed.jsonl"
    jsonl.write_bytes("\n".join(lines).encode() + b"\n\xff\xfe broken bytes\n")
    result = run_pursuit("import", str(tmp_path / "m.db"), str(jsonl))
    assert "new 2, changed 0, unchanged 0, rejected 6" in result.stdout
    assert "line 2: missing or empty required field(s): text" in result.stderr
    assert "line 3: Expecting property name" in result.stderr
    assert "line 4: date '13/12/2021' is not YYYY-MM-DD" in result.stderr
    assert "line 5: expected a JSON object, got list" in result.stderr
    assert "line 6: url 'relative/path' is not an absolute URL" in result.stderr
    assert "line 8: 'utf-8' codec can't decode" in result.stderr
    db = open_db(tmp_path / "m.db")
    assert db["documents"].count == 2
    assert {r["url"] for r in db["rejects"].rows} == {f"{jsonl}:{n}" for n in (2, 3, 4, 5, 6, 8)}
