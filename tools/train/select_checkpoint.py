"""Extracts the model weights of a resumable `last.pt` as a plain state dict (reference checkpoint format),
so that the end of a training cycle can be compared with `best.pt` on validation data.

    /usr/bin/python3 tools/train/select_checkpoint.py RUN/last.pt RUN/final.pt
"""
import sys

import torch

state = torch.load(sys.argv[1])
torch.save(state["model"], sys.argv[2])
print(f"{sys.argv[2]}: epoch {state['epoch']}, step {state['step']}")
