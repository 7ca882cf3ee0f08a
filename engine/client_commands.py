"""`wonderland submit | status | ls | logs | cancel | download`: the command line of
`wonderland.client.Client`, for a server started with `wonderland serve`.

Each command takes the server's address and mutual TLS files from the client's config.yaml
(`wonderland.client.config`), or from `--address`, `--ca`, `--cert`, `--key`, `--insecure`.
Results go to stdout (a launch id, a table, an output object as JSON); every failure is one
line on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from typing import Any

LIST_LIMIT = 20
INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C


def _label(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def _connection_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("server and credentials")
    group.add_argument("--address", default=None, metavar="HOST:PORT",
                       help="the server (default: address: in config.yaml, else "
                            "localhost:50051)")
    group.add_argument("--config", default=None, metavar="FILE",
                       help="the client's config file (default: $WONDERLAND_CONFIG, else "
                            "~/.config/wonderland/config.yaml)")
    group.add_argument("--insecure", action="store_true", default=None,
                       help="plaintext, without certificates (a server started with "
                            "--insecure)")
    group.add_argument("--ca", default=None, metavar="FILE",
                       help="the CA certificate that signed the server's (default: ca: in "
                            "config.yaml)")
    group.add_argument("--cert", default=None, metavar="FILE",
                       help="your certificate (default: cert: in config.yaml)")
    group.add_argument("--key", default=None, metavar="FILE",
                       help="your private key (default: key: in config.yaml)")
    return options


def add_parsers(sub, positive_int, non_negative_int) -> None:
    """The client's subcommands; `positive_int` and `non_negative_int` are the CLI's argument
    types for whole numbers."""
    common = [_connection_options()]

    def launch_id(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("launch_id", type=positive_int, metavar="ID", help="the launch")

    submit = sub.add_parser(
        "submit", parents=common, help="submit a CWL workflow to the server",
        description="Submit a CWL workflow (or tool) with its input object; local input files "
        "are uploaded. Prints the launch id; with --wait, follows the launch until it ends "
        "and exits 0 if it succeeded, 1 otherwise.",
    )
    submit.add_argument("workflow", metavar="WORKFLOW", help="CWL document (path)")
    submit.add_argument("job_order", nargs="?", default=None, metavar="JOB",
                        help="input object file (YAML or JSON)")
    submit.add_argument("--name", default=None,
                        help="the launch's name in listings (default: the workflow's file name)")
    submit.add_argument("--label", dest="labels", type=_label, action="append", default=[],
                        metavar="KEY=VALUE", help="a label to list launches by (repeatable)")
    submit.add_argument("--parallel", type=positive_int, default=0, metavar="N",
                        help="cores given to the launch's steps at once (default: the "
                             "server's)")
    submit.add_argument("--namespace", default="", metavar="NS",
                        help="on a server running steps as Kubernetes Jobs: the Jobs' namespace "
                             "(default: the server's)")
    submit.add_argument("--default-image", default="", metavar="IMAGE",
                        help="on a server running steps as Kubernetes Jobs: the image of tools "
                             "without a DockerRequirement (default: the server's)")
    submit.add_argument("--restart-attempts", type=non_negative_int, default=0, metavar="N",
                        help="run a failed step job again up to N times before the launch "
                             "fails")
    submit.add_argument("--wait", action="store_true",
                        help="follow the launch until it ends (a progress line on a terminal)")
    submit.add_argument("--outdir", default=None, metavar="DIR",
                        help="with --wait: download the outputs into DIR and print the output "
                             "object as JSON instead of the launch id")

    status = sub.add_parser(
        "status", parents=common, help="a launch's status and its steps",
        description="Print a launch's status, its message and a table of its step jobs.",
    )
    launch_id(status)
    status.add_argument("--json", action="store_true",
                        help="print the launch and its steps as a JSON object")

    listing = sub.add_parser(
        "ls", parents=common, help="list your launches, newest first",
        description="List your launches (everyone's for an admin), newest first.",
    )
    listing.add_argument("--status", dest="statuses", action="append", default=[],
                         metavar="STATUS",
                         help="only launches in this state, e.g. RUNNING (repeatable)")
    listing.add_argument("--label", dest="labels", type=_label, action="append", default=[],
                         metavar="KEY=VALUE", help="only launches with this label (repeatable)")
    how_many = listing.add_mutually_exclusive_group()
    how_many.add_argument("--limit", type=positive_int, default=LIST_LIMIT, metavar="N",
                          help="at most N launches (default: %(default)s)")
    how_many.add_argument("--all", dest="limit", action="store_const", const=None,
                          help="every launch, no limit")

    logs = sub.add_parser(
        "logs", parents=common, help="a step job's output (stdout and stderr)",
        description="Print what a step job wrote to stdout and stderr (what its tool does not "
        "capture as an output). STEP is a step name as 'wonderland status' shows it.",
    )
    launch_id(logs)
    logs.add_argument("step", metavar="STEP", help="the step job, e.g. align or align[3]")
    logs.add_argument("-f", "--follow", action="store_true",
                      help="keep printing new output until the step ends")

    cancel = sub.add_parser(
        "cancel", parents=common, help="cancel a launch",
        description="Stop a launch: its running steps are killed and it ends CANCELLED.",
    )
    launch_id(cancel)

    download = sub.add_parser(
        "download", parents=common, help="download the outputs of a succeeded launch",
        description="Download every output file of a succeeded launch and print its output "
        "object as JSON, located where the files were written.",
    )
    launch_id(download)
    download.add_argument("--outdir", default=None, metavar="DIR",
                          help="where the output files go (default: ./launch-ID)")


def run(args: argparse.Namespace) -> int:
    # Imported here so that the other commands do not pay for loading gRPC and the client.
    from wonderland.client import Client, ClientError

    if args.command == "submit" and args.outdir is not None and not args.wait:
        print("wonderland submit: --outdir needs --wait (or use 'wonderland download')",
              file=sys.stderr)
        return 1
    try:
        with Client(args.address, ca=args.ca, cert=args.cert, key=args.key,
                    insecure=args.insecure, config=args.config) as client:
            return _COMMANDS[args.command](client, args)
    except ClientError as exc:
        print(f"wonderland: {exc}", file=sys.stderr)
    except OSError as exc:  # output files that cannot be written
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"wonderland: {where}{(exc.strerror or str(exc)).lower()}", file=sys.stderr)
    except KeyboardInterrupt:
        return INTERRUPTED
    return 1


def _submit(client, args: argparse.Namespace) -> int:
    launch = client.submit(
        args.workflow, args.job_order, name=args.name, labels=dict(args.labels),
        parallel=args.parallel, restart_attempts=args.restart_attempts,
        namespace=args.namespace, default_image=args.default_image,
    )
    if not args.wait:
        print(launch.id)
        return 0
    try:
        launch.wait()
    except KeyboardInterrupt:
        print(f"wonderland: stopped waiting; launch {launch.id} goes on "
              f"('wonderland cancel {launch.id}' stops it)", file=sys.stderr)
        return INTERRUPTED
    if launch.status != "SUCCEEDED":
        message = launch.message.message
        print(f"wonderland: launch {launch.id} {launch.status}"
              + (f": {message}" if message else ""), file=sys.stderr)
        return 1
    if args.outdir is None:
        print(launch.id)
    else:
        _print_json(client.outputs(launch.id, args.outdir))
    return 0


def _status(client, args: argparse.Namespace) -> int:
    launch = client.get(args.launch_id)
    if args.json:
        _print_json(_launch_object(launch))
        return 0
    fields = [("launch", str(launch.id)), ("name", launch.name),
              ("status", _launch_status(launch.status)), ("message", launch.message),
              ("labels", ", ".join(f"{k}={v}" for k, v in sorted(launch.labels.items()))),
              ("created", f"{_local_time(launch, 'created_at')} by {launch.created_by}"),
              ("finished", _local_time(launch, "finished_at"))]
    for name, value in fields:
        if value:
            print(f"{name + ':':<10}{value}")
    print()
    if not launch.steps:
        print("no step has started yet")
        return 0
    _print_table(("STEP", "STATUS", "EXIT", "ATTEMPT"), [
        (step.name, _step_status(step.status),
         str(step.exit_code) if step.HasField("exit_code") else "", str(step.attempt))
        for step in launch.steps
    ])
    return 0


def _list(client, args: argparse.Namespace) -> int:
    launches = client.list(statuses=args.statuses, labels=dict(args.labels), limit=args.limit)
    _print_table(("ID", "STATUS", "NAME", "CREATED_BY", "CREATED"), [
        (str(launch.id), _launch_status(launch.status), launch.name, launch.created_by,
         _local_time(launch, "created_at"))
        for launch in launches
    ])
    return 0


def _logs(client, args: argparse.Namespace) -> int:
    for chunk in client.logs(args.launch_id, args.step, follow=args.follow):
        sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
    return 0


def _cancel(client, args: argparse.Namespace) -> int:
    launch = client.cancel(args.launch_id)
    print(f"launch {launch.id} {_launch_status(launch.status)}")
    return 0


def _download(client, args: argparse.Namespace) -> int:
    _print_json(client.outputs(args.launch_id, args.outdir))
    return 0


_COMMANDS = {"submit": _submit, "status": _status, "ls": _list, "logs": _logs,
             "cancel": _cancel, "download": _download}
COMMANDS = tuple(_COMMANDS)


# -- output ---------------------------------------------------------------------------------


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=4))


def _print_table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Columns as wide as their widest cell, two spaces apart (the last one not padded)."""
    widths = [max(len(row[i]) for row in (headers, *rows)) for i in range(len(headers) - 1)]
    for row in (headers, *rows):
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        print("  ".join([*cells, row[-1]]))


