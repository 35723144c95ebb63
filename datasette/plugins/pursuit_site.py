"""pursuit's own pages and site-wide hooks: navigation, home page coverage, search, passage pages, feeds."""

from __future__ import annotations

from urllib.parse import unquote

import markupsafe
from datasette.utils import sqlite_timelimit, tilde_encode
from datasette.utils.asgi import Response

from datasette import hookimpl
from db import search, site
from pursuit import site as pages

PASSAGE_COLUMNS = {"passage_id"}
SEARCH_TIME_LIMIT_MS = 3000


def database_name(datasette) -> str:
    """The name of the one published database."""
    return datasette.get_database().name


async def run(datasette, fn):
    """Run fn(conn) on the published database's read connection under the site's SQL time limit."""
    limit = min(SEARCH_TIME_LIMIT_MS, datasette.setting("sql_time_limit_ms"))

    def limited(conn):
        with sqlite_timelimit(conn, limit):
            return fn(conn)

    return await datasette.get_database().execute_fn(limited)


@hookimpl
def prepare_jinja2_environment(env):
    """Templates can link any passage id to its page with `{{ id|passage_url }}`."""
    env.filters["passage_url"] = pages.passage_path


@hookimpl
def extra_template_vars(view_name, datasette):
    """Every page gets the navigation bar; the home page also gets what each source covers."""

    async def inner():
        name = database_name(datasette)
        found = {"pursuit_nav": pages.nav_links(name), "pursuit_database": name}
        if view_name == "index":
            found["coverage"] = await run(datasette, site.coverage)
        return found

    return inner


@hookimpl
def canned_queries(database, datasette):
    """Ranked search (db.search) and the Atom feeds (db.site) as canned queries on the published database."""
    if database == database_name(datasette):
        return site.canned_queries()
    return None


@hookimpl
def render_cell(value, column):
    """A passage id in any table, view or query links to its passage page (foreign keys included)."""
    if column not in PASSAGE_COLUMNS:
        return None
    passage_id = value.get("value") if isinstance(value, dict) else value  # an expanded foreign key
    if not isinstance(passage_id, str) or not passage_id:
        return None
    return markupsafe.Markup('<a href="{}">{}</a>').format(pages.passage_path(passage_id), passage_id)


@hookimpl
def register_routes():
    """The search page and the passage pages."""
    return [
        (r"^/-/search$", search_page),
        (r"^/-/passage/(?P<id>.+)$", passage_page),
    ]


async def search_page(request, datasette):
    """Full-text search over passages or sentences, ranked by relevance, with facets and a feed."""
    asked = pages.search_request(request.args)
    name = database_name(datasette)
    context = {"asked": asked, "examples": pages.SYNTAX_EXAMPLES, "party_note": pages.PARTY_NOTE,
               "error": None, "results": None}
    if asked["q"]:
        try:
            found = await run(datasette, lambda conn: search.search(
                conn, asked["target"], asked["q"], asked["filters"], asked["page"]))
            context["results"] = pages.results_context(asked, found, name)
        except search.SearchSyntaxError as error:
            context["error"] = str(error)
        except Exception as error:
            if "interrupted" not in str(error):
                raise
            context["error"] = ("This search took too long and was stopped. Try more specific words, "
                                "a phrase in double quotes, or a filter.")
    html = await datasette.render_template("pursuit_search.html", context, request=request)
    return Response.html(html, status=400 if context["error"] else 200)


async def passage_page(request, datasette):
    """One passage: the quote, who said it and when, its neighbours, topics, source and citation."""
    passage_id = unquote(request.url_vars["id"])
    view = await run(datasette, lambda conn: site.passage_view(conn, passage_id))
    if view is None:
        html = await datasette.render_template("pursuit_passage_missing.html", {"passage_id": passage_id},
                                               request=request)
        return Response.html(html, status=404)
    name = database_name(datasette)
    context = {
        **pages.passage_context(view),
        "document_url": datasette.urls.row(name, "documents", tilde_encode(view["passage"]["document_id"])),
        "passage_row_url": datasette.urls.row(name, "passages", tilde_encode(passage_id)),
    }
    html = await datasette.render_template("pursuit_passage.html", context, request=request)
    return Response.html(html)
