// N-API entry points. JavaScript hands over one ArrayBuffer (the wasm backend's heap, via setHeap) and then
// calls kernels with float offsets into it, so tensors are read and written in place with no copies.
#include <node_api.h>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include "ops.h"
#include "selftest.h"

static float* g_heap = nullptr;
static size_t g_heap_floats = 0;
static napi_ref g_heap_ref = nullptr;

#define CHECK_NAPI(env, call)                                          \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, nullptr, "rlhf_native: N-API call failed"); \
      return nullptr;                                                  \
    }                                                                  \
  } while (0)

static bool get_args(napi_env env, napi_callback_info info, size_t want, double* out) {
  napi_value argv[24];
  size_t argc = 24;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < want) {
    napi_throw_type_error(env, nullptr, "rlhf_native: wrong number of arguments");
    return false;
  }
  for (size_t i = 0; i < want; i++) {
    if (napi_get_value_double(env, argv[i], &out[i]) != napi_ok) {
      napi_throw_type_error(env, nullptr, "rlhf_native: arguments must be numbers");
      return false;
    }
  }
  return true;
}

/** Checks that floats [off, off+len) lie inside the heap; throws otherwise. */
static bool in_heap(napi_env env, double off, double len, const char* what) {
  if (!g_heap) {
    napi_throw_error(env, nullptr, "rlhf_native: setHeap() was not called");
    return false;
  }
  if (off < 0 || len < 0 || off + len > (double)g_heap_floats) {
    std::string msg = std::string("rlhf_native: ") + what + " lies outside the heap";
    napi_throw_range_error(env, nullptr, msg.c_str());
    return false;
  }
  return true;
}

static napi_value SetHeap(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  void* data = nullptr;
  size_t len = 0;
  bool is_ab = false;
  CHECK_NAPI(env, napi_is_arraybuffer(env, argv[0], &is_ab));
  if (!is_ab) {
    napi_throw_type_error(env, nullptr, "rlhf_native.setHeap: expected an ArrayBuffer");
    return nullptr;
  }
  CHECK_NAPI(env, napi_get_arraybuffer_info(env, argv[0], &data, &len));
  // Hold a reference: the kernels keep a raw pointer, so the buffer must not be collected while it is the heap.
  if (g_heap_ref) napi_delete_reference(env, g_heap_ref);
  g_heap_ref = nullptr;
  CHECK_NAPI(env, napi_create_reference(env, argv[0], 1, &g_heap_ref));
  g_heap = (float*)data;
  g_heap_floats = len / sizeof(float);
  return nullptr;
}

// matmul(a, aBatchStride, b, bBatchStride, c, bias|-1, batch, m, n, k, transA, transB)
static napi_value MatMul(napi_env env, napi_callback_info info) {
  double v[12];
  if (!get_args(env, info, 12, v)) return nullptr;
  const long a = (long)v[0], abs_ = (long)v[1], b = (long)v[2], bbs = (long)v[3], c = (long)v[4];
  const long bias = (long)v[5];
  const int nb = (int)v[6], m = (int)v[7], n = (int)v[8], k = (int)v[9];
  const bool ta = v[10] != 0, tb = v[11] != 0;
  if (nb <= 0 || m <= 0 || n <= 0) return nullptr;
  if (!in_heap(env, a, (double)(nb - 1) * abs_ + (double)m * k, "matmul A")) return nullptr;
  if (!in_heap(env, b, (double)(nb - 1) * bbs + (double)k * n, "matmul B")) return nullptr;
  if (!in_heap(env, c, (double)nb * m * n, "matmul C")) return nullptr;
  if (bias >= 0 && !in_heap(env, bias, n, "matmul bias")) return nullptr;
  batch_gemm(g_heap + a, abs_, g_heap + b, bbs, g_heap + c, (long)m * n, bias >= 0 ? g_heap + bias : nullptr, nb, m,
             n, k, ta, tb);
  return nullptr;
}

// add(a, b, y, n): y = a + b, same shapes
static napi_value Add(napi_env env, napi_callback_info info) {
  double v[4];
  if (!get_args(env, info, 4, v)) return nullptr;
  for (int i = 0; i < 3; i++) if (!in_heap(env, v[i], v[3], "add operand")) return nullptr;
  par_add(g_heap + (long)v[0], g_heap + (long)v[1], g_heap + (long)v[2], (long)v[3]);
  return nullptr;
}

