"""Rebuild the PyTorch weights of a blurgate model from its model.onnx (the reverse of `blurgate-eval convert`).

The shipped models carry only model.onnx, and `blurgate-eval convert` folds every BatchNorm into the
convolution before it (W' = W·γ/σ, b' = β − μ·γ/σ). The folded graph is still exactly a reference model
(tools/reference/blurgate_reference.py) whose BatchNorms are the identity plus a bias:

- each Conv+BN: conv.weight = W'; BN weight 1, bias b', running_mean 0, running_var 1 − eps, so that
  eval-mode BN computes (x − 0) / sqrt(1 − eps + eps) · 1 + b' = x + b' exactly;
- squeeze-excite fc1/fc2 (Conv with bias) and the classifier (Gemm, transB=1) are copied as they are;
- the architecture (Large/Small), width multiplier and input channels are read from the weight shapes.

So every shipped model can rebuild the PyTorch weights it was converted from, up to BatchNorm's split
into statistics and affine (which only matters for training: see `reparameterize_batchnorm` below,
used by finetune.py and train.py --init-onnx). Converting the rebuilt state dict again gives the same ONNX weights (scale 1/sqrt(1) = 1).

    /usr/bin/python3 tools/train/onnx_to_torch.py models/blurgate-synth/1.0.0/model.onnx --out base.pt

There is no onnx Python package on Debian's torch stack here, so the ONNX protobuf is parsed below
(ModelProto → graph → nodes, initializers, input): only the fields the converter writes are read.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import sys
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Tuple

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from blurgate_reference import FreqAuxModel, build_backbone  # noqa: E402

BN_EPS = 0.001  # torchvision MobileNetV3's BatchNorm eps, the one the converter folds with


# ---------------------------------------------------------------------------------------------- protobuf
def _varint(buf: bytes, pos: int) -> Tuple[int, int]:
    result, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _fields(buf: bytes) -> Iterator[Tuple[int, int, object]]:
    """(field number, wire type, value): varint → int, 64/32-bit → raw bytes, length-delimited → bytes."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == 2:
            n, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + n], pos + n
        elif wire == 5:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield number, wire, value


def _ints(wire: int, value: object) -> List[int]:
    """A repeated int64 field, packed (length-delimited) or not."""
    if wire == 0:
        return [_signed(value)]  # type: ignore[arg-type]
    out, pos, buf = [], 0, value
    while pos < len(buf):  # type: ignore[arg-type]
        v, pos = _varint(buf, pos)  # type: ignore[arg-type]
        out.append(_signed(v))
    return out


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


@dataclass
class OnnxNode:
    op_type: str
    inputs: List[str]
    outputs: List[str]
    attributes: Dict[str, object] = field(default_factory=dict)


@dataclass
class OnnxModel:
    nodes: List[OnnxNode]
    initializers: Dict[str, np.ndarray]
    input_shape: List[object]


FLOAT, INT64 = 1, 7


def _tensor(buf: bytes) -> Tuple[str, np.ndarray]:
    dims: List[int] = []
    dtype, name, raw, floats = FLOAT, "", None, []
    for number, wire, value in _fields(buf):
        if number == 1:
            dims += _ints(wire, value)
        elif number == 2:
            dtype = value  # type: ignore[assignment]
        elif number == 4:
            floats += list(struct.unpack(f"<{len(value) // 4}f", value)) if wire == 2 else [struct.unpack("<f", value)[0]]  # type: ignore[arg-type]
        elif number == 8:
            name = value.decode()  # type: ignore[union-attr]
        elif number == 9:
            raw = value
    if dtype == FLOAT:
        array = np.frombuffer(raw, dtype="<f4").copy() if raw is not None else np.array(floats, dtype=np.float32)
    elif dtype == INT64:
        array = np.frombuffer(raw or b"", dtype="<i8").copy()
    else:
        raise ValueError(f"initializer {name}: unsupported ONNX data type {dtype}")
    return name, array.reshape(dims)


def _attribute(buf: bytes) -> Tuple[str, object]:
    name, value_out, ints = "", None, []
    for number, wire, value in _fields(buf):
        if number == 1:
            name = value.decode()  # type: ignore[union-attr]
        elif number == 2:
            value_out = struct.unpack("<f", value)[0]  # type: ignore[arg-type]
        elif number == 3:
            value_out = _signed(value)  # type: ignore[arg-type]
        elif number == 8:
            ints += _ints(wire, value)
    return name, ints if ints else value_out


def _node(buf: bytes) -> OnnxNode:
    node = OnnxNode("", [], [])
    for number, _, value in _fields(buf):
        if number == 1:
            node.inputs.append(value.decode())  # type: ignore[union-attr]
        elif number == 2:
            node.outputs.append(value.decode())  # type: ignore[union-attr]
        elif number == 4:
            node.op_type = value.decode()  # type: ignore[union-attr]
        elif number == 5:
            k, v = _attribute(value)  # type: ignore[arg-type]
            node.attributes[k] = v
    return node


