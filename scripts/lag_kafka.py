#!/usr/bin/env python3
"""Consumer lag per stage, read straight from the broker (standard library only).

    lag_kafka.py muestrear --brokers 127.0.0.1:19092 --salida lag.csv [--intervalo 0.25] [--prefijo P]
    lag_kafka.py marcas --brokers 127.0.0.1:19092 --topico pedidos-relleno

`muestrear` asks the broker, every `--intervalo` seconds until SIGTERM/SIGINT, for the high watermark of every
partition of the four order topics (ListOffsets, latest) and for the committed offsets of every consumer group
that reads them (OffsetFetch), and writes one CSV row per (group, topic) and sample:

    t,grupo,topico,fin,confirmado,lag,fin_listoffsets

`t` is the Unix time of the sample (seconds, ms resolution); `fin` the sum of the partitions' ends, read from the
header of each partition's last record batch (`fin_listoffsets`, what ListOffsets answers, undercounts on Tansu
0.6.0: see Cluster.true_ends); `confirmado`
the sum of the committed offsets (a partition without a commit counts from its low watermark); `lag` = fin -
confirmado. This is the lag as the broker sees it, not the 2 s cache of a service's /metrics. It includes the
orders that wait their N (about R × N per stage), and the committed offsets move in steps of
auto.commit.interval.ms (500 ms in the services). The high watermark is the broker's: a record counts once the
broker acknowledged it.

`marcas` prints the low and high watermark of each partition of one topic as JSON (the high one corrected as in
`muestrear`) (the broker's retention: the
low watermark moves only when it deletes records).

Speaks the Kafka protocol (non-flexible versions: Metadata v4 without topic auto-creation, ListOffsets v1, Fetch v4, OffsetFetch v1, FindCoordinator
v0) with one connection per broker; enough for the embedded broker (Tansu) and a Kafka 2.x-3.x cluster.
"""
import argparse
import json
import os
import signal
import socket
import struct
import sys
import time

STAGES = ["recibido", "preparando", "entregando", "finalizado"]