static napi_value Exp(napi_env env, napi_callback_info info) {
  double v[3];
  if (!get_args(env, info, 3, v)) return nullptr;
  if (!in_heap(env, v[0], v[2], "exp x") || !in_heap(env, v[1], v[2], "exp y")) return nullptr;
  par_exp(g_heap + (long)v[0], g_heap + (long)v[1], (long)v[2]);
  return nullptr;
}

static napi_value Tanh(napi_env env, napi_callback_info info) {
  double v[3];
  if (!get_args(env, info, 3, v)) return nullptr;
  if (!in_heap(env, v[0], v[2], "tanh x") || !in_heap(env, v[1], v[2], "tanh y")) return nullptr;
  par_tanh(g_heap + (long)v[0], g_heap + (long)v[1], (long)v[2]);
  return nullptr;
}

// sum3(x, y, outer, red, inner): x viewed as [outer, red, inner], y = Σ over the middle axis.
static napi_value Sum3(napi_env env, napi_callback_info info) {
  double v[5];
  if (!get_args(env, info, 5, v)) return nullptr;
  if (!in_heap(env, v[0], v[2] * v[3] * v[4], "sum x") || !in_heap(env, v[1], v[2] * v[4], "sum y")) return nullptr;
  par_sum3(g_heap + (long)v[0], g_heap + (long)v[1], (long)v[2], (long)v[3], (long)v[4]);
  return nullptr;
}

static const int32_t* heap_i32(double off) { return (const int32_t*)(g_heap + (long)off); }
#define F(i) (g_heap + (long)v[i])

static napi_value Gelu(napi_env env, napi_callback_info info) {
  double v[3];
  if (!get_args(env, info, 3, v)) return nullptr;
  if (!in_heap(env, v[0], v[2], "gelu x") || !in_heap(env, v[1], v[2], "gelu y")) return nullptr;
  par_gelu(F(0), F(1), (long)v[2]);
  return nullptr;
}

// geluGrad(x, dy, dx, n)
static napi_value GeluGrad(napi_env env, napi_callback_info info) {
  double v[4];
  if (!get_args(env, info, 4, v)) return nullptr;
  for (int i = 0; i < 3; i++) if (!in_heap(env, v[i], v[3], "geluGrad operand")) return nullptr;
  par_gelu_grad(F(0), F(1), F(2), (long)v[3]);
  return nullptr;
}

// layerNorm(x, gamma, beta, y, rows, d, eps)
static napi_value LayerNorm(napi_env env, napi_callback_info info) {
  double v[7];
  if (!get_args(env, info, 7, v)) return nullptr;
  const double n = v[4] * v[5];
  if (!in_heap(env, v[0], n, "layerNorm x") || !in_heap(env, v[1], v[5], "layerNorm gamma") ||
      !in_heap(env, v[2], v[5], "layerNorm beta") || !in_heap(env, v[3], n, "layerNorm y"))
    return nullptr;
  par_layernorm(F(0), F(1), F(2), F(3), (long)v[4], (long)v[5], (float)v[6]);
  return nullptr;
}

// layerNormGrad(x, gamma, dy, dx, dgamma, dbeta, rows, d, eps)
static napi_value LayerNormGrad(napi_env env, napi_callback_info info) {
  double v[9];
  if (!get_args(env, info, 9, v)) return nullptr;
  const double n = v[6] * v[7];
  if (!in_heap(env, v[0], n, "layerNormGrad x") || !in_heap(env, v[1], v[7], "layerNormGrad gamma") ||
      !in_heap(env, v[2], n, "layerNormGrad dy") || !in_heap(env, v[3], n, "layerNormGrad dx") ||
      !in_heap(env, v[4], v[7], "layerNormGrad dgamma") || !in_heap(env, v[5], v[7], "layerNormGrad dbeta"))
    return nullptr;
  par_layernorm_grad(F(0), F(1), F(2), F(3), F(4), F(5), (long)v[6], (long)v[7], (float)v[8]);
  return nullptr;
}

