"""The fixed map from z to the renderer's parameters (synthfaces.latent) that the distilled generator learns."""

import numpy as np
import torch

from tedigan_demo.synthfaces import ATTRIBUTES, attribute
from tedigan_demo.synthfaces.latent import PARAMETER_GROUPS, mix_params, params, render_params, values_to_z
from tedigan_demo.train.generator import attribute_prior


def test_the_map_draws_each_value_as_often_as_the_domain():
    values, nuisance = params(torch.randn(20000, 128, generator=torch.Generator().manual_seed(0)))
    prior = attribute_prior(20000)
    for k, a in enumerate(ATTRIBUTES):
        share = torch.bincount(values[:, k], minlength=len(a.values)).float() / len(values)
        assert torch.allclose(share, prior[k], atol=0.025), (a.name, share, prior[k])
    beard, lipstick = (ATTRIBUTES.index(attribute(n)) for n in ("beard", "lipstick"))
    assert not ((values[:, beard] == 1) & (values[:, lipstick] == 1)).any()  # as sample_attributes draws them
    assert nuisance.shape == (20000, 17) and (nuisance[:, :4].abs() <= 1).all()
    assert set(nuisance[:, 16].unique().tolist()) == set(range(6))


def test_the_map_sees_z_as_the_mapping_does():
    z = torch.randn(64, 128)
    v1, n1 = params(z)
    v2, n2 = params(3.0 * z)  # StyleGAN2's mapping normalises z first: a scaled z is the same face
    assert torch.equal(v1, v2) and torch.allclose(n1, n2, atol=1e-5)


def test_mixed_codes_take_each_parameter_from_its_group():
    g = torch.Generator().manual_seed(1)
    z = {k: torch.randn(32, 128, generator=g) for k in ("coarse", "middle", "fine")}
    parts = {k: params(v) for k, v in z.items()}
    values, nuisance = mix_params(parts)
    for k, a in enumerate(ATTRIBUTES):
        assert torch.equal(values[:, k], parts[PARAMETER_GROUPS[a.name]][0][:, k])
    assert torch.equal(nuisance[:, :4], parts["coarse"][1][:, :4])
    assert torch.equal(nuisance[:, 4:], parts["fine"][1][:, 4:])
    faces = render_params(values, nuisance)
    assert faces.image.shape == (32, 3, 64, 64) and torch.equal(faces.attributes, values)


def test_codes_for_given_values():
    want = {"hair_color": attribute("hair_color").index("red"), "glasses": 2, "lipstick": 1}
    values, _ = params(values_to_z(want, 500, 128, torch.Generator().manual_seed(2)))
    for name, v in want.items():
        assert (values[:, ATTRIBUTES.index(attribute(name))] == v).all(), name
    free = values[:, ATTRIBUTES.index(attribute("pose"))]
    assert len(np.unique(free.numpy())) == 3  # what was not asked for stays free
