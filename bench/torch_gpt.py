# The project's PyTorch peer benchmark: `npm run bench -- --peer` runs it side by side with tools/native/bench.ts.
# Peer benchmark: a minimal GPT (pre-LN, causal MHA, GELU-tanh MLP, tied head, Adam 1e-3, fp32) in PyTorch on CPU.
# The workbook's engine is measured against it on the same machine, in the same run.
# Setup (Debian 12): apt-get install -y python3-torch   (PyTorch 1.13.1; run it with /usr/bin/python3)
# usage: OPENBLAS_NUM_THREADS=2 /usr/bin/python3 torch_gpt.py [a|b|c ...] [--steps N] [--warmup W] [--sample] [--threads 1]
# Threading: Debian's build oversubscribes if both OpenMP and OpenBLAS spawn threads. On a 2-core machine the
# fastest setting seen was --threads 1 with OPENBLAS_NUM_THREADS=2; --threads 2 with OPENBLAS_NUM_THREADS=1 is close.
# Each config processes B*T = 1024 tokens per step; lines starting with RESULT are the figures.
import math, sys, time, argparse
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {
    'a': dict(vocab=2048, d=64, L=2, H=4, T=64, B=16),
    'b': dict(vocab=4096, d=128, L=4, H=4, T=64, B=16),
    'c': dict(vocab=8192, d=256, L=6, H=8, T=128, B=8),
}


class Block(nn.Module):
    def __init__(self, d, H, T):
        super().__init__()
        self.H = H
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.pr = nn.Linear(4 * d, d)
        m = torch.triu(torch.full((T, T), -1e9), diagonal=1)
        self.register_buffer('mask', m, persistent=False)

    def attn(self, x, cache=None):
        B, T, d = x.shape
        H, hd = self.H, d // self.H
        q, k, v = self.qkv(x).split(d, dim=2)
        q = q.view(B, T, H, hd).transpose(1, 2)
        k = k.view(B, T, H, hd).transpose(1, 2)
        v = v.view(B, T, H, hd).transpose(1, 2)
        if cache is not None:
            if cache[0] is not None:
                k = torch.cat([cache[0], k], 2)
                v = torch.cat([cache[1], v], 2)
            cache[0], cache[1] = k, v
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
        if T > 1:
            att = att + self.mask[:T, :T] if att.shape[-1] == T else att
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, d)
        return self.o(y)

    def forward(self, x, cache=None):
        x = x + self.attn(self.ln1(x), cache)
        x = x + self.pr(F.gelu(self.fc(self.ln2(x)), approximate='tanh'))
        return x


class GPT(nn.Module):
    def __init__(self, vocab, d, L, H, T):
        super().__init__()
        self.T = T
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(T, d)
        self.blocks = nn.ModuleList([Block(d, H, T) for _ in range(L)])
        self.lnf = nn.LayerNorm(d)
        for n, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, 0, 0.02 / math.sqrt(2 * L) if n.endswith(('o.weight', 'pr.weight')) else 0.02)
            elif n.endswith('bias'):
                nn.init.zeros_(p)

    def trunk(self, idx, pos0=0, caches=None):
        B, T = idx.shape
        pos = torch.arange(pos0, pos0 + T)
        x = self.wte(idx) + self.wpe(pos)
        for i, b in enumerate(self.blocks):
            x = b(x, None if caches is None else caches[i])
        return self.lnf(x)

    def forward(self, idx, tgt):
        h = self.trunk(idx)
        logits = h @ self.wte.weight.t()  # tied head
        return F.cross_entropy(logits.view(-1, logits.size(-1)), tgt.view(-1))

    @torch.no_grad()
    def generate_nocache(self, idx, n, greedy=False):
        for _ in range(n):
            cond = idx[:, -self.T:]
            h = self.trunk(cond)[:, -1]
            lg = h @ self.wte.weight.t()
            nxt = lg.argmax(-1, keepdim=True) if greedy else torch.multinomial(F.softmax(lg, -1), 1)
            idx = torch.cat([idx, nxt], 1)
        return idx

    @torch.no_grad()
    def generate_kv(self, idx, n, greedy=False):
        caches = [[None, None] for _ in self.blocks]
        out = [idx]
        cur, pos = idx, 0
        for _ in range(n):
            h = self.trunk(cur, pos, caches)[:, -1]
            pos += cur.shape[1]
            lg = h @ self.wte.weight.t()
            nxt = lg.argmax(-1, keepdim=True) if greedy else torch.multinomial(F.softmax(lg, -1), 1)
            out.append(nxt)
            cur = nxt
        return torch.cat(out, 1)


def train_flops(c):
    V, d, L, T, B = c['vocab'], c['d'], c['L'], c['T'], c['B']
    tokens = B * T
    return 6 * (L * 12 * d * d + V * d) * tokens + 12 * L * T * d * tokens


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('configs', nargs='*', default=['a', 'b', 'c'])
    ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--sample', action='store_true')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    print(f'# torch {torch.__version__} threads={torch.get_num_threads()} {torch.__config__.parallel_info().splitlines()[0:1]}')
    for cn in a.configs:
        c = CONFIGS[cn]
        m = GPT(c['vocab'], c['d'], c['L'], c['H'], c['T'])
        opt = torch.optim.Adam(m.parameters(), lr=1e-3)
        g = torch.Generator().manual_seed(7)
        idx = torch.randint(0, c['vocab'], (c['B'], c['T'] + 1), generator=g)
        x, y = idx[:, :-1].contiguous(), idx[:, 1:].contiguous()
        times = []
        for i in range(a.warmup + a.steps):
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            loss = m(x, y)
            loss.backward()
            opt.step()
            lv = loss.item()
            dt = (time.perf_counter() - t0) * 1000
            if i >= a.warmup:
                times.append(dt)
        print('  step ms:', ' '.join(f'{t:.0f}' for t in times))
        med = sorted(times)[len(times) // 2]
        mean = sum(times) / len(times)
        tokens = c['B'] * c['T']
        gf = train_flops(c) / 1e9
        nparams = sum(p.numel() for p in m.parameters())
        print(f'RESULT torch train config={cn} {c} params={nparams} ms/step mean={mean:.2f} median={med:.2f} min={min(times):.2f} '
              f'tokens/s={tokens / mean * 1000:.0f} approxGFLOP/step={gf:.2f} achievedGFLOP/s={gf / mean * 1000:.2f} last_loss={lv:.4f}')
        if a.sample:
            B, n = 8, 64
            prompt = (torch.arange(B) * 7 % c['vocab']).view(B, 1)
            for mode in ('nocache', 'kv'):
                fn = m.generate_kv if mode == 'kv' else m.generate_nocache
                fn(prompt, 4)
                reps = []
                for _ in range(3):
                    t0 = time.perf_counter()
                    out = fn(prompt, n)
                    reps.append((time.perf_counter() - t0) * 1000)
                dt = min(reps)
                print(f'RESULT torch sample config={cn} mode={mode} B={B} new={n} total_ms={dt:.1f} (min of 3) '
                      f'ms/token-step={dt / n:.2f} tokens/s={B * n / dt * 1000:.1f} out={tuple(out.shape)}')
            g1 = m.generate_nocache(prompt, 16, True)
            g2 = m.generate_kv(prompt, 16, True)
            print('greedy nocache==kv:', bool((g1 == g2).all()))


if __name__ == '__main__':
    main()