// xent(logits, targets(int32), loss, lse, rows, V)
static napi_value Xent(napi_env env, napi_callback_info info) {
  double v[6];
  if (!get_args(env, info, 6, v)) return nullptr;
  if (!in_heap(env, v[0], v[4] * v[5], "xent logits") || !in_heap(env, v[1], v[4], "xent targets") ||
      !in_heap(env, v[2], v[4], "xent loss") || !in_heap(env, v[3], v[4], "xent lse"))
    return nullptr;
  par_xent(F(0), heap_i32(v[1]), F(2), F(3), (long)v[4], (long)v[5]);
  return nullptr;
}

// xentGrad(logits, targets(int32), lse, dloss, dlogits, rows, V)
static napi_value XentGrad(napi_env env, napi_callback_info info) {
  double v[7];
  if (!get_args(env, info, 7, v)) return nullptr;
  const double n = v[5] * v[6];
  if (!in_heap(env, v[0], n, "xentGrad logits") || !in_heap(env, v[1], v[5], "xentGrad targets") ||
      !in_heap(env, v[2], v[5], "xentGrad lse") || !in_heap(env, v[3], v[5], "xentGrad dloss") ||
      !in_heap(env, v[4], n, "xentGrad dlogits"))
    return nullptr;
  par_xent_grad(F(0), heap_i32(v[1]), F(2), F(3), F(4), (long)v[5], (long)v[6]);
  return nullptr;
}

// tokenLogprobs(logits, targets(int32), lp, lse, rows, V, temperature)
static napi_value TokenLogprobs(napi_env env, napi_callback_info info) {
  double v[7];
  if (!get_args(env, info, 7, v)) return nullptr;
  if (!in_heap(env, v[0], v[4] * v[5], "tokenLogprobs logits") || !in_heap(env, v[1], v[4], "tokenLogprobs targets") ||
      !in_heap(env, v[2], v[4], "tokenLogprobs lp") || !in_heap(env, v[3], v[4], "tokenLogprobs lse"))
    return nullptr;
  par_token_logprob(F(0), heap_i32(v[1]), F(2), F(3), (long)v[4], (long)v[5], (float)v[6]);
  return nullptr;
}

// tokenLogprobsGrad(logits, targets(int32), lse, dlp, dlogits, rows, V, temperature)
static napi_value TokenLogprobsGrad(napi_env env, napi_callback_info info) {
  double v[8];
  if (!get_args(env, info, 8, v)) return nullptr;
  const double n = v[5] * v[6];
  if (!in_heap(env, v[0], n, "tokenLogprobsGrad logits") || !in_heap(env, v[1], v[5], "tokenLogprobsGrad targets") ||
      !in_heap(env, v[2], v[5], "tokenLogprobsGrad lse") || !in_heap(env, v[3], v[5], "tokenLogprobsGrad dlp") ||
      !in_heap(env, v[4], n, "tokenLogprobsGrad dlogits"))
    return nullptr;
  par_token_logprob_grad(F(0), heap_i32(v[1]), F(2), F(3), F(4), (long)v[5], (long)v[6], (float)v[7]);
  return nullptr;
}

// logSoftmax(x, y, rows, V)
static napi_value LogSoftmax(napi_env env, napi_callback_info info) {
  double v[4];
  if (!get_args(env, info, 4, v)) return nullptr;
  if (!in_heap(env, v[0], v[2] * v[3], "logSoftmax x") || !in_heap(env, v[1], v[2] * v[3], "logSoftmax y")) return nullptr;
  par_logsoftmax(F(0), F(1), (long)v[2], (long)v[3]);
  return nullptr;
}

// logSoftmaxGrad(y, dy, dx, rows, V)
static napi_value LogSoftmaxGrad(napi_env env, napi_callback_info info) {
  double v[5];
  if (!get_args(env, info, 5, v)) return nullptr;
  for (int i = 0; i < 3; i++) if (!in_heap(env, v[i], v[3] * v[4], "logSoftmaxGrad operand")) return nullptr;
  par_logsoftmax_grad(F(0), F(1), F(2), (long)v[3], (long)v[4]);
  return nullptr;
}

