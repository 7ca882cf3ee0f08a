"""Generates the Python modules of `wonderland.proto` (messages, stubs, type stubs).

The generated modules are committed; `tests/test_protos.py` regenerates them and fails when the
committed ones are stale. Run `python -m wonderland.protos.generate` after changing the proto.
The proto is compiled from a temporary tree where it sits at `wonderland/protos/`, so that the
generated stub imports its messages as `wonderland.protos.wonderland_pb2`.
"""

from __future__ import annotations

import pathlib
import shutil
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
PROTO = "wonderland.proto"
GENERATED = ("wonderland_pb2.py", "wonderland_pb2.pyi", "wonderland_pb2_grpc.py")


def generate(into: pathlib.Path) -> list[pathlib.Path]:
    """Compile the proto; write the generated modules into `into` and return their paths."""
    import grpc_tools
    from grpc_tools import protoc

    includes = pathlib.Path(grpc_tools.__file__).parent / "_proto"
    with tempfile.TemporaryDirectory() as tmp:
        tree = pathlib.Path(tmp)
        (tree / "wonderland" / "protos").mkdir(parents=True)
        shutil.copy(HERE / PROTO, tree / "wonderland" / "protos" / PROTO)
        out = tree / "out"
        out.mkdir()
        code = protoc.main([
            "protoc", f"-I{tree}", f"-I{includes}", f"--python_out={out}", f"--pyi_out={out}",
            f"--grpc_python_out={out}", f"wonderland/protos/{PROTO}",
        ])
        if code != 0:
            raise RuntimeError(f"protoc failed on {PROTO} (exit code {code})")
        into.mkdir(parents=True, exist_ok=True)
        written = []
        for name in GENERATED:
            target = into / name
            shutil.copy(out / "wonderland" / "protos" / name, target)
            written.append(target)
        return written


if __name__ == "__main__":
    for path in generate(HERE):
        print(f"wrote {path}", file=sys.stderr)
