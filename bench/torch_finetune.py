#!/usr/bin/python3
"""Optional side-by-side run: examples/finetune's from-scratch recipe in PyTorch.

Not a test dependency. Needs PyTorch and torchvision (Debian: apt-get install
python3-torch python3-torchvision; run with /usr/bin/python3). It trains what

    go run ./examples/finetune -data DIR -size 80 -epochs 20 -batch 32 -lr 0.05

trains, the PyTorch way, so both can be compared on the same machine:
ResNet18 from scratch; RandomResizedCrop(size) and a horizontal flip for
training, Resize(size*256/224) and CenterCrop(size) for validation, ImageNet
normalisation; SGD with momentum 0.9 and weight decay 1e-4; per step, a linear
warm-up from LR/10 over one epoch (at most a tenth of the run), then cosine
annealing to 0; two threads.

    /usr/bin/python3 bench/torch_finetune.py --data ../shared/data/seedlings --size 80 --epochs 20

It prints one line per epoch and, at the end, the validation accuracy, the
training images/s and the wall time.
"""
import argparse
import math
import time

import torch
import torchvision
from torchvision import transforms as T

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="folder with train/ and val/ class folders")
    ap.add_argument("--size", type=int, default=80)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(a.seed)
    train_tf = T.Compose([T.RandomResizedCrop(a.size), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize(MEAN, STD)])
    val_tf = T.Compose([T.Resize(a.size * 256 // 224), T.CenterCrop(a.size), T.ToTensor(), T.Normalize(MEAN, STD)])
    train = torchvision.datasets.ImageFolder(a.data + "/train", train_tf)
    val = torchvision.datasets.ImageFolder(a.data + "/val", val_tf)
    tl = torch.utils.data.DataLoader(train, batch_size=a.batch, shuffle=True, num_workers=1, persistent_workers=True)
    vl = torch.utils.data.DataLoader(val, batch_size=64, num_workers=1)

    model = torchvision.models.resnet18(num_classes=len(train.classes))
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9, weight_decay=1e-4)
    steps = len(tl) * a.epochs
    warm = min(len(tl), steps // 10)

    def lr_at(step):
        if step < warm:
            return a.lr * (0.1 + 0.9 * step / warm)
        return a.lr * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, steps - warm)))

    lossf = torch.nn.CrossEntropyLoss()
    step, t_start, train_secs, seen = 0, time.time(), 0.0, 0
    acc = 0.0
    for epoch in range(a.epochs):
        model.train()
        t0 = time.time()
        for x, y in tl:
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            opt.zero_grad()
            loss = lossf(model(x), y)
            loss.backward()
            opt.step()
            step += 1
            seen += len(y)
        train_secs += time.time() - t0
        model.eval()
        right = total = 0
        with torch.no_grad():
            for x, y in vl:
                right += (model(x).argmax(1) == y).sum().item()
                total += len(y)
        acc = right / total
        print("epoch %d/%d  loss %.4f  val acc %.1f%%  %.1f img/s" % (
            epoch + 1, a.epochs, loss.item(), 100 * acc, len(train) / (time.time() - t0)), flush=True)
    print("val accuracy %.1f%% (%d images), %.1f training images/s, %.1f min in all" % (
        100 * acc, len(val), seen / train_secs, (time.time() - t_start) / 60))


if __name__ == "__main__":
    main()
