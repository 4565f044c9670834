"""Development SMTP server for pedidos (plain asyncio protocol on uvloop).

Accepts every message on a loopback port and appends it to a JSON-lines store so that people and tests can
read exactly what arrived: envelope, decoded headers, decoded text body and the raw message.

Usage: smtp_server.py --host 127.0.0.1 --port 12525 --store .run/smtp/messages.jsonl
       [--tls-cert cert.pem --tls-key key.pem]  (offers STARTTLS and requires it before anything but EHLO/NOOP/QUIT)
       [--implicit-tls]                         (with the certificate: TLS from the first byte, as SMTPS on 465)
       [--user U --password P]                  (requires AUTH PLAIN/LOGIN; with STARTTLS, only after it)

Store: one JSON object per line with received_at, mail_from, rcpt_tos, headers, subject, body, tls,
authenticated and raw. The messages that end in one event-loop turn are appended with a single write of
whole lines, before their 250 replies, so a reader never sees half a record (no fsync: a development
store). The file is reopened when it is renamed or removed, so it can be rotated while the server runs.

SMTP: RFC 5321 with PIPELINING, 8BITMIME, SMTPUTF8, SIZE (32 MiB), STARTTLS and AUTH PLAIN/LOGIN, with replies
worded as aiosmtpd's, which this replaces: aiosmtpd took ~75 % of a core for ~450 of our mails/s.

Speed: a message shaped like ours (one text part, ASCII headers, base64 or quoted-printable body) is
decoded by a fast path that gives exactly what Python's email package (policy.default) gives; anything
else (multipart, 8-bit headers, odd syntax) goes through email.message_from_bytes.
"""
import argparse
import asyncio
import base64
import binascii
import datetime
import email
import email.policy
import functools
import json
import os
import quopri
import re
import signal
import ssl
import sys
import traceback
from email import _encoded_words, headerregistry
from email._header_value_parser import get_addr_spec, get_angle_addr
from email.errors import HeaderParseError

import uvloop

HOSTNAME = "pedidos-smtp.test"
SIZE_LIMIT = 2**25  # bytes of DATA (aiosmtpd's default), announced as SIZE
LINE_LIMIT = 1001  # longest command line buffered
IDLE_TIMEOUT = 300  # seconds without input after which a connection is closed, as aiosmtpd did
ACCEPTED = "250 Message accepted for delivery"
ALLOWED_BEFORE_STARTTLS = {"NOOP", "EHLO", "STARTTLS", "QUIT"}
ENCODE_JSON = json.JSONEncoder(ensure_ascii=False).encode  # same output as json.dumps(..., ensure_ascii=False)

# --- Decoding a message as email's policy.default does --------------------------------------------

POLICY = email.policy.default
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_DOT_ATOM = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
_ADDR = rf"{_DOT_ATOM}@{_DOT_ATOM}"
SIMPLE_MAILBOX = re.compile(rf"({_ATEXT}+(?: {_ATEXT}+)*) <({_ADDR})>|<({_ADDR})>|({_ADDR})")
SIMPLE_MESSAGE_ID = re.compile(rf"<{_ADDR}>")
SIMPLE_PATH = re.compile(rf"<({_ADDR})>((?: +[A-Za-z0-9=]+)*)")  # MAIL FROM:/RCPT TO: argument
HEADER_NAME = re.compile(r"[!-9;-~]+")
ENCODED_WORD = re.compile(r"=\?[^?*\s]+\?(?:[Bb]\?[A-Za-z0-9+/]*=*|[Qq]\?(?:[^?=\s]|=[0-9A-Fa-f]{2})*)\?=")
WSP_SPLIT = re.compile(r"([ \t]+)")
TEXT_TYPE = re.compile(r'text/[a-z0-9.+-]+(?:; ?charset=("?)([a-z0-9_.:+-]+)\1)?', re.I)
SIMPLE_ENCODINGS = {"7bit", "8bit", "binary", "?"}
_REGISTRY = POLICY.header_factory.registry
STRUCTURED = {n for n, c in _REGISTRY.items() if not issubclass(c, headerregistry.UnstructuredHeader)}
ADDRESS_HEADERS = {n for n, c in _REGISTRY.items() if issubclass(c, headerregistry.AddressHeader)}


