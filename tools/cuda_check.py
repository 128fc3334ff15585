#!/usr/bin/env python
"""Check vitnb's CUDA paths on a machine with an NVIDIA GPU (CI has none; run this by hand where one is).

A thin driver over the library's own checks, so that a CUDA run tests what the notebooks test on the CPU:

1. Attention backends: `vitnb.attention.attention` with every backend (manual, sdpa, flash, auto) in bf16 and fp16,
   output and input gradients, against the fp32 manual path.
2. Every registered token mixer: `vitnb.testing.check_mixer` (shape, finite gradient for every parameter, batch
   independence, eval determinism, bf16).
3. Every registered model: `vitnb.testing.check_model(name, device=...)` (the same checks), and its fp32 output on
   the device against the same weights' output on the CPU.
4. Training through fastai: `vitnb.train.fit_model` on digits in fp16 (GradScaler) and bf16: the loss falls and the
   accuracy ends far above chance.

Prints every check, writes the record with --json, and exits non-zero if any check failed.
Usage: python tools/cuda_check.py [--json nbs/bench/cuda_check_<gpu>.json] [--device cpu] [--max-depth N]
`--device cpu` runs checks 1-3 on the CPU (a dry run of this script, not a CUDA check); `--max-depth N` caps every
model at N blocks (`vitnb.testing.shallow`), which makes that dry run fast.
"""
from __future__ import annotations
import argparse, json, sys, time
import torch

ATTENTION_SHAPES = ((197, 64), (65, 8), (1024, 32))   # (tokens, head width): ViT-B/16, Mini-ViT, a long sequence
ATTENTION_TOL = dict(out=3e-2, grad=5e-2)              # bf16/fp16 against fp32: max abs error, max relative gradient error
MIXER_SHAPE = dict(dim=64, num_heads=4, grid_size=(8, 8), num_prefix_tokens=1)

def attempt(what:str, fn, failures:list):
    "Run one check; a raised error (the library's checks assert with a message) is recorded as a failure."
    try: return fn()
    except Exception as e:
        failures.append(f"{what}: {type(e).__name__}: {e}"); print(f"FAILED {what}: {type(e).__name__}: {e}")

def reference(q, k, v) -> tuple:
    "The fp32 manual-path attention of q, k, v and the gradients of its sum: `(output, [dq, dk, dv])`."
    from vitnb.attention import attention
    ins = [t.clone().requires_grad_() for t in (q, k, v)]
    out = attention(*ins, backend='manual'); out.sum().backward()
    return out.detach(), [t.grad for t in ins]

def backend_errors(q, k, v, ref:tuple, backend:str, dtype) -> dict:
    "Errors of `attention(backend=...)` in `dtype` against `ref`: output, and the largest relative input-gradient error."
    from vitnb.attention import attention, choose_backend
    ins = [t.to(dtype).requires_grad_() for t in (q, k, v)]
    out = attention(*ins, backend=backend)
    out.float().sum().backward()
    gerr = max((a.grad.float() - g).abs().max().item() / (g.abs().max().item() + 1e-6) for a, g in zip(ins, ref[1]))
    return dict(max_abs_err=(out.float() - ref[0]).abs().max().item(), max_rel_grad_err=gerr, auto_picks=choose_backend(ins[0]))

def check_backends(dev:str, report:dict, failures:list):
    from vitnb.attention import BACKENDS
    from vitnb.core import set_seed
    set_seed(0)
    backends = [b for b in BACKENDS if b != 'cpu_kernel' or dev == 'cpu']
    for dtype in (torch.bfloat16, torch.float16):
        for n, d in ATTENTION_SHAPES:
            q, k, v = (torch.randn(2, 4, n, d, device=dev) for _ in range(3))
            ref = reference(q, k, v)
            for b in backends:
                key = f"{str(dtype)[6:]} N={n} d={d} {b}"
                r = attempt(f'attention {key}', lambda: backend_errors(q, k, v, ref, b, dtype), failures)
                if r is None: continue
                report['attention'][key] = r
                print(f"attention {key:30} max|err| {r['max_abs_err']:.2e}  grad rel err {r['max_rel_grad_err']:.2e}")
                if not (r['max_abs_err'] < ATTENTION_TOL['out'] and r['max_rel_grad_err'] < ATTENTION_TOL['grad']):
                    failures.append(f"attention {key}: {r}"); print(f"FAILED attention {key}")

