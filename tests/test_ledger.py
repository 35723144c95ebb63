"""`pursuit link` over a real database: commitments, restatements, evidence, curation, overdue, increments."""

from __future__ import annotations

import pytest
from conftest import run_pursuit

from db import store
from db.connect import open_db
from nlp.embed import HashingEmbedder
from nlp.train import DATA_DIR, train_heads
from pursuit.curation import CurationError, load_curation, parse_curation
from pursuit.ledger import link_database, quotable
from pursuit.tagging import tag_database

PLEDGE = (
    "We will pursue perpetrators of domestic abuse relentlessly and publish a perpetrator strategy by 2023."
)
RESTATED = (
    "We will pursue perpetrators of domestic abuse relentlessly and publish a perpetrator strategy by 2023!"
)
EARLIER = (
    "Officers pursue perpetrators of domestic abuse relentlessly and publish a perpetrator strategy, "
    "said the chief constable."
)
PROGRESS = (
    "Forces are making progress: we pursue perpetrators of domestic abuse relentlessly "
    "and publish a perpetrator strategy."
)
DELIVERED = (
    "We have published a perpetrator strategy, to pursue perpetrators of domestic abuse relentlessly by 2023."
)
UNRELATED = "The committee discussed the maintenance budget for school buildings in rural counties."


def _document(
    doc_id: str, date: str, texts: list[str], kind: str = "written_statement", publisher: str = "Home Office"
) -> tuple[dict, list[dict]]:
    """A document and its paragraph passages, as a spider would store them."""
    document = {
        "id": f"test/{doc_id}",
        "source": "test",
        "native_id": doc_id,
        "kind": kind,
        "title": doc_id,
        "date": date,
        "publisher": publisher,
        "url": f"https://example.gov.uk/{doc_id}",
        "licence": "OGL",
    }
    passages = [
        {
            "id": f"test/{doc_id}/p{i + 1}",
            "position": i,
            "text": text,
            "permalink": f"https://example.gov.uk/{doc_id}#p{i + 1}",
        }
        for i, text in enumerate(texts)
    ]
    return document, passages


def _add(db, doc_id: str, date: str, texts: list[str], **kwargs) -> None:
    """Store a document."""
    document, passages = _document(doc_id, date, texts, **kwargs)
    with db.atomic():
        store.save_document(db, document, passages)


@pytest.fixture(scope="module")
def fake_heads():
    """Heads fitted on the bundled data with the deterministic hashing embedder."""
    return train_heads(sorted(DATA_DIR.glob("*.jsonl")), HashingEmbedder())


@pytest.fixture
def ledger_db(tmp_path, fake_heads):
    """A tagged database: an earlier remark, a pledge, its restatement, progress, and an unrelated text."""
    db = open_db(tmp_path / "ledger.db")
    _add(db, "earlier", "2021-05-01", [EARLIER], kind="police_release", publisher="Example Constabulary")
    _add(db, "pledge", "2022-03-30", [PLEDGE])
    _add(db, "restated", "2022-06-20", [RESTATED], kind="hansard_debate")
    _add(db, "progress", "2023-03-01", [PROGRESS], kind="police_release", publisher="NPCC")
    _add(db, "unrelated", "2023-04-01", [UNRELATED])
    tag_database(db, HashingEmbedder(), fake_heads)
    return db


def _commitment(db) -> dict:
    rows = list(db.query("select * from commitments where quote = ?", [PLEDGE]))
    assert len(rows) == 1
    return rows[0]


def test_pledge_becomes_a_commitment_with_actor_action_deadline_and_source(ledger_db):
    run = link_database(ledger_db, HashingEmbedder(), as_of="2022-12-01")
    assert run.commitments_new >= 1
    c = _commitment(ledger_db)
    assert (c["date"], c["actor"], c["actor_kind"], c["kind"]) == (
        "2022-03-30",
        "Home Office",
        "government",
        "pledge",
    )
    assert c["action"].startswith("pursue perpetrators of domestic abuse relentlessly")
    assert (c["deadline_text"], c["deadline_date"]) == ("by 2023", "2023-12-31")
    assert "perpetrator_pursuit" in c["topics"].split(",")
    assert c["url"] == "https://example.gov.uk/pledge#p1" and c["document_id"] == "test/pledge"
    assert c["issuing_body"] == "Home Office"


def test_restatement_is_grouped_under_the_first_statement(ledger_db):
    link_database(ledger_db, HashingEmbedder(), as_of="2022-12-01")
    c = _commitment(ledger_db)
    occurrences = list(
        ledger_db.query(
            "select document_id, date from commitment_occurrences where commitment_id = ? order by date",
            [c["id"]],
        )
    )
    assert occurrences == [
        {"document_id": "test/pledge", "date": "2022-03-30"},
        {"document_id": "test/restated", "date": "2022-06-20"},
    ]
    assert c["restatements"] == 2
    assert (
        ledger_db.execute("select count(*) from commitments where quote = ?", [RESTATED]).fetchone()[0] == 0
    )


