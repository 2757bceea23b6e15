"""A restart of the server in the middle of an edit: the open page keeps its codes (kept on disk, keyed to the
page), and a page whose codes are gone is told so."""

import pytest
from conftest import start_app

from tedigan_demo.loading import REPO_ROOT


def _start(monkeypatch, family, sessions):
    monkeypatch.setenv("TEDIGAN_SESSIONS", str(sessions))
    return start_app(family)


def test_a_restart_loses_no_codes(tiny_family, tmp_path, monkeypatch):
    from gradio_client import Client, handle_file

    app = _start(monkeypatch, tiny_family, tmp_path / "sessions")
    try:
        client = Client(app.local_url, verbose=False)
        client.predict(handle_file(str(REPO_ROOT / "examples" / "synthface_24.png")), 2, False, api_name="/invert")
        before = client.predict("make her smile", 0.0, 1.0, 0.0, 0, api_name="/edit")[0]
        page = client.session_hash
    finally:
        app.close()
    app = _start(monkeypatch, tiny_family, tmp_path / "sessions")  # a new process would see the same folder
    try:
        client = Client(app.local_url, verbose=False)
        client.session_hash = page  # the page that stayed open
        after = client.predict(0.0, 1.0, 0.0, api_name="/rerender")
        assert open(after, "rb").read() == open(before, "rb").read()
        assert client.predict("give her glasses", 1.0, 0.0, 0.0, 0, api_name="/edit")[0]
        stranger = Client(app.local_url, verbose=False)  # a page that never inverted anything
        with pytest.raises(Exception, match="no W\\+ codes for this page"):
            stranger.predict(0.0, 1.0, 0.0, api_name="/rerender")
    finally:
        app.close()