class Connection:
    def __init__(self, host, port, client_id="lag-kafka"):
        self.sock = socket.create_connection((host, port), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.client = client_id.encode()
        self.correlation = 0

    def call(self, api_key, version, body):
        self.correlation += 1
        header = struct.pack(">hhih", api_key, version, self.correlation, len(self.client)) + self.client
        payload = header + body
        self.sock.sendall(struct.pack(">i", len(payload)) + payload)
        size = struct.unpack(">i", self._read(4))[0]
        data = self._read(size)
        correlation = struct.unpack(">i", data[:4])[0]
        if correlation != self.correlation:
            raise IOError(f"correlation {correlation} != {self.correlation}")
        return Reader(data[4:])

    def _read(self, n):
        chunks = []
        while n:
            chunk = self.sock.recv(n)
            if not chunk:
                raise IOError("broker closed the connection")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def close(self):
        self.sock.close()


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def _unpack(self, fmt):
        value = struct.unpack_from(fmt, self.data, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return value

    def i8(self): return self._unpack(">b")
    def i16(self): return self._unpack(">h")
    def i32(self): return self._unpack(">i")
    def i64(self): return self._unpack(">q")

    def string(self):
        n = self.i16()
        if n < 0:
            return None
        value = self.data[self.pos:self.pos + n].decode()
        self.pos += n
        return value

    def array(self, item):
        n = self.i32()
        return [item() for _ in range(max(n, 0))]


def s(text):
    raw = text.encode()
    return struct.pack(">h", len(raw)) + raw


def arr(items):
    return struct.pack(">i", len(items)) + b"".join(items)


class Cluster:
    """Partition leaders of the order topics, and one connection per broker."""

    def __init__(self, brokers):
        host, port = brokers.split(",")[0].rsplit(":", 1)
        self.bootstrap = (host, int(port))
        self.connections = {}
        self.nodes = {}
        self.coordinators = {}
        self.last_commit = {}

    def connection(self, node):
        if node not in self.connections:
            host, port = self.nodes.get(node, self.bootstrap)
            self.connections[node] = Connection(host, port)
        return self.connections[node]

    def metadata(self, topics):
        """{topic: {partition: leader}} for the topics that exist."""
        # v4: allow_auto_topic_creation = false (asking must not create a topic with the broker's defaults)
        r = self.connection(None).call(3, 4, arr([s(t) for t in topics]) + b"\x00")
        r.i32()  # throttle
        for node, host, port in r.array(lambda: (r.i32(), r.string(), r.i32(), r.string())[:3]):
            self.nodes[node] = (host, port)
        r.string()  # cluster id
        r.i32()  # controller
        out = {}

        def partition():
            error, index, leader = r.i16(), r.i32(), r.i32()
            r.array(r.i32)
            r.array(r.i32)
            return index, leader, error

        for error, name, _internal, partitions in r.array(lambda: (r.i16(), r.string(), r.i8(), r.array(partition))):
            if error == 0:
                out[name] = {index: leader for index, leader, _ in partitions}
        return out

    def offsets(self, layout, timestamp):
        """{(topic, partition): offset} at `timestamp` (-1 latest = high watermark, -2 earliest = low)."""
        by_leader = {}
        for topic, partitions in layout.items():
            for partition, leader in partitions.items():
                by_leader.setdefault(leader, {}).setdefault(topic, []).append(partition)
        out = {}
        for leader, topics in by_leader.items():
            body = struct.pack(">i", -1) + arr([
                s(t) + arr([struct.pack(">iq", p, timestamp) for p in ps]) for t, ps in topics.items()])
            r = self.connection(leader).call(2, 1, body)
            for _ in range(r.i32()):
                topic = r.string()
                for _ in range(r.i32()):
                    partition, error, _ts, offset = r.i32(), r.i16(), r.i64(), r.i64()
                    if error == 0:
                        out[(topic, partition)] = offset
        return out

    def committed(self, group, layout):
        """{(topic, partition): committed offset or -1} of `group`."""
        body = s(group) + arr([s(t) + arr([struct.pack(">i", p) for p in ps]) for t, ps in layout.items()])
        node = self.coordinators.get(group)
        r = self.connection(node).call(9, 1, body)
        out, errors = {}, set()
        for _ in range(r.i32()):
            topic = r.string()
            for _ in range(r.i32()):
                partition, offset, _meta, error = r.i32(), r.i64(), r.string(), r.i16()
                key = (group, topic, partition)
                if error or offset < 0:
                    # A partition the broker could not answer for (or that has no commit yet) keeps its last
                    # known commit: reading it as "nothing committed" would show the whole topic as lag.
                    if error:
                        errors.add(error)
                    offset = self.last_commit.get(key, -1)
                else:
                    self.last_commit[key] = offset
                out[(topic, partition)] = offset
        if errors & {14, 15, 16} and group not in self.coordinators:  # loading / not available / not coordinator
            r = self.connection(None).call(10, 0, s(group))
            error, node, host, port = r.i16(), r.i32(), r.string(), r.i32()
            if error == 0:
                self.nodes[node] = (host, port)
                self.coordinators[group] = node
                return self.committed(group, layout)
        return out

    def true_ends(self, layout, high):
        """{(topic, partition): end} from the last record batch at high - 1 (Fetch v4).

        Tansu 0.6.0 answers ListOffsets (latest) with "base offset of the last batch + 1" instead of the real
        end (docs/operacion.md §7, C): with batches of several records the lag would be undercounted. The last
        batch's header says where it really ends (base offset + last offset delta + 1)."""
        by_leader = {}
        for topic, partitions in layout.items():
            for partition, leader in partitions.items():
                if high.get((topic, partition), 0) > 0:
                    by_leader.setdefault(leader, {}).setdefault(topic, []).append(partition)
        out = {}
        for leader, topics in by_leader.items():
            # min_bytes 1 (Tansu answers an empty fetch to min_bytes 0); the record at high - 1 exists, so no wait.
            body = struct.pack(">iiiib", -1, 100, 1, 1 << 20, 0) + arr([
                s(t) + arr([struct.pack(">iqi", p, high[(t, p)] - 1, 64 * 1024) for p in ps]) for t, ps in topics.items()])
            r = self.connection(leader).call(1, 4, body)
            r.i32()  # throttle
            for _ in range(r.i32()):
                topic = r.string()
                for _ in range(r.i32()):
                    partition, error = r.i32(), r.i16()
                    fetch_high = r.i64()  # the fetch's own high watermark (on Tansu, at times above ListOffsets')
                    r.i64()  # last stable offset
                    r.array(lambda: (r.i64(), r.i64()))  # aborted transactions
                    size = r.i32()
                    records = r.data[r.pos:r.pos + max(size, 0)]
                    r.pos += max(size, 0)
                    end, at = (fetch_high if error == 0 and fetch_high > 0 else None), 0
                    while error == 0 and at + 61 <= len(records):
                        base, length = struct.unpack_from(">qi", records, at)
                        last_delta = struct.unpack_from(">i", records, at + 23)[0]
                        end = max(end or 0, base + last_delta + 1)
                        at += 12 + length
                    if end is not None:
                        out[(topic, partition)] = end
        return out

    def close(self):
        for connection in self.connections.values():
            connection.close()
        self.connections.clear()


def groups(prefix):
    """(group, topics) of every consumer of the order topics (PedidoTopics.swift)."""
    out = [(f"{prefix}procesamiento-{stage}", [prefix + stage]) for stage in STAGES[:3]]
    out.append((f"{prefix}notificaciones", [prefix + stage for stage in STAGES]))
    return out


def sample(cluster, prefix):
    topics = [prefix + stage for stage in STAGES]
    layout = cluster.metadata(topics)
    if not layout:
        return []
    high = cluster.offsets(layout, -1)
    low = cluster.offsets(layout, -2)
    ends = dict(high)
    ends.update({k: max(v, high.get(k, 0)) for k, v in cluster.true_ends(layout, high).items()})
    now = round(time.time(), 3)
    rows = []
    for group, group_topics in groups(prefix):
        present = {t: layout[t] for t in group_topics if t in layout}
        if not present:
            continue
        committed = cluster.committed(group, present)
        for topic, partitions in present.items():
            end = sum(ends.get((topic, p), 0) for p in partitions)
            done = sum(max(committed.get((topic, p), -1), low.get((topic, p), 0)) for p in partitions)
            rows.append((now, group, topic, end, done, end - done, sum(high.get((topic, p), 0) for p in partitions)))
    return rows


def sample_loop(args):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    cluster = Cluster(args.brokers)
    new = not os.path.exists(args.salida) or os.path.getsize(args.salida) == 0
    with open(args.salida, "a", buffering=1, encoding="utf-8") as out:
        if new:
            out.write("t,grupo,topico,fin,confirmado,lag,fin_listoffsets\n")
        next_at = time.monotonic()
        while not stop:
            try:
                for row in sample(cluster, args.prefijo):
                    out.write(",".join(str(v) for v in row) + "\n")
            except (OSError, struct.error) as error:  # broker restarting: reconnect on the next sample
                print(f"lag_kafka: {error}", file=sys.stderr)
                cluster.close()
            next_at += args.intervalo
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            else:
                next_at = time.monotonic()
    cluster.close()
    return 0


def marks(args):
    cluster = Cluster(args.brokers)
    layout = cluster.metadata([args.topico])
    low, high = cluster.offsets(layout, -2), cluster.offsets(layout, -1)
    high.update({k: max(v, high.get(k, 0)) for k, v in cluster.true_ends(layout, high).items()})
    cluster.close()
    parts = sorted(layout.get(args.topico, {}))
    print(json.dumps({"topico": args.topico,
                      "particiones": {str(p): {"bajo": low.get((args.topico, p)), "alto": high.get((args.topico, p))} for p in parts},
                      "registros": sum(high.get((args.topico, p), 0) - low.get((args.topico, p), 0) for p in parts)}))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="comando", required=True)
    m = sub.add_parser("muestrear")
    m.add_argument("--brokers", default=os.environ.get("KAFKA_BROKERS", "127.0.0.1:19092"))
    m.add_argument("--salida", required=True)
    m.add_argument("--intervalo", type=float, default=0.25, help="seconds between samples (0.25 = 4/s)")
    m.add_argument("--prefijo", default=os.environ.get("PEDIDOS_TOPIC_PREFIX", ""))
    k = sub.add_parser("marcas")
    k.add_argument("--brokers", default=os.environ.get("KAFKA_BROKERS", "127.0.0.1:19092"))
    k.add_argument("--topico", required=True)
    args = parser.parse_args(argv)
    return sample_loop(args) if args.comando == "muestrear" else marks(args)


if __name__ == "__main__":
    sys.exit(main())
