// Portable copy: 16-byte vectors (SSE2 on x86-64, NEON on ARM64, plain scalar code elsewhere).
#if defined(__SSE2__)
#include <immintrin.h>
#define RLHF_BROADCAST _mm_set1_ps
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#define RLHF_BROADCAST vdupq_n_f32
#define RLHF_FMA(a, b, c) vfmaq_f32((float32x4_t)(c), (float32x4_t)(a), (float32x4_t)(b))
#endif
#define RLHF_NS isa_generic
#define RLHF_VBYTES 16
#define RLHF_MR 6
#define RLHF_NV 2
#include "isa_kernels.inc"
