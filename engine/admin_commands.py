"""`wonderland db upgrade` and `wonderland launches`: looking after the state database."""

from __future__ import annotations

import sys

from wonderland.db import Store, StoreError
from wonderland.engine import paths


def _open(args) -> Store:
    return Store(args.db or paths.default_db_url())


def db_upgrade(args) -> int:
    try:
        store = _open(args)
    except StoreError as exc:
        print(f"wonderland: {exc}", file=sys.stderr)
        return 1
    print(f"database {store.url} is at the newest schema")
    store.close()
    return 0


def list_launches(args) -> int:
    try:
        store = _open(args)
    except StoreError as exc:
        print(f"wonderland: {exc}", file=sys.stderr)
        return 1
    try:
        if args.jobs is not None:
            print(f"{'STATUS':<10} {'ATTEMPT':>7} {'EXIT':>4}  KEY")
            for job in store.jobs(args.jobs):
                exit_code = "" if job.exit_code is None else str(job.exit_code)
                print(f"{job.status.name:<10} {job.attempt:>7} {exit_code:>4}  {job.job_key}"
                      + (f"  ({job.message})" if job.message else ""))
            return 0
        print(f"{'ID':>6} {'STATUS':<10} {'CREATED':<19}  NAME")
        for launch in store.list_launches(args.limit):
            created = launch.created_at.strftime("%Y-%m-%d %H:%M:%S")
            print(f"{launch.id:>6} {launch.status.name:<10} {created:<19}  {launch.name}"
                  + (f"  ({launch.message})" if launch.message else ""))
        return 0
    finally:
        store.close()
