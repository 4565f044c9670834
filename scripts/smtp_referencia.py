"""Reference SMTP client: how many mails per second an SMTP server accepts (the server's own pace).

    smtp_referencia.py --host 127.0.0.1 --port 12525 [--conexiones 4] [--segundos 10] [--procesos P] [--json]

Each connection behaves as libcurl does for the pedidos outbox: EHLO once, then for every mail MAIL FROM
(with SIZE=), RCPT TO, DATA, the message and the final "." as a separate write, waiting for each reply (no
pipelining) and reusing the connection. The mails are shaped as SMTPMessageRenderer renders a
NotificationMail: Spanish subject in RFC 2047 words, base64 UTF-8 body, ~750 bytes, each with its own
Message-ID. The K connections are spread over P processes (default min(K, 2)) so that the client is not
what limits the count; the counts are summed. Then the same is measured over a single connection.

Prints a summary, or with --json one object: mails, seconds, mails_per_s, client_cpu_s (user + system
CPU seconds of the client processes while measuring), mail_bytes, and una_conexion with the same figures
for one connection. Exits 1 if the server refuses anything or a connection fails.
"""
import argparse
import asyncio
import base64
import datetime
import json
import multiprocessing
import os
import sys
import threading
import time

try:
    import uvloop
except ImportError:  # the project venv has it; a plain python3 still works, a little slower
    uvloop = None

ESTADOS = [
    ("recibido", "Lo recibimos y pronto empezaremos a prepararlo."),
    ("preparando", "Ya lo estamos preparando."),
    ("entregando", "Ya va en camino."),
    ("finalizado", "Fue entregado. ¡Que lo disfrutes!"),
]
NOMBRES = ["José Núñez", "María Peña Ibáñez", "Ana", "Íñigo Martínez", "Lucía Gómez", "Zoë Müller"]
SENDER = "pedidos@pedidos.test"


# --- Rendering, as Sources/PedidosSMTP/SMTPMessageRenderer.swift and MIMEEncoding.swift do ----------

def encoded_words(text, first_line_prefix_length):
    """=?UTF-8?B?…?= words of at most 75 characters, never splitting a UTF-8 sequence."""
    def budget(word_length):
        return max(6, (word_length - 12) // 4 * 3)
    first, later = budget(min(75, 76 - first_line_prefix_length)), budget(min(75, 75))
    chunks, current = [], b""
    for char in text:
        encoded = char.encode()
        if len(current) + len(encoded) > (later if chunks else first):
            chunks.append(current)
            current = b""
        current += encoded
    chunks.append(current)
    return ["=?UTF-8?B?" + base64.b64encode(chunk).decode() + "?=" for chunk in chunks]


def subject_header(subject):
    plain = subject.isascii() and subject.isprintable() and "=?" not in subject and subject.strip(" \t") == subject
    if plain and len("Subject: " + subject) <= 76:
        return "Subject: " + subject
    return "Subject: " + "\r\n ".join(encoded_words(subject, len("Subject: ")))


def notification(order_id, estado, sentence, nombre, precio, entered_at):
    """(subject, body) of a NotificationMail (Sources/NotificacionesService/NotificationMail.swift)."""
    subject = f"Tu pedido #{order_id} está {estado}"
    body = (f"Hola:\n\nTu pedido #{order_id} está {estado}. {sentence}\n\nPedido: #{order_id}\nNombre: {nombre}\n"
            f"Precio: {precio}\nEstado: {estado}\nFecha: {entered_at}\n\nGracias por tu compra.\nPedidos\n")
    return subject, body


def render(subject, body, recipient, message_id, date, sender="Pedidos <pedidos@pedidos.test>"):
    """The message bytes as SMTPMessageRenderer.render produces them."""
    encoded = base64.b64encode(body.replace("\r\n", "\n").replace("\n", "\r\n").encode()).decode()
    lines = [encoded[i:i + 76] for i in range(0, len(encoded), 76)]
    headers = [
        "Date: " + date.strftime("%a, %d %b %Y %H:%M:%S +0000"), "From: " + sender, f"To: <{recipient}>",
        subject_header(subject), f"Message-ID: <{message_id}>", "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "Auto-Submitted: auto-generated",
    ]
    return ("\r\n".join(headers) + "\r\n\r\n" + "\r\n".join(lines) + "\r\n").encode()


def templates(count=8):
    """Messages like ours, each split around the digits of its Message-ID so that every mail sent gets
    its own: (before, after) with the message dot-stuffed, as SMTP sends it."""
    now = datetime.datetime.now(datetime.timezone.utc)
    result = []
    for index in range(count):
        order_id = 48_213 + index * 7
        estado, sentence = ESTADOS[index % len(ESTADOS)]
        subject, body = notification(order_id, estado, sentence, NOMBRES[index % len(NOMBRES)],
                                     f"{12.5 + index * 3.25:.2f}", now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
        message = render(subject, body, f"cliente{order_id}@clientes.test", f"pedido-@@@-{estado}@pedidos.test", now)
        message = message.replace(b"\r\n.", b"\r\n..")
        before, after = message.split(b"@@@")
        result.append((before, after, f"cliente{order_id}@clientes.test".encode()))
    return result


# --- The client ---------------------------------------------------------------------------------------

class Connection(asyncio.Protocol):
    """One SMTP connection sending mails back to back, one command at a time."""

    def __init__(self, templates, first_id):
        self.templates, self.next_id = templates, first_id
        self.buf, self.state, self.sent = bytearray(), "greeting", 0
        self.deadline = None
        loop = asyncio.get_running_loop()
        self.ready, self.done = loop.create_future(), loop.create_future()

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"connection lost before EHLO: {exc}"))
        if not self.done.done():
            if self.state == "quit":
                self.done.set_result(self.sent)
            else:
                self.done.set_exception(ConnectionError(f"connection lost in state {self.state}: {exc}"))

    def start(self, deadline):
        self.deadline = deadline
        self.send_mail()

    def send_mail(self):
        before, after, recipient = self.templates[self.next_id % len(self.templates)]
        self.message = before + str(self.next_id).encode() + after
        self.next_id += 1
        self.recipient = recipient
        self.state = "mail"
        self.transport.write(b"MAIL FROM:<%s> SIZE=%d\r\n" % (SENDER.encode(), len(self.message)))

    def fail(self, reply):
        error = RuntimeError(f"unexpected reply in state {self.state}: {bytes(reply)!r}")
        for future in (self.ready, self.done):
            if not future.done():
                future.set_exception(error)
        self.transport.abort()

    def data_received(self, data):
        buf = self.buf
        buf += data
        if not buf.endswith(b"\r\n"):
            return
        last = buf.rfind(b"\n", 0, len(buf) - 1) + 1
        if buf[last + 3:last + 4] != b" ":
            return  # more lines of a multi-line reply to come
        reply, code = bytes(buf), buf[:3]
        buf.clear()
        state = self.state
        if state == "mail" and code == b"250":
            self.state = "rcpt"
            self.transport.write(b"RCPT TO:<%s>\r\n" % self.recipient)
        elif state == "rcpt" and code == b"250":
            self.state = "data"
            self.transport.write(b"DATA\r\n")
        elif state == "data" and code == b"354":
            self.state = "end"
            self.transport.write(self.message)
            self.transport.write(b".\r\n")  # libcurl sends the end of data as a write of its own
        elif state == "end" and code == b"250":
            if time.monotonic() < self.deadline:
                self.sent += 1
                self.send_mail()
            else:
                self.state = "quit"
                self.transport.write(b"QUIT\r\n")
        elif state == "greeting" and code == b"220":
            self.state = "ehlo"
            self.transport.write(b"EHLO referencia.pedidos.test\r\n")
        elif state == "ehlo" and code == b"250":
            self.state = "ready"
            self.ready.set_result(None)
        elif state == "quit" and code == b"221":
            self.transport.close()
        else:
            self.fail(reply)


