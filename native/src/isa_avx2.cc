// AVX2 + FMA copy (compiled with -mavx2 -mfma; only called when cpuid says the CPU has them).
#include <immintrin.h>
#define RLHF_BROADCAST _mm256_set1_ps
#define RLHF_FMA(a, b, c) _mm256_fmadd_ps((__m256)(a), (__m256)(b), (__m256)(c))
#define RLHF_NS isa_avx2
#define RLHF_VBYTES 32
#define RLHF_MR 6
#define RLHF_NV 2
#include "isa_kernels.inc"
