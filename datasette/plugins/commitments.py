"""Ledger pages: /-/commitments (filter by topic, actor, status, date, overdue) and /-/commitments/<id>
(the promise, its status, restatements and evidence timeline). Thin over db.ledger_pages and
pursuit.ledger_pages."""

from __future__ import annotations

from functools import lru_cache

from datasette.utils.asgi import NotFound, Response

from datasette import hookimpl
from db import ledger_pages as ledger_queries
from db.ledger_pages import (
    TOPIC_SCOPES,
    commitment,
    count_commitments,
    evidence_timeline,
    filter_choices,
    list_commitments,
    passages_and_documents,
    restatements,
)
from nlp.taxonomy import load_taxonomy as read_taxonomy
from pursuit.ledger_pages import (
    ACTOR_KIND_LABELS,
    SCOPE_LABELS,
    STATUS_MEANINGS,
    FilterError,
    citations,
    describe_filters,
    filters_query,
    page_links,
    page_number,
    passage_path,
    read_filters,
)


@lru_cache(maxsize=1)
def load_taxonomy():
    """The taxonomy, read once per process."""
    return read_taxonomy()


async def commitments_page(datasette, request):
    """The ledger: the commitments matching the filters in the address, newest first, a page at a time."""
    topics = list(load_taxonomy().topics)
    labels = {t.id: t.label for t in topics}
    database = datasette.get_database()
    try:
        filters = read_filters({key: request.args.getlist(key) for key in request.args}, list(labels))
    except FilterError as error:
        return Response.html(await datasette.render_template(
            "commitments.html", {"error": str(error), "filters": None, "rows": [], "topics": topics,
                                 "choices": {}, "statuses": STATUS_MEANINGS, "database": database.name},
            request=request), status=400)
    size = ledger_queries.PAGE_SIZE
    total = await database.execute_fn(lambda conn: count_commitments(conn, filters))
    asked = page_number({key: request.args.getlist(key) for key in request.args})
    page = min(asked, max(1, -(-total // size)))  # past the last page: the last page
    rows = await database.execute_fn(lambda conn: list_commitments(conn, filters, size, (page - 1) * size))
    choices = await database.execute_fn(filter_choices)
    context = {
        "filters": filters, "rows": rows, "topics": topics, "labels": labels, "choices": choices,
        "paging": page_links(filters, page, total, size),
        "scopes": [(scope, SCOPE_LABELS[scope]) for scope in TOPIC_SCOPES], "statuses": STATUS_MEANINGS,
        "actor_kind_labels": ACTOR_KIND_LABELS, "described": describe_filters(filters, labels),
        "query": filters_query(filters), "database": database.name, "error": None,
    }
    return Response.html(await datasette.render_template("commitments.html", context, request=request))


async def commitment_page(datasette, request):
    """One commitment: quote, who, when, deadline, status (curated and suggested), restatements, evidence."""
    commitment_id = request.url_vars["commitment_id"]
    database = datasette.get_database()
    row = await database.execute_fn(lambda conn: commitment(conn, commitment_id))
    if row is None:
        raise NotFound(f"No commitment {commitment_id!r}: see /-/commitments for the ledger")
    occurrences = await database.execute_fn(lambda conn: restatements(conn, commitment_id))
    evidence = await database.execute_fn(lambda conn: evidence_timeline(conn, commitment_id))
    items = [row, *occurrences, *evidence]
    passage_ids = [item["passage_id"] for item in items]
    sources = await database.execute_fn(lambda conn: passages_and_documents(conn, passage_ids))
    cited = citations(sources)
    for item in items:
        item["page"] = passage_path(item["passage_id"])
        item["citation"] = cited.get(item["passage_id"])
    labels = {t.id: t.label for t in load_taxonomy().topics}
    context = {"c": row, "occurrences": occurrences, "evidence": evidence, "statuses": STATUS_MEANINGS,
               "labels": labels, "database": database.name}
    return Response.html(await datasette.render_template("commitment.html", context, request=request))


@hookimpl
def register_routes():
    """The ledger pages' routes."""
    return [
        (r"^/-/commitments$", commitments_page),
        (r"^/-/commitments/(?P<commitment_id>c-[0-9a-f]+)$", commitment_page),
    ]
