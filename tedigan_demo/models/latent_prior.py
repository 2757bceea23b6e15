"""clip2latent's prior (Pinkney & Li 2022): a diffusion model that samples a StyleGAN ``w`` given a CLIP text
embedding, so that text -> image is a few denoising steps and one render instead of an optimisation.

The layout and the sampling are those of the official release, clip2latent's ``LatentPrior`` over
dalle2-pytorch 0.2.38's ``DiffusionPriorNetwork`` (the version its requirements pin): its checkpoint loads strictly
(``loading.clip2latent``) and the same noise gives the same codes (tests/test_latent_prior.py checks this against
outputs of the official code). The network is a causal transformer over four tokens (the text embedding, the
timestep, the noisy ``w``, a learned query) with multi-query attention, a null key / value, rotary embeddings on the
first 32 features of each head and T5-style relative position buckets; it predicts ``w`` itself (``predict_x_start``).
Sampling skips timesteps by a factor as clip2latent does (respaced posterior means, the unrespaced posterior
log-variance) and guides by ``cond_scale`` (classifier-free: the text token masked out for the unconditional pass).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from .base import Pretrained

__all__ = ["LatentPriorConfig", "LatentPrior", "cosine_betas"]


@dataclass
class LatentPriorConfig:
    dim: int = 512  # w's size, also the transformer's width (the CLIP embedding must have it too)
    depth: int = 12
    heads: int = 12
    dim_head: int = 64
    ff_mult: int = 4
    num_timesteps: int = 1000
    beta_schedule: str = "cosine"
    image_embed_scale: float = 1.0  # the official names: "image" is the latent, "text" the CLIP embedding
    text_embed_scale: float = 1.0
    init_image_embed_l2norm: bool = False
    sampling_clamp_l2norm: bool = False
    cond_drop_prob: float = 0.2  # > 0: trained with the text dropped, so cond_scale != 1 may be used
    latent_repeats: list[int] = field(default_factory=lambda: [18])  # w -> W+ (18 copies for config-f 1024)
    znorm_latent: bool = True  # latent_mean / latent_std buffers (w was z-scored for training)
    znorm_embed: bool = False  # embed_mean / embed_std buffers (kept for loading; the official sampling ignores them)

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def __post_init__(self):
        if self.beta_schedule != "cosine":
            raise ValueError(f"beta schedule {self.beta_schedule!r}: only clip2latent's 'cosine' is supported")


def cosine_betas(timesteps: int, s: float = 0.008) -> torch.Tensor:
    """The cosine schedule (Nichol & Dhariwal 2021) in float64, clipped at 0.999, as dalle2-pytorch computes it."""
    x = torch.linspace(0, timesteps, timesteps + 1, dtype=torch.float64)
    alphas_cumprod = torch.cos(((x / timesteps) + s) / (1 + s) * torch.pi * 0.5) ** 2
    alphas_cumprod = alphas_cumprod / alphas_cumprod[0]
    return torch.clip(1 - (alphas_cumprod[1:] / alphas_cumprod[:-1]), 0, 0.999)


class _LayerNorm(nn.Module):
    """LayerNorm with a learned gain and a fixed zero bias (a buffer, as in the checkpoint)."""

    def __init__(self, dim: int):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(dim))
        self.register_buffer("beta", torch.zeros(dim))

    def forward(self, x):
        return F.layer_norm(x, x.shape[-1:], self.gamma, self.beta)


class _Rotary(nn.Module):
    """Rotary position embedding on the first ``2 * len(freqs)`` features, pairs of neighbours rotated together."""

    def __init__(self, dim: int, theta: float = 10000.0):
        super().__init__()
        self.register_buffer("freqs", 1.0 / (theta ** (torch.arange(0, dim, 2)[: dim // 2].float() / dim)))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        """``t [..., n, d]`` rotated by position along ``n``."""
        angles = torch.arange(t.shape[-2], device=t.device).to(self.freqs.dtype)[:, None] * self.freqs
        angles = angles.repeat_interleave(2, dim=-1).to(t)
        rot = angles.shape[-1]
        part = t[..., :rot]
        pairs = part.unflatten(-1, (-1, 2))
        turned = torch.stack((-pairs[..., 1], pairs[..., 0]), dim=-1).flatten(-2)
        return torch.cat((part * angles.cos() + turned * angles.sin(), t[..., rot:]), dim=-1)


class _RelPosBias(nn.Module):
    """T5's bucketed relative position bias, one value per head."""

    def __init__(self, heads: int, num_buckets: int = 32, max_distance: int = 128):
        super().__init__()
        self.num_buckets, self.max_distance = num_buckets, max_distance
        self.relative_attention_bias = nn.Embedding(num_buckets, heads)

    def forward(self, i: int, j: int, device) -> torch.Tensor:
        rel = torch.arange(j, device=device)[None, :] - torch.arange(i, device=device)[:, None]
        n = (-rel).clamp(min=0)
        exact = self.num_buckets // 2
        large = exact + (torch.log(n.clamp(min=1).float() / exact) / math.log(self.max_distance / exact)
                         * (self.num_buckets - exact)).long()
        bucket = torch.where(n < exact, n, large.clamp(max=self.num_buckets - 1))
        return self.relative_attention_bias(bucket).permute(2, 0, 1)  # [heads, i, j]