@functools.lru_cache(maxsize=2048)
def registry_value(name, value):
    """str() of the header object policy.default makes (From, Date, Content-Type… repeat, hence the cache)."""
    return str(POLICY.header_factory(name, value))


def decode_words(value):
    """An unstructured value with RFC 2047 words decoded as email's get_unstructured does (whitespace
    between two encoded words dropped), or None when a word is unusual enough to leave to the parser."""
    parts = WSP_SPLIT.split(value)  # token, whitespace, token, …
    out, previous_encoded = [], False
    for index in range(0, len(parts), 2):
        token = parts[index]
        encoded = "=?" in token
        if encoded:
            if not ENCODED_WORD.fullmatch(token):
                return None
            try:
                token, charset, _lang, defects = _encoded_words.decode(token)
            except (ValueError, KeyError):  # the parser keeps such a word as it is
                return None
            if defects or charset.lower() == "unknown-8bit":  # undecodable bytes: leave them to the parser
                return None
        if index and not (encoded and previous_encoded):
            out.append(parts[index - 1])
        out.append(token)
        previous_encoded = encoded
    return "".join(out)


def header_value(name, kind, value):
    """str(v) of header `name` (`kind` is its lower-case name) with unfolded ASCII `value`."""
    if kind in STRUCTURED:
        if "=?" not in value:
            if kind in ADDRESS_HEADERS:
                match = SIMPLE_MAILBOX.fullmatch(value)
                if match:
                    return f"{match[1]} <{match[2]}>" if match[1] else match[3] or match[4]
            elif kind == "message-id" and SIMPLE_MESSAGE_ID.fullmatch(value):
                return value
        return registry_value(name, value)
    if "=?" not in value:
        return value
    text = decode_words(value)
    return text if text is not None else registry_value(name, value)


def parse_simple(raw):
    """(headers, subject, body) of a single-part text message with plain ASCII headers, or None."""
    split = raw.find(b"\r\n\r\n")
    if split <= 0:
        return None
    head = raw[:split]
    crlf = head.count(b"\r\n")
    if not head.isascii() or head.count(b"\r") != crlf or head.count(b"\n") != crlf:
        return None
    fields = []  # [name, unfolded value]: CRLFs removed, continuation whitespace kept
    for line in head.decode("ascii").split("\r\n"):
        if line[:1] in (" ", "\t"):
            if not fields:
                return None
            fields[-1][1] += line
        else:
            name, colon, value = line.partition(":")
            if not colon or not HEADER_NAME.fullmatch(name):
                return None
            fields.append([name, value.lstrip(" \t")])
    headers, subject, mime = {}, None, {}
    for name, value in fields:
        kind = name.lower()
        if kind in ("content-type", "content-transfer-encoding"):
            if kind in mime:
                return None  # repeated: leave it to the parser
            mime[kind] = value
        headers[name] = text = header_value(name, kind, value)
        if subject is None and kind == "subject":
            subject = text
    content_type, encoding = mime.get("content-type"), mime.get("content-transfer-encoding", "?").lower()
    match = TEXT_TYPE.fullmatch(content_type) if content_type is not None else None
    if content_type is not None and match is None:
        return None
    charset = match[2] if match and match[2] else "ascii"
    payload = raw[split + 4:]
    if encoding == "base64":  # what Message.get_payload(decode=True) does
        payload, _defects = _encoded_words.decode_b(b"".join(payload.splitlines()))
    elif encoding == "quoted-printable":
        payload = quopri.decodestring(payload)
    elif encoding not in SIMPLE_ENCODINGS:  # "?": no Content-Transfer-Encoding
        return None
    try:
        body = payload.decode(charset, "replace")
    except LookupError:
        return None
    return headers, subject if subject is not None else "", body


