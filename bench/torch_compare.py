#!/usr/bin/python3
"""Optional side-by-side run: PyTorch's ResNet18 on this CPU next to ours.

Not a test dependency. Needs PyTorch (Debian: apt-get install python3-torch
python3-torchvision; run with /usr/bin/python3) and Go. From the module root:

    /usr/bin/python3 bench/torch_compare.py            # PyTorch, then `go test -bench` on ./bench
    /usr/bin/python3 bench/torch_compare.py --no-go    # PyTorch figures only
    /usr/bin/python3 bench/torch_compare.py --memory   # also peak memory of a b32 training step
    /usr/bin/python3 bench/torch_compare.py --rounds 3 # alternate the two sides; ratio per round

Workloads match bench/resnet_bench_test.go: ResNet18 at 224 px, 1000 classes,
random weights, two threads; eval forward (no grad) at batch 1 and 8; a
training step (zero grads, forward, cross-entropy, backward; no optimizer
step) at batch 16; one input-gradient call (eval, frozen weights, forward to
layer4, backward to the input); one DeepDream step on layer3 and layer4 and
one Grad-CAM call on layer4 (batch 1, 224 px). Each PyTorch figure is the median of --reps
samples, each the mean time per call over at least a second; ours is the
median of --count go test runs. Every sample starts once the CPUs are nearly
idle (waiting at most a minute): other work on a shared machine skews both.
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


def busy_fraction(window=0.5):
    """System-wide CPU busy fraction over window seconds, from /proc/stat."""
    def stat():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]

    t0, i0 = stat()
    time.sleep(window)
    t1, i1 = stat()
    return 1.0 - (i1 - i0) / max(1, t1 - t0)


def wait_quiet(threshold=0.10, max_wait=60.0):
    """Wait (up to max_wait s) until other work leaves the CPUs nearly idle."""
    t0 = time.time()
    while time.time() - t0 < max_wait:
        try:
            if busy_fraction() < threshold:
                return
        except OSError:  # no /proc/stat: do not wait
            return


def median_time(fn, reps, warm=2, minsec=1.0):
    """Median over reps samples of the mean time per call over >= minsec."""
    for _ in range(warm):
        fn()
    times = []
    for _ in range(reps):
        wait_quiet()
        fn()  # wake the thread pool after the idle wait
        calls, t0 = 0, time.perf_counter()
        while calls == 0 or time.perf_counter() - t0 < minsec:
            fn()
            calls += 1
        times.append((time.perf_counter() - t0) / calls)
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

    # One DeepDream step as dream.DreamTensor takes it (one octave of one
    # step): forward to the stage, mean square, backward to the input and
    # the normalised update; and one Grad-CAM call on layer4 as cam.Compute
    # does it: forward to the logits keeping layer4, the predicted logit's
    # gradient with respect to layer4, channel weights, ReLU, upsampling
    # and min-max normalisation.
    stages = {"layer3": feat[:7], "layer4": feat}
    for name, part in stages.items():
        def dstep(part=part):
            xi = x0.clone().requires_grad_(True)
            g, = torch.autograd.grad(part(xi).pow(2).mean(), xi)
            with torch.no_grad():
                xi += 0.05 * g / (g.abs().mean() + 1e-8)

        out["dream %s ms/step" % name] = 1e3 * median_time(dstep, reps)

    head = torch.nn.Sequential(m.avgpool, torch.nn.Flatten(), m.fc)
    for p in head.parameters():
        p.requires_grad_(False)

    def gradcam():
        a = feat(x0).requires_grad_(True)
        logits = head(a)
        g, = torch.autograd.grad(logits[0, logits[0].argmax()], a)
        cam = torch.relu((g.mean(dim=(2, 3), keepdim=True) * a).sum(1, keepdim=True))
        cam = torch.nn.functional.interpolate(cam, size=(224, 224), mode="bilinear", align_corners=False)
        lo, hi = cam.min(), cam.max()
        return (cam - lo) / (hi - lo + 1e-12)

    out["grad-cam ms/call"] = 1e3 * median_time(gradcam, reps)
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


def go_figures(benchtime, count, memory):
    pattern = "ResNet18(Eval|TrainStep$|InputGradient)|DeepDreamStep224|GradCAM224"
    cmd = ["go", "test", "-run", "X", "-bench", pattern, "-benchtime", benchtime, "-count", str(count), "./bench"]
    wait_quiet()
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    samples = {}
    for line in res.stdout.splitlines():
        def metric(unit):
            mm = re.search(r"([\d.]+) " + re.escape(unit), line)
            return float(mm.group(1)) if mm else None

        key, unit = None, None
        if line.startswith("BenchmarkResNet18Eval/batch1_"):
            key, unit = "eval b1 images/s", "images/s"
        elif line.startswith("BenchmarkResNet18Eval/batch8_"):
            key, unit = "eval b8 images/s", "images/s"
        elif line.startswith("BenchmarkResNet18TrainStep-") or line.startswith("BenchmarkResNet18TrainStep "):
            key, unit = "train b16 images/s", "images/s"
        elif line.startswith("BenchmarkResNet18InputGradient"):
            key, unit = "input-grad ms/call", "ms/call"
        elif line.startswith("BenchmarkDeepDreamStep224/layer3"):
            key, unit = "dream layer3 ms/step", "ms/step"
        elif line.startswith("BenchmarkDeepDreamStep224/layer4"):
            key, unit = "dream layer4 ms/step", "ms/step"
        elif line.startswith("BenchmarkGradCAM224"):
            key, unit = "grad-cam ms/call", "ms/call"
        if key and metric(unit) is not None:
            samples.setdefault(key, []).append(metric(unit))
    out = {k: statistics.median(v) for k, v in samples.items()}
    if memory:
        cmd = ["go", "test", "-run", "X", "-bench", "ResNet18TrainStepMemory", "-benchtime", "3x", "./bench"]
        res = subprocess.run(cmd, capture_output=True, text=True, check=True)
        mm = re.search(r"([\d.]+) maxRSS-MiB", res.stdout)
        if mm:
            out["train b32 peak MiB"] = float(mm.group(1))
    return out


def ratio_of(key, theirs, ours):
    """Ours over theirs for rates, theirs over ours for times and memory:
    above 1, we are better."""
    return ours / theirs if key.endswith("images/s") else theirs / ours


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--benchtime", default="1s",
                    help="go test -benchtime for our side; the default matches PyTorch's side (warm "
                         "calls over at least a second), where a fixed 5x measured the first, cold "
                         "calls (DeepDream 40%% slower)")
    ap.add_argument("--count", type=int, default=3, help="go test -count; the median is reported")
    ap.add_argument("--rounds", type=int, default=1,
                    help="alternate PyTorch and Go this many times and report the medians over rounds "
                         "and the range of the per-round ratios: on a shared machine whose load drifts "
                         "over minutes, both sides are then measured under the same conditions")
    ap.add_argument("--no-go", action="store_true", help="PyTorch figures only")
    ap.add_argument("--memory", action="store_true", help="also peak memory of a b32 training step")
    a = ap.parse_args()
    if a.rounds < 1:
        ap.error("--rounds must be at least 1")

    rounds = []  # (theirs, ours) per round
    for r in range(a.rounds):
        if a.rounds > 1:
            print("round %d/%d" % (r + 1, a.rounds), file=sys.stderr, flush=True)
        theirs = torch_figures(a.reps)
        if a.memory:
            theirs["train b32 peak MiB"] = torch_train_memory()
        ours = {} if a.no_go else go_figures(a.benchtime, a.count, a.memory)
        rounds.append((theirs, ours))

    print("%-22s %12s %12s %8s  %s" % ("workload", "PyTorch", "Seedling", "ratio",
                                       "per-round ratios" if a.rounds > 1 else ""))
    for k in rounds[0][0]:
        v = statistics.median(t[k] for t, _ in rounds)
        mine = [o[k] for _, o in rounds if k in o]
        if not mine:
            print("%-22s %12.2f %12s %8s" % (k, v, "-", "-"))
            continue
        o = statistics.median(mine)
        line = "%-22s %12.2f %12.2f %7.2fx" % (k, v, o, ratio_of(k, v, o))
        if a.rounds > 1:
            per = sorted(ratio_of(k, t[k], g[k]) for t, g in rounds if k in g)
            line += "  %.2f-%.2f" % (per[0], per[-1])
        print(line)


if __name__ == "__main__":
    main()