// adam(p, m, v, g, pOut, mOut, vOut, n, lr, b1, 1−b1, b2, 1−b2, eps, c1, c2, lr·wd, form, √c2/c1)
static napi_value Adam(napi_env env, napi_callback_info info) {
  double v[19];
  if (!get_args(env, info, 19, v)) return nullptr;
  for (int i = 0; i < 7; i++) if (!in_heap(env, v[i], v[7], "adam operand")) return nullptr;
  float hyper[11];
  for (int i = 0; i < 11; i++) hyper[i] = (float)v[8 + i];
  par_adam(F(0), F(1), F(2), F(3), F(4), F(5), F(6), (long)v[7], hyper);
  return nullptr;
}

// gather(x, indices(int32), out, outer, dim, slice, n) → −1, or the position of the first index outside [0, dim)
static napi_value Gather(napi_env env, napi_callback_info info) {
  double v[7];
  if (!get_args(env, info, 7, v)) return nullptr;
  if (!in_heap(env, v[0], v[3] * v[4] * v[5], "gather x") || !in_heap(env, v[1], v[6], "gather indices") ||
      !in_heap(env, v[2], v[3] * v[6] * v[5], "gather out"))
    return nullptr;
  long bad = gather32(F(0), heap_i32(v[1]), F(2), (long)v[3], (long)v[4], (long)v[5], (long)v[6]);
  napi_value r;
  napi_create_double(env, (double)bad, &r);
  return r;
}

// kvAppend(kOld|-1, vOld|-1, qkv, kOut, vOut, B, H, Tp, T, hd)
static napi_value KvAppend(napi_env env, napi_callback_info info) {
  double v[10];
  if (!get_args(env, info, 10, v)) return nullptr;
  const double B = v[5], H = v[6], Tp = v[7], T = v[8], hd = v[9];
  if ((Tp > 0 && (!in_heap(env, v[0], B * H * Tp * hd, "kvAppend k") || !in_heap(env, v[1], B * H * Tp * hd, "kvAppend v"))) ||
      !in_heap(env, v[2], B * T * 3 * H * hd, "kvAppend qkv") || !in_heap(env, v[3], B * H * (Tp + T) * hd, "kvAppend kOut") ||
      !in_heap(env, v[4], B * H * (Tp + T) * hd, "kvAppend vOut"))
    return nullptr;
  kv_append(Tp > 0 ? F(0) : nullptr, Tp > 0 ? F(1) : nullptr, F(2), F(3), F(4), (long)B, (long)H, (long)Tp, (long)T,
            (long)hd);
  return nullptr;
}

// adamMulti(descriptor Float64Array): [11 hyper-parameters (see Adam), count, then per tensor: p, m, v, g, pOut, mOut,
// vOut, n]
static napi_value AdamMulti(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  napi_typedarray_type type;
  size_t len = 0;
  void* data = nullptr;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 1 ||
      napi_get_typedarray_info(env, argv[0], &type, &len, &data, nullptr, nullptr) != napi_ok ||
      type != napi_float64_array || len < 12) {
    napi_throw_type_error(env, nullptr, "rlhf_native.adamMulti: expected a Float64Array descriptor");
    return nullptr;
  }
  const double* d = (const double*)data;
  const long count = (long)d[11];
  if (count < 0 || len < 12 + 8 * (size_t)count) {
    napi_throw_range_error(env, nullptr, "rlhf_native.adamMulti: descriptor too short");
    return nullptr;
  }
  float hyper[11];
  for (int i = 0; i < 11; i++) hyper[i] = (float)d[i];
  std::vector<AdamTensor> ts((size_t)count);
  for (long t = 0; t < count; t++) {
    const double* e = d + 12 + 8 * t;
    for (int i = 0; i < 7; i++)
      if (!in_heap(env, e[i], e[7], "adamMulti operand")) return nullptr;
    ts[t] = AdamTensor{g_heap + (long)e[0], g_heap + (long)e[1], g_heap + (long)e[2], g_heap + (long)e[3],
                       g_heap + (long)e[4], g_heap + (long)e[5], g_heap + (long)e[6], (long)e[7]};
  }
  adam_multi(ts.data(), count, hyper);
  return nullptr;
}

