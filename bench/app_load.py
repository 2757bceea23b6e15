"""Load test of the app on loopback: start-up time, then N concurrent gradio_client users for a bounded time.

    python bench/app_load.py --users 16 --seconds 60 [--family synthfaces64]

Each user inverts an example face once, applies a description once, then alternates slider re-renders
(``/rerender``, the hot path) with text-to-image requests (one sample). Prints start-up seconds, throughput,
p50 / p95 latency per endpoint, and errors.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
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


def user(url: str, seconds: float, idx: int, lat: dict, errors: list) -> None:
    from gradio_client import Client, handle_file

    try:
        client = Client(url, verbose=False)
        t = time.perf_counter()
        client.predict(handle_file(str(ROOT / "examples" / "synthface_24.png")), 20, True, api_name="/invert")
        lat.setdefault("invert", []).append(time.perf_counter() - t)
        t = time.perf_counter()
        client.predict("make her smile", 0.0, 1.0, 0.0, 0, api_name="/edit")
        lat.setdefault("edit", []).append(time.perf_counter() - t)
    except Exception as e:  # a load test counts failures instead of stopping
        errors.append(f"user {idx} setup: {type(e).__name__}: {e}")
        return
    end = time.perf_counter() + seconds
    k = 0
    while time.perf_counter() < end:
        k += 1
        try:
            t = time.perf_counter()
            if k % 4:
                client.predict((k % 10) / 10, 1.0, (k % 3) / 2, api_name="/rerender")
                lat.setdefault("rerender", []).append(time.perf_counter() - t)
            else:
                client.predict("She has long red hair and is smiling.", 1, k, 0.8, api_name="/text_to_image")
                lat.setdefault("text_to_image", []).append(time.perf_counter() - t)
        except Exception as e:
            errors.append(f"user {idx}: {type(e).__name__}: {e}")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--family", default=None)
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
        lat: dict[str, list[float]] = {}
        errors: list[str] = []
        threads = [threading.Thread(target=user, args=(url, args.seconds, i, lat, errors)) for i in range(args.users)]
        t1 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t1
        total = sum(len(v) for v in lat.values())
        print(f"start-up to ready: {startup:.1f} s")
        print(f"users: {args.users}, duration: {wall:.1f} s, requests: {total}, throughput: {total / wall:.2f} req/s, "
              f"errors: {len(errors)}")
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
