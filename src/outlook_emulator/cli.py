"""`outlook-emulator`: a local Exchange Online and Exchange Server.

Each subcommand lives in its own module, which exposes
``add_arguments(parser)`` and ``command(args) -> int``; they are imported only
when used, so a subcommand's dependencies never slow down another.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("outlook_emulator.server", "serve a tenant folder over Graph and EWS (HTTPS)"),
    "directory": (
        "outlook_emulator.directory.command",
        "start a real directory server (Active Directory) loaded with a tenant's users",
    ),
    "generate": ("outlook_emulator.generate", "write a generated tenant folder"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="outlook-emulator", description=__doc__.split("\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests and details")
    sub = parser.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(sub_parser)
        sub_parser.set_defaults(handler=module.command)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
