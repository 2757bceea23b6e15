"""Inverting the embedded family's own faces through the renderer's parameters (pipeline.parameter_inversion)."""

from types import SimpleNamespace

import pytest
import torch
from PIL import Image

from tedigan_demo.loading import REPO_ROOT
from tedigan_demo.models.parameter_mapping import block_sizes
from tedigan_demo.models.stylegan2 import Generator, StyleGAN2Config
from tedigan_demo.pipeline.parameter_inversion import ParameterFit, invert_parameters
from tedigan_demo.pipeline.settings import family_settings
from tedigan_demo.synthfaces import ATTRIBUTES
from tedigan_demo.synthfaces.latent import params
from tedigan_demo.train.generator import EMBEDDED_CONFIG

PHOTOS = REPO_ROOT / "bench" / "photos"  # public-domain photographs of people (bench/photos/README.md)

QUICK = ParameterFit(starts=4, fit_steps=3, refine_steps=0)


class _Reads:
    """A stand-in classifier: fixed probabilities per attribute, whatever the image."""

    def __init__(self, probs: list[torch.Tensor]):
        self.probs = probs

    def __call__(self, images: torch.Tensor) -> list[torch.Tensor]:
        return [p.log().expand(len(images), -1) for p in self.probs]


def _generator() -> Generator:
    torch.manual_seed(0)
    return Generator(StyleGAN2Config(**EMBEDDED_CONFIG, mapping="parameters")).eval().requires_grad_(False)


def _face(G, seed: int = 1):
    values, nuisance = params(G.sample_z(1, torch.Generator().manual_seed(seed)))
    with torch.no_grad():
        return values, G.synthesize(G.broadcast(G.style.forward_params(values, nuisance)), "const")


def _sure(values: torch.Tensor) -> list[torch.Tensor]:
    return [torch.nn.functional.one_hot(values[0, k], len(a.values)).float().clamp(min=1e-6)
            for k, a in enumerate(ATTRIBUTES)]


def _middle(w: torch.Tensor) -> torch.Tensor:
    size = block_sizes(w.shape[-1])
    return w[..., size["coarse"]:size["coarse"] + size["middle"]]


def test_the_code_holds_the_values_read_and_is_deterministic():
    G = _generator()
    values, target = _face(G)
    first = invert_parameters(G, _Reads(_sure(values)), None, None, target, QUICK)
    again = invert_parameters(G, _Reads(_sure(values)), None, None, target, QUICK)
    torch.testing.assert_close(first.wp, again.wp, rtol=0, atol=0)
    assert first.wp.shape == (1, G.num_layers, G.w_dim)
    assert torch.equal(first.wp[:, 0], first.wp[:, -1])  # one w in every layer: a code of the domain
    # the middle block holds only attribute values (no nuisance): exactly those read
    exact = G.style.forward_params(values, torch.zeros(1, 17))
    torch.testing.assert_close(_middle(first.wp[:, 0]), _middle(exact))


def test_an_unsure_attribute_is_settled_by_the_pixels():
    G = _generator()
    values, target = _face(G, seed=2)
    k = next(i for i, a in enumerate(ATTRIBUTES) if a.group == "middle" and len(a.values) == 2)
    probs = _sure(values)
    wrong = 1 - int(values[0, k])
    probs[k] = torch.tensor([0.6, 0.4] if wrong == 0 else [0.4, 0.6])  # leaning to the wrong value
    inv = invert_parameters(G, _Reads(probs), None, None, target, QUICK)
    torch.testing.assert_close(_middle(inv.wp[:, 0]), _middle(G.style.forward_params(values, torch.zeros(1, 17))))
    sure_wrong = _sure(values)
    sure_wrong[k] = torch.tensor([0.99, 0.01] if wrong == 0 else [0.01, 0.99])  # sure: taken as read
    inv = invert_parameters(G, _Reads(sure_wrong), None, None, target, QUICK)
    assert not torch.allclose(_middle(inv.wp[:, 0]), _middle(G.style.forward_params(values, torch.zeros(1, 17))))


