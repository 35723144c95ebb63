"""Ranked passage search (db/search.py) on real SQLite FTS5, and its canned query in the site metadata."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from datasette.app import Datasette

from db import store
from db.connect import open_db
from db.search import CANDIDATES, CANNED_SEARCH_SQL, SearchSyntaxError, search_passages
from pursuit import config
from pursuit.publish import load_metadata

TEXTS = [
    ("2019-03-01", "Coercive control is now an offence, and the police must act on it."),
    ("2020-05-02", "Control of the border is coercive, said nobody in this debate."),
    ("2021-07-03", "Stalking protection orders let the police restrain a stalker early."),
    ("2022-09-04", "Harassment and stalking cases are rising, and the police are stretched."),
    ("2023-11-05", "The stalkers' victims deserve better than this."),
    ("2024-01-06", "Housing benefit was discussed at length."),
]


def add_document(db, number: int, date: str, texts: list[str], title: str = "Debate") -> None:
    """Store one document with a passage per text."""
    document = {
        "id": f"test/{number}",
        "source": "test",
        "native_id": str(number),
        "kind": "hansard_debate",
        "title": title,
        "date": date,
        "house": "Commons",
    }
    passages = [
        {
            "id": f"test/{number}/{i}",
            "position": i,
            "kind": "speech",
            "text": text,
            "speaker_name": "A Member",
        }
        for i, text in enumerate(texts)
    ]
    store.save_document(db, document, passages)


@pytest.fixture
def db(tmp_path: Path):
    """A migrated database holding the six passages above, one document each."""
    database = open_db(tmp_path / "search.db")
    with database.atomic():
        for number, (date, text) in enumerate(TEXTS):
            add_document(database, number, date, [text])
    yield database
    database.close()


def texts(result) -> list[str]:
    """The passage texts of a search result, in order."""
    return [row["text"] for row in result.rows]


def test_phrase_matches_only_the_words_together(db):
    result = search_passages(db, '"coercive control"')
    assert texts(result) == [TEXTS[0][1]]
    assert search_passages(db, "coercive control").total == 2


def test_boolean_operators_combine_and_exclude(db):
    assert set(texts(search_passages(db, "stalking NOT harassment"))) == {TEXTS[2][1]}
    assert set(texts(search_passages(db, "harassment OR housing"))) == {TEXTS[3][1], TEXTS[5][1]}


def test_prefix_matches_every_word_that_starts_with_it(db):
    result = search_passages(db, "stalk*")
    assert set(texts(result)) == {TEXTS[2][1], TEXTS[3][1], TEXTS[4][1]}
    assert result.total == 3 and not result.bounded


def test_results_carry_citation_fields_and_page(db):
    first = search_passages(db, "police", limit=2)
    second = search_passages(db, "police", limit=2, offset=2)
    assert len(first.rows) == 2 and len(second.rows) == 1
    assert {r["id"] for r in first.rows}.isdisjoint({r["id"] for r in second.rows})
    assert all(r["date"] and r["document_title"] == "Debate" and r["house"] == "Commons" for r in first.rows)


@pytest.mark.parametrize("query", ['"unterminated phrase', "stalking AND", "(police", "   "])
def test_bad_syntax_is_a_clear_error_naming_the_query(db, query):
    with pytest.raises(SearchSyntaxError, match="cannot search for"):
        search_passages(db, query)


def test_a_very_common_word_is_ranked_among_its_newest_matches(db):
    with db.atomic():
        add_document(db, 100, "2009-01-01", ["police police police, said the police"] * 30)
        add_document(db, 101, "2025-01-01", [f"The police answered question {n}." for n in range(CANDIDATES)])
    result = search_passages(db, "police", limit=10)
    assert result.bounded and result.total > CANDIDATES
    assert all(row["document_id"] == "test/101" for row in result.rows)
    assert search_passages(db, '"said the police"').rows[0]["document_id"] == "test/100"


def test_the_site_offers_the_same_ranked_search_as_a_canned_query(db, tmp_path):
    metadata = yaml.safe_load(config.METADATA_FILE.read_text(encoding="utf-8"))
    assert metadata["databases"]["pursuit"]["queries"]["search_ranked"]["sql"].strip() == CANNED_SEARCH_SQL
    ds = Datasette(files=[str(tmp_path / "search.db")], metadata=load_metadata(tmp_path / "search.db"))
    response = asyncio.run(ds.client.get("/search/search_ranked.json?query=stalk*&_shape=array"))
    assert response.status_code == 200, response.text[:300]
    assert {row["text"] for row in response.json()} == {TEXTS[2][1], TEXTS[3][1], TEXTS[4][1]}
