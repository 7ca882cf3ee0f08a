"""The `wonderland` command: subcommands and their options."""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys

from wonderland.engine import (
    client_commands,
    executor_options,
    optimize_command,
    paths,
    security_commands,
    serve_command,
)


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line and exit code 1, like every other bad input."""

    def error(self, message: str):
        self.exit(1, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def _int_at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


_positive_int = _int_at_least(1)
_non_negative_int = _int_at_least(0)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {value}")
    return value


def _run_parser(sub) -> None:
    run = sub.add_parser(
        "run",
        help="run a CWL workflow or tool and print its outputs as JSON",
        description="Run a CWL workflow or tool with its inputs; print the output object "
        "as JSON on stdout. Exit 0 on success, 1 on failure, 33 for an unsupported feature.",
    )
    run.add_argument("--outdir", default=os.path.abspath("."),
                     help="where the final outputs are written (default: current directory)")
    run.add_argument("--parallel", type=_positive_int, default=None, metavar="N",
                     help=f"cores available to steps at once (default: all cores, "
                          f"{os.cpu_count() or 1}; with --executor kubernetes, no limit)")
    run.add_argument("--db", default=None, metavar="URL",
                     help=f"state database (default: sqlite:///{paths.default_db_path()})")
    run.add_argument("--work-dir", default=None, metavar="DIR",
                     help=f"where step outputs live until the launch ends "
                          f"(default: {paths.default_work_dir()})")
    run.add_argument("--tmpdir-prefix", default=paths.default_tmpdir_prefix(), metavar="PREFIX",
                     help="prefix of the temporary directories given to tools")
    run.add_argument("--cachedir", default=None, metavar="DIR",
                     help="reuse the results of identical tool runs across launches")
    run.add_argument("--fresh", action="store_true",
                     help="start a new launch even if an interrupted one of the same workflow "
                          "and inputs could be resumed")
    run.add_argument("--restart-attempts", type=_non_negative_int, default=0, metavar="N",
                     help="run a failed step job again up to N times before the launch fails")
    run.add_argument("--no-container", action="store_true",
                     help="run tools that require a DockerRequirement on the host anyway")
    run.add_argument("--eval-timeout", type=_positive_float, default=60.0, metavar="SECONDS",
                     help="time limit of one JavaScript expression")
    run.add_argument("--validate", action="store_true",
                     help="only load and validate the document")
    run.add_argument("--print-dot", action="store_true",
                     help="print the workflow graph in Graphviz DOT and exit")
    run.add_argument("--quiet", action="store_true", help="only print warnings and errors")
    run.add_argument("--debug", action="store_true", help="print debugging output and tracebacks")
    executor_options.add_options(run, _positive_float)
    run.add_argument("workflow", help="CWL document (path or URI)")
    run.add_argument("job_order", nargs=argparse.REMAINDER,
                     help="input object file (YAML/JSON), or the tool's inputs as options")


def _db_parser(sub) -> None:
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="apply migrations to the newest schema")
    upgrade.add_argument("--db", default=None, metavar="URL")


def _launches_parser(sub) -> None:
    launches = sub.add_parser("launches", help="list recent launches in the state database")
    launches.add_argument("--db", default=None, metavar="URL")
    launches.add_argument("--limit", type=_positive_int, default=20)
    launches.add_argument("--jobs", type=_positive_int, default=None, metavar="LAUNCH_ID",
                          help="list the step jobs of one launch instead")


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="wonderland", description="Run CWL workflows locally or on Kubernetes.")
    top.add_argument("--version", action="version",
                     version=f"wonderland {importlib.metadata.version('wonderland')}")
    sub = top.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    _run_parser(sub)
    _db_parser(sub)
    _launches_parser(sub)
    serve_command.add_parser(sub, _positive_int, _positive_float)
    security_commands.add_parsers(sub)
    client_commands.add_parsers(sub, _positive_int, _non_negative_int)
    optimize_command.add_parser(sub, _positive_int, _positive_float)
    return top


def main(argv: list[str] | None = None) -> int:
    try:
        return _command(parser().parse_args(argv))
    except BrokenPipeError:  # `wonderland launches | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _command(args: argparse.Namespace) -> int:
    if args.command == "run":
        from wonderland.engine.run_command import run

        return run(args)
    if args.command == "serve":
        return serve_command.run(args)
    if args.command in security_commands.COMMANDS:
        return security_commands.run(args)
    if args.command == "optimize":
        return optimize_command.run(args)
    if args.command in client_commands.COMMANDS:
        return client_commands.run(args)
    if args.command == "db":
        from wonderland.engine.admin_commands import db_upgrade

        return db_upgrade(args)
    from wonderland.engine.admin_commands import list_launches

    return list_launches(args)


if __name__ == "__main__":
    sys.exit(main())