def test_refinement_moves_toward_the_image_and_reports_progress():
    G = _generator()
    values, target = _face(G, seed=3)
    steps = []
    fit = ParameterFit(starts=4, fit_steps=3, refine_steps=5)
    refined = invert_parameters(G, _Reads(_sure(values)), None, None, target, fit,
                                progress=lambda step, total, losses: steps.append(step))
    plain = invert_parameters(G, _Reads(_sure(values)), None, None, target, QUICK)
    assert steps == [1, 2, 3, 4, 5] and refined.psnr >= plain.psnr


def _parts(mapping: str, classifier):
    return SimpleNamespace(name="x", generator=SimpleNamespace(config=SimpleNamespace(mapping=mapping)),
                           text_mapper=object(), perceptual=None, classifier=classifier, pipeline_settings=None)


def test_a_family_with_the_parameter_mapping_and_a_classifier_inverts_through_it():
    assert family_settings(_parts("parameters", object())).inversion_route == "parameters"
    assert family_settings(_parts("parameters", None)).inversion_route == "encoder"
    assert family_settings(_parts("mlp", object())).inversion_route == "encoder"
    overridden = _parts("parameters", object())
    overridden.pipeline_settings = {"inversion_route": "encoder"}  # family.json may choose the encoder's route
    assert family_settings(overridden).inversion_route == "encoder"


@pytest.mark.quality
def test_the_shipped_family_keeps_what_its_own_faces_show():
    from bench.inversion_family import FAMILY, _as_upload
    from tedigan_demo.pipeline import TediGANPipeline
    from tedigan_demo.train.common import held_out

    pipe = TediGANPipeline.from_family(FAMILY)
    assert pipe.settings.inversion_route == "parameters"
    faces = held_out(3, seed=77)
    kept = seen = 0
    for i in range(3):
        inv = pipe.invert(_as_upload(faces.image[i]))
        read = pipe.classifier.predict(inv.image)[0][0]
        kept += int(((read == faces.attributes[i]) & faces.observed[i]).sum())
        seen += int(faces.observed[i].sum())
        assert inv.psnr > 26, inv.psnr
    assert kept / seen >= 0.97, (kept, seen)


def test_a_real_photo_is_read_as_the_domains_values():
    from skimage import data

    from tedigan_demo.imaging import align_face, face_landmarks
    from tedigan_demo.pipeline.photo_values import read_photo_values

    aligned, _ = align_face(Image.fromarray(data.astronaut()), 256)
    reading = read_photo_values(aligned, face_landmarks(aligned))
    assert set(reading.values) == {a.name for a in ATTRIBUTES}
    # what the public-domain NASA portrait shows, by eye
    expected = {"pose": "frontal", "eyes": "open", "smile": "smiling", "mouth": "open", "skin_tone": "light",
                "beard": "none", "glasses": "none", "background": "gray", "eye_color": "brown"}
    assert {k: reading.values[k] for k in expected} == expected, reading.evidence
    assert reading.values["hair_style"] in ("short", "bob") and reading.values["hair_color"] in ("blond", "brown")
    assert len(reading.indices()) == len(ATTRIBUTES)


def test_photos_of_people_are_never_taken_for_faces_of_the_domain():
    """A portrait against a plain backdrop is read surely by the classifier (mean 0.96 on Grace Hopper's); that a
    photo has detail finer than the family's 64 px tells it from the domain's faces, enlarged or not."""
    import io

    from skimage import data

    from tedigan_demo.imaging import detail_beyond
    from tedigan_demo.pipeline.inputs import DOMAIN_DETAIL

    photos = [Image.fromarray(data.astronaut())] + [Image.open(p) for p in sorted(PHOTOS.glob("*.jpg"))]
    assert len(photos) >= 6 and all(detail_beyond(p, 64) > DOMAIN_DETAIL for p in photos)
    face = Image.open(REPO_ROOT / "examples" / "synthface_35.png").convert("RGB")
    assert detail_beyond(face, 64) == 0.0
    for size, method in ((256, Image.Resampling.NEAREST), (300, Image.Resampling.BICUBIC)):
        buf = io.BytesIO()
        face.resize((size, size), method).save(buf, "JPEG", quality=85)
        assert detail_beyond(Image.open(buf), 64) < DOMAIN_DETAIL / 1.5