def test_evidence_is_only_later_passages_in_date_order_with_relation_and_reason(ledger_db):
    link_database(ledger_db, HashingEmbedder(), as_of="2023-06-01")
    c = _commitment(ledger_db)
    evidence = list(
        ledger_db.query("select * from evidence where commitment_id = ? order by date", [c["id"]])
    )
    documents = [e["document_id"] for e in evidence]
    assert "test/progress" in documents
    assert "test/restated" in documents  # a later restatement is evidence too
    # the earlier text is as similar as the progress report, but came before the promise
    assert (
        "test/earlier" not in documents
        and "test/unrelated" not in documents
        and "test/pledge" not in documents
    )
    assert all(e["date"] > c["date"] for e in evidence)
    assert [e["date"] for e in evidence] == sorted(e["date"] for e in evidence)
    progress = next(e for e in evidence if e["document_id"] == "test/progress")
    assert progress["relation"] == "progress"
    assert (
        progress["reason"].startswith("similar sentence (cosine ")
        and progress["score"] >= progress["similarity"]
    )
    assert progress["quote"] == PROGRESS and progress["url"] == "https://example.gov.uk/progress#p1"


def test_machine_status_is_indicative_and_rests_on_evidence(ledger_db):
    link_database(ledger_db, HashingEmbedder(), as_of="2023-06-01")
    c = _commitment(ledger_db)
    assert c["machine_status"] == "in progress" and c["status"] == "in progress"
    assert c["status_source"] == "machine (indicative)" and c["machine_status_reason"].startswith(
        "indicative:"
    )
    assert c["machine_status_evidence"] == f'["{c["id"]}|test/progress/p1"]'


def test_overdue_when_deadline_passes_without_delivery_and_cleared_by_delivery(ledger_db, fake_heads):
    link_database(ledger_db, HashingEmbedder(), as_of="2024-02-01")
    c = _commitment(ledger_db)
    assert c["overdue"] == 1 and c["status"] == "stalled"
    assert [r["id"] for r in ledger_db.query("select id from overdue_commitments")] == [c["id"]]
    _add(ledger_db, "delivered", "2024-03-01", [DELIVERED])
    tag_database(ledger_db, HashingEmbedder(), fake_heads)
    link_database(ledger_db, HashingEmbedder(), as_of="2024-04-01")
    c = _commitment(ledger_db)
    assert c["overdue"] == 0 and c["machine_status"] == "delivered"


def test_curated_status_wins_and_survives_reruns(ledger_db, tmp_path, fake_heads):
    link_database(ledger_db, HashingEmbedder(), as_of="2023-06-01")
    c = _commitment(ledger_db)
    curation = tmp_path / "commitments.yml"
    curation.write_text(
        f"- commitment: {c['id']}\n  status: broken\n  note: Strategy never appeared.\n"
        "  evidence:\n    - https://example.org/report\n  who: A Campaigner\n  when: 2024-01-15\n",
        encoding="utf-8",
    )
    curated = load_curation(curation)
    for _ in range(2):
        link_database(ledger_db, HashingEmbedder(), curated, as_of="2023-06-01")
    _add(ledger_db, "delivered", "2024-03-01", [DELIVERED])
    tag_database(ledger_db, HashingEmbedder(), fake_heads)
    link_database(ledger_db, HashingEmbedder(), curated, as_of="2024-04-01")
    c = _commitment(ledger_db)
    assert (c["status"], c["status_source"], c["curated_status"]) == ("broken", "curated", "broken")
    assert c["machine_status"] == "delivered"
    assert (c["curated_by"], c["curated_on"], c["curated_note"]) == (
        "A Campaigner",
        "2024-01-15",
        "Strategy never appeared.",
    )
    assert c["curated_evidence_urls"] == '["https://example.org/report"]'
    link_database(ledger_db, HashingEmbedder(), [], as_of="2024-04-01")
    assert _commitment(ledger_db)["status"] == "delivered"  # removing the entry hands back to the machine


def test_incremental_run_links_only_new_passages_to_existing_commitments(ledger_db, fake_heads):
    first = link_database(ledger_db, HashingEmbedder(), as_of="2023-06-01")
    before = {r["id"]: r["linked_at"] for r in ledger_db.query("select id, linked_at from evidence")}
    again = link_database(ledger_db, HashingEmbedder(), as_of="2023-06-01")
    assert again.new_sentences == 0 and again.evidence_new == 0 and again.commitments_new == 0
    _add(ledger_db, "delivered", "2024-03-01", [DELIVERED])
    tag_database(ledger_db, HashingEmbedder(), fake_heads)
    third = link_database(ledger_db, HashingEmbedder(), as_of="2024-04-01")
    assert third.new_sentences == 1 and first.new_sentences > 1
    after = {r["id"]: r["linked_at"] for r in ledger_db.query("select id, linked_at from evidence")}
    assert {k: after[k] for k in before} == before  # earlier links were not recomputed
    c = _commitment(ledger_db)
    new = [
        r
        for r in ledger_db.query("select * from evidence where commitment_id = ?", [c["id"]])
        if r["id"] not in before
    ]
    assert [(r["document_id"], r["relation"]) for r in new] == [("test/delivered", "delivered")]


