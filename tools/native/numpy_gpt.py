#!/usr/bin/python3
"""An independent numpy implementation of the workbook's GPT forward pass (GPT-2's architecture).

It reads a checkpoint folder written by lib/io/checkpoint.ts the way any Python user would: the safetensors
header parsed by hand (8-byte little-endian length, JSON, raw little-endian float32) and the Hugging Face
fields of config.json. It shares no code with the TypeScript model, so agreement of the logits shows that the
file format is the standard one and the architecture is the standard GPT-2.

    /usr/bin/python3 tools/native/numpy_gpt.py CKPT_DIR TOKENS_JSON [EXPECTED_SAFETENSORS] [--tol 1e-4]

TOKENS_JSON holds a list of token-id lists (equal lengths). Without EXPECTED_SAFETENSORS the logits are
printed; with it (a safetensors file holding "logits" [B, T, V]) the script prints the largest absolute
difference as JSON and exits with status 1 if it exceeds the tolerance.
Needs only numpy (Debian: apt-get install -y python3-numpy).
"""
import json
import math
import os
import struct
import sys

import numpy as np


def read_safetensors(path):
    """name -> float32 array, parsed from the raw bytes."""
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n].decode('utf-8'))
    data = raw[8 + n:]
    out = {}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        if e['dtype'] != 'F32':
            raise ValueError(f'{path}: tensor {name} has dtype {e["dtype"]}, expected F32')
        begin, end = e['data_offsets']
        out[name] = np.frombuffer(data[begin:end], dtype='<f4').reshape(e['shape']).astype(np.float64)
    return out


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu_new(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def gpt2_logits(p, cfg, ids):
    """ids [B, T] int -> logits [B, T, V], in float64 (the reference)."""
    B, T = ids.shape
    d, H, L = cfg['n_embd'], cfg['n_head'], cfg['n_layer']
    eps = cfg.get('layer_norm_epsilon', 1e-5)
    hd = d // H
    x = p['wte.weight'][ids] + p['wpe.weight'][np.arange(T)][None]  # (B, T, d)
    future = np.triu(np.ones((T, T), dtype=bool), k=1)
    for i in range(L):
        g = lambda name: p[f'h.{i}.{name}']
        a = layer_norm(x, g('ln_1.weight'), g('ln_1.bias'), eps)
        qkv = a @ g('attn.c_attn.weight') + g('attn.c_attn.bias')  # (B, T, 3d): q, k, v
        q, k, v = np.split(qkv, 3, axis=-1)
        q, k, v = (t.reshape(B, T, H, hd).transpose(0, 2, 1, 3) for t in (q, k, v))  # (B, H, T, hd)
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hd)
        s = np.where(future, -np.inf, s)
        y = (softmax(s) @ v).transpose(0, 2, 1, 3).reshape(B, T, d)
        x = x + y @ g('attn.c_proj.weight') + g('attn.c_proj.bias')
        m = layer_norm(x, g('ln_2.weight'), g('ln_2.bias'), eps)
        x = x + gelu_new(m @ g('mlp.c_fc.weight') + g('mlp.c_fc.bias')) @ g('mlp.c_proj.weight') + g('mlp.c_proj.bias')
    h = layer_norm(x, p['ln_f.weight'], p['ln_f.bias'], eps)
    return h @ p['wte.weight'].T  # tied LM head


def main(argv):
    tol = 1e-4
    if '--tol' in argv:
        i = argv.index('--tol')
        tol = float(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    ckpt, tokens_file = argv[0], argv[1]
    with open(os.path.join(ckpt, 'config.json')) as f:
        cfg = json.load(f)
    assert cfg['model_type'] == 'gpt2' and cfg['activation_function'] == 'gelu_new' and cfg['tie_word_embeddings']
    params = read_safetensors(os.path.join(ckpt, 'model.safetensors'))
    with open(tokens_file) as f:
        ids = np.array(json.load(f), dtype=np.int64)
    logits = gpt2_logits(params, cfg, ids)
    if len(argv) == 2:
        print(json.dumps(logits.tolist()))
        return 0
    expected = read_safetensors(argv[2])['logits']
    if expected.shape != logits.shape:
        print(json.dumps({'error': f'shape {list(expected.shape)} != {list(logits.shape)}'}))
        return 1
    diff = float(np.abs(expected - logits).max())
    report = {
        'maxAbsDiff': diff,
        'maxAbsLogit': float(np.abs(logits).max()),
        'tolerance': tol,
        'shape': list(logits.shape),
        'sameArgmax': bool((expected.argmax(-1) == logits.argmax(-1)).all()),
        'ok': diff <= tol,
    }
    print(json.dumps(report))
    return 0 if report['ok'] else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
