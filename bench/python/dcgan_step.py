#!/usr/bin/env python3
"""The training step of qd_train's `small` and `keras-dcgan` presets written in plain PyTorch.

bench_trainer runs this beside the C++ step, in the same run, with the same torch threads and
batch: same layers, same weight init, BCE on logits, Adam(2e-4, 0.5, 0.999), D on real, D on
fake, then G. Prints `images_per_s <value>` first, then (on CUDA) `peak_gpu_mib <value>`.

  python3 dcgan_step.py --arch small --steps 20 --threads 2 --batch-size 64 [--data cat.npy]
  python3 dcgan_step.py --arch keras-dcgan --device cuda --batch-size 256 [--amp bf16]

On CUDA it is the GPU baseline of scripts/gpu/bench.sh: plain eager PyTorch (no cuDNN benchmark,
no channels-last, no autocast unless --amp bf16), the data already on the device, timed between
two torch.cuda.synchronize() calls.
"""
import argparse
import contextlib
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F


class Crop(nn.Module):
    def __init__(self, top, left, height, width):
        super().__init__()
        self.box = (top, left, height, width)

    def forward(self, x):
        t, l, h, w = self.box
        return x[:, :, t:t + h, l:l + w]


def keras_bn(c):
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)


def networks(arch, latent):
    if arch == "small":  # pytorch/examples cpp/dcgan
        g = nn.Sequential(
            nn.Unflatten(1, (latent, 1, 1)),
            nn.ConvTranspose2d(latent, 256, 4, 1, 0, bias=False), nn.BatchNorm2d(256), nn.ReLU(),
            nn.ConvTranspose2d(256, 128, 3, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(),
            nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.ConvTranspose2d(64, 1, 4, 2, 1, bias=False), nn.Tanh())
        d = nn.Sequential(
            nn.Conv2d(1, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
            nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
            nn.Conv2d(128, 256, 4, 2, 1, bias=False), nn.BatchNorm2d(256), nn.LeakyReLU(0.2),
            nn.Conv2d(256, 1, 3, 1, 0, bias=False), nn.Flatten())
    elif arch == "keras-dcgan":
        layers = [nn.Linear(latent, 4 * 4 * 512, bias=False), nn.Unflatten(1, (512, 4, 4)),
                  nn.LeakyReLU(0.2)]
        for c in (512, 256, 128):
            layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1), keras_bn(c // 2), nn.LeakyReLU(0.2)]
        layers += [nn.ConvTranspose2d(64, 1, 4, 1, 1), nn.Tanh(), Crop(2, 2, 28, 28)]
        g = nn.Sequential(*layers)
        layers = [nn.ZeroPad2d(2)]
        for a, b in ((1, 64), (64, 128), (128, 256)):
            layers += [nn.Conv2d(a, b, 4, 2, 1), keras_bn(b), nn.LeakyReLU(0.2)]
        layers += [nn.Flatten(), nn.Dropout(0.3), nn.Linear(4 * 4 * 256, 1)]
        d = nn.Sequential(*layers)
    else:
        raise SystemExit(f"unknown arch {arch}")
    for net in (g, d):
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.normal_(m.weight, 1.0, 0.02)
                nn.init.zeros_(m.bias)
    return g, d


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", default="small")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--data", help="uint8 .npy images (else random bytes)")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument("--amp", default="off", choices=("off", "bf16"),
                   help="autocast to bfloat16 (CUDA only; off: the plain eager baseline)")
    args = p.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("dcgan_step.py: --device cuda: torch.cuda.is_available() is False")
    if args.amp != "off" and args.device != "cuda":
        raise SystemExit("dcgan_step.py: --amp bf16 needs --device cuda")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    dev = torch.device(args.device)
    latent, b = 100, args.batch_size
    g, d = networks(args.arch, latent)
    g, d = g.to(dev), d.to(dev)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    if args.data:
        images = np.load(args.data, mmap_mode="r").reshape(-1, 1, 28, 28)
        # a writable copy of b * 8 images, repeated when the file has fewer
        data = torch.from_numpy(np.resize(np.asarray(images[:b * 8]), (b * 8, 1, 28, 28)))
    else:
        data = torch.randint(0, 256, (b * 8, 1, 28, 28), dtype=torch.uint8)
    data = data.to(dev)
    ones, zeros = torch.ones(b, device=dev), torch.zeros(b, device=dev)
    amp = torch.autocast("cuda", dtype=torch.bfloat16, enabled=args.amp == "bf16") \
        if args.device == "cuda" else contextlib.nullcontext()

    def step(i):
        real = data[(i % 8) * b:(i % 8 + 1) * b].float() * (2.0 / 255.0) - 1.0
        with amp:
            fake = g(torch.randn(b, latent, device=dev))
            opt_d.zero_grad()
            loss_d = (F.binary_cross_entropy_with_logits(d(real).view(-1).float(), ones) +
                      F.binary_cross_entropy_with_logits(d(fake.detach()).view(-1).float(), zeros))
        loss_d.backward()
        opt_d.step()
        with amp:
            opt_g.zero_grad()
            loss_g = F.binary_cross_entropy_with_logits(d(fake).view(-1).float(), ones)
        loss_g.backward()
        opt_g.step()

    def sync():
        if args.device == "cuda":
            torch.cuda.synchronize()

    for i in range(args.warmup):
        step(i)
    sync()
    if args.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for i in range(args.steps):
        step(i)
    sync()
    seconds = time.perf_counter() - start
    print(f"images_per_s {args.steps * b / seconds:.1f}")
    if args.device == "cuda":
        print(f"peak_gpu_mib {torch.cuda.max_memory_allocated() / 2**20:.0f}")
        print(f"device {torch.cuda.get_device_name()}")


if __name__ == "__main__":
    main()
