import io
import json

import pytest
import torch
from conftest import TINY, compat_state_dict, randomize
from fakehub import FakeHub
from reference_stylegan2 import reference_synthesis

from tedigan_demo.loading import HubRef, LoadError, NotOnHub, load_generator, resolve
from tedigan_demo.models.base import save_pretrained
from tedigan_demo.models.stylegan2 import Generator, StyleGAN2Config
from tedigan_demo.zoo import FAMILIES, family

COMPAT_1024 = "psp_stylegan2_1024_generator.json"


@pytest.fixture(scope="module")
def official_sd():
    return compat_state_dict(COMPAT_1024, seed=1)


def test_rosinality_container_loads_strictly_and_renders_like_reference(official_sd, tmp_path, compat_available):
    path = tmp_path / "stylegan2-ffhq-config-f.pt"
    latent_avg = torch.randn(512)
    torch.save({"g_ema": official_sd, "latent_avg": latent_avg}, path)
    G = load_generator(path)
    assert (G.resolution, G.num_layers, G.w_dim) == (1024, 18, 512)
    # the checkpoint's mean w is the truncation centre, outside the official key layout
    assert torch.equal(G.w_avg[0], latent_avg) and "w_avg" not in G.state_dict()
    torch.testing.assert_close(G.truncate(torch.zeros(1, 18, 512), 0.0), latent_avg.expand(1, 18, 512))
    wp = torch.randn(1, 18, 512, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        ours = G.synthesize(wp, "const")
        ref = reference_synthesis(official_sd, wp)
    assert ours.shape == (1, 3, 1024, 1024)
    torch.testing.assert_close(ours[0, :, 500:503, 500:503], ref[0, :, 500:503, 500:503], atol=1e-3, rtol=1e-3)
    torch.testing.assert_close(ours, ref, atol=2e-3, rtol=1e-3)


def test_psp_decoder_loads_strictly(official_sd, tmp_path, compat_available):
    path = tmp_path / "psp_celebs_sketch_to_face.pt"
    state = {"decoder." + k: v for k, v in official_sd.items()}
    state["encoder.input_layer.0.weight"] = torch.zeros(64, 1, 3, 3)
    torch.save({"state_dict": state, "latent_avg": torch.zeros(18, 512), "opts": {"input_nc": 1}}, path)
    G = load_generator(path)
    torch.testing.assert_close(G.state_dict()["conv1.conv.weight"], official_sd["conv1.conv.weight"])
    # a missing key is a clear error that names it
    del state["decoder.noises.noise_3"]
    torch.save({"state_dict": state}, path)
    with pytest.raises(LoadError, match=r"1 missing: noises\.noise_3"):
        load_generator(path)


def test_shape_mismatch_names_the_keys(tmp_path, tiny_generator):
    sd = dict(tiny_generator.state_dict())
    sd["conv1.conv.weight"] = torch.zeros(1, 32, 32, 1, 1)
    torch.save({"g_ema": sd}, tmp_path / "bad.pt")
    with pytest.raises(LoadError, match=r"wrong shape: conv1\.conv\.weight \[1, 32, 32, 1, 1\]"):
        load_generator(tmp_path / "bad.pt")


def test_save_pretrained_round_trip(tmp_path, tiny_generator):
    G = tiny_generator
    save_pretrained(G, G.config.to_dict(), tmp_path / "g", dtype=torch.float32, kind="StyleGAN2Generator")
    assert json.loads((tmp_path / "g" / "config.json").read_text())["resolution"] == 16
    G2 = load_generator(tmp_path / "g")
    wp = torch.randn(2, G.num_layers, G.w_dim, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        torch.testing.assert_close(G2.synthesize(wp)[0, :, :3, :3], G.synthesize(wp)[0, :, :3, :3])
    # fp16 storage stays within a tolerance
    save_pretrained(G, G.config.to_dict(), tmp_path / "h", kind="StyleGAN2Generator")
    with torch.no_grad():
        torch.testing.assert_close(load_generator(tmp_path / "h").synthesize(wp), G.synthesize(wp), atol=0.05,
                                   rtol=0.05)


def test_corrupted_truncated_and_unknown_files(tmp_path, tiny_generator):
    good = tmp_path / "g.pt"
    torch.save({"g_ema": tiny_generator.state_dict()}, good)
    (tmp_path / "trunc.pt").write_bytes(good.read_bytes()[:2000])
    with pytest.raises(LoadError, match="corrupted or truncated"):
        load_generator(tmp_path / "trunc.pt")
    (tmp_path / "noise.pt").write_bytes(b"not a checkpoint at all")
    with pytest.raises(LoadError, match="corrupted or truncated"):
        load_generator(tmp_path / "noise.pt")
    torch.save({"weights": torch.zeros(1), "epoch": 3}, tmp_path / "other.pt")
    with pytest.raises(LoadError, match="unknown checkpoint format: top-level keys weights, epoch"):
        load_generator(tmp_path / "other.pt")
    save_pretrained(tiny_generator, tiny_generator.config.to_dict(), tmp_path / "d", kind="StyleGAN2Generator")
    st = tmp_path / "d" / "model.safetensors"
    st.write_bytes(st.read_bytes()[:-100])
    with pytest.raises(LoadError, match="corrupted or truncated"):
        load_generator(tmp_path / "d")


class _Payload:
    """Unpickling this would create a file: a stand-in for code execution hidden in a checkpoint."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_refuses_to_unpickle_arbitrary_objects(tmp_path):
    marker = tmp_path / "executed"
    torch.save({"g_ema": _Payload(marker)}, tmp_path / "evil.pt")
    with pytest.raises(LoadError, match="outside the allow-list"):
        load_generator(tmp_path / "evil.pt")
    assert not marker.exists()


def test_zoo_table_and_names():
    assert family("ffhq-1024").component("generator").filename == "stylegan2-ffhq-config-f.pt"
    with pytest.raises(ValueError, match="valid: synthfaces64, ffhq-256, ffhq-1024"):
        family("ffhq-512")
    with pytest.raises(ValueError, match="no component"):
        family("ffhq-1024").component("vocoder")
    for fam in FAMILIES.values():
        for comp in fam.components.values():
            # shipped, on the Hub, or an official file published elsewhere (the note says where)
            assert comp.local or comp.repo_id or (comp.filename and "github.com" in comp.note)
            assert not (comp.local and comp.repo_id) and comp.revision
    with pytest.raises(LoadError, match="no such file, folder or model family"):
        resolve("no/such/thing.pt")


def test_hub_ref_parsing():
    assert HubRef.parse("hf://a/b/c/d.pt@abc") == HubRef("a/b", "c/d.pt", "abc")
    assert HubRef.parse("hf://a/b") == HubRef("a/b", None, "main")
    with pytest.raises(LoadError):
        HubRef.parse("hf://justone")


# ---- Hub: download through a local stand-in, then reuse the cache offline ------------------------------------


def _ckpt_bytes(G) -> bytes:
    buf = io.BytesIO()
    torch.save({"g_ema": G.state_dict(), "latent_avg": torch.zeros(G.w_dim)}, buf)
    return buf.getvalue()


def test_hub_download_cache_and_offline(tmp_path, monkeypatch, tiny_generator):
    cache = tmp_path / "hub"
    pretrained = tmp_path / "pre"
    save_pretrained(tiny_generator, tiny_generator.config.to_dict(), pretrained, kind="StyleGAN2Generator")
    with FakeHub() as hub:
        commit = hub.add("team/tiny-gan", {
            "g.pt": _ckpt_bytes(tiny_generator),
            "gen/config.json": (pretrained / "config.json").read_bytes(),
            "gen/model.safetensors": (pretrained / "model.safetensors").read_bytes(),
        })
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        G = load_generator("hf://team/tiny-gan/g.pt", cache_dir=cache)
        G2 = load_generator(HubRef("team/tiny-gan", "gen", commit), cache_dir=cache)
        torch.testing.assert_close(G.state_dict()["input.input"], tiny_generator.state_dict()["input.input"])
        assert G2.resolution == 16
        # a copy that is gone is a NotOnHub (a LoadError), told apart from a network failure by its type
        with pytest.raises(NotOnHub, match="not found: Hub repository 'team/missing' does not exist"):
            load_generator("hf://team/missing/g.pt", cache_dir=cache)
        with pytest.raises(NotOnHub, match="not found: file 'nope.pt' in Hub repository team/tiny-gan@main"):
            load_generator("hf://team/tiny-gan/nope.pt", cache_dir=cache)
        with pytest.raises(NotOnHub, match="not found: revision 'v9'"):
            load_generator("hf://team/tiny-gan/g.pt@v9", cache_dir=cache)
        n_requests = len(hub.requests)
    # The Hub is gone: cached files still load offline, uncached ones fail with one clear line.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    G3 = load_generator("hf://team/tiny-gan/g.pt", cache_dir=cache)
    torch.testing.assert_close(G3.state_dict()["input.input"], G.state_dict()["input.input"])
    load_generator(f"hf://team/tiny-gan/gen@{commit}", cache_dir=cache, local_files_only=True)
    offline = r"not in the local Hub cache and the Hub is offline \(HF_HUB_OFFLINE=1\)"
    with pytest.raises(LoadError, match=offline) as err:
        load_generator("hf://team/tiny-gan/other.pt", cache_dir=cache)
    assert not isinstance(err.value, NotOnHub)
    with pytest.raises(LoadError, match="not in the local Hub cache"):
        load_generator("ffhq-1024", cache_dir=cache)
    assert n_requests >= 3


def test_zoo_name_goes_through_the_hub_cache(tmp_path, monkeypatch, tiny_generator):
    fam = family("ffhq-1024").component("generator")
    with FakeHub() as hub:
        hub.add(fam.repo_id, {fam.filename: _ckpt_bytes(randomize(Generator(StyleGAN2Config(**TINY)), 2))})
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        G = load_generator("ffhq-1024", cache_dir=tmp_path)
    assert G.resolution == 16  # the stand-in serves a tiny model under the real repo and file name
    assert list(tmp_path.glob("models--akhaliq--jojogan-stylegan2-ffhq-config-f/snapshots/*/*.pt"))


def test_ffhq1024_encoder_comes_from_the_first_hub_copy_that_has_it(tmp_path, monkeypatch, tiny_generator):
    """The zoo's e4e copies are tried in order; a wrong or truncated file under the right name is one clear line."""
    from tedigan_demo.loading import load_encoder

    comp = family("ffhq-1024").component("encoder")
    (first_repo, _, _), (second_repo, second_file, _) = comp.hub_sources()[:2]
    monkeypatch.setenv("TEDIGAN_WEIGHTS", str(tmp_path / "no-weights"))
    generator_bytes = _ckpt_bytes(tiny_generator)
    with FakeHub() as hub:
        hub.add(second_repo, {second_file: generator_bytes})  # the first copy is gone: the second is used
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        path = resolve("ffhq-1024:encoder", cache_dir=tmp_path / "c1")
        assert path.read_bytes() == generator_bytes and second_repo.replace("/", "--") in str(path)
        assert any(first_repo in r for r in hub.requests)
        with pytest.raises(LoadError, match="is a rosinality checkpoint, not an encoder"):
            load_encoder("ffhq-1024:encoder", cache_dir=tmp_path / "c1")
        hub.add(first_repo, {comp.filename: generator_bytes[: len(generator_bytes) // 3]})
        with pytest.raises(LoadError, match="corrupted or truncated") as err:
            load_encoder("ffhq-1024", cache_dir=tmp_path / "c2")
        assert len(str(err.value).splitlines()) == 1
    hub_gone = FakeHub()  # closed at once: connections are refused, and nothing is cached in c3
    hub_gone.server.server_close()
    monkeypatch.setenv("HF_ENDPOINT", hub_gone.url)
    with pytest.raises(LoadError, match="could not download|cannot be reached") as err:
        resolve("ffhq-1024:encoder", cache_dir=tmp_path / "c3")
    assert not isinstance(err.value, NotOnHub)  # a network that is down does not pass on to the next copy


@pytest.mark.parametrize("value, offline", [("1", True), ("ON", True), ("yes", True), ("True", True), ("0", False),
                                            ("", False), ("no", False), (None, False)])
def test_hub_offline_reads_the_variable_as_the_hub_client_does(monkeypatch, value, offline):
    from tedigan_demo.loading import hub_offline

    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)  # as read at import: online
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    if value is None:
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    else:
        monkeypatch.setenv("HF_HUB_OFFLINE", value)
    assert hub_offline() is offline  # read now: the variable set after import counts
    if value is None:
        monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")  # the client's other name for it
        assert hub_offline()
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)  # the client's own flag counts too
    assert hub_offline()


def test_clip_is_found_downloaded_and_counted_like_any_other_part(tmp_path, monkeypatch):
    """One search decides for every part: the state of ffhq-1024 with nothing here, its download (the encoder's
    first Hub copy gone, CLIP a folder of files of which the tokenizer's are partly there), and afterwards every
    required part here, offline too, CLIP's folder handed to loading like any other part's path."""
    from tedigan_demo.loading import family_sources, family_state, fetch_missing, missing_parts, part_here
    from tedigan_demo.zoo import CLIP

    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)
    monkeypatch.setenv("TEDIGAN_WEIGHTS", str(tmp_path / "no-weights"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    fam = family("ffhq-1024")
    gen, enc = fam.component("generator"), fam.component("encoder")
    enc_repo, enc_file, _ = enc.hub_sources()[1]  # its first copy is not on this Hub
    clip_files = {"config.json": b"{}", "pytorch_model.bin": b"w" * 300, "vocab.json": b"{}", "merges.txt": b"#"}
    with FakeHub() as hub:
        hub.add(gen.repo_id, {gen.filename: b"g" * 1000})
        hub.add(enc_repo, {enc_file: b"e" * 2000})
        hub.add(CLIP.repo_id, {k: v for k, v in clip_files.items() if k != "pytorch_model.bin"})
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        assert missing_parts("ffhq-1024") == ["generator", "encoder", "clip"]
        state = family_state("ffhq-1024")  # CLIP's weights are in neither of their names
        assert state.state == "unavailable" and "no Hub copy of the clip answers" in state.detail
        assert "model.safetensors" in state.detail and "pytorch_model.bin" in state.detail
        hub.add(CLIP.repo_id, clip_files)
        state = family_state("ffhq-1024")  # the optional parts are not on this Hub: the family works without them
        assert (state.state, state.download_bytes) == ("download", 1000 + 2000 + sum(map(len, clip_files.values())))
        seen = []
        fetch_missing("ffhq-1024", progress=lambda path: seen.append(path))
        assert {"stylegan2-ffhq-config-f.pt", "e4e_ffhq_encode.pt", "config.json", "pytorch_model.bin",
                "vocab.json"} <= set(seen)
        assert family_state("ffhq-1024").state == "here"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the Hub is gone: what was fetched is here all the same
    assert missing_parts("ffhq-1024") == [] and part_here("ffhq-1024", "encoder")  # its second copy, from the cache
    clip_folder = resolve("ffhq-1024:clip")
    assert {p.name for p in clip_folder.iterdir()} == set(clip_files)
    _, paths, settings = family_sources("ffhq-1024")
    assert settings["clip"] == str(clip_folder) and "clip" not in paths and paths["encoder"].name == enc_file
    # a save_pretrained copy in the weights folder comes first, as the official files there do
    (tmp_path / "no-weights" / "clip-vit-base-patch32").mkdir(parents=True)
    assert resolve("ffhq-1024:clip") == tmp_path / "no-weights" / "clip-vit-base-patch32"


def test_models_save_and_load_themselves(tiny_generator, tmp_path):
    from tedigan_demo.loading import load_module
    from tedigan_demo.models.encoders import EncoderConfig, WPlusEncoder
    from tedigan_demo.models.text import TextMapper, TextMapperConfig

    models = [tiny_generator, WPlusEncoder(EncoderConfig(resolution=32, num_layers=6, w_dim=16, widths=[8, 8])),
              TextMapper(TextMapperConfig(text_dim=8, hidden=16, num_layers=6, w_dim=16))]
    for model in models:
        folder = model.save_pretrained(tmp_path / model.model_type, dtype=torch.float32)
        for again in (type(model).from_pretrained(folder), load_module(folder)):  # the class, or by model_type
            assert type(again) is type(model) and again.config == model.config
            assert all(torch.equal(again.state_dict()[k], v) for k, v in model.state_dict().items())
    with pytest.raises(ValueError, match="holds a WPlusEncoder, not a TextMapper"):
        TextMapper.from_pretrained(tmp_path / "WPlusEncoder")
