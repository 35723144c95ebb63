"""The one item pipeline: store each batch atomically through db.store, count what happened."""

from __future__ import annotations

import logging
from collections import Counter

from scrapy import signals

from db import store
from db.connect import open_db
from spiders.base import ERROR_BUDGET_REASON
from spiders.items import DocumentBatch, Reject

logger = logging.getLogger(__name__)


class StorePipeline:
    """Saves DocumentBatch items in one transaction each and records Reject items."""

    def __init__(self, db_path: str):
        self.db_path = db_path
        self.db = None
        self.counts: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler):
        """Take the database path from the PURSUIT_DB setting."""
        pipeline = cls(crawler.settings.get("PURSUIT_DB"))
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider=None):
        """Open the database once per crawl."""
        self.db = open_db(self.db_path)

    def process_item(self, item, spider=None):
        """Store a batch or a reject; a batch that fails to store becomes a reject."""
        run_id = getattr(spider, "run_id", None)
        if isinstance(item, Reject):
            self._reject(item, run_id)
        elif isinstance(item, DocumentBatch):
            try:
                self._save(item)
            except Exception as error:
                logger.exception("could not store %s", item.url)
                self._reject(Reject(item.source, item.url, "could not store", repr(error)), run_id)
        return item

    def _save(self, batch: DocumentBatch) -> None:
        """Save every document, redirect, vote, record and the state change of one batch atomically."""
        outcomes = []
        with self.db.atomic():
            for document in batch.documents:
                passages = document.get("passages", [])
                outcomes.append(store.save_document(self.db, document, passages))
                store.save_change_notes(self.db, document["id"], document.get("change_notes") or [])
            store.save_redirects(self.db, batch.source, batch.redirects)
            for division_id, votes in batch.votes.items():
                store.save_votes(self.db, division_id, votes)
            store.save_records(self.db, batch.records)
            if batch.state:
                store.set_state(self.db, batch.source, batch.state["key"], batch.state["value"])
        self.counts.update(outcomes)

    def _reject(self, reject: Reject, run_id: int | None) -> None:
        """Record a reject and log it with its URL and reason."""
        logger.error("rejected %s: %s (%s)", reject.url, reject.reason, reject.detail)
        with self.db.atomic():
            store.record_reject(
                self.db, reject.source, reject.url, reject.reason, reject.detail, run_id
            )
        self.counts["rejected"] += 1

    def spider_closed(self, spider, reason: str):
        """Close the crawl_runs row with the counts and how the spider finished, then the db."""
        run_id = getattr(spider, "run_id", None)
        if run_id is not None:
            self.counts["errors"] = getattr(spider, "download_failures", 0)
            failed = self.counts["rejected"] or self.counts["errors"] or reason != "finished"
            status = "completed with errors" if failed else "ok"
            if reason.startswith(ERROR_BUDGET_REASON):
                status = f"stopped: {ERROR_BUDGET_REASON}"
            store.finish_run(self.db, int(run_id), dict(self.counts), status, note=reason)
        self.db.close()
