// AVX-512 copy (compiled with -mavx512f -mavx512vl -mfma; only called when cpuid says the CPU has them).
#include <immintrin.h>
#define RLHF_BROADCAST _mm512_set1_ps
#define RLHF_FMA(a, b, c) _mm512_fmadd_ps((__m512)(a), (__m512)(b), (__m512)(c))
#define RLHF_NS isa_avx512
#define RLHF_VBYTES 64
#define RLHF_MR 8
#define RLHF_NV 2
#include "isa_kernels.inc"
