"""Start a training run from a shipped blurgate model (`models/<name>/<version>/model.onnx`), not from scratch.

The ONNX that `blurgate-eval convert` writes has every BatchNorm folded into its convolution, and its
initializers are named after the checkpoint keys (`features_1_block_0_w_12` = folded `features.1.block.0`),
see packages/eval/src/checkpoint/mobilenet-v3-graph.ts. This module inverts that:

1. each folded convolution becomes the conv weight, with its BatchNorm set to the identity plus the folded
   bias (running mean 0, running var 1 - eps, gamma 1, beta = bias): the eval-mode model then computes
   exactly the ONNX model's function;
2. the pre-BatchNorm activations of every convolution are measured (eval mode, forward hooks) on training
   images, and each BatchNorm is re-expressed with those statistics (running mean/var = measured, gamma =
   sqrt(var + eps), beta = mean + bias): still the same function in eval mode, and now also in train mode,
   where BatchNorm normalises with batch statistics instead of running ones.

So the first training step starts from the shipped model's decisions. `check()` compares the rebuilt model
with ONNX on given inputs (needs onnxruntime only if installed; else it is skipped).
Needs Debian's python3-onnx.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, List

import numpy as np
import torch
from torch import nn


def read_initializers(path: str) -> Dict[str, np.ndarray]:
    import onnx
    from onnx import numpy_helper

    model = onnx.load(path)
    out: Dict[str, np.ndarray] = {}
    for init in model.graph.initializer:
        hint = re.sub(r"_\d+$", "", init.name)
        if hint in out:
            raise ValueError(f"{path}: two initializers for {hint}")
        out[hint] = numpy_helper.to_array(init)
    return out


@torch.no_grad()
def load_folded(model: nn.Module, path: str, calibrate: Callable[[nn.Module], None]) -> List[str]:
    """Loads the folded ONNX weights into `model` (a FreqAuxModel); `calibrate(model)` must run training
    images through the model (any number of batches). Returns the ONNX tensor names that were used."""
    inits = read_initializers(path)
    sd = model.state_dict()
    modules = dict(model.named_modules())
    used: List[str] = []
    convs: Dict[str, tuple] = {}
    for hint, value in inits.items():
        if not (hint.endswith("_w") or hint.endswith("_b")):
            continue  # shapes, axes
        base, kind = hint[:-2], hint[-1]
        dotted = base.replace("_", ".")
        tensor = torch.from_numpy(value.copy())
        direct = f"backbone.{dotted}.{'weight' if kind == 'w' else 'bias'}"
        if direct in sd and sd[direct].shape == tensor.shape:
            sd[direct].copy_(tensor)
            used.append(hint)
            continue
        conv_key, bn = f"backbone.{dotted}.0.weight", f"backbone.{dotted}.1"
        if conv_key not in sd:
            raise KeyError(f"{path}: no checkpoint key for ONNX tensor {hint}")
        if kind == "w":
            if sd[conv_key].shape != tensor.shape:
                raise ValueError(f"{hint}: shape {tuple(tensor.shape)} != {tuple(sd[conv_key].shape)}")
            sd[conv_key].copy_(tensor)
        else:
            convs[f"backbone.{dotted}"] = (tensor, bn)
        used.append(hint)
    model.load_state_dict(sd)
    # Step 1: BatchNorm = identity + folded bias.
    for name, (bias, bn_name) in convs.items():
        bn = modules[bn_name]
        bn.running_mean.zero_()
        bn.running_var.fill_(1.0 - bn.eps)
        bn.weight.fill_(1.0)
        bn.bias.copy_(bias)
    # Step 2: measure the pre-BatchNorm activations and re-express each BatchNorm with them.
    sums: Dict[str, list] = {}
    hooks = []
    for name in convs:
        conv = modules[f"{name}.0"]

        def hook(_m, _i, out, key=name):
            x = out.detach().double()
            s = sums.setdefault(key, [0.0, 0.0, 0])
            s[0] = s[0] + x.sum(dim=(0, 2, 3))
            s[1] = s[1] + (x * x).sum(dim=(0, 2, 3))
            s[2] += x.shape[0] * x.shape[2] * x.shape[3]

        hooks.append(conv.register_forward_hook(hook))
    model.eval()
    calibrate(model)
    for h in hooks:
        h.remove()
    for name, (bias, bn_name) in convs.items():
        s1, s2, n = sums[name]
        mean = s1 / n
        var = (s2 / n - mean * mean).clamp_min(0)
        bn = modules[bn_name]
        bn.running_mean.copy_(mean.float())
        bn.running_var.copy_(var.float())
        bn.weight.copy_(torch.sqrt(var + bn.eps).float())
        bn.bias.copy_((mean + bias.double()).float())
    return used


def check(model: nn.Module, path: str, x: torch.Tensor) -> float | None:
    """Largest |logit difference| between the eval-mode torch model and the ONNX model on `x` (4-channel input
    to the backbone is computed by the model's FreqAux; the ONNX model takes FreqAux's output)."""
    try:
        import onnxruntime as ort  # noqa: F401
    except ImportError:
        return None
    import onnxruntime as ort

    model.eval()
    with torch.no_grad():
        four = model.freq_aux(x)
        ours = model.backbone(four).numpy()
    sess = ort.InferenceSession(path)
    theirs = sess.run(None, {sess.get_inputs()[0].name: four.numpy()})[0]
    return float(np.abs(ours - theirs).max())