async def measure(host, port, connections, seconds, first_id, barrier=None):
    """(mails, cpu seconds) sent over `connections` connections during `seconds`."""
    loop = asyncio.get_running_loop()
    pool = templates()
    sessions = []
    for index in range(connections):
        _, session = await loop.create_connection(
            lambda index=index: Connection(pool, first_id + index * 100_000_000), host, port)
        sessions.append(session)
    await asyncio.gather(*(s.ready for s in sessions))
    if barrier is not None:
        barrier.wait()  # every process starts together; the connections idle meanwhile
    cpu = os.times()
    deadline = time.monotonic() + seconds
    for session in sessions:
        session.start(deadline)
    sent = sum(await asyncio.gather(*(s.done for s in sessions)))
    end = os.times()
    return sent, (end.user - cpu.user) + (end.system - cpu.system)


def run(coroutine):
    return uvloop.run(coroutine) if uvloop is not None else asyncio.run(coroutine)


def worker(host, port, connections, seconds, first_id, barrier, results):
    try:
        results.put(run(measure(host, port, connections, seconds, first_id, barrier)))
    except BaseException as error:
        barrier.abort()
        results.put(error)


def phase(host, port, connections, processes, seconds):
    """{"mails", "seconds", "mails_per_s", "client_cpu_s"} for `connections` over `processes` processes."""
    if processes <= 1:
        mails, cpu = run(measure(host, port, connections, seconds, 1))
    else:
        context = multiprocessing.get_context("fork")
        barrier, results = context.Barrier(processes), context.Queue()
        shares = [connections // processes + (1 if i < connections % processes else 0) for i in range(processes)]
        workers = [context.Process(target=worker, args=(host, port, share, seconds, 1 + i * 10**10, barrier, results))
                   for i, share in enumerate(shares)]
        for process in workers:
            process.start()
        outcomes = [results.get() for _ in workers]
        for process in workers:
            process.join()
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        mails, cpu = sum(o[0] for o in outcomes), sum(o[1] for o in outcomes)
    return {"mails": mails, "seconds": seconds, "mails_per_s": round(mails / seconds, 1), "client_cpu_s": round(cpu, 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12525)
    parser.add_argument("--conexiones", type=int, default=4, help="conexiones simultáneas (4)")
    parser.add_argument("--segundos", type=float, default=10, help="duración de cada medida (10)")
    parser.add_argument("--procesos", type=int, help="procesos del cliente (min(conexiones, 2))")
    parser.add_argument("--json", action="store_true", help="un objeto JSON en lugar del resumen")
    args = parser.parse_args()
    processes = max(1, min(args.procesos or min(args.conexiones, 2), args.conexiones))

    try:
        result = phase(args.host, args.port, args.conexiones, processes, args.segundos)
        single = phase(args.host, args.port, 1, 1, args.segundos)
    except (OSError, RuntimeError, threading.BrokenBarrierError) as error:
        print(f"smtp_referencia: {error}", file=sys.stderr)
        return 1
    before, after, _ = templates(1)[0]
    result = {"host": args.host, "port": args.port, "conexiones": args.conexiones, "procesos": processes,
              **result, "mail_bytes": len(before + b"1" * 9 + after), "una_conexion": single}
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"{args.host}:{args.port}: {result['mails']} correos en {args.segundos:g} s por {args.conexiones} "
              f"conexiones ({processes} procesos): {result['mails_per_s']} correos/s, "
              f"CPU del cliente {result['client_cpu_s']} s")
        print(f"una conexión: {single['mails']} correos en {args.segundos:g} s: {single['mails_per_s']} correos/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
