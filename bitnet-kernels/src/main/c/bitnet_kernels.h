/*
 * bitnet-java native kernels: the C ABI that dev.bitnet.kernels.nativ.NativeLibrary binds through FFM.
 *
 * One source, compiled once per instruction set (x86-64-v3 AVX2, x86-64-v4 AVX-512 VNNI, ARMv8.2
 * NEON dotprod); every build exports the same symbols. Callers validate every size and range before
 * calling: these functions trust their arguments.
 *
 * Ternary weights are I2_S codes (see dev.bitnet.kernels.I2sMatrix): rows of pcols / 4 bytes, blocks of
 * 128 values in 32 bytes, byte j of a block holding the codes c = t + 1 of values j, 32+j, 64+j, 96+j in
 * bits 7-6, 5-4, 3-2, 1-0. Activations are int8 with a per-row scale s_a; the kernels compute the
 * integer dot product exactly as dot(c, q) - sum(q), then y = (float) dot / s_a * s_w.
 */
#ifndef BITNET_KERNELS_H
#define BITNET_KERNELS_H

#include <stdint.h>

#if defined(__GNUC__)
#define BITNET_EXPORT __attribute__((visibility("default")))
#else
#define BITNET_EXPORT
/*
 * Integer-dot head for head rows [row0, row1) of a Q4_0, Q6_K, Q4_K or Q5_K matrix (BITNET_HEAD_*), cols
 * values per row (a multiple of 32 for Q4_0, of 256 otherwise), against batch activation rows quantized
 * by dev.bitnet.kernels.BlockDot: int8 codes (row r at q + r * cols), one float scale per activation block
 * (32 values for Q4_0, 256 otherwise; row r at d + r * cols / block) and the code sum of every 16 values
 * (row r at bsums + r * cols / 16). y[r * y_stride + v] gets BlockDot's value to the bit.
 */
BITNET_EXPORT void bitnet_head_q(int32_t format, const uint8_t *w, int32_t cols, int32_t row0, int32_t row1,
                                 const int8_t *q, const float *d, const int32_t *bsums, int32_t batch, float *y,
                                 int64_t y_stride);

#endif

/* Bumped whenever a signature or a layout below changes; the Java side refuses other versions. */
#define BITNET_ABI_VERSION 2

/* Head formats understood by bitnet_head. */
#define BITNET_HEAD_F32 0
#define BITNET_HEAD_F16 1
#define BITNET_HEAD_BF16 2
#define BITNET_HEAD_Q8_0 3
/* Block-quantized head formats understood by bitnet_head_q. */
#define BITNET_HEAD_Q4_0 4
#define BITNET_HEAD_Q6_K 5
#define BITNET_HEAD_Q4_K 6
#define BITNET_HEAD_Q5_K 7

BITNET_EXPORT int32_t bitnet_abi_version(void);

/* The instruction set this build was compiled for: "avx2", "avx512" or "neon". */
BITNET_EXPORT const char *bitnet_isa(void);

/*
 * Copies batch rows of int8 activations (row r at q + r * stride, cols values) into dst, rows of pcols
 * bytes (pcols >= cols, a multiple of 128, zero padded), in the order bitnet_i2s_gemm of this build
 * reads them; writes each row's sum of codes to sums[r].
 */
BITNET_EXPORT void bitnet_act_pack(const int8_t *q, int64_t stride, int32_t batch, int32_t cols, int32_t pcols,
                                   int8_t *dst, int32_t *sums);

/*
 * Ternary matmul for output rows [row0, row1): y[r * y_stride + o] = (float) (dot(c_o, q_r) - sums[r])
 * / sa[r] * sw for every activation row r < batch. w holds all rows (row o at w + o * pcols / 4); qp
 * holds the packed activations from bitnet_act_pack.
 */
BITNET_EXPORT void bitnet_i2s_gemm(const uint8_t *w, int32_t row0, int32_t row1, int32_t pcols,
                                   const int8_t *qp, int32_t batch, const int32_t *sums, const float *sa,
                                   float sw, float *y, int64_t y_stride);

/*
 * Per-token int8 quantization of rows x cols floats (row r at x + r * cols): s_a = 127 / max(absmax,
 * 1e-5), q = clamp(round half to even(x * s_a), -128, 127) (NaN gives 0, and a row holding NaN gets
 * s_a = NaN), codes at q + r * stride, scales at sa[r], sums of codes at sums[r].
 */
BITNET_EXPORT void bitnet_quantize(const float *x, int32_t rows, int32_t cols, int8_t *q, int64_t stride,
                                   float *sa, int32_t *sums);

/*
 * Float matmul for head rows [row0, row1) of a matrix in format (BITNET_HEAD_*), cols values per row:
 * y[r * y_stride + v] = sum_i W[v][i] * x[r * cols + i] for r < batch.
 */
BITNET_EXPORT void bitnet_head(int32_t format, const uint8_t *w, int32_t cols, int32_t row0, int32_t row1,
                               const float *x, int32_t batch, float *y, int64_t y_stride);

/*
 * Integer-dot head for head rows [row0, row1) of a Q4_0, Q6_K, Q4_K or Q5_K matrix (BITNET_HEAD_*), cols
 * values per row (a multiple of 32 for Q4_0, of 256 otherwise), against batch activation rows quantized
 * by dev.bitnet.kernels.BlockDot: int8 codes (row r at q + r * cols), one float scale per activation block
 * (32 values for Q4_0, 256 otherwise; row r at d + r * cols / block) and the code sum of every 16 values
 * (row r at bsums + r * cols / 16). y[r * y_stride + v] gets BlockDot's value to the bit.
 */
BITNET_EXPORT void bitnet_head_q(int32_t format, const uint8_t *w, int32_t cols, int32_t row0, int32_t row1,
                                 const int8_t *q, const float *d, const int32_t *bsums, int32_t batch, float *y,
                                 int64_t y_stride);

#endif
