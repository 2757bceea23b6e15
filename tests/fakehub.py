"""A minimal local stand-in for the Hugging Face Hub's file-resolution endpoint, for tests without network.

It answers ``HEAD``/``GET /{owner}/{name}/resolve/{revision}/{path}`` (a Space's files under ``/spaces/``, added as
``spaces/{owner}/{name}``) with the headers ``huggingface_hub`` reads
(``X-Repo-Commit``, ``ETag``, ``Content-Length``) and the Hub's error codes (``X-Error-Code: RepoNotFound`` /
``RevisionNotFound`` / ``EntryNotFound``), so the real ``hf_hub_download`` runs against it end to end.

A file is given as its bytes, or as a ``Path`` on disk that is streamed (the slow tier's 1.2 GB stand-ins stay out of
memory).
"""

import hashlib
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote


class FakeHub:
    def __init__(self):
        self.repos: dict[str, dict] = {}  # repo_id -> {"commit": sha, "revisions": {...}, "files": {path: bytes}}
        self.requests: list[str] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, body: bool):
                hub.requests.append(f"{self.command} {self.path}")
                parts = unquote(self.path.split("?")[0]).strip("/").split("/")
                n = 3 if parts[0] == "spaces" else 2  # the repository id's parts
                if len(parts) < n + 3 or parts[n] != "resolve":
                    return self._error(404, "RepoNotFound")
                repo_id, revision, path = "/".join(parts[:n]), parts[n + 1], "/".join(parts[n + 2:])
                repo = hub.repos.get(repo_id)
                if repo is None:
                    return self._error(401, "RepoNotFound")
                if revision not in ("main", repo["commit"]):
                    return self._error(404, "RevisionNotFound")
                data = repo["files"].get(path)
                if data is None:
                    return self._error(404, "EntryNotFound")
                on_disk = isinstance(data, Path)
                size = data.stat().st_size if on_disk else len(data)
                tag = f"{data}:{size}:{data.stat().st_mtime_ns}".encode() if on_disk else data
                self.send_response(200)
                self.send_header("X-Repo-Commit", repo["commit"])
                self.send_header("ETag", '"' + hashlib.sha256(tag).hexdigest() + '"')
                self.send_header("Content-Length", str(size))
                self.end_headers()
                if body and on_disk:
                    with open(data, "rb") as f:
                        shutil.copyfileobj(f, self.wfile, 1 << 20)
                elif body:
                    self.wfile.write(data)

            def _error(self, code, error_code):
                self.send_response(code)
                self.send_header("X-Error-Code", error_code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_HEAD(self):
                self._answer(body=False)

            def do_GET(self):
                self._answer(body=True)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add(self, repo_id: str, files: dict[str, bytes | Path]) -> str:
        commit = hashlib.sha1(repo_id.encode()).hexdigest()
        self.repos[repo_id] = {"commit": commit, "files": files}
        return commit

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
