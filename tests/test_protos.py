"""The committed generated modules of `protos/wonderland.proto` match the proto."""

from __future__ import annotations

import pathlib

from wonderland.protos import generate


def test_generated_modules_are_current(tmp_path: pathlib.Path) -> None:
    for fresh in generate.generate(tmp_path):
        committed = generate.HERE / fresh.name
        assert committed.read_text() == fresh.read_text(), (
            f"{committed.name} is stale: run python -m wonderland.protos.generate"
        )


def test_service_is_in_package_wonderland_v1() -> None:
    from wonderland.protos import wonderland_pb2

    service = wonderland_pb2.DESCRIPTOR.services_by_name["Wonderland"]
    assert service.full_name == "wonderland.v1.Wonderland"
    assert {m.name for m in service.methods} >= {
        "SubmitPipeline", "GetLaunch", "ListLaunches", "WatchLaunch", "CancelLaunch",
        "GetStepLogs", "UploadFile", "DownloadOutput",
    }