/** Reads the attention descriptor (a Float64Array, layout in lib/engine/nativeAttention.ts) and checks every operand's span. */
static bool attn_args(napi_env env, napi_callback_info info, AttnArgs& a, bool backward) {
  napi_value argv[1];
  size_t argc = 1;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 1) {
    napi_throw_type_error(env, nullptr, "rlhf_native.attention: expected a Float64Array descriptor");
    return false;
  }
  napi_typedarray_type type;
  size_t len = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, argv[0], &type, &len, &data, nullptr, nullptr) != napi_ok ||
      type != napi_float64_array || len < 44) {
    napi_throw_type_error(env, nullptr, "rlhf_native.attention: expected a Float64Array descriptor of 44 numbers");
    return false;
  }
  const double* d = (const double*)data;
  a.B = (int)d[21]; a.H = (int)d[22]; a.Tq = (int)d[23]; a.Tk = (int)d[24]; a.hd = (int)d[25];
  a.scale = (float)d[26]; a.causal_offset = (long)d[27];
  auto span = [&](double bs, double hs, double rs, double rows, double width) {
    return (a.B - 1) * bs + (a.H - 1) * hs + (rows - 1) * rs + width;
  };
  a.q_b = (long)d[6]; a.q_h = (long)d[7]; a.q_r = (long)d[8];
  a.k_b = (long)d[9]; a.k_h = (long)d[10]; a.k_r = (long)d[11];
  a.v_b = (long)d[12]; a.v_h = (long)d[13]; a.v_r = (long)d[14];
  a.y_b = (long)d[15]; a.y_h = (long)d[16]; a.y_r = (long)d[17];
  a.bias_b = (long)d[18]; a.bias_h = (long)d[19]; a.bias_r = (long)d[20];
  if (a.B <= 0 || a.H <= 0 || a.Tq <= 0 || a.Tk <= 0 || a.hd <= 0) {
    napi_throw_range_error(env, nullptr, "rlhf_native.attention: empty dimensions");
    return false;
  }
  if (!in_heap(env, d[0], span(d[6], d[7], d[8], a.Tq, a.hd), "attention q") ||
      !in_heap(env, d[1], span(d[9], d[10], d[11], a.Tk, a.hd), "attention k") ||
      !in_heap(env, d[2], span(d[12], d[13], d[14], a.Tk, a.hd), "attention v"))
    return false;
  if (d[5] >= 0 && !in_heap(env, d[5], span(d[18], d[19], d[20], a.Tq, a.Tk), "attention bias")) return false;
  a.q = g_heap + (long)d[0]; a.k = g_heap + (long)d[1]; a.v = g_heap + (long)d[2];
  a.bias = d[5] >= 0 ? g_heap + (long)d[5] : nullptr;
  if (!backward) {
    if (!in_heap(env, d[3], span(d[15], d[16], d[17], a.Tq, a.hd), "attention y")) return false;
    a.y = g_heap + (long)d[3];
    return true;
  }
  a.dy_b = (long)d[29]; a.dy_h = (long)d[30]; a.dy_r = (long)d[31];
  a.dq_b = (long)d[33]; a.dq_h = (long)d[34]; a.dq_r = (long)d[35];
  a.dk_b = (long)d[37]; a.dk_h = (long)d[38]; a.dk_r = (long)d[39];
  a.dv_b = (long)d[41]; a.dv_h = (long)d[42]; a.dv_r = (long)d[43];
  if (!in_heap(env, d[28], span(d[29], d[30], d[31], a.Tq, a.hd), "attention dy") ||
      !in_heap(env, d[32], span(d[33], d[34], d[35], a.Tq, a.hd), "attention dq") ||
      !in_heap(env, d[36], span(d[37], d[38], d[39], a.Tk, a.hd), "attention dk") ||
      !in_heap(env, d[40], span(d[41], d[42], d[43], a.Tk, a.hd), "attention dv"))
    return false;
  a.dy = g_heap + (long)d[28];
  a.dq = g_heap + (long)d[32]; a.dk = g_heap + (long)d[36]; a.dv = g_heap + (long)d[40];
  return true;
}

static napi_value Attention(napi_env env, napi_callback_info info) {
  AttnArgs a;
  if (attn_args(env, info, a, false)) attention_fwd(a);
  return nullptr;
}

