"""``python -m bench run``: Helpline's load benchmarks. See ``python -m bench run --help``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from bench import report, runner, targets

SCENARIO_HELP = """\
scenarios (each against a freshly started server, pinned to its own core; the
generator's processes are pinned to the other cores; everything on loopback):

  idle      1. Idle sessions: N customers joined and connected, one representative
               console per 8 sessions (following all 8). Reports the server's resident
               memory per connection at N = 1,000 / 5,000 / 10,000.
  chat      2. Sustained chat: a fixed offered rate of messages spread over 400
               sessions, alternately customer -> representative and back, each
               persisted before it is acknowledged. Open loop: latency from each
               message's *scheduled* send time to its delivery on the other party's
               socket (p50/p95/p99/p99.9/max from an HDR histogram), at increasing
               rates after a warm-up, until two steps failed (a step that fails is
               measured once more before it counts). On SQLite and PostgreSQL.
  fanout    3. Fan-out: sessions with a customer and three representatives (one of
               them masked); server CPU time per delivered event frame.
  storm     4. Reconnect storm: every customer sends one message and every socket
               drops at once; all clients reconnect at once, resubscribe with their
               last seq and resend what was not acknowledged. Time until every client
               is current; missing and duplicated events are counted (must be 0).
  baseline  5. The same chat load on a bare relay built on the same WebSocket stack
               (uvicorn + websockets, no storage, no checks). Helpline's capacity is
               reported as a ratio of the relay's.
  peers     6. The same chat load on Django Channels (daphne + channels-redis on the
               local Redis) and python-socketio (uvicorn), each a minimal relay that
               does NOT persist. Needs bench/peers.lock installed (make bench-peers).

Every message carries a per-sender sequence number: loss, duplication and reordering
are counted, not guessed. The capacity of a target is the highest achieved rate of a
step with p99 <= 100 ms and nothing lost. A progress line per step goes to stderr,
the table to stdout, all figures to the JSON file, with the machine's load before and
after every scenario (a figure from a busy machine is not the product's).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Helpline benchmarks.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="run scenarios and print the table",
        description=SCENARIO_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "--quick",
        action="store_true",
        help="every scenario small (tens of sessions, 2 s steps): the smoke run, < 2 minutes",
    )
    run.add_argument(
        "--scenarios",
        nargs="+",
        choices=runner.SCENARIOS,
        default=list(runner.DEFAULT_SCENARIOS),
        metavar="NAME",
        help=f"which to run, of {', '.join(runner.SCENARIOS)} "
        f"(default: {' '.join(runner.DEFAULT_SCENARIOS)})",
    )
    run.add_argument(
        "--database",
        choices=("sqlite", "postgresql", "both"),
        default="both",
        help="chat runs on each; idle, fan-out and storm on the first (default: both)",
    )
    run.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON file for all figures (default: bench/results/DATE.json; '-' for none)",
    )
    run.add_argument("--workers", type=int, default=None, help="generator processes")
    run.add_argument(
        "--storm-sessions",
        type=int,
        default=None,
        metavar="N",
        help="sessions in the reconnect storm (default 10,000; quick 80)",
    )
    run.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="sample the server with py-spy during every chat step and the storm; "
        "collapsed stacks go to DIR (summarize with python -m bench.profile DIR/FILE)",
    )
    run.add_argument(
        "--keep-logs",
        type=Path,
        default=None,
        metavar="DIR",
        help="copy each server's log (stdout and stderr) to DIR when it stops",
    )
    run.add_argument(
        "--server-log-level",
        choices=("debug", "info", "warning", "error"),
        default=None,
        help="helpline serve's --log-level (default: warning)",
    )
    run.add_argument(
        "--server-open-files",
        type=int,
        default=None,
        metavar="N",
        help="the Helpline server's open-file limit (default: the machine's hard limit)",
    )
    run.add_argument(
        "--server-backlog",
        type=int,
        default=None,
        metavar="N",
        help="the Helpline server's listen backlog (default 16,384; the kernel caps it "
        "at net.core.somaxconn)",
    )
    args = parser.parse_args(argv)
    if args.server_backlog:
        targets.server_backlog = args.server_backlog
    targets.server_open_files = args.server_open_files
    if args.server_log_level:
        targets.server_log_level = args.server_log_level

    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    out: Path | None
    if args.out is None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H%M%SZ")
        suffix = "-quick" if args.quick else ""
        out = Path(__file__).parent / "results" / f"{stamp}{suffix}.json"
    elif str(args.out) == "-":
        out = None
    else:
        out = args.out
    results = runner.execute(
        args.quick,
        tuple(args.scenarios),
        databases,
        out,
        workers=args.workers,
        profile_dir=args.profile,
        storm_sessions=args.storm_sessions,
        keep_logs=args.keep_logs,
    )
    print(report.table(results))
    if out is not None:
        print(f"\nFigures written to {out}", file=sys.stderr)
    return 1 if results["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
