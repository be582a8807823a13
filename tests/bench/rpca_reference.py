#!/usr/bin/env python3
"""Faithful PyTorch (float64) reference of tensor RPCA by ScaledGD, for bench_rpca.

Algorithm 1 of Dong, Tong, Ma, Chi, "Fast and Provable Tensor Robust Principal Component
Analysis via Scaled Gradient Descent" (IEEE TSP 2023), written the way the paper states it
(and the authors' code computes it): form X_t, S = T_zeta(Y - X_t), D = S - Y, then for each
mode the explicit Ab_k = M_k(G x_{j != k} A_j)^T, the update
(1 - eta) A_k - eta M_k(D) Ab_k (Ab_k^T Ab_k)^-1 and the core update with (A_k^T A_k)^-1 A_k^T.
No ridge is added to the inverses. The spectral initialisation is the truncated HOSVD of
Y - T_zeta0(Y). Plain torch, no tensorly.

Usage: rpca_reference.py DIR  (DIR holds problem.json, observed.f64 and optionally truth.f64,
written by bench_rpca; values x fastest). Prints one JSON line.
"""
import json
import os
import sys
import time

import torch


def unfold(t, k):
    return t.movedim(k, 0).reshape(t.shape[k], -1)


def mode_dot(t, m, k):
    """t x_k m for m of shape (J, I_k), as one matrix product on the row-major layout (no copy of t)."""
    before = t.shape[:k]
    after = t.shape[k + 1:]
    if k == 0:
        return (m @ t.reshape(t.shape[0], -1)).reshape(m.shape[0], *after)
    if k == t.dim() - 1:
        return (t.reshape(-1, t.shape[k]) @ m.T).reshape(*before, m.shape[0])
    middle = t.reshape(before.numel(), t.shape[k], after.numel())
    return torch.matmul(m, middle).reshape(*before, m.shape[0], *after)


def tucker_to_tensor(core, factors):
    t = core
    for k, f in enumerate(factors):
        t = mode_dot(t, f, k)
    return t


def soft(x, z):
    """Soft thresholding sign(x) max(|x| - z, 0), one pass."""
    return torch.nn.functional.softshrink(x, z)


def spectral_init(y, ranks, zeta0):
    m = y - soft(y, zeta0)
    factors = []
    for k, r in enumerate(ranks):
        mk = unfold(m, k)
        _, v = torch.linalg.eigh(mk @ mk.T)
        factors.append(v[:, -r:].flip(1).contiguous())
    core = tucker_to_tensor(m, [f.T for f in factors])
    return core, factors


def iterate(y, core, factors, zeta, eta):
    order = y.dim()
    x = tucker_to_tensor(core, factors)
    s = soft(y - x, zeta)
    d = s - y
    grams = [f.T @ f for f in factors]
    new_factors = []
    for k in range(order):
        eye = torch.eye(factors[k].shape[1], dtype=y.dtype)
        with_identity = list(factors)
        with_identity[k] = eye
        a_breve = unfold(tucker_to_tensor(core, with_identity), k).T
        weighted = list(grams)
        weighted[k] = eye
        breve_gram = unfold(tucker_to_tensor(core, weighted), k) @ unfold(core, k).T
        new_factors.append((1 - eta) * factors[k] - eta * (unfold(d, k) @ a_breve @ torch.linalg.inv(breve_gram)))
    pinvs = [torch.linalg.inv(grams[k]) @ factors[k].T for k in range(order)]
    core = core - eta * tucker_to_tensor(x + d, pinvs)
    return core, new_factors, x


def main():
    folder = sys.argv[1]
    with open(os.path.join(folder, "problem.json")) as f:
        p = json.load(f)
    torch.set_num_threads(int(p.get("threads", os.cpu_count() or 1)))
    shape = p["shape"]  # (n1, n2, n3), x fastest in the file

    def load(name):
        flat = torch.from_file(os.path.join(folder, name), size=shape[0] * shape[1] * shape[2], dtype=torch.float64)
        return flat.reshape(shape[2], shape[1], shape[0]).permute(2, 1, 0).contiguous()

    y = load("observed.f64")
    truth = load("truth.f64") if os.path.exists(os.path.join(folder, "truth.f64")) else None
    ranks = p["ranks"]
    h = p["hyper"]
    iterations = p["iterations"]
    repeats = p.get("repeats", 3)

    best = None
    for _ in range(repeats):
        core, factors = spectral_init(y, ranks, h["zeta0"])
        t0 = time.perf_counter()
        zeta = h["zeta1"]
        for _t in range(iterations):
            core, factors, _x = iterate(y, core, factors, zeta, h["eta"])
            zeta *= h["decay"]
        seconds = time.perf_counter() - t0
        best = seconds if best is None else min(best, seconds)
    out = {"ms_per_iteration": 1e3 * best / iterations, "iterations": iterations,
           "threads": torch.get_num_threads(), "torch": torch.__version__}
    if truth is not None:
        x = tucker_to_tensor(core, factors)
        out["relative_error"] = float((x - truth).norm() / truth.norm())
        if p.get("track_errors", False):
            core, factors = spectral_init(y, ranks, h["zeta0"])
            errors = []
            zeta = h["zeta1"]
            for _t in range(iterations):
                core, factors, x = iterate(y, core, factors, zeta, h["eta"])
                errors.append(float((x - truth).norm() / truth.norm()))
                zeta *= h["decay"]
            errors.append(float((tucker_to_tensor(core, factors) - truth).norm() / truth.norm()))
            out["relative_errors"] = errors
    print(json.dumps(out))


if __name__ == "__main__":
    main()
