"""The certificates of mutual TLS: a CA, the server's certificate, users' keys and requests, the
admin's signature, and who a verified peer certificate says is calling.

Every certificate this module signs is built by the signer: from a request it takes only the
public key and the common name (the user, which becomes `created_by`); its other subject fields
and extensions are ignored. The signer writes the role into the subject as O=Wonderland,
OU=admin or OU=user, so only the holder of the CA key can make an admin certificate. User
certificates may only authenticate clients (ExtendedKeyUsage CLIENT_AUTH), the server's only
servers (SERVER_AUTH).

Files are never overwritten: each is written to a temporary file and linked into place, and a
command that writes several files writes all of them or none.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import socket
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

StrPath = str | os.PathLike[str]
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

ORGANIZATION = "Wonderland"
ADMIN_ROLE = "admin"
USER_ROLE = "user"
CA_DAYS = 3650
SERVER_DAYS = 825
MIN_RSA_BITS = 2048
CLOCK_SKEW = datetime.timedelta(minutes=5)
_USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
_DNS_NAME = re.compile(r"(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+")


class CertificateError(Exception):
    """A key, request or certificate that cannot be made, read or used; the message is one line
    that names the file."""


@dataclass(frozen=True)
class CaFiles:
    """Where a CA folder keeps its key and certificate and the server's."""

    ca_cert: Path
    ca_key: Path
    server_cert: Path
    server_key: Path

    @classmethod
    def in_directory(cls, directory: StrPath) -> CaFiles:
        folder = Path(directory)
        return cls(folder / "ca.crt", folder / "ca.key", folder / "server.crt",
                   folder / "server.key")


@dataclass(frozen=True)
class Caller:
    """The user a verified client certificate names, and whether the CA made them an admin."""

    user: str
    admin: bool


def check_user_name(user: str) -> str:
    """The user name if it can be a certificate's CN and a `created_by` value, else an error."""
    if not _USER_NAME.fullmatch(user):
        raise CertificateError(
            f"bad user name {user!r}: use 1 to 100 letters, digits and '.', '-', '_', '@', "
            "starting with a letter or digit"
        )
    return user


def init_ca(directory: StrPath, server_names: Sequence[str] | None = None) -> CaFiles:
    """Make a CA and a server certificate signed by it in `directory` (created if missing).

    The server certificate names localhost, 127.0.0.1, ::1, this machine's hostname and every
    entry of `server_names` (DNS names or IP addresses). An existing CA is never replaced.
    """
    files = CaFiles.in_directory(directory)
    existing = [str(path) for path in astuple(files) if path.exists()]
    if existing:
        raise CertificateError(f"{existing[0]}: already exists; a CA is never overwritten")
    alt_names = _server_alt_names(["localhost", "127.0.0.1", "::1", socket.gethostname(),
                                   *(server_names or [])])
    ca_key = _new_key()
    ca_name = _name(f"{ORGANIZATION} CA")
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key(), CA_DAYS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = _new_key()
    server_cert = (
        _leaf_builder(ca_cert, _name(f"{ORGANIZATION} server"), server_key.public_key(),
                      SERVER_DAYS, ExtendedKeyUsageOID.SERVER_AUTH)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _make_directory(Path(directory))
    _write_new({
        files.ca_key: (_key_pem(ca_key), 0o600),
        files.ca_cert: (_cert_pem(ca_cert), 0o644),
        files.server_key: (_key_pem(server_key), 0o600),
        files.server_cert: (_cert_pem(server_cert), 0o644),
    })
    return files


def request_certificate(user: str, directory: StrPath) -> tuple[Path, Path]:
    """Make `<user>.key` (mode 0600) and `<user>.csr` with CN=user in `directory`; returns both
    paths. The CSR goes to the admin, the key stays with the user."""
    check_user_name(user)
    folder = Path(directory)
    key_path, csr_path = folder / f"{user}.key", folder / f"{user}.csr"
    key = _new_key()
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user)]))
        .sign(key, hashes.SHA256())
    )
    _make_directory(folder)
    _write_new({
        key_path: (_key_pem(key), 0o600),
        csr_path: (csr.public_bytes(serialization.Encoding.PEM), 0o644),
    })
    return key_path, csr_path


def sign_csr(
    ca_directory: StrPath,
    csr_path: StrPath,
    admin: bool = False,
    days: int = 365,
    out: StrPath | None = None,
) -> Path:
    """Sign a user's request with the CA in `ca_directory`; writes `<user>.crt` beside the request
    (or to `out`) and returns its path. `admin` marks the certificate OU=admin."""
    if days < 1:
        raise CertificateError(f"days must be at least 1, got {days}")
    csr = _load_csr(Path(csr_path))
    user = _common_name(csr.subject, csr_path)
    _check_public_key(csr.public_key(), csr_path)
    files = CaFiles.in_directory(ca_directory)
    if not files.ca_key.exists():
        raise CertificateError(f"{ca_directory}: no CA here ({files.ca_key.name} is missing; "
                               "make one with 'wonderland ca init')")
    ca_cert = load_certificate(files.ca_cert)
    ca_key = load_private_key(files.ca_key)
    if days > (ca_cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC)).days:
        raise CertificateError(
            f"{files.ca_cert}: the CA expires on {ca_cert.not_valid_after_utc:%Y-%m-%d}, "
            f"before a certificate of {days} days would"
        )
    role = ADMIN_ROLE if admin else USER_ROLE
    cert = _leaf_builder(
        ca_cert, _name(user, role), csr.public_key(), days, ExtendedKeyUsageOID.CLIENT_AUTH
    ).sign(ca_key, hashes.SHA256())
    cert_path = Path(out) if out is not None else Path(csr_path).parent / f"{user}.crt"
    _write_new({cert_path: (_cert_pem(cert), 0o644)})
    return cert_path