def _launch_status(value: int) -> str:
    from wonderland.client.client import status_name

    return status_name(value)


def _step_status(value: int) -> str:
    from wonderland.protos import wonderland_pb2 as pb

    return pb.StepStatus.Name(value).removeprefix("STEP_STATUS_")


def _utc(message, field: str) -> datetime.datetime | None:
    """A Timestamp field of a message as an aware datetime; None when it is not set."""
    if not message.HasField(field):
        return None
    return getattr(message, field).ToDatetime(tzinfo=datetime.UTC)


def _local_time(message, field: str) -> str:
    moment = _utc(message, field)
    return "" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _iso_time(message, field: str) -> str | None:
    moment = _utc(message, field)
    return None if moment is None else moment.isoformat()


def _launch_object(launch) -> dict[str, Any]:
    """`wonderland status --json`: the launch, its steps and its output object (locations
    relative to the launch's outputs, as `download` takes them)."""
    return {
        "id": launch.id,
        "name": launch.name,
        "status": _launch_status(launch.status),
        "message": launch.message,
        "created_by": launch.created_by,
        "labels": dict(launch.labels),
        "created_at": _iso_time(launch, "created_at"),
        "updated_at": _iso_time(launch, "updated_at"),
        "finished_at": _iso_time(launch, "finished_at"),
        "outputs": json.loads(launch.outputs) if launch.outputs else None,
        "steps": [{
            "name": step.name,
            "status": _step_status(step.status),
            "message": step.message,
            "exit_code": step.exit_code if step.HasField("exit_code") else None,
            "attempt": step.attempt,
            "executor": step.executor,
            "started_at": _iso_time(step, "started_at"),
            "finished_at": _iso_time(step, "finished_at"),
        } for step in launch.steps],
    }
