#include "ops.h"
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

Pool g_pool;

#define RLHF_TABLE_ENTRY(NS) [] {                          \
    IsaTable t;                                                \
    t.name = #NS + 4;                                          \
    RLHF_ISA_FUNCS(RLHF_SET_MEMBER_##NS)                       \
    return t;                                                  \
  }()
#define RLHF_SET_MEMBER_isa_generic(ret, name, args) t.name = isa_generic::name;
static const IsaTable t_generic = RLHF_TABLE_ENTRY(isa_generic);
#if defined(__x86_64__) || defined(_M_X64)
#define RLHF_SET_MEMBER_isa_avx2(ret, name, args) t.name = isa_avx2::name;
#define RLHF_SET_MEMBER_isa_avx512(ret, name, args) t.name = isa_avx512::name;
static const IsaTable t_avx2 = RLHF_TABLE_ENTRY(isa_avx2);
static const IsaTable t_avx512 = RLHF_TABLE_ENTRY(isa_avx512);
static bool has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
}
static bool has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif
const IsaTable* g_isa = &t_generic;

bool select_isa(const char* want) {
  std::string w = want ? want : "";
#if defined(__x86_64__) || defined(_M_X64)
  if (w.empty()) {
    g_isa = has_avx512() ? &t_avx512 : has_avx2() ? &t_avx2 : &t_generic;
    return true;
  }
  if (w == "avx512") { if (!has_avx512()) return false; g_isa = &t_avx512; return true; }
  if (w == "avx2") { if (!has_avx2()) return false; g_isa = &t_avx2; return true; }
#else
  if (w.empty()) { g_isa = &t_generic; return true; }
#endif
  if (w == "generic") { g_isa = &t_generic; return true; }
  return false;
}

const IsaTable* isa_table(const char* name) {
  std::string w = name ? name : "";
#if defined(__x86_64__) || defined(_M_X64)
  if (w == "avx512") return has_avx512() ? &t_avx512 : nullptr;
  if (w == "avx2") return has_avx2() ? &t_avx2 : nullptr;
#endif
  if (w == "generic") return &t_generic;
  return nullptr;
}

// ---------------------------------------------------------------------------------------------------------
// GEMM scheduling. Work is cut into tasks (one batch entry, or a block of rows / columns of one product) so
// that there are a few tasks per thread; each task packs its own panels into a per-thread workspace.

static thread_local std::vector<float> t_work;

static float* workspace(long floats) {
  if ((long)t_work.size() < floats) t_work.resize(floats);
  return t_work.data();
}

struct GemmJob {
  GemmArgs g;   // batch entry 0; the others are offset by the batch strides
  long a_bs, b_bs, c_bs;
  int nb;
  int msplit, nsplit;  // blocks per product
  int mstep, nstep;
};

static void gemm_task(void* ctx, int t) {
  const GemmJob& j = *(const GemmJob*)ctx;
  const int per = j.msplit * j.nsplit;
  const int b = t / per, r = t % per;
  const int mi = r / j.nsplit, ni = r % j.nsplit;
  GemmArgs g = j.g;
  g.a += b * j.a_bs;
  g.b += b * j.b_bs;
  g.c += b * j.c_bs;
  const int i0 = mi * j.mstep, i1 = std::min(g.m, i0 + j.mstep);
  const int j0 = ni * j.nstep, j1 = std::min(g.n, j0 + j.nstep);
  if (i0 >= i1 || j0 >= j1) return;
  float* w = workspace(g_isa->gemm_work_floats(j1 - j0, g.k));
  g_isa->gemm_block(g, i0, i1, j0, j1, w);
}

