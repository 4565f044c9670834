#!/usr/bin/env python3
"""Fixed-rate load for POST /pedidos (standard library only).

    carga.py --url http://127.0.0.1:8080/pedidos --rate 30 --duration 60 --csv carga.csv

Sends `rate` orders per second for `duration` seconds on a fixed schedule (a slow answer does not
shift the next request; a small thread pool absorbs latency) and writes one CSV row per second:
`time,posted,accepted,failed` (time in ISO 8601 UTC, second resolution). Prints a summary at the end
and exits 1 if any request was not answered 202.
"""
import argparse
import csv
import datetime as dt
import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor


def post(url: str, index: int, domain: str) -> bool:
    body = json.dumps({"nombre": f"Carga {index}", "precio": 10.5, "correo": f"c{index}@{domain}"}).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status == 202
    except (urllib.error.URLError, OSError):
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--rate", type=float, required=True, help="orders per second")
    parser.add_argument("--duration", type=float, required=True, help="seconds")
    parser.add_argument("--csv", required=True, help="per-second counts are written here")
    parser.add_argument("--domain", default="carga.pedidos.test", help="recipient domain of every order")
    args = parser.parse_args()

    lock = threading.Lock()
    posted, accepted, failed = Counter(), Counter(), Counter()

    def second(ts: float) -> int:
        return int(ts)

    def send(index: int, scheduled: float) -> None:
        ok = post(args.url, index, args.domain)
        with lock:
            (accepted if ok else failed)[second(scheduled)] += 1

    total = int(args.rate * args.duration)
    start = time.time()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for index in range(total):
            scheduled = start + index / args.rate
            delay = scheduled - time.time()
            if delay > 0:
                time.sleep(delay)
            with lock:
                posted[second(scheduled)] += 1
            pool.submit(send, index, scheduled)
    end = time.time()

    with open(args.csv, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["time", "posted", "accepted", "failed"])
        for s in range(second(start), second(end) + 1):
            stamp = dt.datetime.fromtimestamp(s, dt.timezone.utc).isoformat(timespec="seconds")
            writer.writerow([stamp, posted[s], accepted[s], failed[s]])
    ok, bad = sum(accepted.values()), sum(failed.values())
    print(f"carga: {total} pedidos en {end - start:.1f} s ({total / (end - start):.1f}/s): {ok} aceptados (202), {bad} fallidos")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
