"""Load generator for ``bench/intake.py``: a separate process that sends signed deliveries.

It reads one JSON job on stdin, builds and signs every request BEFORE the clock starts
(unique ``webhook-id`` per delivery, Standard Webhooks ``v1`` HMAC-SHA256 computed here,
independently of the bridge's own signer), then sends them from ``concurrency`` sender
threads, each on its own keep-alive connection to 127.0.0.1. It stops by itself when every
request has been answered or the deadline has passed, and prints one JSON result on stdout:
answered count, status counts, elapsed seconds and latency percentiles of the timed part.

Job keys: ``port``, ``path``, ``secret_key_b64``, ``warmup``, ``count``, ``concurrency``,
``deadline_seconds``, ``host`` (organization host in the envelopes), ``id_prefix``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import socket
import sys
import threading
import time
import uuid
from typing import Any

TARGET_HOST = "127.0.0.1"


def envelope(index: int, host: str) -> bytes:
    """A valid event envelope; proposal ids vary so subjects vary as in real traffic."""
    proposal_id = 1000 + index % 5000
    payload = {
        "type": "decidim.events.proposals.proposal_published",
        "occurred_at": "2026-11-28T10:15:00+01:00",
        "organization": {"host": host},
        "resource": {
            "type": "Decidim::Proposals::Proposal",
            "id": proposal_id,
            "url": f"http://{host}/processes/wijkinitiatieven/f/11/proposals/{proposal_id}",
        },
        "component": {"id": 11, "manifest": "proposals"},
        "participatory_space": {
            "type": "Decidim::ParticipatoryProcess",
            "id": 1,
            "slug": "wijkinitiatieven",
        },
        "extra": {"sequence": index},
    }
    return json.dumps(payload, separators=(",", ":")).encode("utf-8")


def signed_request(index: int, job: dict[str, Any], key: bytes, timestamp: int) -> bytes:
    body = envelope(index, job["host"])
    msg_id = f"{job['id_prefix']}_{index}"
    signed = f"{msg_id}.{timestamp}.".encode("ascii") + body
    signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    head = (
        f"POST {job['path']} HTTP/1.1\r\n"
        f"Host: {TARGET_HOST}:{job['port']}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"webhook-id: {msg_id}\r\n"
        f"webhook-timestamp: {timestamp}\r\n"
        f"webhook-signature: v1,{signature}\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body


class Connection:
    """One keep-alive HTTP/1.1 connection that sends a prepared request and reads the answer."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((TARGET_HOST, self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        return sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def exchange(self, request: bytes) -> int:
        """Send one request and return the response status (0 if the connection failed)."""
        for attempt in range(2):
            if self.sock is None:
                self.sock = self._connect()
            try:
                self.sock.sendall(request)
                return self._read_response()
            except (ConnectionError, TimeoutError, OSError):
                self.close()
                # A keep-alive connection closed by the server before the request reached it
                # is retried once on a fresh connection; anything else counts as a failure.
                if attempt == 1:
                    return 0
        return 0

    def _recv(self) -> bytes:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed by server")
        return chunk

    def _read_response(self) -> int:
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = 0
        close = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            lname = name.strip().lower()
            if lname == b"content-length":
                length = int(value.strip())
            elif lname == b"connection" and value.strip().lower() == b"close":
                close = True
        while len(rest) < length:
            rest += self._recv()
        self.buffer = rest[length:]
        if close:
            self.close()
        return status


def run(job: dict[str, Any]) -> dict[str, Any]:
    key = base64.b64decode(job["secret_key_b64"])
    warmup, count = int(job["warmup"]), int(job["count"])
    timestamp = int(time.time())
    requests = [signed_request(i, job, key, timestamp) for i in range(warmup + count)]
    concurrency = int(job["concurrency"])

    def send_all(batch: list[bytes], deadline: float, record: bool) -> dict[str, Any]:
        counter = itertools.count()
        latencies: list[list[float]] = [[] for _ in range(concurrency)]
        statuses: list[dict[int, int]] = [{} for _ in range(concurrency)]

        def sender(slot: int) -> None:
            conn = Connection(int(job["port"]))
            try:
                while time.perf_counter() < deadline:
                    index = next(counter)
                    if index >= len(batch):
                        return
                    started = time.perf_counter()
                    status = conn.exchange(batch[index])
                    if record:
                        latencies[slot].append(time.perf_counter() - started)
                    statuses[slot][status] = statuses[slot].get(status, 0) + 1
            finally:
                conn.close()

        threads = [threading.Thread(target=sender, args=(i,)) for i in range(concurrency)]
        cpu_before = os.times()
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        cpu_after = os.times()
        merged: dict[int, int] = {}
        for part in statuses:
            for status, n in part.items():
                merged[status] = merged.get(status, 0) + n
        flat = sorted(itertools.chain.from_iterable(latencies))
        return {
            "elapsed": elapsed,
            "answered": len(flat),
            "statuses": {str(k): v for k, v in sorted(merged.items())},
            "latencies": flat,
            "client_cpu": (cpu_after.user - cpu_before.user)
            + (cpu_after.system - cpu_before.system),
        }

    budget = float(job["deadline_seconds"])
    warm = send_all(requests[:warmup], time.perf_counter() + min(30.0, budget), record=False)
    timed = send_all(requests[warmup:], time.perf_counter() + budget, record=True)
    flat = timed.pop("latencies")

    def pct(p: float) -> float:
        if not flat:
            return float("nan")
        return flat[min(len(flat) - 1, round(p / 100 * (len(flat) - 1)))]

    return {
        **timed,
        "latencies": [round(x, 6) for x in flat],
        "warmup_statuses": warm["statuses"],
        "sent": count,
        "rate": timed["answered"] / timed["elapsed"] if timed["elapsed"] else 0.0,
        "p50": pct(50),
        "p99": pct(99),
        "max": flat[-1] if flat else float("nan"),
    }


def main() -> None:
    job = json.loads(sys.stdin.read())
    job.setdefault("id_prefix", "bench_" + uuid.uuid4().hex[:12])
    json.dump(run(job), sys.stdout)


if __name__ == "__main__":
    main()