static void gemm_batch_task(void* ctx, int t) {
  // One task = a contiguous group of whole products (used when the batch is large).
  const GemmJob& j = *(const GemmJob*)ctx;
  const int per = (j.nb + j.msplit - 1) / j.msplit;  // msplit holds the number of groups here
  const int b0 = t * per, b1 = std::min(j.nb, b0 + per);
  float* w = workspace(g_isa->gemm_work_floats(j.g.n, j.g.k));
  for (int b = b0; b < b1; b++) {
    GemmArgs g = j.g;
    g.a += b * j.a_bs;
    g.b += b * j.b_bs;
    g.c += b * j.c_bs;
    g_isa->gemm_block(g, 0, g.m, 0, g.n, w);
  }
}

static inline int round_up(int x, int q) { return (x + q - 1) / q * q; }

void batch_gemm(const float* a, long a_bs, const float* b, long b_bs, float* c, long c_bs, const float* bias, int nb,
                int m, int n, int k, bool trans_a, bool trans_b) {
  if (nb <= 0 || m <= 0 || n <= 0) return;
  GemmJob j;
  j.g.a = a; j.g.b = b; j.g.c = c; j.g.bias = bias;
  j.g.m = m; j.g.n = n; j.g.k = k; j.g.ldc = n; j.g.accumulate = false;
  if (!trans_a) { j.g.a_rs = k; j.g.a_cs = 1; } else { j.g.a_rs = 1; j.g.a_cs = m; }
  if (!trans_b) { j.g.b_rs = n; j.g.b_cs = 1; } else { j.g.b_rs = 1; j.g.b_cs = k; }
  j.a_bs = a_bs; j.b_bs = b_bs; j.c_bs = c_bs; j.nb = nb;
  const int threads = g_pool.threads();
  const double flops = 2.0 * nb * m * n * (double)std::max(k, 1);
  if (threads == 1 || flops < 2e5 || (m <= 16 && nb == 1 && flops < 4e6)) {
    j.msplit = 1; j.nsplit = 1; j.mstep = m; j.nstep = n;
    float* w = workspace(g_isa->gemm_work_floats(n, k));
    for (int bi = 0; bi < nb; bi++) {
      GemmArgs g = j.g;
      g.a += bi * a_bs; g.b += bi * b_bs; g.c += bi * c_bs;
      g_isa->gemm_block(g, 0, m, 0, n, w);
    }
    return;
  }
  const int want = 4 * threads;  // tasks wanted, for balance
  if (nb >= want) {
    j.msplit = want;  // number of groups of products
    g_pool.run(gemm_batch_task, &j, want);
    return;
  }
  // Split each product into blocks of rows × columns. Each block packs its own panels of A (rows × k) and B
  // (k × columns), so the choice weighs the packing repeated across blocks against balance between threads:
  // estimated cycles of the busiest thread = ⌈blocks / threads⌉ · (rows·cols·k / 16 FMA-lanes + (rows + cols)·k
  // packed elements).
  const int NR = g_isa->gemm_nr(), MR = g_isa->gemm_mr();
  double best = 1e300;
  int best_ms = 1, best_ns = 1;
  for (int ms = 1; ms <= 2 * want; ms++) {
    for (int ns = 1; ns * ms <= 2 * want; ns++) {
      const int mstep = round_up((m + ms - 1) / ms, MR), nstep = round_up((n + ns - 1) / ns, NR);
      const int blocks = nb * ((m + mstep - 1) / mstep) * ((n + nstep - 1) / nstep);
      const int rounds = (blocks + threads - 1) / threads;
      const double cost = rounds * ((double)mstep * nstep * k / 16.0 + (double)(mstep + nstep) * k);
      if (cost < best * 0.999) {
        best = cost;
        best_ms = ms;
        best_ns = ns;
      }
    }
  }
  j.mstep = round_up((m + best_ms - 1) / best_ms, MR);
  j.nstep = round_up((n + best_ns - 1) / best_ns, NR);
  j.msplit = (m + j.mstep - 1) / j.mstep;
  j.nsplit = (n + j.nstep - 1) / j.nstep;
  g_pool.run(gemm_task, &j, nb * j.msplit * j.nsplit);
}

