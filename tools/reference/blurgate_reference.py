"""The reference arithmetic of docs/reference-arithmetic.md §1, in PyTorch: the single source that every fixture
script (core goldens, ONNX test models, checkpoint parity) and the training recipe import, so the
Python side of every parity test is the same code.

Written from the reference arithmetic (docs/reference-arithmetic.md): FreqAux channel, the 4-channel MobileNetV3 with a 2-logit head,
Pillow bilinear "squash" resize, ImageNet normalisation, TTA softmax averaging and routing.
Needs Debian's python3-torch (1.13), python3-torchvision (0.14) and python3-pil.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, List, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models as tvm
from PIL import Image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
LUMA = (0.2989, 0.5870, 0.1140)
DEFAULT_SCALES = (256, 320, 384, 448, 512)


class FreqAux(nn.Module):
    """Appends the per-image standardised Laplacian magnitude of the luma as a 4th channel.

    Buffer names (kernel, mean, std, rgb2gray) match the reference checkpoint's `freq_aux.*` keys.
    """

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("kernel", torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]).view(1, 1, 3, 3))
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        self.register_buffer("rgb2gray", torch.tensor(LUMA).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rgb = x * self.std + self.mean
        luma = (rgb * self.rgb2gray).sum(dim=1, keepdim=True)
        magnitude = F.conv2d(luma, self.kernel, padding=1).abs()
        n = magnitude.shape[0]
        flat = magnitude.reshape(n, -1)
        mu = flat.mean(dim=1).view(n, 1, 1, 1)
        sigma = flat.std(dim=1, unbiased=True).view(n, 1, 1, 1).clamp(min=1e-6)
        return torch.cat([x, (magnitude - mu) / sigma], dim=1)


def build_backbone(arch: str = "mobilenet_v3_large", in_channels: int = 4, width_mult: float = 1.0) -> nn.Module:
    """torchvision MobileNetV3 with a `in_channels`-channel stem and a 2-logit head."""
    if arch == "mobilenet_v3_large":
        model = tvm.mobilenet_v3_large(weights=None, width_mult=width_mult)
    elif arch == "mobilenet_v3_small":
        model = tvm.mobilenet_v3_small(weights=None, width_mult=width_mult)
    else:
        raise ValueError(f"unknown architecture {arch!r}")
    stem = model.features[0][0]
    if in_channels != stem.in_channels:
        model.features[0][0] = nn.Conv2d(in_channels, stem.out_channels, 3, stride=2, padding=1, bias=False)
    model.classifier[-1] = nn.Linear(model.classifier[-1].in_features, 2)
    return model


class FreqAuxModel(nn.Module):
    """The reference model: 3-channel normalised RGB in, FreqAux inside, 2 logits out."""

    def __init__(self, backbone: nn.Module) -> None:
        super().__init__()
        self.freq_aux = FreqAux()
        self.backbone = backbone

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone(self.freq_aux(x))


def load_rgb(path: str) -> Image.Image:
    """Decode the way the reference does: Pillow, convert("RGB"), no EXIF orientation."""
    return Image.open(path).convert("RGB")


def normalised_tensor(image: Image.Image, size: int) -> torch.Tensor:
    """Squash-resize to size x size with Pillow bilinear, /255, ImageNet normalisation: (1, 3, s, s)."""
    resized = image.resize((size, size), Image.BILINEAR)
    x = torch.from_numpy(np.asarray(resized, dtype=np.float32).copy()).permute(2, 0, 1) / 255.0
    mean = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(3, 1, 1)
    return ((x - mean) / std).unsqueeze(0)


@dataclass
class ReferencePrediction:
    label: str
    confidence: float
    prob_sharp: float
    prob_blurred: float
    per_scale: List[List[float]] = field(default_factory=list)


@torch.no_grad()
def predict(
    model: nn.Module,
    image: Image.Image,
    scales: Sequence[int] = DEFAULT_SCALES,
    confidence_threshold: float = 0.60,
    blur_threshold: float = 0.50,
) -> ReferencePrediction:
    """TTA: softmax per scale, mean of the probability vectors, then routing (docs/reference-arithmetic.md §1.5-1.6)."""
    model.eval()
    per_scale = []
    for s in scales:
        probs = torch.softmax(model(normalised_tensor(image, s)), dim=1)[0]
        per_scale.append([float(probs[0]), float(probs[1])])
    mean = torch.tensor(per_scale).mean(dim=0)
    p_sharp, p_blurred = float(mean[0]), float(mean[1])
    confidence = max(p_sharp, p_blurred)
    if confidence < confidence_threshold:
        label = "uncertain"
    elif p_blurred >= blur_threshold:
        label = "blurred"
    else:
        label = "sharp"
    return ReferencePrediction(label, confidence, p_sharp, p_blurred, per_scale)


def scales_arg(values: Iterable[str]) -> List[int]:
    return [int(v) for v in values]