static napi_value AttentionGrad(napi_env env, napi_callback_info info) {
  AttnArgs a;
  if (attn_args(env, info, a, true)) attention_bwd(a);
  return nullptr;
}

// configure(threads, isa, spinMicroseconds) → true if the ISA is available. isa "" = best available.
static napi_value Configure(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = 3;
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  double threads = 0, spin = -1;
  char isa[32] = {0};
  size_t isa_len = 0;
  if (argc > 0) napi_get_value_double(env, argv[0], &threads);
  if (argc > 1) napi_get_value_string_utf8(env, argv[1], isa, sizeof isa, &isa_len);
  if (argc > 2) napi_get_value_double(env, argv[2], &spin);
  bool ok = select_isa(isa);
  if (threads >= 1) g_pool.resize((int)threads);
  if (spin >= 0) g_pool.set_spin_us((int)spin);
  napi_value r;
  napi_get_boolean(env, ok, &r);
  return r;
}

static napi_value Info(napi_env env, napi_callback_info info) {
  napi_value o, s, t, mr, nr;
  CHECK_NAPI(env, napi_create_object(env, &o));
  CHECK_NAPI(env, napi_create_string_utf8(env, g_isa->name, NAPI_AUTO_LENGTH, &s));
  CHECK_NAPI(env, napi_create_int32(env, g_pool.threads(), &t));
  CHECK_NAPI(env, napi_create_int32(env, g_isa->gemm_mr(), &mr));
  CHECK_NAPI(env, napi_create_int32(env, g_isa->gemm_nr(), &nr));
  napi_set_named_property(env, o, "isa", s);
  napi_set_named_property(env, o, "threads", t);
  napi_set_named_property(env, o, "mr", mr);
  napi_set_named_property(env, o, "nr", nr);
  return o;
}

// selfTest() → { ok, isa, checks, failures }: every kernel of the configured copy against reference loops
// (src/selftest.cc). Meant to run in a child process first: a copy the CPU cannot run kills only that process.
static napi_value SelfTest(napi_env env, napi_callback_info info) {
  const SelftestResult r = isa_selftest(*g_isa);
  napi_value o, ok, isa, checks, failures;
  CHECK_NAPI(env, napi_create_object(env, &o));
  CHECK_NAPI(env, napi_get_boolean(env, r.failures.empty(), &ok));
  CHECK_NAPI(env, napi_create_string_utf8(env, g_isa->name, NAPI_AUTO_LENGTH, &isa));
  CHECK_NAPI(env, napi_create_int32(env, r.checks, &checks));
  CHECK_NAPI(env, napi_create_array_with_length(env, r.failures.size(), &failures));
  for (size_t i = 0; i < r.failures.size(); i++) {
    napi_value f;
    CHECK_NAPI(env, napi_create_string_utf8(env, r.failures[i].c_str(), NAPI_AUTO_LENGTH, &f));
    CHECK_NAPI(env, napi_set_element(env, failures, (uint32_t)i, f));
  }
  napi_set_named_property(env, o, "ok", ok);
  napi_set_named_property(env, o, "isa", isa);
  napi_set_named_property(env, o, "checks", checks);
  napi_set_named_property(env, o, "failures", failures);
  return o;
}

static napi_value Init(napi_env env, napi_value exports) {
  select_isa("");
  struct { const char* name; napi_callback fn; } fns[] = {
      {"setHeap", SetHeap},     {"matmul", MatMul},       {"exp", Exp},           {"add", Add},
      {"tanh", Tanh},           {"sum3", Sum3},           {"gelu", Gelu},
      {"geluGrad", GeluGrad},   {"layerNorm", LayerNorm}, {"layerNormGrad", LayerNormGrad},
      {"xent", Xent},           {"xentGrad", XentGrad},   {"adam", Adam},
      {"attention", Attention}, {"attentionGrad", AttentionGrad}, {"gather", Gather},
      {"kvAppend", KvAppend},   {"logSoftmax", LogSoftmax}, {"logSoftmaxGrad", LogSoftmaxGrad},
      {"adamMulti", AdamMulti},     {"tokenLogprobs", TokenLogprobs}, {"tokenLogprobsGrad", TokenLogprobsGrad},
      {"configure", Configure}, {"info", Info},     {"selfTest", SelfTest},
  };
  for (auto& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
