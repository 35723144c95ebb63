"""Topic pages: /-/topics (every taxonomy topic with its counts), /-/topics/<id> (monthly chart and key
passages) and /-/topics/<id>/timeline.json (TimelineJS3). Thin over db.timelines and pursuit.timelines."""

from __future__ import annotations

from functools import lru_cache

from datasette.utils.asgi import NotFound, Response

from datasette import hookimpl
from db.timelines import key_passages, mentions_by_month, topic_counts
from nlp.taxonomy import load_taxonomy as read_taxonomy
from pursuit.ledger_pages import passage_path
from pursuit.timelines import chart_series, script_json, timelinejs, topic_summaries


@lru_cache(maxsize=1)
def load_taxonomy():
    """The taxonomy, read once per process."""
    return read_taxonomy()


def _topic(topic_id: str):
    """The taxonomy topic with this id, or a 404 naming it."""
    for topic in load_taxonomy().topics:
        if topic.id == topic_id:
            return topic
    raise NotFound(f"No topic {topic_id!r}: see /-/topics for the list")


async def topics_page(datasette, request):
    """Every topic with its label, description and mention counts."""
    database = datasette.get_database()
    counts = await database.execute_fn(topic_counts)
    topics = topic_summaries(list(load_taxonomy().topics), counts)
    return Response.html(await datasette.render_template(
        "topics.html", {"topics": topics, "database": database.name}, request=request))


async def topic_page(datasette, request):
    """One topic: mentions per month by source kind (chart and table) and its key passages."""
    topic = _topic(request.url_vars["topic_id"])
    database = datasette.get_database()
    monthly = await database.execute_fn(lambda conn: mentions_by_month(conn, topic.id))
    passages = await database.execute_fn(lambda conn: key_passages(conn, topic.id))
    for passage in passages:
        passage["page"] = passage_path(passage["passage_id"])
    series = chart_series(monthly)
    context = {"topic": topic, "monthly": monthly, "series": series, "chart_json": script_json(series),
               "passages": passages, "database": database.name}
    return Response.html(await datasette.render_template("topic.html", context, request=request))


async def topic_timeline(datasette, request):
    """The topic's key passages as a TimelineJS3 JSON document."""
    topic = _topic(request.url_vars["topic_id"])
    database = datasette.get_database()
    passages = await database.execute_fn(lambda conn: key_passages(conn, topic.id))
    return Response.json(timelinejs(topic, passages, passage_path),
                         headers={"Access-Control-Allow-Origin": "*"})


@hookimpl
def register_routes():
    """The topic pages' routes."""
    return [
        (r"^/-/topics$", topics_page),
        (r"^/-/topics/(?P<topic_id>[a-z0-9_]+)/timeline\.json$", topic_timeline),
        (r"^/-/topics/(?P<topic_id>[a-z0-9_]+)$", topic_page),
    ]