def test_a_photo_with_white_hair_or_a_fringe_is_read_for_its_hair():
    from tedigan_demo.imaging import align_face, face_landmarks
    from tedigan_demo.pipeline.photo_values import read_photo_values

    aligned, _ = align_face(Image.open(PHOTOS / "biden.jpg"), 256)
    reading = read_photo_values(aligned, face_landmarks(aligned))
    assert reading.values["hair_color"] == "gray" and reading.values["hair_style"] == "short", reading.evidence
    assert reading.values["pose"] == "frontal", reading.evidence  # a slight turn is not "looking to the right"


@pytest.mark.quality
def test_a_photo_of_a_person_becomes_a_clean_face_of_the_family():
    from skimage import data

    from tedigan_demo.pipeline import TediGANPipeline
    from tedigan_demo.synthfaces import observable_mask

    pipe = TediGANPipeline.from_family("synthfaces64")
    inv = pipe.invert(Image.fromarray(data.astronaut()))
    assert inv.photo_values is not None and inv.steps == 0
    values, confidence = pipe.classifier.predict(inv.image)
    seen = observable_mask(values)[0]
    assert float(confidence[0][seen].min()) >= 0.9  # a clean face of the domain: every attribute read surely
    shown = {a.name: a.values[int(v)] for a, v, s in zip(ATTRIBUTES, values[0], seen) if s}
    assert all(inv.photo_values[k] == v for k, v in shown.items()), (shown, inv.photo_values)
    assert pipe.invert(Image.fromarray(data.astronaut())).wp.equal(inv.wp)  # the same photo, the same face
    cartoon = pipe.invert(str(REPO_ROOT / "examples" / "synthface_24.png"))
    assert cartoon.photo_values is None  # a face of the domain is inverted, not read as a photo
    # dlib finds a face in this cartoon at 256 px: the classifier knows it for one of the domain's, as it is
    big = Image.open(REPO_ROOT / "examples" / "synthface_24.png").convert("RGB").resize((256, 256))
    for align in ("auto", False):
        again = pipe.invert(big, steps=10, align=align)
        assert again.photo_values is None and again.psnr > 27, (align, again.psnr)


@pytest.mark.quality
def test_the_cli_says_what_a_photo_became(tmp_path, capsys):
    import json

    from tedigan_demo.cli import main as cli

    photo = str(REPO_ROOT / "examples" / "astronaut.jpg")
    assert cli(["invert", "--family", "synthfaces64", "--image", photo, "--out", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["read_from_photo"]["smile"] == "smiling" and "smiling" in out["your_cartoon"]


def test_a_photo_with_no_face_is_refused_after_one_look(monkeypatch):
    from skimage import data

    from tedigan_demo import imaging
    from tedigan_demo.pipeline import TediGANPipeline

    pipe = TediGANPipeline.from_family("synthfaces64")
    looks = []
    find = imaging.face_landmarks
    monkeypatch.setattr(imaging, "face_landmarks", lambda img: looks.append(img.size) or find(img))
    with pytest.raises(imaging.NoFaceError):
        pipe.invert(Image.fromarray(data.chelsea()))
    assert len(looks) == 1, looks
    # a small square image with no face is still taken as it is ("auto" alignment on a synthetic domain)
    small = Image.fromarray(data.chelsea()).crop((0, 0, 300, 300)).resize((128, 128))
    inv = pipe.invert(small, steps=2)
    assert inv.photo_values is None and len(looks) == 2
