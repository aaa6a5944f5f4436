"""A real SMTP server for the mail tests: aiosmtpd on a loopback port (random by default).

Usage: smtp_server.py --out FILE [--port N] [--auth USER:PASS]

Once listening it prints one JSON line, {"port": N}, on stdout. Every
message it accepts is appended to FILE as one JSON line:
{"mail_from": ..., "rcpt_tos": [...], "data": <base64 of the message>}.

At RCPT it refuses for good any address whose local part starts with
"reject" (550 5.1.1), and for now any that starts with "busy" (451 4.3.0).
With --auth it requires AUTH PLAIN/LOGIN with those credentials (over plain
text, which is fine on loopback).

It runs until its standard input closes or it is killed.
"""

import argparse
import asyncio
import base64
import json
import logging
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if local.startswith("busy"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data": base64.b64encode(envelope.original_content or envelope.content).decode("ascii"),
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 2.0.0 Ok: queued as TEST%d" % self.count


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return authenticate


async def main():
    # Plain-text AUTH is deliberate here (loopback only): keep the test output clean.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--auth")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    handler = Handler(args.out)
    options = {}
    if args.auth:
        user, password = args.auth.split(":", 1)
        options = dict(
            authenticator=authenticator_for(user, password),
            auth_required=True,
            auth_require_tls=False,
        )
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, **options), "127.0.0.1", args.port, reuse_address=True
    )
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"port": port}), flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
