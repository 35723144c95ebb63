"""The `pursuit` command line: one click group, database path first, every command re-runnable."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from pursuit import config

DATE = click.DateTime(formats=["%Y-%m-%d"])
DB_PATH = click.Path(dir_okay=False, path_type=Path)


def _iso(value: dt.datetime | None) -> str | None:
    """A click date option as YYYY-MM-DD (None stays None)."""
    return value.date().isoformat() if value else None


@click.group()
@click.version_option(package_name="pursuit")
def cli():
    """pursuit: what Parliament, government and police promised on perpetrator pursuit,
    stalking and domestic abuse, and the evidence of what happened next.

    Quick start: `pursuit demo` builds a demo database from bundled real data and serves it.
    """


@cli.command()
@click.argument("db_path", type=DB_PATH)
def init(db_path: Path):
    """Create the database DB_PATH, or migrate it to the latest schema.

    Safe to run again: applied migrations are skipped.

    Example: pursuit init pursuit.db
    """
    from db.connect import open_db
    from db.migrations import MIGRATIONS

    open_db(db_path).close()
    click.echo(f"{db_path}: schema up to date ({len(MIGRATIONS)} migrations)")


@cli.command()
@click.argument("db_path", type=DB_PATH)
@click.argument("sources", nargs=-1, required=True)
@click.option("--since", type=DATE, help="First day to crawl (default: where the last run stopped).")
@click.option("--until", type=DATE, help="Last day to crawl (default: today).")
@click.option("--load", type=click.Path(exists=True, path_type=Path),
              help="Parse saved files (a file or a folder) instead of fetching.")
@click.option("--base-url", help="Fetch from this base URL instead of the live source.")
@click.option("--delay", type=float, help="Seconds between requests to one host (default 1).")
@click.option("--full-refresh", is_flag=True,
              help="Fetch everything in the window again instead of stopping at known items.")
@click.option("--arg", "-a", "spider_args", multiple=True, metavar="NAME=VALUE",
              help="A source's own option, e.g. -a terms='stalking;domestic abuse' (repeatable).")
def crawl(db_path: Path, sources, since, until, load, base_url, delay, full_refresh, spider_args):
    """Crawl SOURCES (e.g. parlparse) into DB_PATH.

    Runs are incremental: without --since, each source starts from its stored high-water mark.
    Re-crawling unchanged data changes nothing; changed documents keep their old version in
    `revisions`; bad input is kept in `rejects` with its URL and reason.

    Example: pursuit crawl pursuit.db parlparse --since 2024-01-01

    Example: pursuit crawl pursuit.db govuk police -a organisations=home-office --full-refresh
    """
    from spiders.run import UnknownSource, run_crawls

    args = {"since": _iso(since), "until": _iso(until), "base_url": base_url,
            "load": str(load) if load else None}
    args.update(_spider_args(spider_args, reserved=set(args)))
    if full_refresh:
        args["full_refresh"] = True
    if load and delay is None:
        delay = 0.0
    try:
        run_ids = run_crawls(str(db_path), list(sources), args, delay=delay)
    except UnknownSource as error:
        raise click.UsageError(str(error)) from error
    _report_runs(db_path, run_ids)


def _spider_args(pairs: tuple[str, ...], reserved: set[str]) -> dict[str, str]:
    """Parse repeated NAME=VALUE options into spider arguments, refusing malformed or reserved names."""
    parsed = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier() or name in reserved | {"db_path", "run_id"}:
            raise click.BadParameter(f"{pair!r}: expected NAME=VALUE with a name other than "
                                     f"{', '.join(sorted(reserved))}", param_hint="--arg")
        parsed[name] = value
    return parsed


def _report_runs(db_path: Path, run_ids: list[int]) -> None:
    """Print one line per crawl run: status and item counts."""
    from db.connect import open_db

    db = open_db(db_path)
    for run_id in run_ids:
        run = db["crawl_runs"].get(run_id)
        click.echo(
            f"{run['source']}: {run['status']} — new {run['items_new']}, changed "
            f"{run['items_changed']}, unchanged {run['items_unchanged']}, rejected "
            f"{run['items_rejected']}, download errors {run['errors']}"
        )
    db.close()


@cli.command(name="import")
@click.argument("db_path", type=DB_PATH)
@click.argument("jsonl_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default="import", show_default=True,
              help="Source name: the first part of every imported document's id.")
def import_(db_path: Path, jsonl_file: Path, source: str):
    """Import documents from JSONL_FILE (one JSON object a line) into DB_PATH.

    Each line needs `url`, `title` and `text`; `publisher`, `kind`, `date` (YYYY-MM-DD) and
    `licence` are kept when given. Text is split into paragraph passages at blank lines.
    A bad line is rejected with its line number and reason; the others load.

    Example: pursuit import pursuit.db tests/fixtures/corpus/documents.jsonl
    """
    from db.connect import open_db
    from pursuit.importer import import_jsonl

    db = open_db(db_path)
    result = import_jsonl(db, jsonl_file, source)
    db.close()
    for _, reason in result.rejected:
        click.echo(f"{jsonl_file}: rejected {reason}", err=True)
    c = result.counts
    click.echo(f"{jsonl_file}: new {c['new']}, changed {c['changed']}, "
               f"unchanged {c['unchanged']}, rejected {c['rejected']}")


def _embedder(model: str | None, fake: bool = False):
    """The configured sentence embedder (the deterministic fake only when asked for)."""
    from nlp.embed import HashingEmbedder, sentence_embedder

    return HashingEmbedder() if fake else sentence_embedder(model)


def _heads(path: Path | None):
    """Learned heads from a file, or the bundled ones."""
    from nlp.heads import DEFAULT_PATH, load_heads

    return load_heads(path or DEFAULT_PATH)


MODEL_OPTION = click.option("--model", envvar="PURSUIT_EMBEDDING_MODEL",
                            help="Sentence-transformers model name or path (default: bundled MiniLM).")
STATIC_OPTION = click.option("--static-model", "static_model", envvar="PURSUIT_STATIC_MODEL",
                             type=click.Path(exists=True, file_okay=False, path_type=Path),
                             help="Folder of the distilled static model (default: nlp/model/static).")
GATE_OPTION = click.option("--gate/--no-gate", default=True, show_default=True,
                           help="Send only the first pass's candidates to the full model (--no-gate: all).")


def _static(folder: Path | None):
    """The distilled static embedding model."""
    from nlp.static import StaticEmbedder

    return StaticEmbedder(folder)


HEADS_OPTION = click.option("--heads", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                            help="Learned heads file (default: nlp/model/heads.npz).")


@cli.command()
@click.argument("db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@MODEL_OPTION
@HEADS_OPTION
@STATIC_OPTION
@GATE_OPTION
@click.option("--batch-size", default=400, show_default=True,
              help="Passages per transaction and per full-model call.")
def tag(db_path: Path, model, heads, static_model, gate: bool, batch_size: int):
    """Tag every new or changed passage in DB_PATH: sentences, topic mentions, commitments, embeddings.

    Only passages whose text changed since they were last tagged (or tagged by another version of
    the tagger) are processed, so a second run does nothing. Each mention records its method
    (rule or semantic), score and reason.

    Example: pursuit tag pursuit.db
    """
    from db.connect import open_db
    from db.tagging import count_pending
    from pursuit.tagging import tag_database, tagger_version

    db = open_db(db_path)
    learned = _heads(heads)
    pending = count_pending(db, tagger_version(learned, gate=gate and learned.gate is not None))
    with click.progressbar(length=pending, label="tagging passages", file=sys.stderr,
                           show_pos=True) as bar:
        run = tag_database(db, _embedder(model), learned, batch_size, progress=bar.update,
                           static=_static(static_model), gate=gate)
    db.close()
    click.echo(f"{db_path}: tagged {run.passages} passages, {run.sentences} sentences, "
               f"{run.mentions} mentions; first pass sent {run.sent_on} sentences on to the model; "
               f"embedded {run.embedded} new sentences, reused {run.reused}")


@cli.command()
@MODEL_OPTION
@HEADS_OPTION
@STATIC_OPTION
@GATE_OPTION
def classify(model, heads, static_model, gate: bool):
    """Classify JSON lines from stdin: each needs `id` and `text`; one JSON line out per line in.

    Output: {"id", "topics": [...], "commitment": true|false, "reasons": {...}}. A bad input line
    gives a line with an "error" field (and a message on stderr); the others go on.

    Example: pursuit classify < sentences.jsonl > tags.jsonl
    """
    from nlp.tag import Tagger
    from pursuit.classifying import classify_stream

    tagger = Tagger(_embedder(model), _heads(heads), static=_static(static_model), gate=gate)
    for record, error in classify_stream(tagger, sys.stdin):
        if error:
            click.echo(error, err=True)
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()


@cli.command()
@click.argument("gold_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@MODEL_OPTION
@HEADS_OPTION
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the report as JSON to this file.")
@STATIC_OPTION
@GATE_OPTION
def evaluate(gold_path: Path, model, heads, json_out, static_model, gate: bool):
    """Score the tagger on GOLD_PATH (JSON lines with text, topics, commitment).

    Prints precision, recall and F1 per topic, the topics' macro-F1 and commitment F1.
    Given labelled commitment/evidence pairs instead (lines with candidate_text and relevant),
    scores the evidence ranking: precision@5 per commitment and recall of the relevant pairs.

    Example: pursuit evaluate tests/fixtures/nlp/gold.jsonl --json report.json
    """
    from nlp.evaluate import format_table
    from nlp.tag import Tagger
    from pursuit.classifying import evaluate_file
    from pursuit.evidence_eval import evaluate_pairs, format_evidence_report, is_evidence_gold, read_pairs

    tagger = Tagger(_embedder(model), _heads(heads), static=_static(static_model), gate=gate)
    if is_evidence_gold(gold_path):
        report = evaluate_pairs(tagger, read_pairs(gold_path))
        click.echo(format_evidence_report(report))
    else:
        report = evaluate_file(tagger, gold_path)
        click.echo(format_table(report))
        click.echo(f"first pass: sent {report['sent_on']} of {report['items']} sentences to the model; "
                   f"recall of what the ungated tagger tags: {report['gate_recall']}")
    if json_out:
        json_out.write_text(json.dumps(report, indent=2), encoding="utf-8")


@cli.command()
@click.option("--data", "data_paths", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Labelled JSON lines to learn from (default: every nlp/data/*.jsonl).")
@MODEL_OPTION
@STATIC_OPTION
@click.option("--background", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Unlabelled sentences, one a line, that teach the first pass what to skip "
                   "(default: nlp/data/background.txt).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the heads.")
def train(data_paths, model, static_model, background, out):
    """Fit the semantic tagger's heads on labelled sentences and the taxonomy's examples.

    Thresholds are calibrated per topic on five-fold out-of-fold predictions. Run it after
    editing nlp/taxonomy.yml or the labelled data; it rewrites nlp/model/heads.npz.

    Example: pursuit train --data nlp/data/train.jsonl
    """
    from nlp.heads import DEFAULT_PATH
    from nlp.train import BACKGROUND, DATA_DIR, train_heads

    paths = list(data_paths) or sorted(DATA_DIR.glob("*.jsonl"))
    heads = train_heads(paths, _embedder(model), static=_static(static_model),
                        background_path=background or BACKGROUND)
    heads.save(out or DEFAULT_PATH)
    thresholds = ", ".join(f"{t}={v:.2f}" for t, v in zip([*heads.topics, "commitment"], heads.thresholds,
                                                          strict=True))
    click.echo(f"trained on {heads.meta['sentences']} sentences and {heads.meta['examples']} examples; "
               f"thresholds: {thresholds}; first pass threshold {heads.gate.threshold:.3f} "
               f"(out-of-fold recall {heads.meta['gate_recall_out_of_fold']}, "
               f"sends {heads.meta['gate_send_share_training']:.0%} of the "
               f"{heads.meta['gate_remit_share_training']:.0%} of training sentences inside the model's "
               f"remit); wrote {out or DEFAULT_PATH}")


@cli.command()
@click.argument("db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--curation", type=click.Path(dir_okay=False, path_type=Path), default=config.CURATION_FILE,
              show_default="curation/commitments.yml",
              help="Curated statuses (YAML or CSV) that override the machine.")
@click.option("--as-of", type=DATE, help="Judge deadlines as of this day (default: today).")
@MODEL_OPTION
def link(db_path: Path, curation: Path, as_of, model):
    """Build the commitments ledger in DB_PATH from tagged sentences and link later evidence.

    Pledges become commitments (restatements grouped under the first statement), each linked to
    later passages from any source that speak to it, with a relation and the reason. Statuses are
    suggested (indicative) from the evidence; curated statuses from the curation file always win;
    commitments past their deadline with no delivery are flagged overdue. Incremental: only sentences
    tagged since the last run are processed. Run `pursuit tag` first.

    Example: pursuit link pursuit.db --curation curation/commitments.yml
    """
    from db.connect import open_db
    from pursuit.curation import CurationError, load_curation
    from pursuit.ledger import link_database

    try:
        curated = load_curation(curation)
    except CurationError as error:
        raise click.ClickException(str(error)) from error
    db = open_db(db_path)
    run = link_database(db, _embedder(model), curated, _iso(as_of))
    db.close()
    for unknown in run.unknown_curated:
        click.echo(f"{curation}: commitment {unknown} is not in {db_path}; its curation waits", err=True)
    click.echo(f"{db_path}: {run.new_sentences} new sentences; commitments new {run.commitments_new}, "
               f"restatements {run.restatements_new}, total {run.commitments_total}; evidence new "
               f"{run.evidence_new}; overdue {run.overdue}")


@cli.command()
@click.argument("db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def index(db_path: Path):
    """Build or update the semantic search index of every embedding model in DB_PATH.

    Each model's sentence vectors are indexed as sign bits in sqlite-vec (searched by hamming
    distance, then re-scored exactly by cosine). Only new sentence texts are added and texts no
    sentence uses any more are dropped, so a second run changes nothing. `pursuit update` runs
    this step itself.

    Example: pursuit index pursuit.db
    """
    from db.connect import open_db
    from db.vectors import VectorIndexError, update_all_indexes

    db = open_db(db_path)
    try:
        updates = update_all_indexes(db.conn)
    except VectorIndexError as error:
        raise click.ClickException(f"{db_path}: {error}") from error
    finally:
        db.close()
    if not updates:
        click.echo(f"{db_path}: no sentence vectors yet: run `pursuit tag {db_path}` first")
    for u in updates:
        click.echo(f"{db_path}: index {u.name} for model {u.model}: added {u.added}, removed {u.removed}, "
                   f"total {u.total}")


@cli.command()
@click.argument("db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--host", default=config.DEFAULT_HOST, show_default=True)
@click.option("--port", default=config.DEFAULT_PORT, show_default=True, type=int)
@click.option("--allow-sql", is_flag=True, envvar="PURSUIT_ALLOW_SQL",
              help="Let anonymous visitors run their own SQL (off by default; env PURSUIT_ALLOW_SQL=1).")
@click.option("--immutable", is_flag=True,
              help="Open the file immutable (faster; only for a copy that nothing updates while served).")
def serve(db_path: Path, host: str, port: int, allow_sql: bool, immutable: bool):
    """Publish DB_PATH with Datasette (read-only) at http://127.0.0.1:8001/.

    Arbitrary SQL is off unless --allow-sql; the ranked search, feeds and canned queries always work.
    Set PURSUIT_SECRET (or DATASETTE_SECRET) to keep signed links valid across restarts.

    Example: pursuit serve pursuit.db --port 8001
    """
    from pursuit.publish import serve as serve_datasette

    click.echo(f"Serving {db_path} at http://{host}:{port}/ (Ctrl+C to stop)")
    serve_datasette(db_path, host, port, allow_sql=allow_sql, immutable=immutable)


@cli.command()
@click.option("--db", "db_path", type=DB_PATH, default=Path("demo.db"), show_default=True)
@click.option("--no-serve", is_flag=True, help="Build the database and stop.")
@click.option("--no-tag", is_flag=True, help="Skip tagging and the ledger (the slowest steps: minutes).")
@click.option("--port", default=config.DEFAULT_PORT, show_default=True, type=int)
def demo(db_path: Path, no_serve: bool, no_tag: bool, port: int):
    """Build the demo database offline from bundled real data, then serve it.

    The data: ParlParse Hansard XML recorded from TheyWorkForYou, 78 real texts of the
    mission's key documents, recorded Bills API amendments and written questions, recorded
    GOV.UK content items and police releases (test pages wrapping corpus texts), all tagged
    for topics and commitments. Running it again changes nothing.

    Example: pursuit demo --db demo.db
    """
    import subprocess

    steps = [
        ["crawl", str(db_path), "parlparse", "--load", str(config.DEMO_PARLPARSE)],
        ["import", str(db_path), str(config.DEMO_CORPUS), "--source", "corpus"],
        *config.demo_api_crawls(db_path),
        ["crawl", str(db_path), "govuk", "--load", str(config.DEMO_GOVUK)],
        ["crawl", str(db_path), "police", "--load", str(config.DEMO_POLICE)],
    ]
    if not no_tag:
        steps.append(["tag", str(db_path)])
        steps.append(["link", str(db_path)])
        steps.append(["index", str(db_path)])
    for step in steps:
        subprocess.run([sys.executable, "-m", "pursuit", *step], check=True)
    if not no_serve:
        from pursuit.publish import serve as serve_datasette

        click.echo(f"Serving {db_path} at http://{config.DEFAULT_HOST}:{port}/ (Ctrl+C to stop)")
        serve_datasette(db_path, config.DEFAULT_HOST, port)


CONFIG_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _update_config(config_path: Path | None, only: tuple[str, ...], fake_embedder: bool, no_tag: bool):
    """The update configuration from --config, narrowed to --source and adjusted by the flags."""
    from pursuit.jobs import ConfigError, load_config
    from spiders.run import available_sources

    try:
        config = load_config(config_path, available_sources())
    except ConfigError as error:
        raise click.UsageError(str(error)) from error
    missing = [s for s in only if s not in config.sources]
    if missing:
        raise click.UsageError(f"--source {', '.join(missing)}: not in the configured sources "
                               f"({', '.join(config.sources)})")
    if only:
        config.sources = {s: config.sources[s] for s in only}
    if fake_embedder:
        config.embedder = "hashing"
    if no_tag:
        config.tag = False
    return config


@cli.command()
@click.argument("db_path", type=DB_PATH)
@click.option("--config", "config_path", type=CONFIG_FILE,
              help="YAML file: `sources` (each with its spider arguments), `settings`, `delay`, "
                   "`embedder`, `heads`.")
@click.option("--source", "only", multiple=True, help="Update only this configured source (repeatable).")
@click.option("--no-tag", is_flag=True, help="Skip tagging (crawl and re-index only).")
@click.option("--fake-embedder", is_flag=True,
              help="Tag with the deterministic hashing embedder instead of the model (tests, dry runs).")
@click.option("--trigger", default="manual", show_default=True, help="Recorded in update_runs.trigger.")
def update(db_path: Path, config_path, only, no_tag: bool, fake_embedder: bool, trigger: str):
    """One incremental pass: crawl every configured source since its high-water mark, tag, re-index.

    Each pass is recorded in `update_runs` with a `crawl_runs` row per source (new, changed,
    unchanged, rejected, errors). A lock file beside the database (DB_PATH.lock) lets only one
    update run at a time: a second one exits with status 3 and says who holds the lock. A pass
    killed at any moment can simply be started again.

    Example: pursuit update pursuit.db --config update.yml
    """
    from pursuit.jobs import LOCKED_EXIT_CODE, run_update
    from pursuit.lock import LockHeld

    config = _update_config(config_path, only, fake_embedder, no_tag)
    try:
        update_id = run_update(db_path, config, trigger, echo=lambda line: click.echo(line, err=True))
    except LockHeld as error:
        click.echo(f"pursuit update: {error}", err=True)
        sys.exit(LOCKED_EXIT_CODE)
    from db.connect import open_db

    db = open_db(db_path)
    row = db["update_runs"].get(update_id)
    run_ids = [r["id"] for r in db.query("select id from crawl_runs where update_id = ?", [update_id])]
    db.close()
    _report_runs(db_path, run_ids)
    click.echo(f"update {update_id}: {row['status']}")


@cli.command()
@click.argument("db_path", type=DB_PATH)
@click.argument("every_words", nargs=-1, metavar="")
@click.option("--every", "every", default="day", show_default=True,
              help="`day`, `N days` or `N hours` (e.g. --every 6 hours).")
@click.option("--at", "at", help="Time of day for daily runs, HH:MM (local time).")
@click.option("--config", "config_path", type=CONFIG_FILE, help="Update config passed to each run.")
@click.option("--no-catch-up", is_flag=True, help="Do not run at start when a scheduled run was missed.")
def schedule(db_path: Path, every_words, every: str, at, config_path, no_catch_up: bool):
    """Run `pursuit update DB_PATH` on a schedule until stopped (SIGTERM or Ctrl+C).

    A failing run is logged and the next one stays scheduled. At start, a run missed while the
    machine was off is caught up. A stop request waits for a running update to finish.

    Example: pursuit schedule pursuit.db --every day --at 06:00

    Example: pursuit schedule pursuit.db --every 6 hours --config update.yml
    """
    from pursuit.schedule_service import serve_schedule
    from pursuit.scheduling import parse_every

    try:
        cadence = parse_every(" ".join([every, *every_words]), at)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    serve_schedule(db_path, cadence, config_path, catch_up=not no_catch_up, echo=click.echo)


@cli.command()
@click.argument("db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def status(db_path: Path):
    """Show the last updates, each source's last run, high-water marks and rejects, and the next run.

    Example: pursuit status pursuit.db
    """
    from db.connect import open_db
    from pursuit.status import status_lines

    db = open_db(db_path)
    for line in status_lines(db, db_path):
        click.echo(line)
    db.close()
