#!/usr/bin/env python3
"""qd_train's default `small` run written as a user writes it in plain PyTorch (eager, Python).

bench_qd_train runs this beside the real qd_train process, whole process against whole process,
in the same run: the same networks and initialisation as qd's `small` preset (pytorch/examples
cpp/dcgan; see dcgan_step.py), batch 16, Adam(2e-4, 0.5, 0.999), BCE on logits with one-sided
label smoothing 0.1, a shuffled DataLoader over the uint8 images, torch's default threads, and
the generator and discriminator saved at the end. Prints `images <n>`, `threads <t>` and
`train_seconds <s>` (the loop alone).

  python3 train_eager.py --data cat.npy --epochs 3 --out /tmp/eager.pt
"""
import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F

from dcgan_step import networks


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True, help="uint8 .npy images, 255 = ink")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--out", default="eager.pt")
    args = p.parse_args()

    torch.manual_seed(0)
    images = torch.from_numpy(np.load(args.data).reshape(-1, 1, 28, 28).copy())
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images),
                                         batch_size=args.batch_size, shuffle=True, drop_last=True)
    latent, b = 100, args.batch_size
    g, d = networks("small", latent)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real_target, fake_target, g_target = torch.full((b,), 0.9), torch.zeros(b), torch.ones(b)

    trained = 0
    start = time.perf_counter()
    for _ in range(args.epochs):
        for (batch,) in loader:
            real = batch.float() * (2.0 / 255.0) - 1.0
            fake = g(torch.randn(b, latent))
            opt_d.zero_grad()
            loss_d = (F.binary_cross_entropy_with_logits(d(real).view(-1), real_target) +
                      F.binary_cross_entropy_with_logits(d(fake.detach()).view(-1), fake_target))
            loss_d.backward()
            opt_d.step()
            opt_g.zero_grad()
            loss_g = F.binary_cross_entropy_with_logits(d(fake).view(-1), g_target)
            loss_g.backward()
            opt_g.step()
            trained += b
    seconds = time.perf_counter() - start
    torch.save({"generator": g.state_dict(), "discriminator": d.state_dict()}, args.out)
    print(f"images {trained}")
    print(f"threads {torch.get_num_threads()}")
    print(f"train_seconds {seconds:.2f}")


if __name__ == "__main__":
    main()
