"""`wonderland ca init | sign` and `wonderland cert request`: the CA, the server's certificate
and users' certificates of mutual TLS, made with `wonderland.client.certificates`."""

from __future__ import annotations

import argparse
import sys

from wonderland.engine import paths

COMMANDS = ("ca", "cert")


def add_parsers(sub) -> None:
    ca = sub.add_parser("ca", help="the certificate authority: make it, sign users' requests")
    ca_sub = ca.add_subparsers(dest="ca_command", required=True, metavar="COMMAND")
    init = ca_sub.add_parser(
        "init", help="make a CA and a server certificate signed by it",
        description="Make a CA key and certificate and a server key and certificate signed by "
        "it. The server certificate names localhost, 127.0.0.1, ::1, this machine's hostname "
        "and every --server-name. An existing CA is never overwritten.",
    )
    init.add_argument("--dir", default=None, metavar="DIR",
                      help=f"where the CA lives (default: {paths.default_ca_dir()})")
    init.add_argument("--server-name", dest="server_names", action="extend", nargs="+",
                      default=[], metavar="NAME",
                      help="another DNS name or IP address clients reach the server by")
    sign = ca_sub.add_parser(
        "sign", help="sign a user's certificate request (the admin's step)",
        description="Sign a request made by 'wonderland cert request'. The certificate takes "
        "only the request's key and user name (CN); --admin marks it OU=admin, which lets its "
        "holder see every user's launches.",
    )
    sign.add_argument("csr", metavar="CSR", help="the user's request (NAME.csr)")
    sign.add_argument("--dir", default=None, metavar="CA_DIR",
                      help=f"the CA's folder (default: {paths.default_ca_dir()})")
    sign.add_argument("--admin", action="store_true", help="make the user an admin")
    sign.add_argument("--days", type=int, default=365, metavar="N",
                      help="how long the certificate is valid (default: %(default)s days)")
    sign.add_argument("--out", default=None, metavar="FILE",
                      help="where to write the certificate (default: NAME.crt beside the CSR)")
    cert = sub.add_parser("cert", help="your certificate: make a key and a request to sign")
    cert_sub = cert.add_subparsers(dest="cert_command", required=True, metavar="COMMAND")
    request = cert_sub.add_parser(
        "request", help="make a private key and a certificate request for the admin",
        description="Make NAME.key (keep it) and NAME.csr (send it to your admin).",
    )
    request.add_argument("--user", required=True, metavar="NAME",
                         help="your user name: letters, digits, '.', '-', '_', '@'")
    request.add_argument("--out", default=None, metavar="DIR",
                         help="where to write them (default: ~/.config/wonderland, or "
                              "$XDG_CONFIG_HOME/wonderland)")


def run(args: argparse.Namespace) -> int:
    # Imported here so that the other commands do not pay for loading cryptography.
    from wonderland.client.certificates import CertificateError

    try:
        if args.command == "cert":
            _request(args)
        elif args.ca_command == "init":
            _init(args)
        else:
            _sign(args)
    except CertificateError as exc:
        print(f"wonderland: {exc}", file=sys.stderr)
        return 1
    return 0


def _init(args: argparse.Namespace) -> None:
    from wonderland.client.certificates import init_ca

    directory = args.dir or paths.default_ca_dir()
    files = init_ca(directory, args.server_names)
    print(f"wrote {files.ca_cert} (the CA certificate: give it to the server and every user)")
    print(f"wrote {files.ca_key} (the CA key: keep it secret, it makes certificates)")
    print(f"wrote {files.server_cert} and {files.server_key} (the server's certificate and key)")
    dir_option = "" if args.dir is None else f" --dir {directory}"
    print(f"next: users run 'wonderland cert request --user NAME' and you sign their request "
          f"with 'wonderland ca sign NAME.csr{dir_option}'")


def _request(args: argparse.Namespace) -> None:
    from wonderland.client.certificates import request_certificate
    from wonderland.client.config import config_dir

    key, csr = request_certificate(args.user, args.out or config_dir())
    print(f"wrote {key} (your private key: keep it, never send it)")
    print(f"wrote {csr} (your certificate request)")
    print(f"next: send {csr.name} to your admin: wonderland ca sign {csr.name}")
    print(f"then: save the {args.user}.crt you get back and the CA's ca.crt beside {key.name}, "
          f"and name the three in {config_dir() / 'config.yaml'} as cert:, key: and ca:")


def _sign(args: argparse.Namespace) -> None:
    from wonderland.client.certificates import sign_csr

    cert = sign_csr(args.dir or paths.default_ca_dir(), args.csr, admin=args.admin,
                    days=args.days, out=args.out)
    role = "an admin" if args.admin else "a user"
    print(f"wrote {cert} (a certificate for {role}, valid {args.days} days)")
    print(f"next: send {cert.name} back to the user with the CA's ca.crt; their "
          "config.yaml names them as 'cert:' and 'ca:'")