def test_revised_passage_is_relinked_and_its_old_evidence_dropped(ledger_db, fake_heads):
    link_database(ledger_db, HashingEmbedder(), as_of="2023-06-01")
    _add(
        ledger_db,
        "progress",
        "2023-03-01",
        [UNRELATED + " Nothing else."],
        kind="police_release",
        publisher="NPCC",
    )
    tag_database(ledger_db, HashingEmbedder(), fake_heads)
    link_database(ledger_db, HashingEmbedder(), as_of="2023-06-01")
    assert (
        ledger_db.execute("select count(*) from evidence where document_id = 'test/progress'").fetchone()[0]
        == 0
    )


GOOD_YAML = """# curated statuses
- commitment: c-0123456789
  status: delivered
  who: A Campaigner
  when: 2024-01-15
"""


def test_invalid_curation_file_is_rejected_with_line_and_reason():
    text = GOOD_YAML + (
        "- commitment: c-0123456789\n  status: done\n  who: B\n  when: 2024-02-30\n"
        "  evidence: [not-a-url]\n  colour: red\n- status: broken\n  who: C\n  when: 2024-01-01\n"
    )
    with pytest.raises(CurationError) as error:
        parse_curation(text, "curation/commitments.yml")
    message = str(error.value)
    assert "curation/commitments.yml:6: status 'done' is not one of: not yet rated, in progress" in message
    assert "curation/commitments.yml:6: 'when' '2024-02-30' is not a date (YYYY-MM-DD)" in message
    assert "curation/commitments.yml:6: evidence 'not-a-url' is not an http(s) URL" in message
    assert "curation/commitments.yml:6: unknown field 'colour'" in message
    assert "curation/commitments.yml:6: commitment c-0123456789 is already curated at line 2" in message
    assert "curation/commitments.yml:12: missing 'commitment'" in message


def test_broken_yaml_is_rejected_with_its_line():
    with pytest.raises(CurationError, match=r"x.yml:3: not valid YAML"):
        parse_curation("- commitment: c-1\n  status: delivered\n    who: [unclosed\n", "x.yml")


def test_csv_curation_is_read_with_urls_split():
    text = (
        "commitment,status,note,evidence,who,when\n"
        "c-1,partly delivered,half the roles funded,https://a.example/1 https://b.example/2,Ann,2024-05-01\n"
    )
    (entry,) = parse_curation(text, "commitments.csv")
    assert (entry.commitment, entry.status, entry.line) == ("c-1", "partly delivered", 2)
    assert entry.evidence == ("https://a.example/1", "https://b.example/2")
    with pytest.raises(CurationError, match=r"commitments.csv:2: missing 'who'"):
        parse_curation("commitment,status,who,when\nc-1,delivered,,2024-05-01\n", "commitments.csv")


def test_link_command_refuses_an_invalid_curation_file(tmp_path):
    db_path = tmp_path / "x.db"
    run_pursuit("init", str(db_path))
    bad = tmp_path / "bad.yml"
    bad.write_text("- commitment: c-1\n  status: finished\n  who: A\n  when: 2024-01-01\n", encoding="utf-8")
    result = run_pursuit("link", str(db_path), "--curation", str(bad), check=False)
    assert result.returncode != 0
    assert f"{bad}:1: status 'finished' is not one of" in result.stderr


@pytest.mark.parametrize(("sentence", "quote"), [
    ("- Part of the plan to halve violence.", "Part of the plan to halve violence."),
    ("• the police recorded more crimes", "the police recorded more crimes"),
    ("2. Forces will pursue abusers.", "Forces will pursue abusers."),
    ("(b) a domestic abuse commissioner", "a domestic abuse commissioner"),
    ("2021 was the year the framework was published.", "2021 was the year the framework was published."),
    ("Well-trained officers will act.", "Well-trained officers will act."),
])
def test_quotes_leave_off_the_source_pages_list_markers(sentence, quote):
    assert quotable(sentence) == quote


def test_a_pledge_from_a_bulleted_list_is_quoted_without_its_bullet(tmp_path, fake_heads):
    db = open_db(tmp_path / "bullets.db")
    _add(db, "bullets", "2022-03-30", ["- " + PLEDGE])
    tag_database(db, HashingEmbedder(), fake_heads)
    link_database(db, HashingEmbedder())
    row = next(iter(db.query("select quote, sentence_id from commitments")))
    sentence = db["sentences"].get(row["sentence_id"])
    assert sentence["text"] == "- " + PLEDGE and row["quote"] == PLEDGE