def parse_with_email(raw):
    """(headers, subject, body) through the email package: multipart and anything unusual."""
    message = email.message_from_bytes(raw, policy=POLICY)
    body_part = message.get_body(preferencelist=("plain", "html")) if message.is_multipart() else message
    try:
        body = body_part.get_content() if body_part is not None else ""
        if not isinstance(body, str):
            body = f"<undecodable body: {body_part.get_content_type()} is not text>"
    except Exception as error:  # undecodable body: keep the raw text, say why
        body = f"<undecodable body: {error}>"
    headers, subject = {}, None
    for name, value in message.raw_items():  # as message.items(), but a header the parser chokes on stays raw
        try:
            headers[name] = text = str(POLICY.header_fetch_parse(name, value))
        except Exception:
            headers[name] = text = value
        if subject is None and name.lower() == "subject":
            subject = text
    return headers, subject if subject is not None else "", body


def parse_message(raw):
    try:
        parsed = parse_simple(raw)
    except Exception:
        parsed = None
    return parsed or parse_with_email(raw)


def parse_path(arg):
    """(address, rest) of a MAIL FROM:/RCPT TO: argument as aiosmtpd reads it; (None, None) if malformed."""
    match = SIMPLE_PATH.fullmatch(arg)
    if match:
        return match[1], match[2]
    if not arg:
        return "", ""
    try:
        token, rest = (get_angle_addr if arg.lstrip().startswith("<") else get_addr_spec)(arg)
    except HeaderParseError:
        return None, None
    return token.addr_spec, rest


def parse_params(rest):
    """ESMTP parameters as {NAME: value or True}, or None if any is malformed."""
    params = {}
    for param in rest.upper().split():
        name, equals, value = param.partition("=")
        if not name.isalnum() or (equals and not value):
            return None
        params[name] = value if equals else True
    return params


# --- The store ------------------------------------------------------------------------------------

class Store:
    """The JSON-lines file. Records are queued and appended once per event-loop turn, whole lines in one
    os.write, and only then are their sessions told to reply 250."""

    def __init__(self, path, loop):
        self.path, self.loop = path, loop
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.fd, self.identity = None, None
        self.lines, self.sessions = [], []

    def add(self, line, session):
        if not self.lines:
            self.loop.call_soon(self.flush)
        self.lines.append(line)
        self.sessions.append(session)

    def flush(self):
        if not self.lines:
            return
        lines, sessions, self.lines, self.sessions = self.lines, self.sessions, [], []
        try:
            self.write(b"".join(lines))
            reply = ACCEPTED
        except OSError as error:
            print(f"cannot append to {self.path}: {error}", file=sys.stderr, flush=True)
            reply = f"451 4.3.0 Cannot store the message: {error.strerror}"
        for session in sessions:
            session.stored(reply)

    def write(self, data):
        try:
            stat = os.stat(self.path)
            identity = (stat.st_dev, stat.st_ino)
        except FileNotFoundError:
            identity = None
        if self.fd is None or identity != self.identity:  # first write, or the file was rotated
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None
            self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
            stat = os.fstat(self.fd)
            self.identity = (stat.st_dev, stat.st_ino)
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]


# --- The protocol ---------------------------------------------------------------------------------

