"""Mild photometric augmentation so that image models also read slightly blurry or noisy generated faces."""

import torch
import torch.nn.functional as F


def degrade(images: torch.Tensor, generator: torch.Generator | None = None, p: float = 0.5) -> torch.Tensor:
    """Blur (Gaussian, sigma up to 1 px) and add noise (std up to 0.04) to a random fraction ``p`` of the batch."""
    n, c = images.shape[:2]
    sigma = (torch.rand(n, generator=generator) * 1.0).clamp(min=1e-3)
    apply = torch.rand(n, generator=generator) < p
    x = torch.arange(-2, 3, dtype=torch.float32)
    k1 = torch.exp(-(x[None] ** 2) / (2 * sigma[:, None] ** 2))
    k1 = (k1 / k1.sum(1, keepdim=True)).repeat_interleave(c, 0)  # [N*C, 5]: one separable kernel per sample
    flat = F.pad(images.reshape(1, n * c, *images.shape[2:]), [2, 2, 2, 2], mode="replicate")
    blurred = F.conv2d(F.conv2d(flat, k1.view(n * c, 1, 1, 5), groups=n * c), k1.view(n * c, 1, 5, 1),
                       groups=n * c).view_as(images)
    noise = torch.randn(images.shape, generator=generator) * (torch.rand(n, 1, 1, 1, generator=generator) * 0.04)
    return torch.where(apply.view(n, 1, 1, 1), (blurred + noise).clamp(-1, 1), images)
