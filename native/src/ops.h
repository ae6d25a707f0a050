// Multithreaded operations over raw float buffers, built on the ISA table and the pool.
#pragma once
#include "kernels.h"
#include "pool.h"

extern const IsaTable* g_isa;
extern Pool g_pool;

/** Selects the ISA copy: "avx512", "avx2", "generic" or "" (= best the CPU supports). Returns false if unknown
 *  or unsupported. */
bool select_isa(const char* want);

/** The copy named "avx512", "avx2" or "generic" if this CPU can run it, else nullptr. */
const IsaTable* isa_table(const char* name);

/** nb independent GEMMs: C_b = A_b · B_b (+ bias), A_b at a + b*a_bs, etc. trans flags as tfjs BatchMatMul:
 *  A is [m,k] (or [k,m] if trans_a), B is [k,n] (or [n,k] if trans_b), C is [m,n] row-major. */
void batch_gemm(const float* a, long a_bs, const float* b, long b_bs, float* c, long c_bs, const float* bias, int nb,
                int m, int n, int k, bool trans_a, bool trans_b);

void par_exp(const float* x, float* y, long n);
void par_add(const float* a, const float* b, float* y, long n);
void par_tanh(const float* x, float* y, long n);
/** x viewed as [outer, red, inner] summed over the middle axis into y[outer, inner]. */
void par_sum3(const float* x, float* y, long outer, long red, long inner);

void par_gelu(const float* x, float* y, long n);
void par_gelu_grad(const float* x, const float* dy, float* dx, long n);
void par_layernorm(const float* x, const float* g, const float* b, float* y, long rows, long d, float eps);
void par_layernorm_grad(const float* x, const float* g, const float* dy, float* dx, float* dg, float* db, long rows,
                        long d, float eps);
void par_xent(const float* logits, const int32_t* targets, float* loss, float* lse, long rows, long V);
void par_xent_grad(const float* logits, const int32_t* targets, const float* lse, const float* dloss, float* dlogits,
                   long rows, long V);
void par_token_logprob(const float* logits, const int32_t* targets, float* lp, float* lse, long rows, long V, float T);
void par_token_logprob_grad(const float* logits, const int32_t* targets, const float* lse, const float* dlp,
                            float* dlogits, long rows, long V, float T);
void par_logsoftmax(const float* x, float* y, long rows, long V);
void par_logsoftmax_grad(const float* y, const float* dy, float* dx, long rows, long V);
struct AdamTensor {
  const float *p, *m, *v, *g;
  float *po, *mo, *vo;
  long n;
};
/** One Adam step over many tensors at once (hyper: see adam_f32). */
void adam_multi(const AdamTensor* ts, long count, const float* hyper);
void par_adam(const float* p, const float* m, const float* v, const float* g, float* po, float* mo, float* vo, long n,
              const float* hyper);

/** Scaled dot-product attention over B·H heads with arbitrary (batch, head, row) strides; elements of a row are
 *  contiguous. The probabilities live in per-thread scratch (the backward pass recomputes them). */
struct AttnArgs {
  const float *q, *k, *v;
  long q_b, q_h, q_r, k_b, k_h, k_r, v_b, v_h, v_r;
  float* y;
  long y_b, y_h, y_r;
  const float* bias;  // nullptr or additive bias with strides (0 where broadcast); columns contiguous
  long bias_b, bias_h, bias_r;
  int B, H, Tq, Tk, hd;
  float scale;
  long causal_offset;  // −1: none; else query row r sees keys j ≤ r + causal_offset
  const float* dy;
  long dy_b, dy_h, dy_r;
  float *dq, *dk, *dv;
  long dq_b, dq_h, dq_r, dk_b, dk_h, dk_r, dv_b, dv_h, dv_r;
};
void attention_fwd(const AttnArgs& a);
void attention_bwd(const AttnArgs& a);

/** Gather of 4-byte elements along the middle axis of x [outer, dim, slice] → out [outer, n, slice]; returns the
 *  position of the first out-of-range index (and writes nothing), or −1 when all are valid. */
long gather32(const float* x, const int32_t* idx, float* out, long outer, long dim, long slice, long n);

/** Extends a KV cache: k_out/v_out [B, H, Tp + T, hd] = old cache (Tp rows; may be null when Tp = 0) followed by
 *  the new keys/values of qkv [B·T, 3d] (q | k | v per row). */
void kv_append(const float* k_old, const float* v_old, const float* qkv, float* k_out, float* v_out, long B, long H,
               long Tp, long T, long hd);