class Session(asyncio.Protocol):
    """One SMTP connection: a state machine fed by data_received. Replies are gathered and written once
    per batch of input, in order; while a message waits for the store (or a TLS handshake runs), further
    input stays buffered."""

    store = None  # the Store
    starttls_context = None  # STARTTLS offered and required when set
    credentials = None  # (user, password) as bytes when AUTH is required
    sessions = set()

    def connection_made(self, transport):
        self.transport, self.buf, self.out = transport, bytearray(), []
        self.busy = self.closing = self.overlong = False
        self.tls = transport.get_extra_info("ssl_object") is not None
        self.bogus_budget, self.tls_task, self.idle = 5, None, 0
        self.reset_session()
        self.sessions.add(self)
        transport.write(f"220 {HOSTNAME} ESMTP pedidos development server\r\n".encode())

    def connection_lost(self, exc):
        self.sessions.discard(self)
        self.transport, self.closing = None, True

    def reset_session(self):
        self.helo, self.extended, self.authenticated, self.auth_step, self.login = None, False, False, None, b""
        self.reset_envelope()

    def reset_envelope(self):
        self.mail_from, self.rcpt_tos, self.in_data = None, [], False

    def data_received(self, data):
        self.idle = 0
        self.buf += data
        if not self.busy:
            self.process()

    def process(self):
        while self.buf and not self.busy and not self.closing:
            try:
                if not (self.take_message() if self.in_data else self.take_command()):
                    break  # incomplete: wait for more input
            except Exception as error:  # a bug: answer as aiosmtpd did, keep serving
                traceback.print_exc()
                self.out.append(f"500 Error: ({error.__class__.__name__}) {error}")
        self.send()

    def take_command(self):
        buf = self.buf
        end = buf.find(b"\n")
        if end < 0:
            if len(buf) > LINE_LIMIT:  # drop the long line now, answer when it ends
                buf.clear()
                self.overlong = True
            return False
        line = buf[:end].rstrip(b"\r\n")
        del buf[:end + 1]
        if self.overlong:
            self.overlong = False
            self.out.append("500 Command line too long")
        else:
            self.command(line)
        return True

    def send(self):
        if self.transport is None:
            return
        if self.out:
            self.out.append("")
            self.transport.write("\r\n".join(self.out).encode())
            self.out.clear()
        if self.closing:
            self.transport.close()

    def stored(self, reply):
        """The store wrote this session's message (or failed to): reply, then go on with the input."""
        self.busy = False
        if self.transport is not None:
            self.out.append(reply)
            self.process()

    def command(self, line):
        if self.auth_step is not None:  # a line of an AUTH exchange
            step, self.auth_step = self.auth_step, None
            blob = bytes(line.strip())
            self.out.append("501 5.7.0 Auth aborted" if blob == b"*" else self.auth_answer(step, blob))
            return
        name, _, arg = line.partition(b" ")
        if not name or not name.isascii():
            reply = "500 Error: bad syntax"
        else:
            name = name.decode().upper()
            handler = COMMANDS.get(name)
            if len(line) > (548 if name == "MAIL" and self.extended else 512):  # + SIZE= and SMTPUTF8
                reply = "500 Command line too long"
            elif self.starttls_context and not self.tls and name not in ALLOWED_BEFORE_STARTTLS:
                reply = "530 Must issue a STARTTLS command first"
            elif handler is not None:
                reply = handler(self, arg.strip().decode("utf-8", "replace"))  # SMTPUTF8: UTF-8 addresses
            else:
                self.bogus_budget -= 1
                if self.bogus_budget < 1:
                    self.closing = True
                    reply = "502 5.5.1 Too many unrecognized commands, goodbye."
                else:
                    reply = f'500 Error: command "{name}" not recognized'
        if reply:
            self.out.append(reply)

    def take_message(self):
        """Consumes a complete DATA section from the buffer (which DATA prefixed with CRLF, so that the
        end is always CRLF . CRLF); False while it is incomplete."""
        buf = self.buf
        end = buf.find(b"\r\n.\r\n", self.scan)
        if end < 0:
            if len(buf) > SIZE_LIMIT + 2:  # too much: forget it but read on to the end of data
                self.too_much = True
                del buf[:-4]
            self.scan = max(len(buf) - 4, 0)
            return False
        raw = bytes(buf[:end + 2])
        del buf[:end + 5]
        self.in_data = False
        if self.too_much or len(raw) - 2 > SIZE_LIMIT:
            self.out.append("552 Error: Too much mail data")
            self.reset_envelope()
            return True
        if b"\r\n." in raw:
            raw = raw.replace(b"\r\n.", b"\r\n")  # dot-unstuffing
        raw, mail_from, rcpt_tos = raw[2:], self.mail_from, self.rcpt_tos
        self.reset_envelope()
        headers, subject, body = parse_message(raw)
        record = {
            "received_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
            "mail_from": mail_from, "rcpt_tos": rcpt_tos, "headers": headers, "subject": subject, "body": body,
            "tls": self.tls, "authenticated": self.authenticated, "raw": raw.decode("utf-8", errors="replace"),
        }
        self.busy = True
        self.store.add((ENCODE_JSON(record) + "\n").encode("utf-8"), self)
        return True

    def check_ready(self, helo=True):
        if helo and self.helo is None:
            return "503 Error: send HELO first"
        if self.credentials is not None and not self.authenticated:
            return "530 5.7.0 Authentication required"
        return None

    def envelope_address(self, arg, keyword):
        """(address, params) of a MAIL/RCPT argument, or (reply, None) when it is refused."""
        verb = "MAIL" if keyword == "FROM:" else "RCPT"
        syntax = f"501 Syntax: {verb} {keyword} <address>" + (" [SP <mail-parameters>]" if self.extended else "")
        if arg[:len(keyword)].upper() != keyword:
            return syntax, None
        address, rest = parse_path(arg[len(keyword):].strip())
        if address is None:
            return "553 5.1.3 Error: malformed address", None
        if not address or (rest and not self.extended):
            return syntax, None
        if keyword == "FROM:" and self.mail_from is not None:
            return "503 Error: nested MAIL command", None
        params = parse_params(rest)
        return (address, params) if params is not None else (syntax, None)

    # SMTP commands: each returns its reply (several lines joined by CRLF), or None if it replied itself.

    def smtp_HELO(self, arg):
        if not arg:
            return "501 Syntax: HELO hostname"
        self.reset_envelope()
        self.helo, self.extended = arg, False
        return f"250 {HOSTNAME}"

    def smtp_EHLO(self, arg):
        if not arg:
            return "501 Syntax: EHLO hostname"
        self.reset_envelope()
        self.helo, self.extended = arg, True
        lines = [HOSTNAME, f"SIZE {SIZE_LIMIT}", "8BITMIME", "SMTPUTF8", "PIPELINING"]
        if self.starttls_context and not self.tls:
            lines.append("STARTTLS")
        if self.tls or not self.starttls_context:
            lines.append("AUTH LOGIN PLAIN")
        return "".join(f"250-{line}\r\n" for line in lines) + "250 HELP"

    def smtp_MAIL(self, arg):
        if error := self.check_ready():
            return error
        address, params = self.envelope_address(arg, "FROM:")
        if params is None:
            return address
        if params.pop("BODY", "7BIT") not in ("7BIT", "8BITMIME"):
            return "501 Error: BODY can only be one of 7BIT, 8BITMIME"
        if params.pop("SMTPUTF8", True) is not True:
            return "501 Error: SMTPUTF8 takes no arguments"
        size = params.pop("SIZE", None)
        if size is not None and (size is True or not size.isdigit()):
            return "501 Syntax: MAIL FROM: <address> [SP <mail-parameters>]"
        if size is not None and int(size) > SIZE_LIMIT:
            return "552 Error: message size exceeds fixed maximum message size"
        if params:
            return "555 MAIL FROM parameters not recognized or not implemented"
        self.mail_from = address
        return "250 OK"

    def smtp_RCPT(self, arg):
        if error := self.check_ready():
            return error
        if self.mail_from is None:
            return "503 Error: need MAIL command"
        address, params = self.envelope_address(arg, "TO:")
        if params is None:
            return address
        if params:
            return "555 RCPT TO parameters not recognized or not implemented"
        self.rcpt_tos.append(address)
        return "250 OK"

    def smtp_DATA(self, arg):
        if error := self.check_ready():
            return error
        if not self.rcpt_tos:
            return "503 Error: need RCPT command"
        if arg:
            return "501 Syntax: DATA"
        self.in_data, self.too_much, self.scan = True, False, 0
        self.buf[0:0] = b"\r\n"  # the CRLF that ended the DATA line: lets the first line end the data too
        return "354 End data with <CR><LF>.<CR><LF>"

    def smtp_RSET(self, arg):
        if arg:
            return "501 Syntax: RSET"
        self.reset_envelope()
        return "250 OK"

    def smtp_NOOP(self, arg):
        return "250 OK"

    def smtp_QUIT(self, arg):
        if arg:
            return "501 Syntax: QUIT"
        self.closing = True
        return "221 Bye"

    def smtp_VRFY(self, arg):
        if error := self.check_ready(helo=False):
            return error
        if not arg:
            return "501 Syntax: VRFY <address>"
        if parse_path(arg)[0] is None:
            return f"502 Could not VRFY {arg}"
        return "252 Cannot VRFY user, but will accept message and attempt delivery"

    def smtp_EXPN(self, arg):
        return "502 EXPN not implemented"

    def smtp_HELP(self, arg):
        if error := self.check_ready(helo=False):
            return error
        names = sorted(n for n in COMMANDS if n != "EXPN" and (n != "STARTTLS" or self.starttls_context))
        return "250 Supported commands: " + " ".join(names)

    def smtp_STARTTLS(self, arg):
        if arg:
            return "501 Syntax: STARTTLS"
        if not self.starttls_context or self.tls:
            return "454 TLS not available"
        self.out.append("220 Ready to start TLS")
        self.send()
        self.busy = True
        self.buf.clear()  # RFC 3207: nothing sent before the handshake counts
        self.transport.pause_reading()
        self.tls_task = asyncio.get_running_loop().create_task(self.start_tls())
        return None

    async def start_tls(self):
        loop = asyncio.get_running_loop()
        try:
            transport = await loop.start_tls(self.transport, self, self.starttls_context, server_side=True)
        except Exception:  # failed handshake or lost connection
            if self.transport is not None:
                self.transport.close()
            self.sessions.discard(self)
            return
        self.transport, self.tls, self.busy = transport, True, False
        self.reset_session()  # RFC 3207: forget EHLO and anything else learnt before TLS
        self.process()

    def smtp_AUTH(self, arg):
        if self.helo is None:
            return "503 Error: send EHLO first"
        if not self.extended:
            return "500 Error: command 'AUTH' not recognized"
        if self.authenticated:
            return "503 Already authenticated"
        args = arg.split()
        if len(args) not in (1, 2):
            return "501 Too many values" if args else "501 Not enough value"
        step = {"PLAIN": self.auth_plain, "LOGIN": self.auth_login_user}.get(args[0].upper())
        if step is None:
            return "504 5.5.4 Unrecognized authentication type"
        if len(args) == 2:  # initial response
            return self.auth_answer(step, args[1].encode())
        self.auth_step = step
        return "334 " if step == self.auth_plain else "334 VXNlcm5hbWU6"  # "Username:"

    def auth_answer(self, step, blob):
        """Runs an AUTH step on a client's base64 line."""
        try:
            data = base64.b64decode(blob, validate=True)
        except binascii.Error:
            return "501 5.5.2 Can't decode base64"
        return step(data)

    def auth_plain(self, data):
        parts = data.split(b"\x00")  # authzid NUL authcid NUL password
        return self.auth_check(parts[1], parts[2]) if len(parts) == 3 else "501 5.5.2 Can't split auth value"

    def auth_login_user(self, data):
        self.login, self.auth_step = data, self.auth_login_password
        return "334 UGFzc3dvcmQ6"  # "Password:"

    def auth_login_password(self, data):
        return self.auth_check(self.login, data)

    def auth_check(self, user, password):
        if self.credentials is not None and (user, password) == self.credentials:
            self.authenticated = True
            return "235 2.7.0 Authentication successful"
        return "535 5.7.8 Authentication credentials invalid"


