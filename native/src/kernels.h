// Declarations shared by the per-ISA kernel copies and the dispatcher.
#pragma once
#include <cstdint>

/** One GEMM: C(i,j) = Σ_k A(i,k)·B(k,j) (+ bias[j]), with A(i,k) = a[i*a_rs + k*a_cs], B(k,j) = b[k*b_rs + j*b_cs],
 *  C(i,j) = c[i*ldc + j]. accumulate: C += A·B (bias ignored). */
struct GemmArgs {
  const float* a;
  long a_rs, a_cs;
  const float* b;
  long b_rs, b_cs;
  float* c;
  long ldc;
  const float* bias;  // nullptr or n floats
  int m, n, k;
  bool accumulate;
};

/** Every function an ISA copy provides (see isa_kernels.inc): X(return type, name, parameter list). */
#define RLHF_ISA_FUNCS(X)                                                                                       \
  X(void, gemm_block, (const GemmArgs& g, int i0, int i1, int j0, int j1, float* work))                          \
  X(void, gemm_direct, (const GemmArgs& g, float* work))                                                       \
  X(long, gemm_work_floats, (int n, int k))                                                                            \
  X(int, gemm_nr, ())                                                                                           \
  X(int, gemm_mr, ())                                                                                           \
  X(void, add_f32, (const float* a, const float* b, float* y, long n))                                          \
  X(void, exp_f32, (const float* x, float* y, long n))                                                          \
  X(void, tanh_f32, (const float* x, float* y, long n))                                                         \
  X(void, gelu_f32, (const float* x, float* y, long n))                                                         \
  X(void, gelu_grad_f32, (const float* x, const float* dy, float* dx, long n))                                  \
  X(void, sum_rows, (const float* x, float* out, long rows, long len))                                          \
  X(void, sum_cols, (const float* x, float* out, long rows, long cols, long stride, bool accumulate))           \
  X(void, layernorm_rows, (const float* x, const float* g, const float* b, float* y, long rows, long d, float eps)) \
  X(void, layernorm_grad_rows, (const float* x, const float* g, const float* dy, float* dx, float* dg, float* db, \
                                long rows, long d, float eps))                                                  \
  X(void, xent_rows, (const float* logits, const int32_t* targets, float* loss, float* lse, long rows, long V))  \
  X(void, xent_grad_rows, (const float* logits, const int32_t* targets, const float* lse, const float* dloss,    \
                           float* dlogits, long rows, long V))                                                  \
  X(void, token_logprob_rows, (const float* logits, const int32_t* targets, float* lp, float* lse, long rows, long V, \
                               float temperature))                                                              \
  X(void, token_logprob_grad_rows, (const float* logits, const int32_t* targets, const float* lse, const float* dlp, \
                                    float* dlogits, long rows, long V, float temperature))                      \
  X(void, logsoftmax_rows, (const float* x, float* y, long rows, long V))                                        \
  X(void, logsoftmax_grad_rows, (const float* y, const float* dy, float* dx, long rows, long V))                 \
  X(void, softmax_rows, (float* s, long rows, long len, float scale, const float* bias, long bias_rs,            \
                         long causal_offset))                                                                   \
  X(void, softmax_grad_rows, (const float* p, float* dp, long rows, long len, long stride, float scale))                     \
  X(void, adam_f32, (const float* p, const float* m, const float* v, const float* g, float* po, float* mo,       \
                     float* vo, long n, const float* hyper))

#define RLHF_DECLARE_ONE(ret, name, args) ret name args;
#define RLHF_DECLARE_ISA(NS) \
  namespace NS {             \
  RLHF_ISA_FUNCS(RLHF_DECLARE_ONE) \
  }

RLHF_DECLARE_ISA(isa_generic)
#if defined(__x86_64__) || defined(_M_X64)
RLHF_DECLARE_ISA(isa_avx2)
RLHF_DECLARE_ISA(isa_avx512)
#endif

/** The table of the copy chosen at run time. */
struct IsaTable {
  const char* name;
#define RLHF_TABLE_MEMBER(ret, name, args) ret(*name) args;
  RLHF_ISA_FUNCS(RLHF_TABLE_MEMBER)
#undef RLHF_TABLE_MEMBER
};
