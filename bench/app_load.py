"""Load test of the app on loopback: start-up time, then N concurrent users for a bounded time.

    python -m bench.app_load --users 16 --seconds 60 [--client gradio_client|http] [--family synthfaces64]

Each user inverts an example face once and applies a description once; when every user is set up, all of them
together, for the given seconds and with no pause, alternate slider re-renders (``/rerender``, the hot path:
three in four requests) with text-to-image requests (one sample). Prints start-up seconds, the protocol's
floor (a no-op endpoint on the idle server), throughput, p50 / p95 latency per endpoint, and errors.

Users are ``gradio_client.Client`` objects (``--client gradio_client``, the default), or speak the queue protocol
the way the browser does (``--client http``: join the queue, read the event stream, fetch the result's files).
gradio_client polls its message queue every 50 ms, so its latency has a floor of its own; the http users show
what a browser waits.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 300) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "config", timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - t0
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("the app did not become ready")


class ClientUser:
    """A ``gradio_client`` user."""

    def __init__(self, url: str):
        from gradio_client import Client

        self.client = Client(url, verbose=False)

    def file(self, path: Path):
        from gradio_client import handle_file

        return handle_file(str(path))

    def call(self, api_name: str, *args):
        return self.client.predict(*args, api_name="/" + api_name)


class HttpUser:
    """A user speaking the browser's queue protocol: POST ``queue/join``, read ``queue/data`` (server-sent events)
    until the event completes, then GET every file in the result, as the page does to show it."""

    def __init__(self, url: str, config: dict):
        import httpx

        self.url, self.api = url, url + "gradio_api/"
        self.http = httpx.Client(timeout=600)
        self.session_hash = uuid.uuid4().hex[:11]
        self.components = {c["id"]: c for c in config["components"]}
        self.endpoints = {d["api_name"]: d for d in config["dependencies"] if d.get("api_name")}

    def file(self, path: Path) -> dict:
        with open(path, "rb") as f:
            r = self.http.post(self.api + "upload", files={"files": (path.name, f)})
        r.raise_for_status()
        return {"path": r.json()[0], "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}

    def call(self, api_name: str, *args):
        dep = self.endpoints[api_name]
        values, given = [], list(args)
        for cid in dep["inputs"]:  # state is kept by the server; inputs not given keep the page's values
            comp = self.components[cid]
            values.append(None if comp["type"] == "state" else given.pop(0) if given else comp["props"].get("value"))
        r = self.http.post(self.api + "queue/join", json={
            "data": values, "fn_index": dep["id"], "trigger_id": dep["targets"][0][0], "event_data": None,
            "session_hash": self.session_hash})
        r.raise_for_status()
        event_id = r.json()["event_id"]
        with self.http.stream("GET", self.api + "queue/data", params={"session_hash": self.session_hash}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("event_id") != event_id or msg.get("msg") != "process_completed":
                    continue
                if not msg.get("success"):
                    raise RuntimeError((msg.get("output") or {}).get("error") or "the event failed")
                data = msg["output"]["data"]
                break
            else:
                raise RuntimeError("the event stream closed before the result")
        for url in self._file_urls(data):
            self.http.get(url if url.startswith("http") else self.url + url.lstrip("/")).raise_for_status()
        return data

    @classmethod
    def _file_urls(cls, value):
        if isinstance(value, dict):
            if value.get("url") and value.get("path"):
                yield value["url"]
            else:
                for v in value.values():
                    yield from cls._file_urls(v)
        elif isinstance(value, list):
            for v in value:
                yield from cls._file_urls(v)


def make_user(kind: str, url: str, config: dict):
    return ClientUser(url) if kind == "gradio_client" else HttpUser(url, config)


def user(kind: str, url: str, config: dict, seconds: float, idx: int, lat: dict, errors: list,
         start: threading.Barrier, done: list) -> None:
    """Set up (invert, edit), wait until every user is set up, then loop for ``seconds``."""
    u = None
    try:
        u = make_user(kind, url, config)
        t = time.perf_counter()
        u.call("invert", u.file(ROOT / "examples" / "synthface_24.png"), 20, True)
        lat.setdefault("invert", []).append(time.perf_counter() - t)
        t = time.perf_counter()
        u.call("edit", "make her smile", 0.0, 1.0, 0.0, 0)
        lat.setdefault("edit", []).append(time.perf_counter() - t)
    except Exception as e:  # a load test counts failures instead of stopping
        errors.append(f"user {idx} setup: {type(e).__name__}: {e}")
        u = None
    start.wait()
    if u is None:
        return
    end = time.perf_counter() + seconds
    k = 0
    while time.perf_counter() < end:
        k += 1
        try:
            t = time.perf_counter()
            if k % 4:
                u.call("rerender", (k % 10) / 10, 1.0, (k % 3) / 2)
                lat.setdefault("rerender", []).append(time.perf_counter() - t)
            else:
                u.call("text_to_image", "She has long red hair and is smiling.", 1, k, 0.8)
                lat.setdefault("text_to_image", []).append(time.perf_counter() - t)
            done.append(k)
        except Exception as e:
            errors.append(f"user {idx}: {type(e).__name__}: {e}")


def protocol_floor(kind: str, url: str, config: dict, n: int = 30) -> list[float]:
    """Latency of a no-op endpoint (``/random_seed``) on the idle server: what the protocol alone costs."""
    u = make_user(kind, url, config)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        u.call("random_seed")
        times.append(time.perf_counter() - t)
    return times


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux ``/proc``; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--family", default=None)
    ap.add_argument("--client", choices=["gradio_client", "http"], default="gradio_client")
    args = ap.parse_args()
    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    if args.family:
        env["TEDIGAN_FAMILY"] = args.family
    url = f"http://127.0.0.1:{port}/"
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_ready(url, proc)
        startup = time.perf_counter() - t0
        with urllib.request.urlopen(url + "config") as r:
            config = json.load(r)
        floor = protocol_floor(args.client, url, config)
        lat: dict[str, list[float]] = {}
        errors: list[str] = []
        done: list[int] = []
        start = threading.Barrier(args.users + 1)
        threads = [threading.Thread(target=user, args=(args.client, url, config, args.seconds, i, lat, errors,
                                                       start, done)) for i in range(args.users)]
        t_setup = time.perf_counter()
        for th in threads:
            th.start()
        start.wait()  # every user set up: the timed part starts
        t1, cpu1 = time.perf_counter(), cpu_seconds(proc.pid)
        for th in threads:
            th.join()
        wall, cpu2 = time.perf_counter() - t1, cpu_seconds(proc.pid)
        print(f"start-up to ready: {startup:.1f} s")
        print(f"client: {args.client}; protocol floor (no-op endpoint, idle server): p50={pct(floor, 0.5) * 1000:.1f} "
              f"ms  p95={pct(floor, 0.95) * 1000:.1f} ms")
        print(f"set-up (one inversion and one edit per user, inversions one at a time): {t1 - t_setup:.1f} s")
        print(f"users: {args.users} together for {wall:.1f} s: {len(done)} requests, {len(done) / wall:.2f} req/s, "
              f"errors: {len(errors)}")
        if cpu1 is not None and cpu2 is not None:
            print(f"server CPU meanwhile: {(cpu2 - cpu1) / wall:.2f} cores busy of {os.cpu_count()}")
        for name, values in sorted(lat.items()):
            print(f"  {name:<14} n={len(values):<5} p50={pct(values, 0.5) * 1000:8.1f} ms  "
                  f"p95={pct(values, 0.95) * 1000:8.1f} ms  mean={statistics.mean(values) * 1000:8.1f} ms")
        for e in errors[:5]:
            print("  error:", e)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
