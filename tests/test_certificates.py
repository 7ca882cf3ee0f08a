"""Mutual TLS end to end: the `wonderland ca` and `wonderland cert` commands, the certificates
they make verified as chains, a real gRPC server that answers only clients certified by its CA
and tells who is calling, the credential checks, and the client's config file."""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import Criticality, ExtensionPolicy, PolicyBuilder, Store
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from wonderland.client.certificates import (
    CaFiles,
    CertificateError,
    caller_from_auth_context,
    init_ca,
    load_certificate,
    request_certificate,
    sign_csr,
)
from wonderland.client.config import ConfigError, load_config
from wonderland.client.credentials import (
    CredentialsError,
    channel_credentials,
    server_credentials,
)

TIMEOUT = 10
WHO_AM_I = "/wonderland.test.WhoAmI/Call"


def wonderland(tmp_path: Path, *args: str | os.PathLike[str]) -> subprocess.CompletedProcess:
    """Run the real `wonderland` command with its data and config folders inside tmp_path."""
    env = dict(os.environ, WONDERLAND_HOME=str(tmp_path / "home"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    env.pop("WONDERLAND_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "wonderland.engine.cli", *map(str, args)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )


def verify_client_chain(ca: x509.Certificate, leaf: x509.Certificate) -> None:
    """The Web PKI's client policy, except that a user is named by CN, not by an alt name."""
    user_policy = ExtensionPolicy.webpki_defaults_ee().may_be_present(
        x509.SubjectAlternativeName, Criticality.AGNOSTIC, None
    )
    builder = PolicyBuilder().store(Store([ca])).extension_policies(
        ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=user_policy
    )
    builder.build_client_verifier().verify(leaf, [])


# --- the commands -------------------------------------------------------------------------


def test_cli_round_trip_makes_a_verifiable_chain(tmp_path: Path) -> None:
    init = wonderland(tmp_path, "ca", "init", "--server-name", "wl.example.org", "10.0.0.5")
    assert init.returncode == 0, init.stderr
    ca_dir = tmp_path / "home" / "ca"
    assert f"wrote {ca_dir / 'ca.key'}" in init.stdout
    assert "wonderland ca sign NAME.csr" in init.stdout

    request = wonderland(tmp_path, "cert", "request", "--user", "alice")
    assert request.returncode == 0, request.stderr
    user_dir = tmp_path / "config" / "wonderland"
    assert "send alice.csr to your admin: wonderland ca sign alice.csr" in request.stdout

    sign = wonderland(tmp_path, "ca", "sign", user_dir / "alice.csr")
    assert sign.returncode == 0, sign.stderr
    assert f"wrote {user_dir / 'alice.crt'}" in sign.stdout

    files = CaFiles.in_directory(ca_dir)
    for key in (files.ca_key, files.server_key, user_dir / "alice.key"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key
    ca = load_certificate(files.ca_cert)
    alice = load_certificate(user_dir / "alice.crt")
    verify_client_chain(ca, alice)
    assert alice.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "alice"
    usage = alice.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]

    server = load_certificate(files.server_cert)
    server_verifier = PolicyBuilder().store(Store([ca]))
    for name in ("localhost", socket.gethostname().lower(), "wl.example.org"):
        server_verifier.build_server_verifier(x509.DNSName(name)).verify(server, [])
    for address in ("127.0.0.1", "::1", "10.0.0.5"):
        ip = x509.IPAddress(ipaddress.ip_address(address))
        server_verifier.build_server_verifier(ip).verify(server, [])
    usage = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert not list(tmp_path.rglob("*.tmp")), "temporary files left behind"


def test_existing_ca_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    assert wonderland(tmp_path, "ca", "init").returncode == 0
    ca_cert = tmp_path / "home" / "ca" / "ca.crt"
    before = ca_cert.read_bytes()
    again = wonderland(tmp_path, "ca", "init")
    assert again.returncode == 1
    assert again.stderr == f"wonderland: {ca_cert}: already exists; a CA is never overwritten\n"
    assert ca_cert.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ca", "sign", "missing.csr", "--dir", "ca"], "wonderland: missing.csr: no such file"),
        (["ca", "sign", "ca/ca.crt", "--dir", "ca"],
         "wonderland: ca/ca.crt: not a PEM certificate signing request"),
        (["ca", "sign", "mine/alice.csr", "--dir", "nowhere"],
         "wonderland: nowhere: no CA here (ca.key is missing; make one with 'wonderland ca init')"),
        (["ca", "sign", "mine/alice.csr", "--dir", "ca", "--days", "0"],
         "wonderland: days must be at least 1, got 0"),
        (["ca", "sign", "mine/alice.csr", "--dir", "ca", "--days", "4000"],
         "the CA expires on"),
        (["ca", "sign", "mine/alice.csr", "--dir", "ca", "--days", "99999999999"],
         "the CA expires on"),
        (["cert", "request", "--user", "bad name", "--out", "mine"],
         "wonderland: bad user name 'bad name': use 1 to 100 letters, digits"),
        (["cert", "request", "--user", "x" * 101, "--out", "mine"], "wonderland: bad user name"),
        (["cert", "request", "--user", "alice", "--out", "mine"],
         "mine/alice.key: already exists; remove it first"),
        (["ca", "init", "--dir", "new-ca", "--server-name", "bad name!"],
         "wonderland: bad server name 'bad name!': not a DNS name or an IP address"),
    ],
    ids=["missing CSR", "not a CSR", "no CA", "zero days", "outlives the CA", "huge days",
         "bad user name", "long user name", "existing key", "bad server name"],
)
def test_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    init_ca(tmp_path / "ca")
    request_certificate("alice", tmp_path / "mine")
    before = sorted(tmp_path.rglob("*"))
    result = wonderland(tmp_path, *args)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert result.stdout == ""
    assert sorted(tmp_path.rglob("*")) == before


def test_sign_never_overwrites_a_certificate(tmp_path: Path) -> None:
    init_ca(tmp_path / "ca")
    _, csr = request_certificate("alice", tmp_path)
    cert = sign_csr(tmp_path / "ca", csr)
    with pytest.raises(CertificateError, match="alice.crt: already exists"):
        sign_csr(tmp_path / "ca", csr, admin=True)
    assert role_of(cert) == "user"


def role_of(cert: Path) -> str:
    units = load_certificate(cert).subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    return ",".join(str(unit.value) for unit in units)


def test_role_comes_from_the_signer_not_the_request(tmp_path: Path) -> None:
    """A request that asks for OU=admin still gets a user certificate."""
    init_ca(tmp_path / "ca")
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "admin"),
        x509.NameAttribute(NameOID.COMMON_NAME, "mallory"),
    ])
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    csr_path = tmp_path / "mallory.csr"
    csr_path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    assert role_of(sign_csr(tmp_path / "ca", csr_path)) == "user"