def caller_from_auth_context(auth_context: Mapping[str, Sequence[bytes]]) -> Caller | None:
    """Who is calling, from `grpc.ServicerContext.auth_context()`; None without a verified client
    certificate fit for client authentication.

    gRPC fills `x509_pem_cert` (and `x509_common_name`) only after the handshake verified the
    peer's chain against the server's root certificates; the role is read from that certificate.
    """
    if b"ssl" not in auth_context.get("transport_security_type", ()):
        return None
    pem = auth_context.get("x509_pem_cert")
    if not pem:
        return None
    cert = x509.load_pem_x509_certificate(pem[0])
    try:
        usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return None
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if ExtendedKeyUsageOID.CLIENT_AUTH not in usage or len(names) != 1:
        return None
    user = str(names[0].value)
    if not _USER_NAME.fullmatch(user):
        return None
    units = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    roles = {str(unit.value) for unit in units}
    return Caller(user=user, admin=roles == {ADMIN_ROLE})


def read_file(path: StrPath) -> bytes:
    """A file's bytes, or a one-line error naming it."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise CertificateError(f"{path}: no such file") from None
    except OSError as exc:
        raise CertificateError(f"{path}: cannot read it ({exc.strerror})") from None


def parse_certificates(data: bytes, path: StrPath) -> list[x509.Certificate]:
    """Every certificate of the PEM text read from `path` (at least one)."""
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        raise CertificateError(f"{path}: not a PEM certificate") from None


def parse_private_key(data: bytes, path: StrPath) -> PrivateKey:
    """The unencrypted PEM private key read from `path` (gRPC cannot use an encrypted one)."""
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise CertificateError(f"{path}: the key is encrypted; gRPC needs it unencrypted") from None
    except (ValueError, UnsupportedAlgorithm):
        raise CertificateError(f"{path}: not a PEM private key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise CertificateError(f"{path}: only EC and RSA keys are supported")
    return key


def load_certificate(path: StrPath) -> x509.Certificate:
    """The first certificate of a PEM file."""
    return parse_certificates(read_file(path), path)[0]


def load_private_key(path: StrPath) -> PrivateKey:
    """An unencrypted PEM private key file."""
    return parse_private_key(read_file(path), path)


def public_key_bytes(key: x509.Certificate | PrivateKey) -> bytes:
    """A public key in a form two keys can be compared by (does this key match that certificate)."""
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _load_csr(path: Path) -> x509.CertificateSigningRequest:
    try:
        csr = x509.load_pem_x509_csr(read_file(path))
    except ValueError:
        raise CertificateError(f"{path}: not a PEM certificate signing request") from None
    if not csr.is_signature_valid:
        raise CertificateError(f"{path}: the request's signature is not valid")
    return csr


def _common_name(subject: x509.Name, path: StrPath) -> str:
    names = subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(names) != 1:
        raise CertificateError(f"{path}: the request must name exactly one user (CN)")
    try:
        return check_user_name(str(names[0].value))
    except CertificateError as exc:
        raise CertificateError(f"{path}: {exc}") from None


def _check_public_key(key: CertificatePublicKeyTypes, path: StrPath) -> None:
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise CertificateError(f"{path}: an RSA key needs at least {MIN_RSA_BITS} bits")
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise CertificateError(f"{path}: only EC and RSA keys are supported")


def _server_alt_names(names: Sequence[str]) -> list[x509.GeneralName]:
    alt_names: list[x509.GeneralName] = []
    for name in dict.fromkeys(names):
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            if not _DNS_NAME.fullmatch(name) or len(name) > 253:
                raise CertificateError(f"bad server name {name!r}: not a DNS name or an IP "
                                       "address") from None
            alt_names.append(x509.DNSName(name.lower()))
    return alt_names


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str, role: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION)]
    if role is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: CertificatePublicKeyTypes, days: int
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _leaf_builder(
    ca_cert: x509.Certificate,
    subject: x509.Name,
    public_key: CertificatePublicKeyTypes,
    days: int,
    usage: x509.ObjectIdentifier,
) -> x509.CertificateBuilder:
    ca_key_id = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        _builder(subject, ca_cert.subject, public_key, days)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_key_id),
            critical=False,
        )
    )


def _key_usage(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign,
        crl_sign=cert_sign, encipher_only=False, decipher_only=False,
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _make_directory(folder: Path) -> None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise CertificateError(f"{folder}: cannot make this folder ({exc.strerror})") from None


def _write_new(files: Mapping[Path, tuple[bytes, int]]) -> None:
    """Write every file or none; an existing file is an error, never overwritten."""
    linked: list[Path] = []
    try:
        for path, (data, mode) in files.items():
            _link_new(path, data, mode)
            linked.append(path)
    except BaseException:
        for path in linked:
            path.unlink(missing_ok=True)
        raise


def _link_new(path: Path, data: bytes, mode: int) -> None:
    """Write `data` to a temporary file beside `path` and link it into place, so `path` appears
    whole or not at all and an existing file is never replaced."""
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise CertificateError(f"{path.parent}: cannot write there ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temp, path)
    except FileExistsError:
        raise CertificateError(f"{path}: already exists; remove it first") from None
    except OSError as exc:
        raise CertificateError(f"{path}: cannot write it ({exc.strerror})") from None
    finally:
        os.unlink(temp)
