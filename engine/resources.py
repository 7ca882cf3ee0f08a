"""Accounting of cores and RAM for local step jobs, from `ResourceRequirement`.

A job's request is its `coresMin` and `ramMin` (cwltool's defaults: 1 core, 256 MiB). The
pool admits a job when it fits in what is free; a job larger than the whole machine runs
alone rather than never.
"""

from __future__ import annotations

import dataclasses
import math
import os
from typing import Any

from cwltool.process import Process

from wonderland.cwl.inputs import initialized

DEFAULT_CORES = 1
DEFAULT_RAM_MIB = 256


@dataclasses.dataclass(frozen=True)
class Resources:
    cores: float
    ram_mib: float


def machine_ram_mib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and ("$(" in value or "${" in value)


def requested_resources(tool: Process, inputs: dict[str, Any], runtime_context: Any) -> Resources:
    requirement, _ = tool.get_requirement("ResourceRequirement")
    if requirement is None:
        return Resources(DEFAULT_CORES, DEFAULT_RAM_MIB)
    if any(_is_expression(v) for v in requirement.values()):
        builder = initialized(tool, inputs, runtime_context)
        evaluated = tool.evalResources(builder, runtime_context)
        return Resources(evaluated["cores"], evaluated["ram"])
    cores = requirement.get("coresMin", requirement.get("coresMax", DEFAULT_CORES))
    ram = requirement.get("ramMin", requirement.get("ramMax", DEFAULT_RAM_MIB))
    return Resources(math.ceil(float(cores)), math.ceil(float(ram)))


class ResourcePool:
    def __init__(self, cores: float, ram_mib: float) -> None:
        self.free_cores = cores
        self.free_ram = ram_mib

    def fits(self, request: Resources, others_running: bool) -> bool:
        if not others_running:
            return True
        return request.cores <= self.free_cores and request.ram_mib <= self.free_ram

    def take(self, request: Resources) -> None:
        self.free_cores -= request.cores
        self.free_ram -= request.ram_mib

    def give_back(self, request: Resources) -> None:
        self.free_cores += request.cores
        self.free_ram += request.ram_mib