class _Attention(nn.Module):
    """Causal multi-query attention (one key / value head) with a learned null key / value first."""

    def __init__(self, dim: int, heads: int, dim_head: int, rotary: _Rotary):
        super().__init__()
        self.heads, self.scale = heads, dim_head**-0.5
        self.norm = _LayerNorm(dim)
        self.null_kv = nn.Parameter(torch.randn(2, dim_head))
        self.to_q = nn.Linear(dim, heads * dim_head, bias=False)
        self.to_kv = nn.Linear(dim, dim_head * 2, bias=False)
        self.rotary_emb = rotary
        self.to_out = nn.Sequential(nn.Linear(heads * dim_head, dim, bias=False), _LayerNorm(dim))

    def forward(self, x, keep: torch.Tensor, bias: torch.Tensor):
        """``x [B, n, dim]``; ``keep [B, n]``: the tokens that may be attended; ``bias [heads, n, n + 1]``."""
        b, n, _ = x.shape
        x = self.norm(x)
        q = self.to_q(x).unflatten(-1, (self.heads, -1)).transpose(1, 2) * self.scale  # [B, h, n, d]
        k, v = self.to_kv(x).chunk(2, dim=-1)
        q, k = self.rotary_emb(q), self.rotary_emb(k)
        null_k, null_v = (t.expand(b, 1, -1) for t in self.null_kv.unbind(0))
        k, v = torch.cat((null_k, k), 1), torch.cat((null_v, v), 1)
        sim = torch.einsum("bhid,bjd->bhij", q, k) + bias
        lowest = -torch.finfo(sim.dtype).max
        sim = sim.masked_fill(~F.pad(keep, (1, 0), value=True)[:, None, None, :], lowest)
        sim = sim.masked_fill(torch.ones(n, n + 1, dtype=torch.bool, device=x.device).triu(2), lowest)
        attn = (sim - sim.amax(dim=-1, keepdim=True)).softmax(dim=-1)
        out = torch.einsum("bhij,bjd->bhid", attn, v).transpose(1, 2).flatten(2)
        return self.to_out(out)


class _SwiGLU(nn.Module):
    def forward(self, x):
        x, gate = x.chunk(2, dim=-1)
        return x * F.silu(gate)


