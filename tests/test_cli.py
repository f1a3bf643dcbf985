"""The `assay` command line: help everywhere, clear errors and exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipeline.cli import build_parser, main


def assay(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True)


def test_every_command_has_help(capsys):
    commands = build_parser()._subparsers._group_actions[0].choices
    assert {"annotate", "run", "signals"} <= set(commands)
    for name in commands:
        with pytest.raises(SystemExit) as exit_info:
            main([name, "--help"])
        assert exit_info.value.code == 0
        assert f"usage: assay {name}" in capsys.readouterr().out


def test_signals_lists_columns_with_types_and_definitions():
    result = assay("signals", "--family", "ccnet")
    assert result.returncode == 0
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    assert list(lines) == ["ccnet_length", "ccnet_nlines", "ccnet_language", "ccnet_language_score",
                           "ccnet_perplexity", "ccnet_bucket"]
    assert "int32" in lines["ccnet_length"] and "lid.176" in lines["ccnet_language"]


def test_unknown_signal_family_is_a_clear_error(tmp_path, shard_dir):
    result = assay("annotate", str(shard_dir), "-o", str(tmp_path / "o"), "--signals", "cnet")
    assert result.returncode == 2
    assert "unknown signal families: 'cnet' (did you mean 'ccnet'?)" in result.stderr
    assert not (tmp_path / "o").exists()


def test_missing_input_is_a_clear_error(tmp_path):
    result = assay("annotate", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o"))
    assert result.returncode == 2 and "input not found" in result.stderr and "nope.jsonl" in result.stderr


def test_invalid_job_file_names_the_file(tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text("output: x\nannotate:\n  inputs: [a.jsonl]\n  batchsize: 10\n")
    result = assay("run", str(job))
    assert result.returncode == 2 and str(job) in result.stderr and "batchsize" in result.stderr
    job.write_text("output: x\n annotate: [\n")
    result = assay("run", str(job))
    assert result.returncode == 2 and "not valid YAML" in result.stderr


def test_annotate_end_to_end_exit_code_and_summary(tmp_path, shard_dir):
    result = assay("annotate", str(shard_dir), "-o", str(tmp_path / "o"), "--signals", "ccnet", "--workers", "1")
    assert result.returncode == 0, result.stderr
    assert "4 shards (4 ok, 0 partial, 0 failed), 100 documents written" in result.stderr
    assert "dashboard http://" in result.stderr
