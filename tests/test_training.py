"""The training scripts run, log, resume and save parts the app loads (tiny budgets, on the shipped family)."""

import json
import shutil

import torch

from tedigan_demo.loading import REPO_ROOT, load_module, load_sentence_encoder

FAMILY = REPO_ROOT / "checkpoints" / "synthfaces64"


def test_text_training_runs_resumes_and_saves_a_loadable_mapper(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from tedigan_demo.train import text

    family = tmp_path / "family"
    for part in ("generator", "encoder", "classifier"):
        shutil.copytree(FAMILY / part, family / part)
    run = tmp_path / "run"
    args = ["--family", str(family), "--run", str(run), "--minutes", "0", "--batch", "8", "--threads", "1"]
    threads = torch.get_num_threads()
    try:
        text.main(args)  # one step from scratch, then the snapshot the time budget asks for
        text.main(args)  # resumes at the next step
    finally:
        torch.set_num_threads(threads)
    first = json.loads((run / "log.jsonl").read_text().splitlines()[0])
    assert first["step"] == 0 and all(torch.isfinite(torch.tensor(v)) for k, v in first.items() if k != "step")
    assert {"clip", "map"} <= set(first)
    assert int(torch.load(run / "state.pt", weights_only=True)["step"]) == 2
    mapper = load_module(family / "text_mapper").float()
    wp = mapper(load_sentence_encoder()(["She has long blond hair."]))
    assert wp.shape == (1, 10, 128) and torch.isfinite(wp).all()
