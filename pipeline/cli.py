"""The `assay` command line: `assay COMMAND --help` for each command."""

from __future__ import annotations

import argparse
import importlib
import sys

from pipeline.commands import COMMANDS
from pipeline.redact import redact_text


class CommandError(Exception):
    """A user-facing failure: printed without a traceback, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assay", description="Curation pipeline for LLM pretraining corpora.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"pipeline.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CommandError, FileNotFoundError, PermissionError, ValueError) as exc:
        print(f"assay {args.command}: error: {redact_text(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"assay {args.command}: interrupted; finished shards are kept, rerun to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
