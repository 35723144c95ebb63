"""Written Questions and Statements API spider: questions with full answers, statements with their links."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response
from twisted.python.failure import Failure

from spiders.api import MissingField, next_skip
from spiders.api_spider import ApiSpider, api_callback, split_list, truthy
from spiders.items import DocumentBatch
from spiders.questions_json import (
    SOURCE,
    is_truncated,
    linked_statements,
    question_records,
    single_value,
    statement_document,
    values,
)

KINDS = ("questions", "statements")
WINDOWS = {"answered": "answeredWhen", "tabled": "tabledWhen"}


def day_key(kind: str) -> str:
    """The crawl_state key holding the last day up to which every question or statement is stored."""
    return f"last_day:{kind}"


class QuestionsSpider(ApiSpider):
    """Lists questions and statements per term in the window; fetches cut answers and linked statements."""

    name = SOURCE
    default_base_url = "https://questions-statements-api.parliament.uk/api/"

    def __init__(
        self,
        *args,
        kinds: str | None = None,
        window: str | None = None,
        answering_bodies: str | None = None,
        full_answers: str | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.kinds = split_list(kinds, ",") or list(KINDS)
        self.window = window or "answered"
        if [k for k in self.kinds if k not in KINDS] or self.window not in WINDOWS:
            raise ValueError(f"questions: kinds must be in {KINDS} and window in {tuple(WINDOWS)}")
        self.answering_bodies = split_list(answering_bodies, ",") or None
        self.full_answers = full_answers is None or truthy(full_answers)
        self.seen: set[str] = set()
        self.requested: set[str] = set()

    async def start(self):
        """One listing per term (or one unfiltered listing when no terms are given) and kind."""
        for item in self._start_requests():
            yield item

    def _start_requests(self) -> Iterator:
        """The first page of every listing, each kind's unit held open until all are out."""
        for kind in self.kinds:
            self.progress.add(kind)
            for term in self.terms or [None]:
                yield from self._page(kind, term, 0)
            yield from self.finish(kind)

    def _page(self, kind: str, term: str | None, skip: int) -> Iterator:
        """One page of questions (or statements) for `term` in the window."""
        start = self.window_start(day_key(kind))
        prefix = WINDOWS[self.window] if kind == "questions" else "madeWhen"
        params = {
            "searchTerm": term,
            f"{prefix}From": start.isoformat() if start else None,
            f"{prefix}To": self.until.isoformat(),
            "answeringBodies": self.answering_bodies,
            "expandMember": True,
            "skip": skip,
            "take": self.page_size,
        }
        path = "writtenquestions/questions" if kind == "questions" else "writtenstatements/statements"
        callback = self.parse_questions if kind == "questions" else self.parse_statements
        yield from self.follow(path, params, callback, kind, term=term, skip=skip)

    @api_callback
    def parse_questions(self, response: Response, payload, term: str | None, skip: int):
        """Store each question of a page (or fetch its answer if the list cut it); then the next page."""
        items, total = values(payload)
        for item in items:
            key = f"question/{item.get('id')}" if isinstance(item, dict) and item.get("id") else None
            if key in self.seen:
                continue
            if key:
                self.seen.add(key)
            if self.full_answers and isinstance(item, dict) and item.get("id") and is_truncated(item):
                yield from self.follow(
                    f"writtenquestions/questions/{item['id']}",
                    {"expandMember": True},
                    self.parse_question,
                    "questions",
                    errback=self.answer_failed,
                    item=item,
                )
            else:
                yield from self._store_question(response, item, full_answer=False)
        following = next_skip(skip, len(items), total)
        if following is not None:
            yield from self._page("questions", term, following)

    @api_callback
    def parse_question(self, response: Response, payload, item: dict[str, Any]):
        """Store a question from its own response, which carries the whole answer."""
        yield from self._store_question(response, {**item, **single_value(payload)}, full_answer=True)

    def _store_question(self, response: Response, item: Any, full_answer: bool) -> Iterator:
        """A batch with the question's document and `questions` row (or a reject)."""
        url = response.meta["api_url"]
        try:
            document, row = question_records(item, url, full_answer)
        except MissingField as error:
            yield self.item_reject(response, error)
            return
        yield DocumentBatch(SOURCE, url, [document], records={"questions": [row]})

    def answer_failed(self, failure: Failure):
        """Keep a question whose full answer could not be fetched, marked as truncated, and record why."""
        url = failure.request.meta["api_url"]
        try:
            document, row = question_records(failure.request.cb_kwargs["item"], url, full_answer=False)
        except MissingField:
            pass
        else:
            yield DocumentBatch(SOURCE, url, [document], records={"questions": [row]})
        yield from self.request_failed(failure)

    @api_callback
    def parse_statements(self, response: Response, payload, term: str | None, skip: int):
        """Store each statement of a page and fetch the statements it links to; then the next page."""
        items, total = values(payload)
        for item in items:
            yield from self._store_statement(response, item)
        following = next_skip(skip, len(items), total)
        if following is not None:
            yield from self._page("statements", term, following)

    @api_callback
    def parse_statement(self, response: Response, payload):
        """Store a linked statement fetched by its id."""
        yield from self._store_statement(response, single_value(payload))

    def _store_statement(self, response: Response, item: Any) -> Iterator:
        """A batch with one statement, then requests for linked statements not yet seen."""
        url = response.meta["api_url"]
        try:
            document = statement_document(item, url)
        except MissingField as error:
            yield self.item_reject(response, error)
            return
        if document["id"] in self.seen:
            return
        self.seen.add(document["id"])
        yield DocumentBatch(SOURCE, url, [document])
        for link in linked_statements(item):
            linked = f"{SOURCE}/statement/{link['id']}"
            if linked not in self.seen and linked not in self.requested:
                self.requested.add(linked)
                yield from self.follow(
                    f"writtenstatements/statements/{link['id']}",
                    {"expandMember": True},
                    self.parse_statement,
                    response.meta["unit"],
                )

    def unit_complete(self, unit) -> dict[str, str] | None:
        """A whole window of questions or statements moves that kind's mark to --until."""
        return self.mark_state(day_key(unit))
