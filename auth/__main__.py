"""Manage who may use the dashboard: ``python -m auth COMMAND``.

    python -m auth add-user NAME --role analyst   # asks for the password (or reads one line from stdin)
    python -m auth add-user NAME --role editor --area 510104011000   # an editor of that area (repeat --area)
    python -m auth remove NAME
    python -m auth list                           # users and kiosk screens
    python -m auth add-token SCREEN [--area CODE] # prints the screen's wall URL, once
    python -m auth revoke-token SCREEN

Files: ``CSB_USERS_FILE`` (default var/users.json) and ``CSB_TOKENS_FILE`` (default
var/kiosk_tokens.json). The running app notices changes on its next request.
"""
from __future__ import annotations

import argparse
import getpass
import sys
from urllib.parse import urlencode

from auth import config, roles
from auth.files import StoreError
from auth.tokens import TokenStore
from auth.users import UserStore


def _password(name: str) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(f"Password for {name}: ")
        if getpass.getpass("Again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m auth", description="Users and kiosk tokens of the dashboard.")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add-user", help="create a user, or set a new password and role")
    add.add_argument("name")
    add.add_argument("--role", choices=roles.ROLES, default="viewer")
    add.add_argument("--area", action="append", default=[],
                     help="a 12-digit area code the user is given (repeatable); an editor acts on these and below")
    remove = commands.add_parser("remove", help="remove a user")
    remove.add_argument("name")
    commands.add_parser("list", help="list users and kiosk screens")
    token = commands.add_parser("add-token", help="make a kiosk token for a wall screen (replaces its old one)")
    token.add_argument("screen")
    token.add_argument("--area", help="the 12-digit area code the screen shows (only that area)")
    token.add_argument("--base-url", default="", help="e.g. https://dashboard.example.org, to print a full URL")
    revoke = commands.add_parser("revoke-token", help="revoke a screen's kiosk token")
    revoke.add_argument("screen")
    args = parser.parse_args(argv)

    users, tokens = UserStore(config.users_file()), TokenStore(config.tokens_file())
    try:
        if args.command == "add-user":
            new = users.add(args.name, _password(args.name), args.role, args.area)
            scope = f" for {', '.join(sorted(set(args.area)))}" if args.area else ""
            print(f"{'added' if new else 'updated'} {args.name} ({args.role}{scope}) in {users.path}")
        elif args.command == "remove":
            if not users.remove(args.name):
                print(f"no user {args.name} in {users.path}", file=sys.stderr)
                return 1
            print(f"removed {args.name}")
        elif args.command == "list":
            print(f"users ({users.path}):")
            for row in users.list():
                print(f"  {row['name']:<24} {row['role']:<8} {row['changed_at']} {' '.join(row['areas'])}".rstrip())
            print(f"kiosk screens ({tokens.path}):")
            for row in tokens.list():
                print(f"  {row['screen']:<24} {row['area'] or 'any area':<15} {row['created_at']}")
        elif args.command == "add-token":
            secret = tokens.add(args.screen, args.area)
            query = {"token": secret, **({"area": args.area} if args.area else {})}
            print(f"kiosk token for {args.screen} (shown once; keep the URL private):")
            print(f"{args.base_url.rstrip('/')}/wall?{urlencode(query)}")
        elif args.command == "revoke-token":
            if not tokens.revoke(args.screen):
                print(f"no kiosk screen {args.screen} in {tokens.path}", file=sys.stderr)
                return 1
            print(f"revoked the token of {args.screen}")
    except (ValueError, StoreError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
