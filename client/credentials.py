"""gRPC credentials for mutual TLS from PEM files, with the files checked first.

gRPC reports an unreadable or mismatched file as a failed handshake long after the fact; here
each file is read and checked before the credentials are made, and a problem is one
`CredentialsError` line naming the file: missing or unreadable, not PEM, an encrypted key, a key
that does not belong to its certificate, a certificate not issued by the CA, or one out of date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import grpc
from cryptography import x509
from cryptography.exceptions import InvalidSignature

from wonderland.client.certificates import (
    CertificateError,
    StrPath,
    parse_certificates,
    parse_private_key,
    public_key_bytes,
    read_file,
)


class CredentialsError(Exception):
    """A certificate or key file that cannot be used; the message is one line naming it."""


@dataclass(frozen=True)
class _Pems:
    ca_cert: bytes
    cert: bytes
    key: bytes


def server_credentials(ca_cert: StrPath, cert: StrPath, key: StrPath) -> grpc.ServerCredentials:
    """Credentials of a server that answers only clients with a certificate from `ca_cert`."""
    pems = _checked(ca_cert, cert, key)
    return grpc.ssl_server_credentials(
        [(pems.key, pems.cert)], root_certificates=pems.ca_cert, require_client_auth=True
    )


def channel_credentials(ca_cert: StrPath, cert: StrPath, key: StrPath) -> grpc.ChannelCredentials:
    """Credentials of a client that trusts servers certified by `ca_cert` and shows `cert`."""
    pems = _checked(ca_cert, cert, key)
    return grpc.ssl_channel_credentials(
        root_certificates=pems.ca_cert, private_key=pems.key, certificate_chain=pems.cert
    )


def _checked(ca_cert: StrPath, cert: StrPath, key: StrPath) -> _Pems:
    try:
        pems = _Pems(ca_cert=read_file(ca_cert), cert=read_file(cert), key=read_file(key))
        authorities = parse_certificates(pems.ca_cert, ca_cert)
        own = parse_certificates(pems.cert, cert)[0]
        private_key = parse_private_key(pems.key, key)
    except CertificateError as exc:
        raise CredentialsError(str(exc)) from None
    if public_key_bytes(own) != public_key_bytes(private_key):
        raise CredentialsError(f"{key}: this key does not belong to the certificate {cert}")
    if not any(_issued_by(own, authority) for authority in authorities):
        raise CredentialsError(f"{cert}: not issued by the CA in {ca_cert}")
    now = datetime.datetime.now(datetime.UTC)
    if own.not_valid_after_utc < now:
        raise CredentialsError(f"{cert}: expired on {own.not_valid_after_utc:%Y-%m-%d}")
    if own.not_valid_before_utc > now:
        raise CredentialsError(f"{cert}: not valid before {own.not_valid_before_utc:%Y-%m-%d}")
    return pems


def _issued_by(cert: x509.Certificate, authority: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(authority)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
