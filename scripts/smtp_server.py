"""Development SMTP server for pedidos (aiosmtpd).

Accepts every message on a loopback port and appends it to a JSON-lines store so that people and tests can
read exactly what arrived: envelope, decoded headers, decoded text body and the raw message.

Usage: smtp_server.py --host 127.0.0.1 --port 12525 --store .run/smtp/messages.jsonl
       [--tls-cert cert.pem --tls-key key.pem]  (offers STARTTLS)
       [--implicit-tls]                         (with the certificate: TLS from the first byte, as SMTPS on 465)
       [--user U --password P]                  (requires AUTH PLAIN/LOGIN)
"""
import argparse
import asyncio
import datetime
import email
import email.header
import email.policy
import json
import os
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class JsonLinesStore:
    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body_part = message.get_body(preferencelist=("plain", "html")) if message.is_multipart() else message
        try:
            body = body_part.get_content() if body_part is not None else ""
        except Exception as error:  # undecodable body: keep the raw text, say why
            body = f"<undecodable body: {error}>"
        record = {
            "received_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "headers": {k: str(v) for k, v in message.items()},
            "subject": str(message.get("Subject", "")),
            "body": body,
            # STARTTLS sets session.ssl; implicit TLS shows only on the transport.
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "authenticated": bool(getattr(session, "authenticated", False)),
            "raw": raw.decode("utf-8", errors="replace"),
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        # One write per message, flushed before the 250 reply: a reader on this machine never sees half a
        # record. No fsync: this is a development store, and an fsync per mail capped the server at a
        # few hundred mails/s.
        with open(self.path, "a", encoding="utf-8") as store:
            store.write(line)
            store.flush()
        return "250 Message accepted for delivery"


def make_authenticator(user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            ok = auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)
    return authenticator


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12525)
    parser.add_argument("--store", required=True)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()

    if args.implicit_tls and not args.tls_cert:
        parser.error("--implicit-tls needs --tls-cert and --tls-key")
    kwargs = {}
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.implicit_tls:
            kwargs["ssl_context"] = context
        else:
            kwargs["tls_context"] = context
            kwargs["require_starttls"] = True
    if args.user:
        kwargs["authenticator"] = make_authenticator(args.user, args.password or "")
        kwargs["auth_required"] = True
        # aiosmtpd counts only STARTTLS as TLS; under implicit TLS the whole connection already is.
        kwargs["auth_require_tls"] = bool(args.tls_cert) and not args.implicit_tls
    else:
        kwargs["auth_require_tls"] = False

    controller = Controller(JsonLinesStore(args.store), hostname=args.host, port=args.port,
                            server_hostname="pedidos-smtp.test", **kwargs)
    controller.start()
    print(f"smtp server listening on {args.host}:{args.port}, storing to {args.store}", flush=True)

    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