def _feed_forward(dim: int, mult: int) -> nn.Sequential:
    """Pre-norm SwiGLU feed-forward; the two identities stand where the official stack has its post-activation norm
    (off) and dropout, so the weights keep their official indices (0, 1, 5)."""
    inner = mult * dim
    return nn.Sequential(_LayerNorm(dim), nn.Linear(dim, inner * 2, bias=False), _SwiGLU(), nn.Identity(),
                         nn.Identity(), nn.Linear(inner, dim, bias=False))


class _CausalTransformer(nn.Module):
    def __init__(self, cfg: LatentPriorConfig):
        super().__init__()
        self.rel_pos_bias = _RelPosBias(cfg.heads)
        rotary = _Rotary(min(32, cfg.dim_head))  # one module shared by every layer, as in the official network
        self.layers = nn.ModuleList(
            nn.ModuleList([_Attention(cfg.dim, cfg.heads, cfg.dim_head, rotary), _feed_forward(cfg.dim, cfg.ff_mult)])
            for _ in range(cfg.depth))
        self.norm = _LayerNorm(cfg.dim)
        self.project_out = nn.Linear(cfg.dim, cfg.dim, bias=False)

    def forward(self, x, keep):
        bias = self.rel_pos_bias(x.shape[1], x.shape[1] + 1, x.device)
        for attn, ff in self.layers:
            x = attn(x, keep, bias) + x
            x = ff(x) + x
        return self.project_out(self.norm(x))


class _PriorNetwork(nn.Module):
    """Tokens [text embedding, timestep, noisy latent, learned query] -> the denoised latent (the query's output)."""

    def __init__(self, cfg: LatentPriorConfig):
        super().__init__()
        self.learned_query = nn.Parameter(torch.randn(cfg.dim))
        self.to_time_embeds = nn.Sequential(nn.Embedding(cfg.num_timesteps, cfg.dim))
        self.causal_transformer = _CausalTransformer(cfg)

    def forward(self, latent, t, text_embed, with_text: bool = True):
        b = latent.shape[0]
        tokens = torch.stack((text_embed, self.to_time_embeds(t), latent, self.learned_query.expand(b, -1)), 1)
        keep = torch.ones(b, tokens.shape[1], dtype=torch.bool, device=latent.device)
        keep[:, 0] = with_text  # classifier-free guidance: the unconditional pass cannot see the text token
        return self.causal_transformer(tokens, keep)[:, -1]

    def guided(self, latent, t, text_embed, cond_scale: float):
        out = self.forward(latent, t, text_embed)
        if cond_scale == 1:
            return out
        null = self.forward(latent, t, text_embed, with_text=False)
        return null + (out - null) * cond_scale