def _input_shape(buf: bytes) -> List[object]:
    """ValueInfoProto → TypeProto.tensor_type.shape.dim[*] (dim_value, or dim_param as a string)."""
    dims: List[object] = []
    for number, _, value in _fields(buf):
        if number != 2:
            continue
        for n2, _, tensor_type in _fields(value):  # type: ignore[arg-type]
            if n2 != 1:
                continue
            for n3, _, shape in _fields(tensor_type):  # type: ignore[arg-type]
                if n3 != 2:
                    continue
                for n4, _, dim in _fields(shape):  # type: ignore[arg-type]
                    if n4 != 1:
                        continue
                    d: object = None
                    for n5, _, v in _fields(dim):  # type: ignore[arg-type]
                        d = v if n5 == 1 else v.decode()  # type: ignore[union-attr]
                    dims.append(d)
    return dims


def read_onnx(path: str) -> OnnxModel:
    with open(path, "rb") as f:
        buf = f.read()
    graph = next((v for n, _, v in _fields(buf) if n == 7), None)
    if graph is None:
        raise ValueError(f"{path}: not an ONNX model (no graph)")
    nodes, inits, input_shape = [], {}, []
    initializer_names = set()
    inputs = []
    for number, _, value in _fields(graph):  # type: ignore[arg-type]
        if number == 1:
            nodes.append(_node(value))  # type: ignore[arg-type]
        elif number == 5:
            name, array = _tensor(value)  # type: ignore[arg-type]
            inits[name] = array
            initializer_names.add(name)
        elif number == 11:
            inputs.append(value)
    for value in inputs:
        name = next((v.decode() for n, _, v in _fields(value) if n == 1), "")  # type: ignore[union-attr,arg-type]
        if name not in initializer_names:
            input_shape = _input_shape(value)  # type: ignore[arg-type]
            break
    return OnnxModel(nodes, inits, input_shape)


# ---------------------------------------------------------------------------------------------- torch
def conv_and_linear_layers(model: FreqAuxModel) -> Tuple[List[Tuple[nn.Conv2d, nn.BatchNorm2d | None]], List[nn.Linear]]:
    """The backbone's convolutions in graph order, each with the BatchNorm that follows it (None for
    squeeze-excite's biased 1×1 convs), and the classifier's Linear layers."""
    convs: List[Tuple[nn.Conv2d, nn.BatchNorm2d | None]] = []
    modules = list(model.backbone.features.modules())
    for i, m in enumerate(modules):
        if isinstance(m, nn.Conv2d):
            nxt = modules[i + 1] if i + 1 < len(modules) else None
            convs.append((m, nxt if isinstance(nxt, nn.BatchNorm2d) else None))
    linears = [m for m in model.backbone.classifier.modules() if isinstance(m, nn.Linear)]
    return convs, linears


def shapes_of(model: FreqAuxModel) -> List[Tuple[int, ...]]:
    convs, linears = conv_and_linear_layers(model)
    return [tuple(c.weight.shape) for c, _ in convs] + [tuple(l.weight.shape) for l in linears]


WIDTHS = [round(0.05 * i, 2) for i in range(2, 41)]  # 0.10 … 2.00


def infer_architecture(shapes: List[Tuple[int, ...]], in_channels: int) -> Tuple[str, float]:
    """(arch, width_mult) whose torchvision MobileNetV3 has exactly these conv + linear weight shapes."""
    for arch in ("mobilenet_v3_small", "mobilenet_v3_large"):
        for width in [1.0] + WIDTHS:
            candidate = FreqAuxModel(build_backbone(arch, in_channels=4, width_mult=width))
            if shapes_of(candidate) == shapes:
                return arch, width
    raise ValueError(f"no torchvision MobileNetV3-Small/Large with width 0.10-2.00 has these {len(shapes)} weight shapes "
                     f"(first {shapes[:2]}, last {shapes[-1:]})")


