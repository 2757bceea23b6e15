"""The training scripts run, log, resume and save parts the app loads (tiny budgets, on the shipped family)."""

import json
import shutil

import pytest
import torch

from tedigan_demo.loading import REPO_ROOT, load_module, load_sentence_encoder

FAMILY = REPO_ROOT / "checkpoints" / "synthfaces64"


@pytest.fixture(autouse=True)
def keep_threads():
    """The scripts set torch's thread count for their run; the rest of the test session keeps its own."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def family_copy(folder, *parts):
    """A family folder with copies of the shipped ``parts`` (the scripts write their results into it)."""
    for part in parts:
        shutil.copytree(FAMILY / part, folder / part)
    return folder


def test_text_training_runs_resumes_and_saves_a_loadable_mapper(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from tedigan_demo.train import text

    family = family_copy(tmp_path / "family", "generator", "encoder", "classifier", "loss_classifier")
    run = tmp_path / "run"
    args = ["--family", str(family), "--run", str(run), "--minutes", "0", "--batch", "8", "--threads", "1"]
    text.main(args)  # one step from scratch, then the snapshot the time budget asks for
    text.main(args)  # resumes at the next step
    first = json.loads((run / "log.jsonl").read_text().splitlines()[0])
    assert first["step"] == 0 and all(torch.isfinite(torch.tensor(v)) for k, v in first.items() if k != "step")
    assert {"clip", "map", "statements"} <= set(first)
    assert int(torch.load(run / "state.pt", weights_only=True)["step"]) == 2
    mapper = load_module(family / "text_mapper").float()
    wp = mapper(load_sentence_encoder()(["She has long blond hair."]))
    assert wp.shape == (1, 10, 128) and torch.isfinite(wp).all()


def test_image_text_alone_trains_with_the_statement_term_and_leaves_the_mapper_as_shipped(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from safetensors.torch import load_file

    from tedigan_demo.train import text

    family = family_copy(tmp_path / "family", "generator", "encoder", "classifier", "loss_classifier",
                         "text_mapper", "image_text")
    run = tmp_path / "run"
    text.main(["--family", str(family), "--run", str(run), "--minutes", "0", "--batch", "8", "--threads", "1",
               "--parts", "image_text", "--lr", "1e-2"])
    first = json.loads((run / "log.jsonl").read_text().splitlines()[0])
    assert "statements" in first and "map" not in first and first["statements"] > 0
    shipped, after = (load_file(f / "text_mapper" / "model.safetensors") for f in (FAMILY, family))
    assert all(torch.equal(shipped[k], after[k]) for k in shipped)
    shipped, after = (load_file(f / "image_text" / "model.safetensors") for f in (FAMILY, family))
    assert any(not torch.equal(shipped[k], after[k]) for k in shipped)  # the trained part did change
    with pytest.raises(SystemExit):
        text.main(["--family", str(family), "--run", str(tmp_path / "other"), "--parts", "encoder"])


def test_the_statement_term_is_lowest_when_images_embed_like_their_true_statements():
    from tedigan_demo.synthfaces import ATTRIBUTES
    from tedigan_demo.train.text import StatementBank

    def toy_encoder(texts):  # a fixed random unit vector per sentence
        return torch.nn.functional.normalize(torch.stack([
            torch.randn(16, generator=torch.Generator().manual_seed(sum(map(ord, t)) * 7919 + len(t)))
            for t in texts]), dim=-1)

    bank = StatementBank(toy_encoder, "cpu")
    k = [a.name for a in ATTRIBUTES].index("smile")
    labels = torch.zeros(4, len(ATTRIBUTES), dtype=torch.long)
    labels[:, k] = torch.tensor([0, 1, 0, 1])
    valid = torch.zeros_like(labels, dtype=torch.bool)
    valid[:, k] = True
    smile_bank, counts = bank.banks[k]
    assert counts.tolist() == [2, 2]  # the held-out wording of each value is left out
    # an image "like" a value: the mean of its wordings' embeddings (the term draws one wording per value)
    truth, swapped = (torch.nn.functional.normalize(smile_bank[v].mean(1), dim=-1)
                      for v in (labels[:, k], 1 - labels[:, k]))
    loss = {name: bank.loss(emb, torch.tensor(10.0), labels, valid, torch.Generator().manual_seed(0))
            for name, emb in (("truth", truth), ("swapped", swapped))}
    assert loss["truth"] < loss["swapped"]


def test_generator_training_counts_images_across_batch_sizes_and_exports(tmp_path):
    from tedigan_demo.loading import load_generator
    from tedigan_demo.train import generator

    start = int((FAMILY / "train_state" / "step.txt").read_text())
    nimg0 = int((FAMILY / "train_state" / "nimg.txt").read_text())
    run, out = tmp_path / "run", tmp_path / "family"
    common = ["--run", str(run), "--minutes", "0", "--threads", "1", "--device", "cpu"]
    generator.main(common + ["--init", str(FAMILY), "--batch", "4", "--workers", "1"])  # one step, rendered
    generator.main(common + ["--batch", "2"])  # resumes with another batch size, rendered in-process
    generator.main(common + ["--export", str(out)])
    state = torch.load(run / "state.pt", weights_only=True)
    assert int(state["step"]) == start + 2 and int(state["nimg"]) == nimg0 + 4 + 2
    assert (out / "train_state" / "nimg.txt").read_text().strip() == str(nimg0 + 6)
    G = load_generator(out / "generator").float()
    assert torch.isfinite(G.synthesize(G.map_to_wp(G.sample_z(1)))).all()


def test_distilled_renderer_training_resumes_and_exports(tmp_path):
    """train.distill: one step from the shipped weights (with the adversarial term), a resumed step, an export."""
    from tedigan_demo.loading import load_generator
    from tedigan_demo.train import distill

    run, out = tmp_path / "run", tmp_path / "family"
    common = ["--run", str(run), "--minutes", "0", "--threads", "1", "--device", "cpu", "--batch", "4"]
    distill.main(common + ["--init", str(FAMILY), "--adv", "0.1", "--classifier", str(FAMILY / "loss_classifier")])
    distill.main(common + ["--classifier", str(FAMILY / "loss_classifier")])
    distill.main(["--run", str(run), "--export", str(out)])
    state = torch.load(run / "state.pt", weights_only=True)
    assert int(state["step"]) == 2 and int(state["nimg"]) == 8
    first = json.loads((run / "log.jsonl").read_text().splitlines()[0])
    assert {"l1", "perceptual", "attributes", "adv", "loss_d"} <= set(first)
    assert all(torch.isfinite(torch.tensor(v)) for v in first.values())
    G = load_generator(out / "generator").float()
    assert torch.isfinite(G.synthesize(G.map_to_wp(G.sample_z(1)))).all()


def test_generator_training_with_the_layer_group_terms_logs_them(tmp_path):
    from tedigan_demo.train import generator

    run = tmp_path / "run"
    generator.main(["--run", str(run), "--minutes", "0", "--threads", "1", "--device", "cpu", "--init", str(FAMILY),
                    "--batch", "4", "--group-loss", "1", "--group-every", "1",
                    "--group-classifier", str(FAMILY / "loss_classifier")])
    first = json.loads((run / "log.jsonl").read_text().splitlines()[0])
    group = [k for k in first if k.startswith("group_")]
    assert len(group) == 1 and group[0][6:] in ("coarse", "middle", "fine")
    assert first[group[0]] > 0 and first["marginal"] >= 0
    assert all(torch.isfinite(torch.tensor(v)) for v in first.values())


def test_the_marginal_term_is_zero_at_the_domains_shares_and_large_for_one_value():
    from tedigan_demo.train.generator import attribute_prior, marginal_kl

    prior = attribute_prior(2000)
    assert all(abs(float(p.sum()) - 1) < 1e-5 for p in prior)
    assert abs(float(prior[2][0]) - 0.5) < 0.05  # glasses: "none" is drawn half the time
    matching = [p.log().expand(4, -1) for p in prior]  # every sample predicts the domain's shares
    collapsed = [torch.full((4, len(p)), -30.0).index_fill(1, torch.tensor([0]), 30.0) for p in prior]
    assert float(marginal_kl(matching, prior)) < 1e-5
    assert float(marginal_kl(collapsed, prior)) > 1.0


def test_rendering_workers_give_the_in_process_batches():
    import itertools

    from tedigan_demo.train.common import image_stream

    inline = list(itertools.islice(image_stream(3, 0, 64, start=5), 4))
    workers = list(itertools.islice(image_stream(3, 0, 64, start=5, workers=2), 4))
    assert [s for s, _ in workers] == [5, 6, 7, 8] == [s for s, _ in inline]
    assert all(torch.equal(a, b) for (_, a), (_, b) in zip(inline, workers))


def test_encoder_and_sketch_encoder_training_run_and_save_loadable_parts(tmp_path):
    from tedigan_demo.train import encoder, modality

    family = family_copy(tmp_path / "family", "generator", "encoder", "classifier", "sketch_encoder")
    common = ["--family", str(family), "--minutes", "0", "--batch", "4", "--threads", "1", "--device", "cpu",
              "--warm-start"]
    with pytest.raises(SystemExit, match="loss_classifier is missing: train it first"):
        encoder.main(common + ["--run", str(tmp_path / "no_critic")])
    family_copy(family, "loss_classifier")
    encoder.main(common + ["--run", str(tmp_path / "encoder")])  # one step, then the snapshot
    first = json.loads((tmp_path / "encoder" / "log.jsonl").read_text().splitlines()[0])
    assert first["step"] == 0 and first["attributes"] > 0  # the attribute term is on by default
    modality.main(common + ["--modality", "sketch", "--run", str(tmp_path / "sketch")])
    for run, part, channels in (("encoder", "encoder", 3), ("sketch", "sketch_encoder", 1)):
        assert int(torch.load(tmp_path / run / "state.pt", weights_only=True)["step"]) == 1
        E = load_module(family / part).float()
        assert E(torch.zeros(1, channels, 64, 64)).shape == (1, 10, 128)


def test_a_resumed_run_keeps_its_moments_and_takes_the_new_learning_rate(tmp_path):
    from tedigan_demo.train.common import RunState

    net = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net(torch.ones(1, 3)).sum().backward()
    opt.step()
    RunState(tmp_path).save_parts(7, net=net, opt=opt)
    net2 = torch.nn.Linear(3, 2)
    opt2 = torch.optim.Adam(net2.parameters(), lr=2e-4)
    assert RunState(tmp_path).resume(net=net2, opt=opt2) == 7
    assert opt2.param_groups[0]["lr"] == 2e-4
    torch.testing.assert_close(opt2.state[net2.weight]["exp_avg"], opt.state[net.weight]["exp_avg"])
    torch.testing.assert_close(net2.weight, net.weight)


def test_a_share_of_the_mappers_captions_name_one_or_two_attributes():
    import numpy as np

    from tedigan_demo.synthfaces.captions import parse
    from tedigan_demo.train.common import held_out
    from tedigan_demo.train.text import caption_batch

    faces = held_out(24)
    named = {share: [len(parse(t)) for t in caption_batch(faces.attributes, faces.observed,
                                                            np.random.default_rng(0), short_share=share)]
             for share in (0.0, 1.0)}
    assert max(named[1.0]) <= 3  # hair length and colour share one phrase
    assert np.mean(named[1.0]) < 2.5 < np.mean(named[0.0])


def test_each_hard_negative_caption_changes_exactly_one_named_value():
    import numpy as np

    from tedigan_demo.synthfaces.captions import parse
    from tedigan_demo.train.common import held_out
    from tedigan_demo.train.text import caption_batch

    faces = held_out(48)
    negatives = []
    texts = caption_batch(faces.attributes, faces.observed, np.random.default_rng(3), hard_negatives=negatives)
    assert len(negatives) == len(texts)
    changed = []
    for text, negative in zip(texts, negatives):
        true, false = parse(text), parse(negative)
        differ = {k for k in true.keys() | false.keys() if true.get(k) != false.get(k)}
        if false.get("hair_style") == "bald":  # a bald head has no hair colour to name
            differ.discard("hair_color")
        assert len(differ) == 1, (text, negative)
        changed.append(differ.pop())
    assert len(set(changed)) >= 8  # the changed attribute varies


def test_the_part_balanced_error_weighs_a_small_part_like_a_large_one():
    from tedigan_demo.synthfaces import LABEL_CLASSES
    from tedigan_demo.train.encoder import part_balanced_mse

    label = torch.zeros(1, 64, 64, dtype=torch.long)  # background everywhere ...
    label[:, 30:32, 20:24] = LABEL_CLASSES.index("eyes")  # ... but for 8 pixels of eyes
    real = torch.zeros(1, 3, 64, 64)
    wrong_eyes, wrong_background = real.clone(), real.clone()
    wrong_eyes[..., 30:32, 20:24] = 1.0
    wrong_background[..., :2, :4] = 1.0  # the same 8 pixels' worth of error, on the background
    # the plain error cannot tell the two apart; the balanced one weighs the eyes' error as much as a whole part
    assert torch.nn.functional.mse_loss(wrong_eyes, real) == torch.nn.functional.mse_loss(wrong_background, real)
    assert part_balanced_mse(wrong_eyes, real, label) == pytest.approx(0.5)  # eyes 1, background 0: over 2 parts
    assert part_balanced_mse(wrong_background, real, label) == pytest.approx(8 / (64 * 64 - 8) / 2)
    assert part_balanced_mse(real, real, label) == 0


def test_the_w_prior_holds_the_generators_own_w_and_pulls_back_codes_far_outside():
    from tedigan_demo.train.encoder import WPrior

    G = load_module(FAMILY / "generator").float()
    prior = WPrior(G, n=4000, quantile=0.99)
    own = G.mapping(G.sample_z(1000, torch.Generator().manual_seed(123))).detach()
    assert (prior.distance(own) <= prior.radius).float().mean() > 0.95  # fresh w: inside, like the fitted ones
    far = (own[:8] - prior.mean) * 10 + prior.mean
    wp = far[:, None].repeat(1, G.num_layers, 1).requires_grad_()
    excess = prior.excess(wp)
    assert excess > 0 and prior.excess(own[:, None]) < excess / 100
    excess.backward()
    # one small step along the gradient brings the codes closer to the generator's w
    assert prior.distance(wp - 1e-2 * wp.grad / wp.grad.norm()).mean() < prior.distance(wp).mean()


def test_classifier_fine_tunes_from_a_saved_one(tmp_path):
    """``--init`` starts from a saved classifier (as the shipped one was trained): a few steps at a small rate keep
    what it knew, where the same steps from scratch read the held-out faces barely above chance."""
    from tedigan_demo.train import classifier
    from tedigan_demo.train.common import held_out

    faces = held_out(200, seed=4247)
    accuracy = {}
    for start in ("init", "scratch"):
        out = tmp_path / start
        classifier.main(["--run", str(tmp_path / f"run_{start}"), "--out", str(out), "--train-size", "256",
                         "--epochs", "1", "--batch", "64", "--lr", "1e-4", "--seed", "5", "--threads", "2"]
                        + (["--init", str(FAMILY / "classifier")] if start == "init" else []))
        C = load_module(out, expect="AttributeClassifier")
        accuracy[start] = float(classifier.accuracy(C, faces.image, faces.attributes, faces.observed).mean())
    assert accuracy["init"] > 0.95 and accuracy["scratch"] < 0.8, accuracy
    with pytest.raises(SystemExit, match="holds no classifier"):
        classifier.main(["--run", str(tmp_path / "bad"), "--out", str(tmp_path / "bad_out"), "--train-size", "64",
                         "--epochs", "1", "--init", str(FAMILY / "encoder")])


def test_the_mappers_captions_name_no_eye_colour_behind_read_sunglasses():
    """The mapper's captions of generated faces name what the classifier reads surely and the face shows: a sure
    reading of sunglasses leaves out the eye colour, however sure the eye-colour head happens to be."""
    import numpy as np

    from tedigan_demo.synthfaces import ATTRIBUTES, attribute, sure_and_shown
    from tedigan_demo.synthfaces.captions import parse
    from tedigan_demo.train.common import held_out
    from tedigan_demo.train.text import caption_batch

    names = [a.name for a in ATTRIBUTES]
    glasses, eye_color, eyes = (names.index(n) for n in ("glasses", "eye_color", "eyes"))
    read = held_out(32).attributes.clone()
    read[:, eyes] = attribute("eyes").index("open")
    read[:16, glasses] = attribute("glasses").index("sunglasses")
    read[16:, glasses] = attribute("glasses").index("none")
    conf = torch.full(read.shape, 0.99)
    conf[-4:, eye_color] = 0.5  # unsure: left out too
    sure = sure_and_shown(read, conf)
    assert not sure[:16, eye_color].any() and sure[16:-4, eye_color].all() and not sure[-4:, eye_color].any()
    assert sure[:, glasses].all()
    named_colour = ["eye_color" in parse(text) for text in caption_batch(read, sure, np.random.default_rng(0))]
    assert not any(named_colour[:16] + named_colour[-4:])
    assert any(named_colour[16:-4])  # the colour of eyes that show does get named
