#!/usr/bin/python3
"""Writes ce_variants.safetensors: PyTorch's values and gradients for the
cross-entropy options ops.safetensors does not cover (sum and none
reductions, label smoothing, ignore index, their combinations) and for
softmax. Run once with PyTorch (Debian: /usr/bin/python3); the tests read
the file and never need PyTorch.

Each case <name> stores logits <name>/x [N, C], integer targets
<name>/t [N], the upstream gradient <name>/gy (shape of the loss), the
loss <name>/y and d(sum(y*gy))/dx as <name>/gx; the metadata entry <name>
is JSON with reduction, label_smoothing and ignore_index (or null).
"""
import json
import struct

import torch

torch.manual_seed(7)
cases = {
    "sum": dict(reduction="sum", label_smoothing=0.0, ignore_index=None),
    "none": dict(reduction="none", label_smoothing=0.0, ignore_index=None),
    "mean_smooth": dict(reduction="mean", label_smoothing=0.1, ignore_index=None),
    "sum_smooth": dict(reduction="sum", label_smoothing=0.25, ignore_index=None),
    "none_smooth": dict(reduction="none", label_smoothing=0.1, ignore_index=None),
    "mean_ignore": dict(reduction="mean", label_smoothing=0.0, ignore_index=2),
    "none_ignore": dict(reduction="none", label_smoothing=0.0, ignore_index=2),
    "mean_smooth_ignore": dict(reduction="mean", label_smoothing=0.2, ignore_index=2),
    "sum_smooth_ignore_large": dict(reduction="sum", label_smoothing=0.1, ignore_index=0, scale=1e8),
}
tensors, meta = {}, {}
for name, c in cases.items():
    n, k = 7, 5
    x = (torch.randn(n, k, dtype=torch.float64) * c.get("scale", 3.0)).requires_grad_()
    t = torch.tensor([2, 0, 4, 2, 1, 3, 0])
    ii = c["ignore_index"]
    y = torch.nn.functional.cross_entropy(x, t, reduction=c["reduction"], label_smoothing=c["label_smoothing"],
                                          ignore_index=-100 if ii is None else ii)
    gy = torch.randn(y.shape, dtype=torch.float64)
    (y * gy).sum().backward()
    tensors.update({name + "/x": x.detach().float(), name + "/t": t, name + "/gy": gy.float(),
                    name + "/y": y.detach().float(), name + "/gx": x.grad.float()})
    meta[name] = json.dumps({"op": "cross_entropy", "reduction": c["reduction"],
                             "label_smoothing": c["label_smoothing"], "ignore_index": ii})
for name, scale in {"softmax": 3.0, "softmax_large": 1e8}.items():
    x = (torch.randn(4, 6, dtype=torch.float64) * scale).requires_grad_()
    y = torch.softmax(x, dim=1)
    gy = torch.randn(y.shape, dtype=torch.float64)
    (y * gy).sum().backward()
    tensors.update({name + "/x": x.detach().float(), name + "/gy": gy.float(), name + "/y": y.detach().float(),
                    name + "/gx": x.grad.float()})
    meta[name] = json.dumps({"op": "softmax"})

header, blobs, off = {"__metadata__": meta}, [], 0
for k in sorted(tensors):
    v = tensors[k].contiguous()
    b = v.numpy().tobytes()
    header[k] = {"dtype": {torch.float32: "F32", torch.int64: "I64"}[v.dtype], "shape": list(v.shape),
                 "data_offsets": [off, off + len(b)]}
    blobs.append(b)
    off += len(b)
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
with open("ce_variants.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