class LatentPrior(Pretrained, nn.Module):
    """``sample(text_embed)``: W+ codes ``[N, sum(latent_repeats), dim]`` for CLIP text embeddings ``[N, dim]``."""

    model_type = "Clip2LatentPrior"
    config_class = LatentPriorConfig

    def __init__(self, config: LatentPriorConfig | None = None, **kwargs):
        super().__init__()
        self.config = cfg = config or LatentPriorConfig(**kwargs)
        self.net = _PriorNetwork(cfg)
        betas = cosine_betas(cfg.num_timesteps)
        alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)
        alphas_cumprod_prev = F.pad(alphas_cumprod[:-1], (1, 0), value=1.0)
        posterior_variance = betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)
        # the official diffusion's buffers, float32 as it keeps them (the checkpoint holds them too)
        for name, value in (
            ("betas", betas), ("alphas_cumprod", alphas_cumprod), ("alphas_cumprod_prev", alphas_cumprod_prev),
            ("sqrt_alphas_cumprod", alphas_cumprod.sqrt()),
            ("sqrt_one_minus_alphas_cumprod", (1 - alphas_cumprod).sqrt()),
            ("log_one_minus_alphas_cumprod", torch.log(1 - alphas_cumprod)),
            ("sqrt_recip_alphas_cumprod", torch.sqrt(1 / alphas_cumprod)),
            ("sqrt_recipm1_alphas_cumprod", torch.sqrt(1 / alphas_cumprod - 1)),
            ("posterior_variance", posterior_variance),
            ("posterior_log_variance_clipped", torch.log(posterior_variance.clamp(min=1e-20))),
            ("posterior_mean_coef1", betas * alphas_cumprod_prev.sqrt() / (1 - alphas_cumprod)),
            ("posterior_mean_coef2", (1 - alphas_cumprod_prev) * (1 - betas).sqrt() / (1 - alphas_cumprod)),
        ):
            self.register_buffer(name, value.to(torch.float32))
        if cfg.znorm_latent:
            self.register_buffer("latent_mean", torch.zeros(cfg.dim))
            self.register_buffer("latent_std", torch.ones(cfg.dim))
        if cfg.znorm_embed:
            self.register_buffer("embed_mean", torch.zeros(cfg.dim))
            self.register_buffer("embed_std", torch.ones(cfg.dim))

    @property
    def device(self) -> torch.device:
        return self.betas.device

    def _respaced(self, skip: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The posterior mean coefficients ``[T]`` after skipping timesteps by ``skip`` (clip2latent's
        ``set_timestep_skip``): entries at multiples of ``skip`` respaced, the others unused."""
        kept = self.alphas_cumprod[::skip]
        betas = 1 - kept / torch.cat((kept.new_ones(1), kept[:-1]))
        alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)
        prev = F.pad(alphas_cumprod[:-1], (1, 0), value=1.0)
        coef1, coef2 = self.posterior_mean_coef1.clone(), self.posterior_mean_coef2.clone()
        coef1[::skip] = betas * torch.sqrt(prev) / (1.0 - alphas_cumprod)
        coef2[::skip] = (1.0 - prev) * torch.sqrt(1.0 - betas) / (1.0 - alphas_cumprod)
        return coef1, coef2

    @torch.inference_mode()
    def sample(self, text_embed: torch.Tensor, skip: int = 100, cond_scale: float = 1.0, truncation: float = 1.0,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """``T / skip`` denoising steps from noise drawn with ``generator`` (on the CPU, as the official global
        draws are), conditioned on ``text_embed [N, dim]`` (CLIP's text features, unnormalised); returns W+
        codes. ``truncation`` pulls toward the latents' mean."""
        cfg = self.config
        if cfg.num_timesteps % skip:
            raise ValueError(f"{cfg.num_timesteps} timesteps do not divide into steps of {skip}")
        if cond_scale != 1 and cfg.cond_drop_prob <= 0:
            raise ValueError("this prior was trained without dropping the text: cond_scale must be 1")
        device, n = self.device, text_embed.shape[0]
        text_embed = text_embed.to(device, torch.float32) * cfg.text_embed_scale

        def noise():
            return torch.randn(n, cfg.dim, generator=generator).to(device)

        x = noise()
        if cfg.init_image_embed_l2norm:
            x = F.normalize(x, dim=-1) * cfg.image_embed_scale
        coef1, coef2 = self._respaced(skip)
        for i in reversed(range(0, cfg.num_timesteps, skip)):
            t = torch.full((n,), i, device=device, dtype=torch.long)
            x0 = self.net.guided(x, t, text_embed, cond_scale)
            if cfg.sampling_clamp_l2norm:
                x0 = F.normalize(x0, dim=-1) * cfg.image_embed_scale
            mean = coef1[i] * x0 + coef2[i] * x
            x = mean + float(i > 0) * (0.5 * self.posterior_log_variance_clipped[i]).exp() * noise()
        w = x / cfg.image_embed_scale
        if cfg.znorm_latent:
            w = w * self.latent_std + self.latent_mean
        if truncation < 1.0:
            if not cfg.znorm_latent:
                raise ValueError("truncation needs the latents' mean, which this prior does not have")
            w = self.latent_mean + truncation * (w - self.latent_mean)
        return w[:, None].expand(-1, sum(cfg.latent_repeats), -1).contiguous()