COMMANDS = {name[5:]: method for name, method in vars(Session).items() if name.startswith("smtp_")}


async def close_idle_sessions(period=30):
    while True:
        await asyncio.sleep(period)
        for session in list(Session.sessions):
            session.idle += period
            if session.idle > IDLE_TIMEOUT and session.transport is not None:
                session.transport.close()


async def serve(args, implicit_tls_context):
    loop = asyncio.get_running_loop()
    Session.store = Store(args.store, loop)
    server = await loop.create_server(Session, args.host, args.port, ssl=implicit_tls_context, reuse_address=True)
    print(f"smtp server listening on {args.host}:{args.port}, storing to {args.store}", flush=True)
    stop, sweeper = asyncio.Event(), loop.create_task(close_idle_sessions())
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    sweeper.cancel()
    server.close()
    Session.store.flush()  # messages already complete are stored and answered before the connections close
    for session in list(Session.sessions):
        if session.transport is not None:
            session.transport.close()
    await asyncio.sleep(0.05)
    return 0


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
    context = None
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
    if not args.implicit_tls:
        Session.starttls_context = context
    if args.user:
        Session.credentials = (args.user.encode(), (args.password or "").encode())
    return uvloop.run(serve(args, context if args.implicit_tls else None))


if __name__ == "__main__":
    sys.exit(main())
