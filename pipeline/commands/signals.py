"""`assay signals`: every column the signal families write, with its type and definition."""

from __future__ import annotations

import argparse

from schemas.config import SignalConfig
from signals.families import all_signals, build_families


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("signals", help="list every signal column with its type and definition")
    p.add_argument("--family", help="only this family")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    rows = [(fam, s) for fam, s in all_signals() if args.family in (None, fam)]
    # families whose columns depend on user-supplied models list their column patterns
    rows += [(f.name, s) for f in build_families(None, SignalConfig()) if args.family in (None, f.name)
             for s in getattr(f, "templates", tuple)()]
    if not rows:
        raise ValueError(f"no signals for family {args.family!r}")
    width = max(len(s.name) for _, s in rows)
    current = None
    for family, signal in rows:
        if family != current:
            print(f"\n[{family}]")
            current = family
        print(f"  {signal.name:<{width}}  {str(signal.type):<14}  {signal.definition}")
    return 0
