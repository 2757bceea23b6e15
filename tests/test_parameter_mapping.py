"""The embedded family's exact mapping (models.parameter_mapping): z -> the renderer's parameters -> w."""

import torch

from tedigan_demo.models.parameter_mapping import block_sizes
from tedigan_demo.models.stylegan2 import Generator, StyleGAN2Config
from tedigan_demo.synthfaces import ATTRIBUTES
from tedigan_demo.synthfaces.latent import params, render_params
from tedigan_demo.train.common import exact_wp
from tedigan_demo.train.generator import EMBEDDED_CONFIG


def _generator(seed: int = 0) -> Generator:
    torch.manual_seed(seed)
    return Generator(StyleGAN2Config(**EMBEDDED_CONFIG, mapping="parameters")).eval()


def test_blocks_split_w_in_three():
    assert block_sizes(128) == {"coarse": 42, "middle": 42, "fine": 44}


def test_mapping_reads_the_parameters_of_z():
    G = _generator()
    z = G.sample_z(16, torch.Generator().manual_seed(1))
    torch.testing.assert_close(G.mapping(z), G.style.forward_params(*params(z)))


def test_each_parameter_writes_only_into_its_groups_block():
    G = _generator()
    values, nuisance = params(G.sample_z(8, torch.Generator().manual_seed(2)))
    base = G.style.forward_params(values, nuisance)
    start = {"coarse": 0, "middle": 42, "fine": 84}
    size = block_sizes(128)
    for k, a in enumerate(ATTRIBUTES):
        other = values.clone()
        other[:, k] = (other[:, k] + 1) % len(a.values)
        changed = (G.style.forward_params(other, nuisance) - base).abs().amax(0) > 0
        inside = torch.zeros(128, dtype=torch.bool)
        inside[start[a.group]:start[a.group] + size[a.group]] = True
        assert changed[inside].any(), a.name
        assert not changed[~inside].any(), a.name
    moved = nuisance.clone()
    moved[:, 0] += 0.5  # placement: coarse
    changed = (G.style.forward_params(values, moved) - base).abs().amax(0) > 0
    assert changed[:42].any() and not changed[42:].any()
    moved = nuisance.clone()
    moved[:, 10] += 0.5  # colour jitter: fine
    changed = (G.style.forward_params(values, moved) - base).abs().amax(0) > 0
    assert changed[84:].any() and not changed[:84].any()


def test_a_rendered_faces_exact_code_is_its_codes_w():
    G = _generator()
    z = G.sample_z(6, torch.Generator().manual_seed(3))
    faces = render_params(*params(z), 64)
    torch.testing.assert_close(exact_wp(G, faces), G.map_to_wp(z))


def test_exact_codes_need_the_parameter_mapping():
    torch.manual_seed(0)
    G = Generator(StyleGAN2Config(**EMBEDDED_CONFIG))
    faces = render_params(*params(G.sample_z(2, torch.Generator().manual_seed(4))), 64)
    assert exact_wp(G, faces) is None


def test_saves_and_loads_with_its_mapping(tmp_path):
    G = _generator()
    G.save_pretrained(tmp_path / "generator", dtype=torch.float32)
    H = Generator.from_pretrained(tmp_path / "generator")
    assert H.config.mapping == "parameters"
    z = G.sample_z(3, torch.Generator().manual_seed(5))
    torch.testing.assert_close(H.synthesize(H.map_to_wp(z)), G.synthesize(G.map_to_wp(z)))


def test_a_value_offset_is_the_change_of_those_values_in_w():
    G = _generator()
    values, nuisance = params(G.sample_z(8, torch.Generator().manual_seed(6)))
    other = values.clone()
    other[:, 5] = 1 - other[:, 5]  # smile flipped
    other[:, 9] = (other[:, 9] + 2) % 5  # another hair colour
    torch.testing.assert_close(G.style.value_offset(values, other),
                               G.style.forward_params(other, nuisance) - G.style.forward_params(values, nuisance))
    assert G.style.value_offset(values, values).abs().max() == 0
