"""`wonderland db upgrade` and `wonderland launches`: looking after the state database."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from wonderland.db import LaunchStatus, Store, StoreError
from wonderland.engine import paths
from wonderland.engine.ownership import owner_alive


class _Unavailable(Exception):
    pass


@contextlib.contextmanager
def _opened(args) -> Iterator[Store]:
    try:
        store = Store(args.db or paths.default_db_url())
    except StoreError as exc:
        print(f"wonderland: {exc}", file=sys.stderr)
        raise _Unavailable from exc
    try:
        yield store
    finally:
        store.close()


def db_upgrade(args) -> int:
    try:
        with _opened(args) as store:
            print(f"database {store.url} is at the newest schema")
    except _Unavailable:
        return 1
    return 0


def list_launches(args) -> int:
    try:
        with _opened(args) as store:
            if args.jobs is not None:
                _print_jobs(store, args.jobs)
            else:
                _print_launches(store, args.limit)
    except _Unavailable:
        return 1
    return 0


def _print_jobs(store: Store, launch_id: int) -> None:
    print(f"{'STATUS':<10} {'ATTEMPT':>7} {'EXIT':>4}  KEY")
    for job in store.jobs(launch_id):
        exit_code = "" if job.exit_code is None else str(job.exit_code)
        note = f"  ({job.message})" if job.message else ""
        print(f"{job.status.name:<10} {job.attempt:>7} {exit_code:>4}  {job.job_key}{note}")


def _print_launches(store: Store, limit: int) -> None:
    print(f"{'ID':>6} {'STATUS':<10} {'CREATED':<19}  NAME")
    for launch in store.list_launches(limit):
        created = launch.created_at.strftime("%Y-%m-%d %H:%M:%S")
        note = f"  ({launch.message})" if launch.message else ""
        status = launch.status.name
        if launch.status == LaunchStatus.RUNNING and not owner_alive(launch.owner):
            status = "STOPPED"  # its engine died; the same `wonderland run` resumes it
        print(f"{launch.id:>6} {status:<10} {created:<19}  {launch.name}{note}")
