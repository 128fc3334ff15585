#!/usr/bin/env python
"""Check vitnb's CUDA paths on a machine with an NVIDIA GPU (CI has none; run this by hand where one is).

1. The shared attention kernel: every backend (manual, sdpa, flash, auto) in bf16 and fp16, forward and input
   gradients, against the fp32 manual computation.
2. Every registered model: forward + backward on CUDA under autocast (bf16), finite loss and gradients for every
   parameter, and fp32 outputs on CUDA equal to the same weights' outputs on CPU.
3. Training through fastai on CUDA: Mini-ViT on digits with fp16 (GradScaler, fastai's MixedPrecision) and bf16,
   loss falls and accuracy ends far above chance.

Prints every check, then exits non-zero if any failed. Usage: python tools/cuda_check.py [--json OUT.json] [--device cpu]
(`--device cpu` runs checks 1 and 2 on the CPU: a dry run of this script, not a CUDA check).
"""
from __future__ import annotations
import json, sys, time
import torch

def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    dev = argv[argv.index('--device') + 1] if '--device' in argv else 'cuda'
    if dev == 'cuda' and not torch.cuda.is_available(): sys.exit("no CUDA device: this check needs an NVIDIA GPU")
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False   # fp32 means fp32 in the comparisons
    failures = []
    def check(ok, what):
        if not ok: failures.append(what); print('FAILED', what)
    from vitnb.core import create_model, list_models, run_environment, set_seed
    from vitnb.attention import attention, choose_backend
    report = dict(machine=run_environment(dev), attention={}, models={}, training={})
    print(report['machine'])

    # 1. attention backends
    set_seed(0)
    for dtype in (torch.bfloat16, torch.float16):
        for n, d in ((197, 64), (65, 8), (1024, 32)):
            q, k, v = (torch.randn(2, 4, n, d, device=dev) for _ in range(3))
            ref_in = [t.clone().requires_grad_() for t in (q, k, v)]
            ref = attention(*ref_in, backend='manual'); ref.sum().backward()
            for b in ('manual', 'sdpa', 'flash', 'auto'):
                ins = [t.to(dtype).requires_grad_() for t in (q, k, v)]
                o = attention(*ins, backend=b); o.float().sum().backward()
                err = (o.float() - ref).abs().max().item()
                gerr = max((a.grad.float() - r.grad).abs().max().item() / (r.grad.abs().max().item() + 1e-6) for a, r in zip(ins, ref_in))
                key = f"{str(dtype)[6:]} N={n} d={d} {b}"
                report['attention'][key] = dict(max_abs_err=err, max_rel_grad_err=gerr, auto_picks=choose_backend(ins[0]))
                print(f"attention {key:28} max|err| {err:.2e}  grad rel err {gerr:.2e}")
                check(err < 3e-2 and gerr < 5e-2, f'attention {key}')

    # 2. every registered model
    first = lambda o: o[0] if isinstance(o, (tuple, list)) else o      # the image logits / the reconstruction
    for name in list_models():
        set_seed(0)
        m = create_model(name).eval()
        c = m.cfg
        x = torch.randn(2, 4, c.in_chans, c.img_size, c.img_size) if 'video' in name else torch.randn(2, c.in_chans, c.img_size, c.img_size)
        with torch.no_grad():
            set_seed(1); out_cpu = first(m(x)); set_seed(1); again = first(m(x))
            stochastic = not torch.equal(out_cpu, again)       # e.g. slots sampled at initialisation
            mc = m.to(dev); set_seed(1); out_gpu = first(mc(x.to(dev))).float().cpu()
        diff = None if stochastic else (out_gpu - out_cpu).abs().max().item() / (out_cpu.abs().max().item() + 1e-6)
        mc.train()
        with torch.autocast(dev, dtype=torch.bfloat16):
            loss = first(mc(x.to(dev))).float().pow(2).mean()
        loss.backward()
        bad = [n for n, p in mc.named_parameters() if p.requires_grad and (p.grad is None or not torch.isfinite(p.grad).all())]
        report['models'][name] = dict(cpu_vs_cuda_fp32_rel_err=diff, loss=loss.item(), params_without_finite_grad=bad)
        shown = 'n/a (stochastic forward)' if diff is None else f'{diff:.2e}'
        print(f"model {name:16} fp32 CUDA vs CPU rel err {shown}  bf16 loss {loss.item():.4f}  params without finite grad: {len(bad)}")
        check((diff is None or diff < 1e-3) and torch.isfinite(loss) and not bad, f'model {name}: rel err {diff}, no finite grad: {bad[:5]}')
        del m, mc
        if dev == 'cuda': torch.cuda.empty_cache()

    # 3. fastai training on CUDA
    from vitnb.train import fit_model
    for prec in (('fp16', 'bf16') if dev == 'cuda' else ()):
        t0 = time.perf_counter()
        r = fit_model('mini_vit', 'digits', epochs=15, bs=64, lr=2e-3, warmup_epochs=2, patch_size=2, precision=prec,
                      device=dev, save_dir=None, progress=False, tensorboard=False)
        tl = r['history']['train_loss']
        report['training'][prec] = dict(valid_acc=r['valid_acc'], first_loss=tl[0], last_loss=tl[-1],
                                        train_images_per_s=r['train_images_per_s'], seconds=time.perf_counter() - t0)
        print(f"fit_model mini_vit digits {prec}: valid acc {r['valid_acc']:.4f}, train loss {tl[0]:.3f} -> {tl[-1]:.3f}, "
              f"{r['train_images_per_s']:.0f} images/s")
        check(tl[-1] < tl[0] and r['valid_acc'] > 0.9, f'training {prec}')
    report['failures'] = failures
    if '--json' in argv: open(argv[argv.index('--json') + 1], 'w').write(json.dumps(report, indent=1, default=str))
    if failures: sys.exit(f"{len(failures)} check(s) failed: {failures}")
    print(f"all {dev} checks passed")

if __name__ == '__main__': main()