# --- a real server ------------------------------------------------------------------------


@dataclass
class Pki:
    """A CA with its server, a user, an admin, and a user of another CA."""

    ca: CaFiles
    alice: tuple[Path, Path]  # key, certificate
    root: tuple[Path, Path]
    stranger: tuple[Path, Path]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    base = tmp_path_factory.mktemp("pki")
    ca = init_ca(base / "ca")
    init_ca(base / "other-ca")

    def user(name: str, ca_dir: Path, admin: bool = False) -> tuple[Path, Path]:
        key, csr = request_certificate(name, base / name)
        return key, sign_csr(ca_dir, csr, admin=admin)

    return Pki(ca, user("alice", base / "ca"), user("root", base / "ca", admin=True),
               user("stranger", base / "other-ca"))


def _who_am_i(request: bytes, context: grpc.ServicerContext) -> bytes:
    caller = caller_from_auth_context(context.auth_context())
    return json.dumps(caller and {"user": caller.user, "admin": caller.admin}).encode()


class _WhoAmI(grpc.GenericRpcHandler):
    def service(self, handler_call_details):
        if handler_call_details.method == WHO_AM_I:
            return grpc.unary_unary_rpc_method_handler(_who_am_i)
        return None


def _server(add_port) -> tuple[grpc.Server, int]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)
    server.add_generic_rpc_handlers([_WhoAmI()])
    port = add_port(server)
    server.start()
    return server, port


@pytest.fixture(scope="module")
def address(pki: Pki) -> Iterator[str]:
    credentials = server_credentials(pki.ca.ca_cert, pki.ca.server_cert, pki.ca.server_key)
    server, port = _server(lambda s: s.add_secure_port("127.0.0.1:0", credentials))
    yield f"localhost:{port}"
    server.stop(grace=None)


def check_health(channel: grpc.Channel) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    return stub.Check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT).status


def who_am_i(channel: grpc.Channel) -> dict | None:
    return json.loads(channel.unary_unary(WHO_AM_I)(b"", timeout=TIMEOUT))


