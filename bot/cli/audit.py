"""``python -m bot audit [verify | export [--output F] | n | change-id]`` — the audit log from the terminal."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

CHANGE_ID = re.compile(r"^chg-[0-9a-f]{10}$")


def add_commands(subparsers: Any) -> None:
    audit = subparsers.add_parser(
        "audit",
        help="audit log: audit [n | change-id] lists events; audit verify checks the hash chain; "
        "audit export [--output F] writes JSON lines",
    )
    audit.add_argument("what", nargs="?", default="10", metavar="verify|export|n|change-id")
    audit.add_argument("--output", type=Path, help="export: write to this file instead of stdout")
    audit.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.audit import audit_log

    log = audit_log()
    what = str(args.what)
    if what == "verify":
        report = log.verify_chain()
        if report.ok:
            print(f"audit chain OK: {report.checked} events, every hash and link verified")
            return 0
        print(f"audit chain BROKEN ({report.checked} events checked):", file=sys.stderr)
        for problem in report.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    if what == "export":
        return _export(log, args.output)
    if what.isdigit() and int(what) > 0:
        events = log.latest(int(what))[::-1]
    elif CHANGE_ID.match(what):
        events = log.for_change(what)
    else:
        print(f"perfbot: '{what}' is not verify, export, a number or a change id (chg-0123456789)", file=sys.stderr)
        return 2
    for e in events:
        values = f" {e.before} -> {e.after}" if e.before or e.after else ""
        detail = f" ({e.detail})" if e.detail else ""
        print(f"#{e.seq} {e.at} {e.action:<14} {e.change_id or '-':<15} {e.resource}{values} by {e.actor}{detail}")
    if not events:
        print("no audit events")
    return 0


def _export(log: Any, output: Path | None) -> int:
    count = 0
    if output is None:
        for line in log.export_lines():
            print(line)
            count += 1
        return 0
    with output.open("w", encoding="utf-8") as out:
        for line in log.export_lines():
            out.write(line + "\n")
            count += 1
    print(f"exported {count} audit events to {output}", file=sys.stderr)
    return 0
