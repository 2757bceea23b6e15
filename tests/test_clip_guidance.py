"""CLIP guidance through the real loader, on a tiny random CLIPModel saved locally (no network)."""

import pytest
import torch

from tedigan_demo.loading import LoadError, load_clip
from tedigan_demo.method.guidance import official_clip_resize


def test_clip_guidance_loads_scores_and_differentiates(tiny_clip_dir):
    guidance = load_clip(tiny_clip_dir)
    text = guidance.embed_text(["she is smiling.", "he has a beard."])
    assert text.shape == (2, 16) and torch.allclose(text.norm(dim=-1), torch.ones(2), atol=1e-5)
    images = (torch.rand(3, 3, 64, 64) * 2 - 1).requires_grad_(True)
    sims = guidance.similarity(images, text)
    assert sims.shape == (3, 2) and (sims.abs() <= 1 + 1e-5).all()
    loss = guidance.loss(images, text[0])
    loss.sum().backward()
    assert loss.shape == (3,) and images.grad.abs().sum() > 0


def test_official_resize_is_nearest_up_then_average_pool():
    x = torch.randn(1, 2, 64, 64)
    literal = torch.nn.functional.avg_pool2d(torch.nn.functional.interpolate(x, scale_factor=112, mode="nearest"), 32)
    torch.testing.assert_close(official_clip_resize(x), literal, atol=1e-4, rtol=1e-4)


def test_clip_offline_and_missing(tmp_path, monkeypatch):
    with pytest.raises(LoadError, match="cannot load CLIP"):
        load_clip(tmp_path)  # an empty folder
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    with pytest.raises(LoadError, match="cannot load CLIP from openai/clip-vit-base-patch32"):
        load_clip("openai/clip-vit-base-patch32")