// ---------------------------------------------------------------------------------------------------------
// Elementwise and reductions: chunks of at least 16K elements.

struct MapJob {
  void (*f)(const float*, float*, long);
  const float* x;
  float* y;
  long n, chunk;
};
static void map_task(void* ctx, int t) {
  const MapJob& j = *(const MapJob*)ctx;
  long i0 = t * j.chunk, i1 = std::min(j.n, i0 + j.chunk);
  if (i0 < i1) j.f(j.x + i0, j.y + i0, i1 - i0);
}
static void par_map(void (*f)(const float*, float*, long), const float* x, float* y, long n) {
  const long min_chunk = 16384;
  const int threads = g_pool.threads();
  if (threads == 1 || n < 2 * min_chunk) { f(x, y, n); return; }
  int tasks = (int)std::min<long>(4 * threads, n / min_chunk);
  long chunk = (n + tasks - 1) / tasks;
  chunk = (chunk + 63) / 64 * 64;
  MapJob j{f, x, y, n, chunk};
  g_pool.run(map_task, &j, (int)((n + chunk - 1) / chunk));
}
void par_exp(const float* x, float* y, long n) { par_map(g_isa->exp_f32, x, y, n); }

void par_tanh(const float* x, float* y, long n) { par_map(g_isa->tanh_f32, x, y, n); }

struct SumJob {
  const float* x;
  float* y;
  long outer, red, inner, per;  // per = outer rows (or inner columns) per task
};
static void sum_rows_task(void* ctx, int t) {
  const SumJob& j = *(const SumJob*)ctx;
  long o0 = t * j.per, o1 = std::min(j.outer, o0 + j.per);
  if (o0 < o1) g_isa->sum_rows(j.x + o0 * j.red, j.y + o0, o1 - o0, j.red);
}
static void sum_outer_task(void* ctx, int t) {
  const SumJob& j = *(const SumJob*)ctx;
  long o0 = t * j.per, o1 = std::min(j.outer, o0 + j.per);
  for (long o = o0; o < o1; o++) g_isa->sum_cols(j.x + o * j.red * j.inner, j.y + o * j.inner, j.red, j.inner, j.inner, false);
}
static void sum_cols_task(void* ctx, int t) {
  const SumJob& j = *(const SumJob*)ctx;  // outer == 1: split the columns
  long c0 = t * j.per, c1 = std::min(j.inner, c0 + j.per);
  if (c0 < c1) g_isa->sum_cols(j.x + c0, j.y + c0, j.red, c1 - c0, j.inner, false);
}

