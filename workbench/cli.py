"""The ``workbench`` command (docs/cli.md).

Every failure a user can act on ends as one line ``Error: …`` on stderr and a non-zero
exit; ``WORKBENCH_DEBUG=1`` shows the traceback instead. The exit codes (``EXIT_CODES``,
listed by ``workbench --help``) are the same for every command: 0 done; 1 a check failed;
2 bad arguments or environment (also a bad ``--out``, checked before any work); 3 refused
input; 4 inconclusive.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from workbench.errors import UsageError, WorkbenchError, first_line

EXIT_CODES: tuple[tuple[int, str], ...] = (
    (0, "done"),
    (1, "a check failed: a verification found a difference, a run's counts do not add up"),
    (2, "bad arguments or environment: an unknown option or a bad value, a bad --out (checked before\n"
        "     any work, nothing created), an unreachable database, warehouse or FTP server, a file system error"),
    (3, "refused input: a delivered file, a delivery or an import refused"),
    (4, "inconclusive: a check could not be completed"),
)
EPILOG = ("exit codes (every command):\n" + "\n".join(f"  {code}  {text}" for code, text in EXIT_CODES)
          + "\n\nWORKBENCH_HOME (default: var/ of the project), WORKBENCH_WAREHOUSE and WORKBENCH_OFFICE_DB say\n"
          "where data live; WORKBENCH_DEBUG=1 shows a traceback instead of the one-line error.")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"Error: {message} (see {self.prog} --help)\n")


def _roles_help() -> str:
    from workbench.office.roles import Role

    return "role code (repeatable): " + ", ".join(f"{r.value} ({r.label})" for r in Role)


def _district_help() -> str:
    from workbench.districts import DISTRICTS

    return ("district code, required for the district roles (district_handler, district_reviewer): "
            + ", ".join(f"{code} {name}" for code, name in DISTRICTS.items()))


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="workbench", description="基金监督工作台 Fund Supervision Workbench", epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("synth", help="write synthetic monthly deliveries (with ground truth)")
    s.add_argument("--out", required=True, help="landing folder to write <P>/ into")
    s.add_argument("--period", required=True, help="last period, YYYYMM")
    s.add_argument("--months", type=int, default=1, help="consecutive periods ending at --period")
    s.add_argument("--persons", type=int, help="insured persons (default: parameters/synth.yaml)")
    s.add_argument("--seed", type=int, help="random seed (default: parameters/synth.yaml)")

    i = sub.add_parser("intake", help="fetch, verify, clean and load a monthly delivery")
    i.add_argument("--landing", required=True, help="folder or ftp://user:pass@host[:port]/path")
    i.add_argument("--period", required=True, help="delivery period, YYYYMM")
    i.add_argument("--report", type=Path, help="write the intake report as JSON")
    i.add_argument("--source", action="append", help="only this source's tables (repeatable)")
    i.add_argument("--allow-empty", action="append", metavar="TABLE",
                   help="accept this snapshot table delivered with no data rows (repeatable)")
    i.add_argument("--quiet", action="store_true", help="no progress bar")

    r = sub.add_parser("rejects", help="rejected rows")
    rsub = r.add_subparsers(dest="action", required=True, parser_class=_Parser)
    re_ = rsub.add_parser("export", help="export the rejected rows of a period as CSV")
    re_.add_argument("--period", required=True, help="delivery period, YYYYMM")
    re_.add_argument("--out", required=True, type=Path,
                     help="CSV file to write (its folder must exist; written whole or not at all)")

    rep = sub.add_parser("report", help="run the per-source intake notebooks into HTML reports")
    rep.add_argument("--landing", required=True, help="folder or ftp://user:pass@host[:port]/path")
    rep.add_argument("--period", required=True, help="delivery period, YYYYMM")
    rep.add_argument("--source", action="append", help="only these sources (repeatable)")

    ind = sub.add_parser("indicators", help="run indicators for a period and publish suspected problems")
    ind.add_argument("--period", required=True, help="period, YYYYMM")
    ind.add_argument("--only", help="comma-separated indicator codes (default: all)")
    ind.add_argument("--param", action="append", default=[], metavar="CODE.name=value",
                     help="override an indicator parameter for this run (repeatable)")
    ind.add_argument("--dry-run", action="store_true",
                     help="show hits added and removed against what is published; publish nothing")
    ind.add_argument("--quiet", action="store_true", help="no progress bar")

    mo = sub.add_parser("monthly", help="the scheduled monthly job: intake, indicators and statistics notebooks")
    mo.add_argument("--landing", required=True, help="folder or ftp://user:pass@host[:port]/path")
    mo.add_argument("--period", required=True, help="delivery period, YYYYMM")
    mo.add_argument("--allow-empty", action="append", metavar="TABLE",
                    help="accept this snapshot table delivered with no data rows (repeatable)")
    mo.add_argument("--quiet", action="store_true", help="no progress bar")

    cat = sub.add_parser("catalogue", help="the indicator catalogue as CSV")
    cat.add_argument("--out", type=Path, help="write to this file (its folder must exist; default: standard output)")

    pr = sub.add_parser("problems", help="suspected problems")
    prsub = pr.add_subparsers(dest="action", required=True, parser_class=_Parser)
    pe = prsub.add_parser("export", help="export the problems detected by the run for a period")
    pe.add_argument("--period", required=True, help="period of the indicator run, YYYYMM")
    pe.add_argument("--out", required=True, type=Path,
                    help="CSV file to write (its folder must exist; written whole or not at all)")

    us = sub.add_parser("users", help="office users: add, disable, enable, reset, roles, list")
    ussub = us.add_subparsers(dest="action", required=True, parser_class=_Parser)
    ua = ussub.add_parser("add", help="add a user (prints its password once)")
    ua.add_argument("username", help="login name: 3-64 lower-case letters, digits, '.', '_' or '-'")
    ua.add_argument("--name", default="", help="display name (Chinese), default the user name")
    ua.add_argument("--role", action="append", required=True, help=_roles_help())
    ua.add_argument("--district", help=_district_help())
    ua.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    for name, text in (("disable", "disable a user and end its sessions"), ("enable", "enable a user"),
                       ("reset", "set a new password (prints it once), unlock, end sessions")):
        x = ussub.add_parser(name, help=text)
        x.add_argument("username", help="login name of the user")
        if name == "reset":
            x.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    ur = ussub.add_parser("roles", help="replace a user's roles")
    ur.add_argument("username", help="login name of the user")
    ur.add_argument("--role", action="append", required=True, help=_roles_help())
    ur.add_argument("--district", help=_district_help())
    ussub.add_parser("list", help="list the users (name, district, state, roles, display name; no passwords)")

    sv = sub.add_parser("serve", help="serve the Panel web apps (login required)")
    sv.add_argument("--port", type=int, default=5006, help="TCP port to listen on (default: 5006)")
    sv.add_argument("--address", default="127.0.0.1", help="interface to listen on (default: this machine only)")
    sv.add_argument("--procs", type=int, help="server processes sharing the port (default: serve.procs in "
                    "parameters/office.yaml; above 1 needs Linux)")

    lg = sub.add_parser("log", help="the append-only action log")
    lgsub = lg.add_subparsers(dest="action", required=True, parser_class=_Parser)
    lgsub.add_parser("verify", help="check the log's MACs, sequence and anchors, and the business state against "
                     "the log: the first edited, deleted or forged record, a truncation or a direct edit is reported")

    dc = sub.add_parser("documents", help="the document store (attachments): SHA-256 blobs, versions by name")
    dcsub = dc.add_subparsers(dest="action", required=True, parser_class=_Parser)
    dcsub.add_parser("verify", help="re-hash every stored blob: a missing blob, a size mismatch or a changed byte "
                     "is one line each (exit 1)")

    dbp = sub.add_parser("db", help="the office database")
    dbsub = dbp.add_subparsers(dest="action", required=True, parser_class=_Parser)
    ddl = dbsub.add_parser("ddl", help="the office schema as SQL (every migration, Alembic offline mode)")
    ddl.add_argument("--dialect", required=True, choices=("oracle", "postgresql", "sqlite"), help="the SQL dialect")
    ddl.add_argument("--out", help="write the SQL to this file (default: standard output)")

    pk = sub.add_parser("package", help="the periodic package for the discipline inspection bureau")
    pksub = pk.add_subparsers(dest="action", required=True, parser_class=_Parser)
    pkx = pksub.add_parser("export", help="write the package of a period (CSV files and manifest.json)")
    pkx.add_argument("--period", required=True, help="YYYYMM")
    pkx.add_argument("--out", required=True, help="an empty or new folder, or a .zip file")
    pkx.add_argument("--user", help="export as this user (a city role); default: the operator")
    pkv = pksub.add_parser("verify", help="recompute a package's row counts and SHA-256")
    pkv.add_argument("path", help="the package folder or .zip file written by package export")
    pkv.add_argument("--against-log", action="store_true", help="also check its log anchor against the office's log")

    d = sub.add_parser("demo", help="synthetic data, intake and reports on the embedded defaults")
    d.add_argument("--period", help="period to generate (default: parameters/demo.yaml)")
    d.add_argument("--persons", type=int, help="persons (default: parameters/demo.yaml)")
    d.add_argument("--serve", action="store_true", help="then serve the office web apps until Ctrl-C")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        check_arguments(args)
        with _home_exported():
            return _dispatch(args)
    except WorkbenchError as exc:
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        print(f"Error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Error: interrupted; nothing of the current table was committed", file=sys.stderr)
        return 130
    except OSError as exc:
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        print(f"Error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2  # the environment: a file system, a network, a permission
    except Exception as exc:  # a bug or an unforeseen failure: still one line
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        print(f"Error: {type(exc).__name__}: {first_line(exc)} (WORKBENCH_DEBUG=1 shows the trace)",
              file=sys.stderr)
        return 1


@contextlib.contextmanager
def _home_exported():
    """WORKBENCH_HOME resolved once (workbench.config) and exported to what the command starts
    (papermill kernels, the web server), restored afterwards (``main`` runs in tests too)."""
    from workbench.config import export_home

    before = os.environ.get("WORKBENCH_HOME")
    export_home()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("WORKBENCH_HOME", None)
        else:
            os.environ["WORKBENCH_HOME"] = before


# the outputs of the commands, checked before any work (security.md): (command, action) -> (dest, folder?)
OUTPUTS: dict[tuple[str, str | None], tuple[str, bool | None]] = {
    ("synth", None): ("out", True), ("intake", None): ("report", False), ("rejects", "export"): ("out", False),
    ("catalogue", None): ("out", False), ("problems", "export"): ("out", False),
    ("package", "export"): ("out", None),  # None: a folder, or a file when it ends in .zip
    ("db", "ddl"): ("out", False)}


def check_arguments(args: argparse.Namespace) -> None:
    """Every text argument through its field (workbench.validators), then the command's output
    (workbench.outputs.check_out): ``InvalidInput`` / ``UsageError`` (exit 2) before any work."""
    from workbench import validators
    from workbench.outputs import check_out

    fields = {"username": validators.USER_NAME, "name": validators.DISPLAY_NAME.optional(),
              "out": validators.PATH, "report": validators.PATH, "landing": validators.PATH,
              "path": validators.PATH}
    for dest, value in vars(args).items():
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, str | Path):
                field = fields.get(dest, validators.ARGUMENT)
                try:
                    field.clean(os.fspath(one))
                except validators.InvalidInput as exc:
                    option = dest if dest in ("username", "path") else "--" + dest.replace("_", "-")
                    raise validators.InvalidInput(option, exc.zh, exc.reason, "") from None
    if getattr(args, "period", None) is not None:  # every --period: names what is wrong (month 13)
        from workbench.periods import check_period

        check_period(args.period)
    dest, folder = OUTPUTS.get((args.command, getattr(args, "action", None)), ("", False))
    if dest and getattr(args, dest, None) is not None:
        out = getattr(args, dest)
        check_out(out, folder=not str(out).lower().endswith(".zip") if folder is None else folder,
                  option="--" + dest)


def _dispatch(args: argparse.Namespace) -> int:
    match args.command:
        case "synth":
            from workbench import synth
            from workbench.periods import check_period

            check_period(args.period)
            if args.months < 1:
                raise UsageError("--months must be at least 1")
            summary = synth.generate(Path(args.out), args.period, persons=args.persons,
                                     seed=args.seed, months=args.months, progress=True)
            print(f"wrote {len(summary.get('periods', [args.period]))} period(s) to {args.out}")
            return 0
        case "intake":
            from workbench.intake import print_summary, run_intake

            result = run_intake(args.landing, args.period, sources=args.source,
                                allow_empty=args.allow_empty,
                                progress=not args.quiet and sys.stderr.isatty())
            if args.report:
                result.write_report(args.report)
            print_summary(result)
            return result.exit_code
        case "rejects":
            from workbench.intake.exports import export_rejects

            n = export_rejects(args.period, args.out)
            print(f"wrote {n} rejected rows to {args.out}")
            return 0
        case "report":
            from workbench.reports import run_source_reports

            paths = run_source_reports(args.landing, args.period, sources=args.source)
            for path in paths:
                print(path)
            return 0
        case "indicators":
            from workbench.detection import run_indicators

            only = args.only.split(",") if args.only else None
            return run_indicators(args.period, only=only, overrides=args.param, dry_run=args.dry_run,
                                  progress=not args.quiet and sys.stderr.isatty())
        case "monthly":
            from workbench.monthly import print_summary, run_monthly

            result = run_monthly(args.landing, args.period, progress=not args.quiet and sys.stderr.isatty(),
                                 allow_empty=args.allow_empty)
            print_summary(result)
            return result.exit_code
        case "catalogue":
            from workbench.indicators.catalogue import write_csv

            n = write_csv(args.out)
            if args.out:
                print(f"wrote {n} indicators to {args.out}")
            return 0
        case "problems":
            from workbench.office.exports import export_problems

            n = export_problems(args.period, args.out)
            print(f"wrote {n} problems to {args.out}")
            return 0
        case "users":
            return _users(args)
        case "serve":
            from workbench.web.server import default_procs, serve

            procs = default_procs() if args.procs is None else args.procs
            print(f"serving the office at http://{args.address}:{args.port}/ with {procs} "
                  f"process{'es' if procs > 1 else ''} (Ctrl-C stops)", flush=True)
            with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C reaches the parent of several processes here
                serve(port=args.port, address=args.address, procs=procs)
            return 0
        case "log":
            from workbench.office.reconcile import cli_verify

            return cli_verify()
        case "documents":
            from workbench.documents import cli_verify as documents_verify

            return documents_verify()
        case "db":
            from workbench.office.ddl import cli_ddl

            return cli_ddl(args.dialect, args.out)
        case "package":
            from workbench.office.package import cli_main

            return cli_main(args)
        case "demo":
            from workbench.demo import run_demo

            return run_demo(period=args.period, persons=args.persons, serve=args.serve)
    raise UsageError(f"unknown command {args.command}")  # pragma: no cover


def _users(args: argparse.Namespace) -> int:
    from workbench.office import accounts

    def stdin_password() -> str | None:
        if not getattr(args, "password_stdin", False):
            return None  # bytes that are not UTF-8 stay as surrogates, for the password field to refuse
        return sys.stdin.buffer.readline().decode("utf-8", "surrogateescape").rstrip("\r\n")

    match args.action:
        case "add":
            acc, password = accounts.add_user(args.username, args.name, args.role, args.district, stdin_password(),
                                              actor="cli")
            print(f"added {acc.username} ({', '.join(sorted(acc.roles))}"
                  f"{', ' + acc.district_code if acc.district_code else ''})")
            if not args.password_stdin:
                print(f"password: {password}")
        case "disable" | "enable":
            accounts.set_disabled(args.username, args.action == "disable", actor="cli")
            print(f"{args.action}d {args.username}")
        case "reset":
            given = stdin_password()
            password = accounts.reset_password(args.username, given, actor="cli")
            print(f"new password of {args.username}" + ("" if given else f": {password}"))
        case "roles":
            acc = accounts.set_roles(args.username, args.role, args.district, actor="cli")
            print(f"{acc.username}: {', '.join(sorted(acc.roles))}")
        case "list":
            print(f"{'user':<20} {'district':<8} {'state':<20} roles  display name")
            for acc, disabled in accounts.list_users():
                state = "disabled" if disabled else "active"
                print(f"{acc.username:<20} {acc.district_code or '-':<8} {state:<20} {','.join(sorted(acc.roles))}"
                      f"  {acc.display_name}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
