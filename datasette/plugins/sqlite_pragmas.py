"""Datasette hook: every connection to the served database reads with pursuit's read-side PRAGMAs."""

from datasette import hookimpl
from db.connect import tune_reader


@hookimpl
def prepare_connection(conn):
    """Memory-mapped reads, a bigger page cache and in-memory sorts (see db.connect.READER_PRAGMAS)."""
    tune_reader(conn)