void par_sum3(const float* x, float* y, long outer, long red, long inner) {
  if (outer * inner == 0) return;
  if (red == 0) { std::memset(y, 0, sizeof(float) * outer * inner); return; }
  const long total = outer * red * inner;
  const int threads = g_pool.threads();
  const bool par = threads > 1 && total >= 65536;
  SumJob j{x, y, outer, red, inner, 0};
  if (inner == 1) {
    if (!par) { g_isa->sum_rows(x, y, outer, red); return; }
    int tasks = (int)std::min<long>(4 * threads, outer);
    j.per = (outer + tasks - 1) / tasks;
    g_pool.run(sum_rows_task, &j, (int)((outer + j.per - 1) / j.per));
  } else if (outer >= 4 * threads || (!par && outer > 1)) {
    if (!par) { j.per = outer; sum_outer_task(&j, 0); return; }
    int tasks = 4 * threads;
    j.per = (outer + tasks - 1) / tasks;
    g_pool.run(sum_outer_task, &j, (int)((outer + j.per - 1) / j.per));
  } else if (outer == 1) {
    if (!par || inner < 128) { g_isa->sum_cols(x, y, red, inner, inner, false); return; }
    int tasks = (int)std::min<long>(4 * threads, inner / 64);
    j.per = ((inner + tasks - 1) / tasks + 63) / 64 * 64;
    g_pool.run(sum_cols_task, &j, (int)((inner + j.per - 1) / j.per));
  } else {
    j.per = 1;
    g_pool.run(sum_outer_task, &j, (int)outer);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Row-parallel fused kernels.

/** Runs f(r0, r1) over row blocks on the pool when the work is large enough. */
template <class F>
static void par_rows(long rows, long cost_per_row, F&& f) {
  const int threads = g_pool.threads();
  if (threads == 1 || rows < 2 || rows * cost_per_row < 32768) {
    f(0L, rows);
    return;
  }
  const int tasks = (int)std::min<long>(4 * threads, rows);
  struct Ctx {
    F* f;
    long rows, per;
  } c{&f, rows, (rows + tasks - 1) / tasks};
  g_pool.run(
      [](void* p, int t) {
        Ctx& c = *(Ctx*)p;
        long r0 = t * c.per, r1 = std::min(c.rows, r0 + c.per);
        if (r0 < r1) (*c.f)(r0, r1);
      },
      &c, (int)((rows + c.per - 1) / c.per));
}

void par_gelu(const float* x, float* y, long n) { par_map(g_isa->gelu_f32, x, y, n); }
void par_add(const float* a, const float* b, float* y, long n) {
  const long chunk = 16384;
  par_rows((n + chunk - 1) / chunk, chunk / 4, [&](long c0, long c1) {  // memory-bound: threads only when large
    const long i0 = c0 * chunk, i1 = std::min(n, c1 * chunk);
    g_isa->add_f32(a + i0, b + i0, y + i0, i1 - i0);
  });
}


void par_gelu_grad(const float* x, const float* dy, float* dx, long n) {
  const long chunk = 4096;
  par_rows((n + chunk - 1) / chunk, chunk, [&](long c0, long c1) {
    long i0 = c0 * chunk, i1 = std::min(n, c1 * chunk);
    g_isa->gelu_grad_f32(x + i0, dy + i0, dx + i0, i1 - i0);
  });
}

void par_layernorm(const float* x, const float* g, const float* b, float* y, long rows, long d, float eps) {
  par_rows(rows, d * 4, [&](long r0, long r1) { g_isa->layernorm_rows(x + r0 * d, g, b, y + r0 * d, r1 - r0, d, eps); });
}

void par_layernorm_grad(const float* x, const float* g, const float* dy, float* dx, float* dg, float* db, long rows,
                        long d, float eps) {
  const int threads = g_pool.threads();
  const int tasks = (threads == 1 || rows * d < 32768) ? 1 : (int)std::min<long>(4 * threads, rows);
  const long per = (rows + tasks - 1) / tasks;
  std::vector<float> partial((size_t)tasks * 2 * d, 0.f);
  struct Ctx {
    const float *x, *g, *dy;
    float *dx, *partial;
    long rows, d, per;
    float eps;
  } c{x, g, dy, dx, partial.data(), rows, d, per, eps};
  auto task = [](void* p, int t) {
    Ctx& c = *(Ctx*)p;
    long r0 = t * c.per, r1 = std::min(c.rows, r0 + c.per);
    if (r0 >= r1) return;
    float* pg = c.partial + (long)t * 2 * c.d;
    g_isa->layernorm_grad_rows(c.x + r0 * c.d, c.g, c.dy + r0 * c.d, c.dx + r0 * c.d, pg, pg + c.d, r1 - r0, c.d, c.eps);
  };
  if (tasks == 1) task(&c, 0);
  else g_pool.run(task, &c, tasks);
  for (long i = 0; i < d; i++) {
    float sg = 0.f, sb = 0.f;
    for (int t = 0; t < tasks; t++) {
      sg += partial[(size_t)t * 2 * d + i];
      sb += partial[(size_t)t * 2 * d + d + i];
    }
    dg[i] = sg;
    db[i] = sb;
  }
}

void par_xent(const float* logits, const int32_t* targets, float* loss, float* lse, long rows, long V) {
  par_rows(rows, V * 8, [&](long r0, long r1) {
    g_isa->xent_rows(logits + r0 * V, targets + r0, loss + r0, lse + r0, r1 - r0, V);
  });
}

void par_xent_grad(const float* logits, const int32_t* targets, const float* lse, const float* dloss, float* dlogits,
                   long rows, long V) {
  par_rows(rows, V * 8, [&](long r0, long r1) {
    g_isa->xent_grad_rows(logits + r0 * V, targets + r0, lse + r0, dloss + r0, dlogits + r0 * V, r1 - r0, V);
  });
}

void par_token_logprob(const float* logits, const int32_t* targets, float* lp, float* lse, long rows, long V, float T) {
  par_rows(rows, V * 8, [&](long r0, long r1) {
    g_isa->token_logprob_rows(logits + r0 * V, targets + r0, lp + r0, lse + r0, r1 - r0, V, T);
  });
}

void par_token_logprob_grad(const float* logits, const int32_t* targets, const float* lse, const float* dlp,
                            float* dlogits, long rows, long V, float T) {
  par_rows(rows, V * 8, [&](long r0, long r1) {
    g_isa->token_logprob_grad_rows(logits + r0 * V, targets + r0, lse + r0, dlp + r0, dlogits + r0 * V, r1 - r0, V, T);
  });
}

void par_logsoftmax(const float* x, float* y, long rows, long V) {
  par_rows(rows, V * 8, [&](long r0, long r1) { g_isa->logsoftmax_rows(x + r0 * V, y + r0 * V, r1 - r0, V); });
}

void par_logsoftmax_grad(const float* y, const float* dy, float* dx, long rows, long V) {
  par_rows(rows, V * 8, [&](long r0, long r1) {
    g_isa->logsoftmax_grad_rows(y + r0 * V, dy + r0 * V, dx + r0 * V, r1 - r0, V);
  });
}

void adam_multi(const AdamTensor* ts, long count, const float* hyper) {
  // Chunks of at most 8192 floats over all tensors, spread over the threads.
  struct Chunk {
    long t, i0, i1;
  };
  std::vector<Chunk> chunks;
  long total = 0;
  for (long t = 0; t < count; t++) {
    for (long i = 0; i < ts[t].n; i += 8192) chunks.push_back({t, i, std::min(ts[t].n, i + 8192)});
    total += ts[t].n;
  }
  par_rows((long)chunks.size(), total / std::max<long>(1, (long)chunks.size()), [&](long c0, long c1) {
    for (long c = c0; c < c1; c++) {
      const AdamTensor& a = ts[chunks[c].t];
      const long i0 = chunks[c].i0, n = chunks[c].i1 - i0;
      g_isa->adam_f32(a.p + i0, a.m + i0, a.v + i0, a.g + i0, a.po + i0, a.mo + i0, a.vo + i0, n, hyper);
    }
  });
}

void par_adam(const float* p, const float* m, const float* v, const float* g, float* po, float* mo, float* vo, long n,
              const float* hyper) {
  const long chunk = 8192;
  par_rows((n + chunk - 1) / chunk, chunk, [&](long c0, long c1) {
    long i0 = c0 * chunk, i1 = std::min(n, c1 * chunk);
    g_isa->adam_f32(p + i0, m + i0, v + i0, g + i0, po + i0, mo + i0, vo + i0, i1 - i0, hyper);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Attention, one (batch, head) per task; the small products go through the single-threaded GEMM.

static thread_local std::vector<float> t_scratch;

static GemmArgs gemm_args(const float* a, long a_rs, long a_cs, const float* b, long b_rs, long b_cs, float* c, long ldc,
                          int m, int n, int k) {
  GemmArgs g;
  g.a = a; g.a_rs = a_rs; g.a_cs = a_cs;
  g.b = b; g.b_rs = b_rs; g.b_cs = b_cs;
  g.c = c; g.ldc = ldc; g.bias = nullptr;
  g.m = m; g.n = n; g.k = k; g.accumulate = false;
  return g;
}


static float* attn_scratch(long floats) {
  if ((long)t_scratch.size() < floats) t_scratch.resize(floats);
  return t_scratch.data();
}

// Per head, every operand is small enough to stay in L1/L2, so the products skip packing (gemm_direct) and
// only Kᵀ and Vᵀ are formed explicitly (once per head), so that every right-hand operand has contiguous rows.
// With a causal mask, queries go in blocks of kRowBlock rows: a block only needs the keys up to its last row,
// so the products skip the masked triangle — exactly, since the skipped probabilities are 0.
static constexpr long kRowBlock = 32;

static long visible_keys(const AttnArgs& A, long r1) { return std::min<long>(A.Tk, r1 + A.causal_offset); }

static void gemmd(const GemmArgs& g) {
  float* w = workspace(g_isa->gemm_work_floats(g.n, g.k));
  g_isa->gemm_direct(g, w);
}

/** dst [cols, rows] = src [rows, cols]ᵀ, src rows `stride` apart. */
static void transpose_into(const float* src, long rows, long cols, long stride, float* dst) {
  for (long r = 0; r < rows; r++)
    for (long c = 0; c < cols; c++) dst[c * rows + r] = src[r * stride + c];
}

struct HeadScratch {
  float *p, *ds, *kt, *vt;
};

static HeadScratch head_scratch(const AttnArgs& A, bool backward) {
  const long pn = (long)A.Tq * A.Tk, tn = (long)A.Tk * A.hd;
  float* base = attn_scratch((backward ? 2 * pn : pn) + 2 * tn);
  HeadScratch s;
  s.p = base;
  s.ds = backward ? base + pn : nullptr;
  s.kt = base + (backward ? 2 * pn : pn);
  s.vt = s.kt + tn;
  return s;
}

/** P = softmax(Q·Kᵀ·scale + bias) for one head into p [Tq, Tk] (masked entries exactly 0); kt = Kᵀ [hd, Tk]. */
static void attn_probs(const AttnArgs& A, long b, long h, const float* q, const float* kt, float* p) {
  if (A.causal_offset >= 0) {
    for (long r0 = 0; r0 < A.Tq; r0 += kRowBlock) {
      const long r1 = std::min<long>(A.Tq, r0 + kRowBlock), len = visible_keys(A, r1);
      gemmd(gemm_args(q + r0 * A.q_r, A.q_r, 1, kt, A.Tk, 1, p + r0 * A.Tk, A.Tk, (int)(r1 - r0), (int)len, A.hd));
      g_isa->softmax_rows(p + r0 * A.Tk, r1 - r0, A.Tk, A.scale, nullptr, 0, A.causal_offset + r0);
    }
    return;
  }
  gemmd(gemm_args(q, A.q_r, 1, kt, A.Tk, 1, p, A.Tk, A.Tq, A.Tk, A.hd));
  const float* bias = A.bias ? A.bias + b * A.bias_b + h * A.bias_h : nullptr;
  g_isa->softmax_rows(p, A.Tq, A.Tk, A.scale, bias, A.bias_r, A.causal_offset);
}

static void attn_fwd_task(void* ctx, int t) {
  const AttnArgs& A = *(const AttnArgs*)ctx;
  const long b = t / A.H, h = t % A.H;
  const float* q = A.q + b * A.q_b + h * A.q_h;
  const float* k = A.k + b * A.k_b + h * A.k_h;
  const float* v = A.v + b * A.v_b + h * A.v_h;
  float* y = A.y + b * A.y_b + h * A.y_h;
  HeadScratch s = head_scratch(A, false);
  transpose_into(k, A.Tk, A.hd, A.k_r, s.kt);
  attn_probs(A, b, h, q, s.kt, s.p);
  if (A.causal_offset >= 0) {
    for (long r0 = 0; r0 < A.Tq; r0 += kRowBlock) {
      const long r1 = std::min<long>(A.Tq, r0 + kRowBlock), len = visible_keys(A, r1);
      gemmd(gemm_args(s.p + r0 * A.Tk, A.Tk, 1, v, A.v_r, 1, y + r0 * A.y_r, A.y_r, (int)(r1 - r0), A.hd, (int)len));
    }
    return;
  }
  gemmd(gemm_args(s.p, A.Tk, 1, v, A.v_r, 1, y, A.y_r, A.Tq, A.hd, A.Tk));  // Y = P·V
}

// The backward pass recomputes P (cheaper than keeping [B, H, Tq, Tk] probabilities alive between passes).
static void attn_bwd_task(void* ctx, int t) {
  const AttnArgs& A = *(const AttnArgs*)ctx;
  const long b = t / A.H, h = t % A.H;
  const float* q = A.q + b * A.q_b + h * A.q_h;
  const float* k = A.k + b * A.k_b + h * A.k_h;
  const float* v = A.v + b * A.v_b + h * A.v_h;
  const float* dy = A.dy + b * A.dy_b + h * A.dy_h;
  float* dq = A.dq + b * A.dq_b + h * A.dq_h;
  float* dk = A.dk + b * A.dk_b + h * A.dk_h;
  float* dv = A.dv + b * A.dv_b + h * A.dv_h;
  HeadScratch s = head_scratch(A, true);
  float* p = s.p;
  float* ds = s.ds;
  transpose_into(k, A.Tk, A.hd, A.k_r, s.kt);
  transpose_into(v, A.Tk, A.hd, A.v_r, s.vt);
  attn_probs(A, b, h, q, s.kt, p);
  if (A.causal_offset >= 0) {
    // Query blocks: dP = dY·Vᵀ, dS, dQ = dS·K over the visible keys only (the rest of dS set to 0).
    for (long r0 = 0; r0 < A.Tq; r0 += kRowBlock) {
      const long r1 = std::min<long>(A.Tq, r0 + kRowBlock), len = visible_keys(A, r1), rows = r1 - r0;
      float* dsb = ds + r0 * A.Tk;
      gemmd(gemm_args(dy + r0 * A.dy_r, A.dy_r, 1, s.vt, A.Tk, 1, dsb, A.Tk, (int)rows, (int)len, A.hd));
      g_isa->softmax_grad_rows(p + r0 * A.Tk, dsb, rows, len, A.Tk, A.scale);
      if (len < A.Tk)
        for (long r = 0; r < rows; r++) std::memset(dsb + r * A.Tk + len, 0, sizeof(float) * (A.Tk - len));
      gemmd(gemm_args(dsb, A.Tk, 1, k, A.k_r, 1, dq + r0 * A.dq_r, A.dq_r, (int)rows, A.hd, (int)len));
    }
    // Key blocks: dV = Pᵀ·dY and dK = dSᵀ·Q over the queries that see them.
    for (long c0 = 0; c0 < A.Tk; c0 += kRowBlock) {
      const long c1 = std::min<long>(A.Tk, c0 + kRowBlock);
      const long q0 = std::min<long>(A.Tq, std::max<long>(0, c0 - A.causal_offset));
      const int cols = (int)(c1 - c0), depth = (int)(A.Tq - q0);
      gemmd(gemm_args(p + q0 * A.Tk + c0, 1, A.Tk, dy + q0 * A.dy_r, A.dy_r, 1, dv + c0 * A.dv_r, A.dv_r, cols, A.hd, depth));
      gemmd(gemm_args(ds + q0 * A.Tk + c0, 1, A.Tk, q + q0 * A.q_r, A.q_r, 1, dk + c0 * A.dk_r, A.dk_r, cols, A.hd, depth));
    }
    return;
  }
  gemmd(gemm_args(p, 1, A.Tk, dy, A.dy_r, 1, dv, A.dv_r, A.Tk, A.hd, A.Tq));    // dV = Pᵀ·dY
  gemmd(gemm_args(dy, A.dy_r, 1, s.vt, A.Tk, 1, ds, A.Tk, A.Tq, A.Tk, A.hd));   // dP = dY·Vᵀ
  g_isa->softmax_grad_rows(p, ds, A.Tq, A.Tk, A.Tk, A.scale);                   // dS (scaled)
  gemmd(gemm_args(ds, A.Tk, 1, k, A.k_r, 1, dq, A.dq_r, A.Tq, A.hd, A.Tk));     // dQ = dS·K
  gemmd(gemm_args(ds, 1, A.Tk, q, A.q_r, 1, dk, A.dk_r, A.Tk, A.hd, A.Tq));     // dK = dSᵀ·Q
}

static bool attention_small(const AttnArgs& a) {
  return 4.0 * a.B * a.H * a.Tq * a.Tk * a.hd < 1e6;  // flops of the two products: not worth waking threads
}

void attention_fwd(const AttnArgs& a) {
  const int tasks = a.B * a.H;
  if (g_pool.threads() == 1 || tasks == 1 || attention_small(a)) {
    for (int t = 0; t < tasks; t++) attn_fwd_task((void*)&a, t);
  } else {
    g_pool.run(attn_fwd_task, (void*)&a, tasks);
  }
}

void attention_bwd(const AttnArgs& a) {
  const int tasks = a.B * a.H;
  if (g_pool.threads() == 1 || tasks == 1 || attention_small(a)) {
    for (int t = 0; t < tasks; t++) attn_bwd_task((void*)&a, t);
  } else {
    g_pool.run(attn_bwd_task, (void*)&a, tasks);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Gather of 4-byte elements: x [outer, dim, slice], idx [n] → out [outer, n, slice]. Returns the position of the
// first index outside [0, dim) (nothing is written then), or −1.
long gather32(const float* x, const int32_t* idx, float* out, long outer, long dim, long slice, long n) {
  for (long i = 0; i < n; i++)
    if (idx[i] < 0 || idx[i] >= dim) return i;
  par_rows(outer * n, slice / 16, [&](long r0, long r1) {  // copies: threads pay off only when large
    for (long r = r0; r < r1; r++) {
      const long o = r / n, i = r % n;
      std::memcpy(out + r * slice, x + (o * dim + idx[i]) * slice, sizeof(float) * slice);
    }
  });
  return -1;
}

// ---------------------------------------------------------------------------------------------------------
// KV cache: k_out[b, h] = k_old[b, h] (Tp rows) followed by the T new keys read from qkv [B·T, 3d]; same for v.
void kv_append(const float* k_old, const float* v_old, const float* qkv, float* k_out, float* v_out, long B, long H,
               long Tp, long T, long hd) {
  const long d = H * hd, Tk = Tp + T;
  par_rows(B * H, Tk * hd / 16, [&](long r0, long r1) {  // copies: threads pay off only for large caches
    for (long bh = r0; bh < r1; bh++) {
      const long b = bh / H, h = bh % H;
      float* ko = k_out + bh * Tk * hd;
      float* vo = v_out + bh * Tk * hd;
      if (Tp > 0) {
        std::memcpy(ko, k_old + bh * Tp * hd, sizeof(float) * Tp * hd);
        std::memcpy(vo, v_old + bh * Tp * hd, sizeof(float) * Tp * hd);
      }
      for (long t = 0; t < T; t++) {
        const float* row = qkv + (b * T + t) * 3 * d;
        std::memcpy(ko + (Tp + t) * hd, row + d + h * hd, sizeof(float) * hd);
        std::memcpy(vo + (Tp + t) * hd, row + 2 * d + h * hd, sizeof(float) * hd);
      }
    }
  });
}
