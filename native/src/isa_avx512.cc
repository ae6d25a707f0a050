// AVX-512 copy (compiled with -mavx512f -mavx512vl -mfma; only called when cpuid says the CPU has them).
#include <immintrin.h>
#define RLHF_BROADCAST _mm512_set1_ps
#define RLHF_FMA(a, b, c) _mm512_fmadd_ps((__m512)(a), (__m512)(b), (__m512)(c))
// 8×8 transpose for packing row-major A into 8-row panels: dst[k·8 + r] = rows[r][k], k < 8.
static inline void rlhf_transpose8x8(const float* const* rows, long k, float* dst) {
  __m256 r0 = _mm256_loadu_ps(rows[0] + k), r1 = _mm256_loadu_ps(rows[1] + k), r2 = _mm256_loadu_ps(rows[2] + k),
         r3 = _mm256_loadu_ps(rows[3] + k), r4 = _mm256_loadu_ps(rows[4] + k), r5 = _mm256_loadu_ps(rows[5] + k),
         r6 = _mm256_loadu_ps(rows[6] + k), r7 = _mm256_loadu_ps(rows[7] + k);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
         t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
         t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE), u2 = _mm256_shuffle_ps(t1, t3, 0x44),
         u3 = _mm256_shuffle_ps(t1, t3, 0xEE), u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
         u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(dst + 0, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(dst + 8, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(dst + 16, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(dst + 24, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(dst + 32, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(dst + 40, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(dst + 48, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(dst + 56, _mm256_permute2f128_ps(u3, u7, 0x31));
}
#define RLHF_TRANSPOSE8X8 rlhf_transpose8x8
#define RLHF_NS isa_avx512
#define RLHF_VBYTES 64
#define RLHF_MR 8
#define RLHF_NV 2
#include "isa_kernels.inc"
