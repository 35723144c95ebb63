"""The CLI's promises: light start-up, every command documented and helpful, re-runnable."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import REPO, run_pursuit

from pursuit.cli import cli

COMMANDS = sorted(cli.commands)
HEAVY = ("torch", "spacy", "scrapy", "sentence_transformers", "onnxruntime", "datasette")


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys; from click.testing import CliRunner; from pursuit.cli import cli; "
        "r = CliRunner().invoke(cli, ['--help']); assert r.exit_code == 0, r.output; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert re.search(rf"Example: pursuit {command}\b", result.output)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_in_the_readme(command):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"### `pursuit {command}`" in readme
    assert re.search(rf"^pursuit {command} ", readme, re.MULTILINE)


def test_readme_quick_start_has_exactly_the_two_commands_and_ci_runs_the_test_one():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    block = quick.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.MULTILINE)


def test_init_twice_is_safe(tmp_path):
    db = tmp_path / "p.db"
    first = run_pursuit("init", str(db))
    second = run_pursuit("init", str(db))
    assert first.stdout == second.stdout
    assert not list(tmp_path.glob("*.bak"))


def test_demo_builds_the_database_and_is_idempotent(tmp_path):
    db = tmp_path / "demo.db"
    run_pursuit("demo", "--db", str(db), "--no-serve", "--no-tag")
    second = run_pursuit("demo", "--db", str(db), "--no-serve", "--no-tag")
    assert "parlparse: ok — new 0, changed 0, unchanged 67" in second.stdout
    assert "new 0, changed 0, unchanged 78, rejected 0" in second.stdout
    assert "bills: ok" in second.stdout and "questions: ok — new 0, changed 0, unchanged 20" in second.stdout
    import sqlite_utils

    counts = dict(sqlite_utils.Database(db).execute(
        "select source, count(*) from passages group by source").fetchall())
    assert counts == {
        "corpus": 754, "parlparse": 737, "bills": 6, "questions": 40, "govuk": 193, "police": 37,
    }
    assert "govuk: ok — new 0, changed 0, unchanged 14" in second.stdout
    assert "police: ok — new 0, changed 0, unchanged 4" in second.stdout