def check_mixers(dev:str, report:dict, failures:list):
    from vitnb.core import MIXERS, set_seed
    from vitnb.testing import check_mixer
    from vitnb.vit import create_mixer
    s = MIXER_SHAPE
    for name in MIXERS.names():
        set_seed(0)
        x = torch.randn(2, s['num_prefix_tokens'] + s['grid_size'][0] * s['grid_size'][1], s['dim'], device=dev)
        r = attempt(f'mixer {name}', lambda: check_mixer(create_mixer(name, **s).to(dev), x), failures)
        if r is None: continue
        report['mixers'][name] = r
        print(f"mixer {name:16} batch leak {r['batch_leak']:.1e}  bf16 max diff {r.get('bf16_max_diff', float('nan')):.1e}")

def device_vs_cpu(name:str, dev:str, overrides:dict):
    "Max |fp32 output on `dev` - output on the CPU| / max |CPU output| of registered model `name` (None: its forward samples)."
    from vitnb.core import create_model, set_seed
    from vitnb.testing import example_input, _first_tensor
    set_seed(0)
    m = create_model(name, **overrides).eval()
    x = example_input(m)
    with torch.no_grad():
        set_seed(1); a = _first_tensor(m(x)); set_seed(1); b = _first_tensor(m(x))
        if not torch.equal(a, b): return None
        set_seed(1); c = _first_tensor(m.to(dev)(x.to(dev))).float().cpu()
    return ((c - a).abs().max() / (a.abs().max() + 1e-6)).item()

def check_models(dev:str, report:dict, failures:list, max_depth:int=None):
    from vitnb.core import list_models
    from vitnb.testing import check_model, shallow
    for name in list_models():
        kw = shallow(name, max_depth) if max_depth else {}
        r = attempt(f'model {name}', lambda: check_model(name, device=dev, **kw), failures) or {}
        diff = attempt(f'model {name} fp32 {dev} vs cpu', lambda: device_vs_cpu(name, dev, kw), failures)
        if diff is not None and diff >= 1e-3: failures.append(f"model {name}: fp32 {dev} vs cpu rel err {diff:.2e}")
        report['models'][name] = dict({k: v for k, v in r.items() if k != 'model'}, cpu_vs_device_fp32_rel_err=diff)
        shown = 'n/a (its forward samples)' if diff is None else f'{diff:.2e}'
        print(f"model {name:16} {'ok' if r else 'FAILED':6} fp32 {dev} vs cpu rel err {shown}")
        if dev == 'cuda': torch.cuda.empty_cache()

def check_training(dev:str, report:dict, failures:list):
    from vitnb.train import fit_model
    for prec in ('fp16', 'bf16'):
        t0 = time.perf_counter()
        r = attempt(f'training {prec}', lambda: fit_model('mini_vit', 'digits', epochs=15, bs=64, lr=2e-3, warmup_epochs=2,
                    patch_size=2, precision=prec, device=dev, save_dir=None, progress=False, tensorboard=False), failures)
        if r is None: continue
        tl = r['history']['train_loss']
        report['training'][prec] = dict(valid_acc=r['valid_acc'], first_loss=tl[0], last_loss=tl[-1],
                                        train_images_per_s=r['train_images_per_s'], seconds=time.perf_counter() - t0)
        print(f"fit_model mini_vit digits {prec}: valid acc {r['valid_acc']:.4f}, train loss {tl[0]:.3f} -> {tl[-1]:.3f}, "
              f"{r['train_images_per_s']:.0f} images/s")
        if not (tl[-1] < tl[0] and r['valid_acc'] > 0.9): failures.append(f"training {prec}: {report['training'][prec]}")

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--json', help="write the record here (e.g. nbs/bench/cuda_check_h100.json)")
    p.add_argument('--device', default='cuda', choices=('cuda', 'cpu'), help="cpu: a dry run of checks 1-3")
    p.add_argument('--max-depth', type=int, default=None, help="cap every model at this many blocks")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    dev = args.device
    if dev == 'cuda' and not torch.cuda.is_available():
        sys.exit("no CUDA device (torch.cuda.is_available() is False): this check needs an NVIDIA GPU; "
                 "`--device cpu` runs a dry run of it on the CPU")
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False   # fp32 means fp32 in the comparisons
    from vitnb.core import run_environment
    report = dict(command=' '.join(['python tools/cuda_check.py'] + (sys.argv[1:] if argv is None else list(argv))),
                  machine=run_environment(dev), attention={}, mixers={}, models={}, training={})
    print(report['machine'])
    failures = []
    check_backends(dev, report, failures)
    check_mixers(dev, report, failures)
    check_models(dev, report, failures, args.max_depth)
    if dev == 'cuda': check_training(dev, report, failures)
    report['failures'] = failures
    if args.json:
        with open(args.json, 'w') as f: f.write(json.dumps(report, indent=1, default=str) + '\n')
        print('wrote', args.json)
    if failures: sys.exit(f"{len(failures)} check(s) failed: {failures}")
    print(f"all {dev} checks passed")

if __name__ == '__main__': main()