def model_from_onnx(path: str) -> Tuple[FreqAuxModel, dict]:
    """The reference FreqAuxModel (eval mode) whose forward equals the ONNX model's, and what was inferred."""
    onnx = read_onnx(path)
    channels = onnx.input_shape[1] if len(onnx.input_shape) == 4 else None
    convs, gemms = [], []
    for node in onnx.nodes:
        if node.op_type == "Conv":
            w = onnx.initializers[node.inputs[1]]
            if channels == 3 and not convs and tuple(w.shape) == (1, 1, 3, 3):
                continue  # the in-graph FreqAux Laplacian (--freq-aux-in-graph); the model rebuilds it
            b = onnx.initializers[node.inputs[2]] if len(node.inputs) > 2 else None
            convs.append((w, b, node.attributes))
        elif node.op_type == "Gemm":
            if node.attributes.get("transB") != 1:
                raise ValueError(f"{path}: Gemm without transB=1 is not a blurgate classifier layer")
            gemms.append((onnx.initializers[node.inputs[1]], onnx.initializers[node.inputs[2]]))
    shapes = [tuple(w.shape) for w, _, _ in convs] + [tuple(w.shape) for w, _ in gemms]
    arch, width = infer_architecture(shapes, 4)
    model = FreqAuxModel(build_backbone(arch, in_channels=4, width_mult=width))
    layer_convs, linears = conv_and_linear_layers(model)
    with torch.no_grad():
        for (conv, bn), (w, b, _) in zip(layer_convs, convs):
            conv.weight.copy_(torch.from_numpy(w))
            bias = torch.from_numpy(b) if b is not None else torch.zeros(w.shape[0])
            if bn is None:
                conv.bias.copy_(bias)
            else:
                bn.weight.fill_(1.0)
                bn.bias.copy_(bias)
                bn.running_mean.zero_()
                bn.running_var.fill_(1.0 - bn.eps)
        for linear, (w, b) in zip(linears, gemms):
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
    model.eval()
    info = {"architecture": arch, "widthMult": width, "onnxInputChannels": channels, "convs": len(convs), "linears": len(gemms)}
    return model, info


def batchnorms(model: torch.nn.Module) -> List[torch.nn.BatchNorm2d]:
    return [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]


@torch.no_grad()
def reparameterize_batchnorm(model: FreqAuxModel, batches: List[torch.Tensor]) -> None:
    """Sets every BatchNorm's running statistics to the mean / variance of its input on `batches` and adapts
    weight and bias so that the eval-mode model computes exactly what it did before:
    (x − μ')/σ'·γ' + β' = (x − μ)/σ·γ + β with γ' = γ·σ'/σ, β' = β + γ·(μ' − μ)/σ.
    Needed before training BatchNorm of a model rebuilt from ONNX (statistics 0 / 1, folded into the convs):
    train-mode BatchNorm normalises with batch statistics, which would otherwise change the model entirely."""
    sums: Dict[torch.nn.BatchNorm2d, List[torch.Tensor]] = {}
    hooks = []
    for bn in batchnorms(model):
        def hook(module, inputs, bn=bn):  # noqa: ANN001
            x = inputs[0].double()
            acc = sums.setdefault(bn, [torch.zeros(x.shape[1], dtype=torch.float64), torch.zeros(x.shape[1], dtype=torch.float64), 0])
            acc[0] += x.sum(dim=(0, 2, 3))
            acc[1] += (x * x).sum(dim=(0, 2, 3))
            acc[2] += x.shape[0] * x.shape[2] * x.shape[3]
        hooks.append(bn.register_forward_pre_hook(hook))
    model.eval()
    for xb in batches:
        model(xb)
    for h in hooks:
        h.remove()
    for bn, (s, ss, n) in sums.items():
        mu = s / n
        var = (ss / n - mu * mu).clamp(min=0)
        old_sigma = (bn.running_var.double() + bn.eps).sqrt()
        new_sigma = (var + bn.eps).sqrt()
        gamma = bn.weight.double()
        bn.bias.copy_((bn.bias.double() + gamma * (mu - bn.running_mean.double()) / old_sigma).float())
        bn.weight.copy_((gamma * new_sigma / old_sigma).float())
        bn.running_mean.copy_(mu.float())
        bn.running_var.copy_(var.float())



def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("onnx", help="model.onnx written by blurgate-eval convert")
    ap.add_argument("--out", required=True, help="where to torch.save the state dict (reference key layout)")
    ap.add_argument("--dump", help="images (comma-separated): also write the backbone inputs (<out>.input4.f32, raw little-endian "
                    "float32, N×4×size×size; <out>.input3.f32: the normalised RGB, N×3×size×size) and the rebuilt model's logits (<out>.parity.json) for a parity check")
    ap.add_argument("--size", type=int, default=384)
    args = ap.parse_args()
    model, info = model_from_onnx(args.onnx)
    torch.save(model.state_dict(), args.out)
    print(f"rebuilt {info['architecture']} width {info['widthMult']} ({info['convs']} convs, {info['linears']} linear) → {args.out}")
    if args.dump:
        from blurgate_reference import load_rgb, normalised_tensor

        xs = torch.cat([normalised_tensor(load_rgb(p), args.size) for p in args.dump.split(",")])
        with torch.no_grad():
            four = model.freq_aux(xs)
            logits = model.backbone(four)
        four.numpy().astype("<f4").tofile(args.out + ".input4.f32")
        xs.numpy().astype("<f4").tofile(args.out + ".input3.f32")
        with open(args.out + ".parity.json", "w") as f:
            json.dump({"dims": list(four.shape), "logits": logits.numpy().tolist(), "info": info}, f)


if __name__ == "__main__":
    main()
