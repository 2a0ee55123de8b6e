#!/usr/bin/python3
"""Optional side-by-side run: PyTorch's ResNet18 on this CPU next to ours.

Not a test dependency. Needs PyTorch (Debian: apt-get install python3-torch
python3-torchvision; run with /usr/bin/python3) and Go. From the module root:

    /usr/bin/python3 bench/torch_compare.py            # PyTorch, then `go test -bench` on ./bench
    /usr/bin/python3 bench/torch_compare.py --no-go    # PyTorch figures only
    /usr/bin/python3 bench/torch_compare.py --memory   # also peak memory of a b32 training step

Workloads match bench/resnet_bench_test.go: ResNet18 at 224 px, 1000 classes,
random weights, two threads; eval forward (no grad) at batch 1 and 8; a
training step (zero grads, forward, cross-entropy, backward; no optimizer
step) at batch 16; one input-gradient call (eval, frozen weights, forward to
layer4, backward to the input). Each figure is the median of --reps samples.
Ratios are ours over PyTorch's for speeds, theirs over ours for times and memory:
above 1, we are better.
"""
import argparse
import re
import resource
import statistics
import subprocess
import sys
import time


def median_time(fn, reps, warm=2):
    for _ in range(warm):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def torch_figures(reps):
    import torch
    import torchvision

    torch.set_num_threads(2)
    torch.manual_seed(0)
    out = {}
    m = torchvision.models.resnet18(num_classes=1000).eval()
    for b in (1, 8):
        x = torch.randn(b, 3, 224, 224)

        def f():
            with torch.no_grad():
                m(x)

        out["eval b%d images/s" % b] = b / median_time(f, reps)

    mt = torchvision.models.resnet18(num_classes=1000).train()
    x = torch.randn(16, 3, 224, 224)
    y = torch.randint(0, 1000, (16,))
    lossf = torch.nn.CrossEntropyLoss()

    def step():
        mt.zero_grad(set_to_none=False)
        lossf(mt(x), y).backward()

    out["train b16 images/s"] = 16 / median_time(step, max(2, reps // 2), warm=1)

    feat = torch.nn.Sequential(m.conv1, m.bn1, m.relu, m.maxpool, m.layer1, m.layer2, m.layer3, m.layer4)
    for p in feat.parameters():
        p.requires_grad_(False)
    x0 = torch.randn(1, 3, 224, 224)

    def igrad():
        xi = x0.clone().requires_grad_(True)
        feat(xi).mean().backward()

    out["input-grad ms/call"] = 1e3 * median_time(igrad, reps)
    return out


def torch_train_memory():
    """Peak RSS (MiB) of a fresh process doing three b32 training steps."""
    code = (
        "import resource, torch, torchvision\n"
        "torch.set_num_threads(2)\n"
        "m = torchvision.models.resnet18(num_classes=1000).train()\n"
        "x = torch.randn(32, 3, 224, 224); y = torch.randint(0, 1000, (32,))\n"
        "for _ in range(3):\n"
        "    m.zero_grad(set_to_none=False)\n"
        "    torch.nn.functional.cross_entropy(m(x), y).backward()\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(res.stdout.strip().splitlines()[-1])


def go_figures(benchtime, memory):
    pattern = "ResNet18(Eval|TrainStep$|InputGradient)"
    cmd = ["go", "test", "-run", "X", "-bench", pattern, "-benchtime", benchtime, "./bench"]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    out = {}
    for line in res.stdout.splitlines():
        def metric(unit):
            mm = re.search(r"([\d.]+) " + re.escape(unit), line)
            return float(mm.group(1)) if mm else None

        if line.startswith("BenchmarkResNet18Eval/batch1_"):
            out["eval b1 images/s"] = metric("images/s")
        elif line.startswith("BenchmarkResNet18Eval/batch8_"):
            out["eval b8 images/s"] = metric("images/s")
        elif line.startswith("BenchmarkResNet18TrainStep-") or line.startswith("BenchmarkResNet18TrainStep "):
            out["train b16 images/s"] = metric("images/s")
        elif line.startswith("BenchmarkResNet18InputGradient"):
            out["input-grad ms/call"] = metric("ms/call")
    if memory:
        cmd = ["go", "test", "-run", "X", "-bench", "ResNet18TrainStepMemory", "-benchtime", "3x", "./bench"]
        res = subprocess.run(cmd, capture_output=True, text=True, check=True)
        mm = re.search(r"([\d.]+) maxRSS-MiB", res.stdout)
        if mm:
            out["train b32 peak MiB"] = float(mm.group(1))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--benchtime", default="5x", help="go test -benchtime for our side")
    ap.add_argument("--no-go", action="store_true", help="PyTorch figures only")
    ap.add_argument("--memory", action="store_true", help="also peak memory of a b32 training step")
    a = ap.parse_args()

    theirs = torch_figures(a.reps)
    if a.memory:
        theirs["train b32 peak MiB"] = torch_train_memory()
    ours = {} if a.no_go else go_figures(a.benchtime, a.memory)

    print("%-22s %12s %12s %8s" % ("workload", "PyTorch", "Seedling", "ratio"))
    for k, v in theirs.items():
        o = ours.get(k)
        if o is None:
            print("%-22s %12.2f %12s %8s" % (k, v, "-", "-"))
            continue
        # Speed ratio: ours/theirs for rates, theirs/ours for times and memory.
        ratio = o / v if "/s" in k else v / o
        print("%-22s %12.2f %12.2f %7.2fx" % (k, v, o, ratio))


if __name__ == "__main__":
    main()