@pytest.mark.parametrize(("who", "admin"), [("alice", False), ("root", True)])
def test_certified_client_is_answered_and_known(
    pki: Pki, address: str, who: str, admin: bool
) -> None:
    key, cert = getattr(pki, who)
    with grpc.secure_channel(address, channel_credentials(pki.ca.ca_cert, cert, key)) as channel:
        assert check_health(channel) == health_pb2.HealthCheckResponse.SERVING
        assert who_am_i(channel) == {"user": who, "admin": admin}


def refused(address: str, credentials: grpc.ChannelCredentials) -> grpc.StatusCode:
    with grpc.secure_channel(address, credentials) as channel, pytest.raises(grpc.RpcError) as e:
        check_health(channel)
    return e.value.code()


def test_client_without_certificate_is_refused(pki: Pki, address: str) -> None:
    credentials = grpc.ssl_channel_credentials(root_certificates=pki.ca.ca_cert.read_bytes())
    assert refused(address, credentials) == grpc.StatusCode.UNAVAILABLE


def test_certificate_of_another_ca_is_refused(pki: Pki, address: str) -> None:
    key, cert = pki.stranger
    with pytest.raises(CredentialsError, match=f"{cert}: not issued by the CA in"):
        channel_credentials(pki.ca.ca_cert, cert, key)
    credentials = grpc.ssl_channel_credentials(  # what the check above keeps a user from doing
        root_certificates=pki.ca.ca_cert.read_bytes(),
        private_key=key.read_bytes(),
        certificate_chain=cert.read_bytes(),
    )
    assert refused(address, credentials) == grpc.StatusCode.UNAVAILABLE


def test_plaintext_caller_is_nobody() -> None:
    server, port = _server(lambda s: s.add_insecure_port("127.0.0.1:0"))
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            assert who_am_i(channel) is None
    finally:
        server.stop(grace=None)


# --- credentials --------------------------------------------------------------------------


def test_credentials_name_the_bad_file(pki: Pki, tmp_path: Path) -> None:
    key, cert = pki.alice
    other_key, _ = pki.root
    missing = tmp_path / "missing.crt"
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("hello\n")
    cases = [
        ((missing, cert, key), f"{missing}: no such file"),
        ((pki.ca.ca_cert, not_pem, key), f"{not_pem}: not a PEM certificate"),
        ((pki.ca.ca_cert, cert, not_pem), f"{not_pem}: not a PEM private key"),
        ((pki.ca.ca_cert, cert, other_key),
         f"{other_key}: this key does not belong to the certificate {cert}"),
    ]
    for args, message in cases:
        with pytest.raises(CredentialsError) as error:
            server_credentials(*args)
        assert str(error.value) == message


# --- the config file ----------------------------------------------------------------------


@pytest.fixture
def config_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("WONDERLAND_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return tmp_path / "wonderland"


def test_missing_config_gives_defaults(config_env: Path) -> None:
    config = load_config()
    assert (config.address, config.insecure) == ("localhost:50051", False)
    assert (config.ca, config.cert, config.key) == (
        config_env / "ca.crt", config_env / "client.crt", config_env / "client.key")


def test_config_paths_are_relative_to_its_folder(
    config_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_env.mkdir()
    (config_env / "config.yaml").write_text(
        "address: wl.example.org:443\ncert: alice.crt\nkey: keys/alice.key\ninsecure: false\n")
    config = load_config()
    assert config.address == "wl.example.org:443"
    assert (config.ca, config.cert, config.key) == (
        config_env / "ca.crt", config_env / "alice.crt", config_env / "keys" / "alice.key")
    elsewhere = tmp_path / "elsewhere" / "wl.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text(f"ca: {tmp_path}/root.crt\ninsecure: true\n")
    monkeypatch.setenv("WONDERLAND_CONFIG", str(elsewhere))
    config = load_config()
    assert (config.ca, config.cert, config.insecure) == (
        tmp_path / "root.crt", elsewhere.parent / "client.crt", True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("adress: x:1\n", "unknown key 'adress' (known: address, ca, cert, key, insecure)"),
        ("insecure: 'yes'\n", "'insecure' must be true or false, not 'yes'"),
        ("cert: [a, b]\n", "'cert' must be a non-empty text, not ['a', 'b']"),
        ("- address\n", "must be a mapping of keys"),
        ("address: [\n", "config.yaml:2:1: not valid YAML"),
    ],
    ids=["unknown key", "insecure not bool", "cert not text", "not a mapping", "bad YAML"],
)
def test_bad_config_is_one_error_naming_file_and_key(
    config_env: Path, text: str, message: str
) -> None:
    config_env.mkdir()
    path = config_env / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config()
    assert str(error.value).startswith(str(path)) and message in str(error.value)
    assert "\n" not in str(error.value)


def test_named_config_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.yaml")
