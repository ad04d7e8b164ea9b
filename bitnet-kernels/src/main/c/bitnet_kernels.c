/*
 * bitnet-java native kernels. One source, one build per instruction set; the section below that
 * matches the compiler's target flags provides the kernels:
 *   AVX-512 VNNI  (-march=x86-64-v4 -mavx512vnni): vpdpbusd, unsigned codes x signed int8, 64 bytes a step
 *   AVX2          (-march=x86-64-v3):              vpmaddubsw (exact here: |pair| <= 2*3*128), 32 bytes a step
 *   NEON dotprod  (-march=armv8.2-a+dotprod):      sdot, 16 bytes a step
 * See bitnet_kernels.h for the contract of each function.
 */
#include "bitnet_kernels.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/*
 * How far ahead a GEMV prefetches its weight streams. Decode reads every weight once from DRAM; each
 * row is read sequentially and two rows far apart are read at once, which with the prefetch keeps
 * enough misses in flight (measured on Zen 4: two streams reach about the bandwidth of a plain
 * sequential read, one stream about half of it).
 */
#define PREFETCH_BYTES 2048

int32_t bitnet_abi_version(void) {
    return BITNET_ABI_VERSION;
}

/* The activation-quantization floor, the same float as Java's 1e-5f. */
static const float ABSMAX_FLOOR = 1e-5f;

/* Scalar quantization of one value, exactly as ScalarKernel.quantizeValue (NaN gives 0). */
ALWAYS_INLINE int32_t quantize_value(float x, float scale) {
    float v = rintf(x * scale);
    if (v != v) {
        return 0;
    }
    if (v < -128.0f) return -128;
    if (v > 127.0f) return 127;
    return (int32_t) v;
}

/* s_a from a row's absmax (NaN when the row holds NaN), as ScalarKernel computes it. */
ALWAYS_INLINE float activation_scale(float absmax, int has_nan) {
    if (has_nan) {
        return NAN;
    }
    return 127.0f / (absmax > ABSMAX_FLOOR ? absmax : ABSMAX_FLOOR);
}

/* ---------------------------------------------------------------------------------------------- */
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512VNNI__)
#include <immintrin.h>

const char *bitnet_isa(void) {
    return "avx512";
}

ALWAYS_INLINE __mmask64 bytes_mask(int32_t n) {
    return n >= 64 ? ~(__mmask64) 0 : (((__mmask64) 1 << n) - 1);
}

/*
 * A 64-byte code load covers two 128-value blocks; plane g of it (bits 7-6 first) holds values 32g..32g+31
 * of the first block in bytes 0..31 and of the second block in bytes 32..63. Packing puts the activations
 * in that order: per 256 values, for g = 0..3, q[32g .. 32g+31] then q[128+32g .. 128+32g+31]. A last
 * lone block keeps its natural order and is read with 32-byte loads.
 */
void bitnet_act_pack(const int8_t *q, int64_t stride, int32_t batch, int32_t cols, int32_t pcols,
                     int8_t *dst, int32_t *sums) {
    const __m512i ones = _mm512_set1_epi8(1);
    for (int32_t r = 0; r < batch; r++) {
        const int8_t *src = q + r * stride;
        int8_t *d = dst + (int64_t) r * pcols;
        __m512i acc = _mm512_setzero_si512();
        int32_t k = 0;
        for (; k + 256 <= pcols; k += 256) {
            for (int g = 0; g < 4; g++) {
                for (int h = 0; h < 2; h++) {
                    int32_t from = k + 128 * h + 32 * g;
                    int32_t n = cols - from;
                    __mmask32 m = n >= 32 ? 0xFFFFFFFFu : (n <= 0 ? 0 : ((1u << n) - 1));
                    _mm256_storeu_si256((__m256i *) (d + k + 64 * g + 32 * h), _mm256_maskz_loadu_epi8(m, src + from));
                }
            }
        }
        for (; k < pcols; k += 64) {
            int32_t n = cols - k;
            __mmask64 m = n <= 0 ? 0 : bytes_mask(n);
            _mm512_storeu_si512(d + k, _mm512_maskz_loadu_epi8(m, src + k));
        }
        for (int32_t i = 0; i < pcols; i += 64) {
            acc = _mm512_dpbusd_epi32(acc, ones, _mm512_loadu_si512(d + i));
        }
        sums[r] = _mm512_reduce_add_epi32(acc);
    }
}

/*
 * dots[i][j] = dot(c, q) for weight rows w + i * rb (i < NW) and packed activation rows qp + j * pcols
 * (j < NB). NW and NB are constants at every call site, so the tile lives in registers.
 */
ALWAYS_INLINE void tile_i2s(const uint8_t *w, int64_t rb, int32_t pcols, const int8_t *qp, const int NW,
                            const int NB, int32_t dots[4][4]) {
    const __m512i m3 = _mm512_set1_epi8(3);
    __m512i acc[4][4];
#pragma GCC unroll 4
    for (int i = 0; i < NW; i++) {
#pragma GCC unroll 4
        for (int j = 0; j < NB; j++) {
            acc[i][j] = _mm512_setzero_si512();
        }
    }
    int32_t k = 0;
    for (; k + 256 <= pcols; k += 256) {
        __m512i raw[4];
#pragma GCC unroll 4
        for (int i = 0; i < NW; i++) {
            raw[i] = _mm512_loadu_si512(w + i * rb + k / 4);
        }
#pragma GCC unroll 4
        for (int g = 0; g < 4; g++) {
            __m512i plane[4];
#pragma GCC unroll 4
            for (int i = 0; i < NW; i++) {
                plane[i] = _mm512_and_si512(_mm512_srli_epi16(raw[i], 6 - 2 * g), m3);
            }
#pragma GCC unroll 4
            for (int j = 0; j < NB; j++) {
                __m512i qv = _mm512_loadu_si512(qp + (int64_t) j * pcols + k + 64 * g);
#pragma GCC unroll 4
                for (int i = 0; i < NW; i++) {
                    acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], plane[i], qv);
                }
            }
        }
    }
    if (k < pcols) {
        __m512i raw[4];
#pragma GCC unroll 4
        for (int i = 0; i < NW; i++) {
            raw[i] = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *) (w + i * rb + k / 4)));
        }
#pragma GCC unroll 4
        for (int g = 0; g < 4; g++) {
            __m512i plane[4];
#pragma GCC unroll 4
            for (int i = 0; i < NW; i++) {
                plane[i] = _mm512_and_si512(_mm512_srli_epi16(raw[i], 6 - 2 * g), m3);
            }
#pragma GCC unroll 4
            for (int j = 0; j < NB; j++) {
                __m512i qv = _mm512_zextsi256_si512(
                        _mm256_loadu_si256((const __m256i *) (qp + (int64_t) j * pcols + k + 32 * g)));
#pragma GCC unroll 4
                for (int i = 0; i < NW; i++) {
                    acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], plane[i], qv);
                }
            }
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < NW; i++) {
#pragma GCC unroll 4
        for (int j = 0; j < NB; j++) {
            dots[i][j] = _mm512_reduce_add_epi32(acc[i][j]);
        }
    }
}

#define TILE_CASE(NW, NB) \
    case (NW) * 8 + (NB): tile_i2s(w, rb, pcols, qp, NW, NB, dots); break;

static void tile_dispatch(const uint8_t *w, int64_t rb, int32_t pcols, const int8_t *qp, int nw, int nb,
                          int32_t dots[4][4]) {
    switch (nw * 8 + nb) {
        TILE_CASE(1, 1) TILE_CASE(1, 2) TILE_CASE(1, 3) TILE_CASE(1, 4)
        TILE_CASE(2, 1) TILE_CASE(2, 2) TILE_CASE(2, 3) TILE_CASE(2, 4)
        TILE_CASE(3, 1) TILE_CASE(3, 2) TILE_CASE(3, 3) TILE_CASE(3, 4)
        TILE_CASE(4, 1) TILE_CASE(4, 2) TILE_CASE(4, 3) TILE_CASE(4, 4)
        default: break;
    }
}

#define TILE_W 4
#define TILE_B 4

/*
 * dot(c, q) of one weight row for GEMV. Each plane keeps its own accumulator, which lets the codes stay
 * where they are in the byte: plane g masked in place is c * 4^(3-g) (at most 192, still an unsigned
 * byte), so its accumulator holds 4^(3-g) times the plane's dot product exactly (|sum| < 2^31 for rows
 * up to 5 million values) and an arithmetic shift brings it back. That saves the shifts that would
 * otherwise compete with vpdpbusd for the vector pipes.
 */
ALWAYS_INLINE void gemv_step(const uint8_t *w, int32_t k, const int8_t *qp, __m512i a[4]) {
    __m512i raw = _mm512_loadu_si512(w + k / 4);
    _mm_prefetch((const char *) (w + k / 4 + PREFETCH_BYTES), _MM_HINT_T0);
    a[0] = _mm512_dpbusd_epi32(a[0], _mm512_and_si512(raw, _mm512_set1_epi8((char) 0xC0)), _mm512_loadu_si512(qp + k));
    a[1] = _mm512_dpbusd_epi32(a[1], _mm512_and_si512(raw, _mm512_set1_epi8(0x30)), _mm512_loadu_si512(qp + k + 64));
    a[2] = _mm512_dpbusd_epi32(a[2], _mm512_and_si512(raw, _mm512_set1_epi8(0x0C)), _mm512_loadu_si512(qp + k + 128));
    a[3] = _mm512_dpbusd_epi32(a[3], _mm512_and_si512(raw, _mm512_set1_epi8(0x03)), _mm512_loadu_si512(qp + k + 192));
}

/* The same for a last lone block: 32 code bytes against natural-order activations, upper halves zero. */
ALWAYS_INLINE void gemv_tail(const uint8_t *w, int32_t k, const int8_t *qp, __m512i a[4]) {
    __m512i raw = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *) (w + k / 4)));
    static const char masks[4] = {(char) 0xC0, 0x30, 0x0C, 0x03};
    for (int g = 0; g < 4; g++) {
        __m512i q = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *) (qp + k + 32 * g)));
        a[g] = _mm512_dpbusd_epi32(a[g], _mm512_and_si512(raw, _mm512_set1_epi8(masks[g])), q);
    }
}

ALWAYS_INLINE int32_t gemv_sum(const __m512i a[4]) {
    return _mm512_reduce_add_epi32(_mm512_add_epi32(_mm512_add_epi32(_mm512_srai_epi32(a[0], 6), _mm512_srai_epi32(a[1], 4)),
                                                    _mm512_add_epi32(_mm512_srai_epi32(a[2], 2), a[3])));
}

/* dot(c, q) of one weight row. */
ALWAYS_INLINE int32_t gemv_row(const uint8_t *w, int32_t pcols, const int8_t *qp) {
    __m512i a[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
    int32_t k = 0;
    for (; k + 256 <= pcols; k += 256) {
        gemv_step(w, k, qp, a);
    }
    if (k < pcols) {
        gemv_tail(w, k, qp, a);
    }
    return gemv_sum(a);
}

/* dot(c, q) of two weight rows far apart: two sequential streams. */
ALWAYS_INLINE void gemv_rows2(const uint8_t *wa, const uint8_t *wb, int32_t pcols, const int8_t *qp, int32_t *da, int32_t *db) {
    __m512i a[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
    __m512i b[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
    int32_t k = 0;
    for (; k + 256 <= pcols; k += 256) {
        gemv_step(wa, k, qp, a);
        gemv_step(wb, k, qp, b);
    }
    if (k < pcols) {
        gemv_tail(wa, k, qp, a);
        gemv_tail(wb, k, qp, b);
    }
    *da = gemv_sum(a);
    *db = gemv_sum(b);
}

/* ---- head ---- */

ALWAYS_INLINE __m512 load_f16(const uint16_t *p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) p));
}

ALWAYS_INLINE __m512 load_f16_masked(const uint16_t *p, __mmask16 m) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}

ALWAYS_INLINE __m512 load_bf16(const uint16_t *p) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *) p)), 16));
}

ALWAYS_INLINE __m512 load_bf16_masked(const uint16_t *p, __mmask16 m) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p)), 16));
}

/*
 * Up to four head rows (row k at w + k * stride) against one activation row, for the plain float
 * formats, prefetching each row's stream ahead.
 */
ALWAYS_INLINE void head_rows_plain(int32_t format, const uint8_t *w, int64_t stride, int32_t cols, int nv,
                                   const float *x, float *out) {
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    const int32_t elem = format == BITNET_HEAD_F32 ? 4 : 2;
    int32_t i = 0;
    for (; i + 16 <= cols; i += 16) {
        __m512 xv = _mm512_loadu_ps(x + i);
        for (int k = 0; k < nv; k++) {
            const uint8_t *row = w + k * stride;
            if ((i * elem) % 64 == 0) {
                _mm_prefetch((const char *) (row + (int64_t) i * elem + PREFETCH_BYTES), _MM_HINT_T0);
            }
            __m512 wv = format == BITNET_HEAD_F16 ? load_f16((const uint16_t *) row + i)
                      : format == BITNET_HEAD_BF16 ? load_bf16((const uint16_t *) row + i)
                      : _mm512_loadu_ps((const float *) row + i);
            acc[k] = _mm512_fmadd_ps(wv, xv, acc[k]);
        }
    }
    if (i < cols) {
        __mmask16 m = (__mmask16) ((1u << (cols - i)) - 1);
        __m512 xv = _mm512_maskz_loadu_ps(m, x + i);
        for (int k = 0; k < nv; k++) {
            const uint8_t *row = w + k * stride;
            __m512 wv = format == BITNET_HEAD_F16 ? load_f16_masked((const uint16_t *) row + i, m)
                      : format == BITNET_HEAD_BF16 ? load_bf16_masked((const uint16_t *) row + i, m)
                      : _mm512_maskz_loadu_ps(m, (const float *) row + i);
            acc[k] = _mm512_fmadd_ps(wv, xv, acc[k]);
        }
    }
    for (int k = 0; k < nv; k++) {
        out[k] = _mm512_reduce_add_ps(acc[k]);
    }
}

#define HEAD_TILE_B 8

/*
 * Two head rows (the second at w + stride) against nb <= HEAD_TILE_B activation rows (row r at
 * x + r * cols), for the plain float formats: each weight vector is loaded and converted once for all
 * the activation rows, which is what makes a head over several sequences a GEMM rather than nb GEMVs.
 * Every (weight row, activation row) pair accumulates in exactly the order head_rows_plain uses, so
 * each result is bit-identical to the one-row path.
 */
ALWAYS_INLINE void head_tile_plain(int32_t format, const uint8_t *w, int64_t stride, int32_t cols, const float *x,
                                   int nb, float out[2][HEAD_TILE_B]) {
    __m512 acc[2][HEAD_TILE_B];
    for (int r = 0; r < HEAD_TILE_B; r++) {
        acc[0][r] = _mm512_setzero_ps();
        acc[1][r] = _mm512_setzero_ps();
    }
    const int32_t elem = format == BITNET_HEAD_F32 ? 4 : 2;
    int32_t i = 0;
    for (; i + 16 <= cols; i += 16) {
        __m512 wv[2];
        for (int k = 0; k < 2; k++) {
            const uint8_t *row = w + k * stride;
            if ((i * elem) % 64 == 0) {
                _mm_prefetch((const char *) (row + (int64_t) i * elem + PREFETCH_BYTES), _MM_HINT_T0);
            }
            wv[k] = format == BITNET_HEAD_F16 ? load_f16((const uint16_t *) row + i)
                  : format == BITNET_HEAD_BF16 ? load_bf16((const uint16_t *) row + i)
                  : _mm512_loadu_ps((const float *) row + i);
        }
        for (int r = 0; r < nb; r++) {
            __m512 xv = _mm512_loadu_ps(x + (int64_t) r * cols + i);
            acc[0][r] = _mm512_fmadd_ps(wv[0], xv, acc[0][r]);
            acc[1][r] = _mm512_fmadd_ps(wv[1], xv, acc[1][r]);
        }
    }
    if (i < cols) {
        __mmask16 m = (__mmask16) ((1u << (cols - i)) - 1);
        __m512 wv[2];
        for (int k = 0; k < 2; k++) {
            const uint8_t *row = w + k * stride;
            wv[k] = format == BITNET_HEAD_F16 ? load_f16_masked((const uint16_t *) row + i, m)
                  : format == BITNET_HEAD_BF16 ? load_bf16_masked((const uint16_t *) row + i, m)
                  : _mm512_maskz_loadu_ps(m, (const float *) row + i);
        }
        for (int r = 0; r < nb; r++) {
            __m512 xv = _mm512_maskz_loadu_ps(m, x + (int64_t) r * cols + i);
            acc[0][r] = _mm512_fmadd_ps(wv[0], xv, acc[0][r]);
            acc[1][r] = _mm512_fmadd_ps(wv[1], xv, acc[1][r]);
        }
    }
    for (int r = 0; r < nb; r++) {
        out[0][r] = _mm512_reduce_add_ps(acc[0][r]);
        out[1][r] = _mm512_reduce_add_ps(acc[1][r]);
    }
}

#define BITNET_HEAD_TILE 1

/* Up to four Q8_0 rows: per 32-value block, codes times x summed, then times the block's f16 scale. */
ALWAYS_INLINE void head_rows_q8(const uint8_t *w, int64_t stride, int32_t cols, int nv, const float *x, float *out) {
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (int32_t b = 0; b < cols / 32; b++) {
        __m512 x0 = _mm512_loadu_ps(x + 32 * b);
        __m512 x1 = _mm512_loadu_ps(x + 32 * b + 16);
        for (int k = 0; k < nv; k++) {
            const uint8_t *p = w + k * stride + 34 * b;
            if (b % 2 == 0) {
                _mm_prefetch((const char *) (p + PREFETCH_BYTES), _MM_HINT_T0);
            }
            uint16_t d;
            memcpy(&d, p, 2);
            __m512 lo = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) (p + 2))));
            __m512 hi = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) (p + 18))));
            __m512 sum = _mm512_fmadd_ps(lo, x0, _mm512_mul_ps(hi, x1));
            acc[k] = _mm512_fmadd_ps(sum, _mm512_set1_ps(_cvtsh_ss(d)), acc[k]);
        }
    }
    for (int k = 0; k < nv; k++) {
        out[k] = _mm512_reduce_add_ps(acc[k]);
    }
}

void bitnet_quantize(const float *x, int32_t rows, int32_t cols, int8_t *q, int64_t stride, float *sa,
                     int32_t *sums) {
    const __m512 sign = _mm512_set1_ps(-0.0f);
    const __m512 lo = _mm512_set1_ps(-128.0f);
    const __m512 hi = _mm512_set1_ps(127.0f);
    for (int32_t r = 0; r < rows; r++) {
        const float *xr = x + (int64_t) r * cols;
        __m512 vmax = _mm512_setzero_ps();
        __mmask16 nan = 0;
        for (int32_t i = 0; i < cols; i += 16) {
            __mmask16 m = cols - i >= 16 ? 0xFFFF : (__mmask16) ((1u << (cols - i)) - 1);
            __m512 v = _mm512_maskz_loadu_ps(m, xr + i);
            nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
            vmax = _mm512_max_ps(vmax, _mm512_andnot_ps(sign, v));
        }
        float scale = activation_scale(_mm512_reduce_max_ps(vmax), nan != 0);
        __m512 s = _mm512_set1_ps(scale);
        __m512i isum = _mm512_setzero_si512();
        int8_t *qr = q + r * stride;
        for (int32_t i = 0; i < cols; i += 16) {
            __mmask16 m = cols - i >= 16 ? 0xFFFF : (__mmask16) ((1u << (cols - i)) - 1);
            __m512 t = _mm512_roundscale_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, xr + i), s),
                                            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            __mmask16 undefined = _mm512_cmp_ps_mask(t, t, _CMP_UNORD_Q) | (__mmask16) ~m;
            t = _mm512_maskz_mov_ps((__mmask16) ~undefined, _mm512_min_ps(_mm512_max_ps(t, lo), hi));
            __m512i qi = _mm512_cvtps_epi32(t);
            isum = _mm512_add_epi32(isum, qi);
            _mm512_mask_cvtepi32_storeu_epi8(qr + i, m, qi);
        }
        sa[r] = scale;
        sums[r] = _mm512_reduce_add_epi32(isum);
    }
}

/* ---------------------------------------------------------------------------------------------- */

/* ---- block-quantized heads ---- */

ALWAYS_INLINE float f16_to_f32(uint16_t h) {
    return _cvtsh_ss(h);
}

/*
 * out[g] = sum of u[16g + i] * x[16g + i] over i < 16, for the 16 groups of a 256-value block (u holds
 * unsigned codes below 64, x int8). vpdpbusd leaves four partial sums per group in one 128-bit lane;
 * two rounds of unpack-and-add gather them, lane (g, p) then holding group 4p + g, and a permute puts
 * the groups in order.
 */
ALWAYS_INLINE __m512i sub_dots_v(const uint8_t *u, const int8_t *x) {
    __m512i v[4];
    for (int k = 0; k < 4; k++) {
        v[k] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_loadu_si512((const void *) (u + 64 * k)),
                                   _mm512_loadu_si512((const void *) (x + 64 * k)));
    }
    __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(v[0], v[1]), _mm512_unpackhi_epi32(v[0], v[1]));
    __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(v[2], v[3]), _mm512_unpackhi_epi32(v[2], v[3]));
    __m512i abcd = _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    return _mm512_permutexvar_epi32(order, abcd);
}

ALWAYS_INLINE void sub_dots(const uint8_t *u, const int8_t *x, int32_t *out) {
    _mm512_storeu_si512((void *) out, sub_dots_v(u, x));
}

/* sum over the 16 groups of coef[g] * (group g's dot product) */
ALWAYS_INLINE int32_t weighted_dots(const uint8_t *u, const int8_t *x, const int32_t *coef) {
    return _mm512_reduce_add_epi32(_mm512_mullo_epi32(sub_dots_v(u, x), _mm512_loadu_si512((const void *) coef)));
}

/*
 * isum of one Q6_K block (BlockDot's integer part) straight from its bytes: per 128 values the 64 ql bytes
 * give the low nibbles of values 0..63 (low halves) and 64..127 (high halves), and the 32 qh bytes,
 * broadcast to both 256-bit halves and shifted by 0/2 resp. 4/6 bits per half, their top two bits; the
 * codes (0..63) go straight into vpdpbusd. The -32 offset comes back as 32 times the code sums.
 */
#define BITNET_HAS_Q6K_BLOCK 1
ALWAYS_INLINE int32_t q6k_block_isum(const uint8_t *p, const int8_t *x, const int32_t *bsums) {
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    const __m512i two = _mm512_set1_epi8(0x03);
    const __m512i shift_a = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
    const __m512i shift_b = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(6), 1);
    __m512i v[4];
    for (int h = 0; h < 2; h++) {
        __m512i ql = _mm512_loadu_si512((const void *) (p + 64 * h));
        __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *) (p + 128 + 32 * h)));
        __m512i c0 = _mm512_or_si512(_mm512_and_si512(ql, low4),
                                     _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(qh, shift_a), two), 4));
        __m512i c1 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low4),
                                     _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(qh, shift_b), two), 4));
        v[2 * h] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), c0, _mm512_loadu_si512((const void *) (x + 128 * h)));
        v[2 * h + 1] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), c1, _mm512_loadu_si512((const void *) (x + 128 * h + 64)));
    }
    __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(v[0], v[1]), _mm512_unpackhi_epi32(v[0], v[1]));
    __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(v[2], v[3]), _mm512_unpackhi_epi32(v[2], v[3]));
    __m512i abcd = _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    __m512i dots = _mm512_permutexvar_epi32(order, abcd);
    __m512i t = _mm512_sub_epi32(dots, _mm512_slli_epi32(_mm512_loadu_si512((const void *) bsums), 5));
    __m512i sc = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) (p + 192)));
    return _mm512_reduce_add_epi32(_mm512_mullo_epi32(t, sc));
}

/* sum of a[g] * b[g] over 16 int32 values */
ALWAYS_INLINE int32_t dot16_i32(const int32_t *a, const int32_t *b) {
    return _mm512_reduce_add_epi32(_mm512_mullo_epi32(_mm512_loadu_si512((const void *) a), _mm512_loadu_si512((const void *) b)));
}

ALWAYS_INLINE void prefetch(const void *p) {
    _mm_prefetch((const char *) p, _MM_HINT_T0);
}

#elif defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#include <immintrin.h>

const char *bitnet_isa(void) {
    return "avx2";
}

ALWAYS_INLINE int32_t hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

ALWAYS_INLINE float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

ALWAYS_INLINE float hmax_ps(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* A 32-byte code load is one block: plane g lines up with q[32g .. 32g+31], so activations keep their order. */
void bitnet_act_pack(const int8_t *q, int64_t stride, int32_t batch, int32_t cols, int32_t pcols,
                     int8_t *dst, int32_t *sums) {
    for (int32_t r = 0; r < batch; r++) {
        const int8_t *src = q + r * stride;
        int8_t *d = dst + (int64_t) r * pcols;
        memcpy(d, src, (size_t) cols);
        memset(d + cols, 0, (size_t) (pcols - cols));
        const __m256i ones8 = _mm256_set1_epi8(1);
        const __m256i ones16 = _mm256_set1_epi16(1);
        __m256i acc = _mm256_setzero_si256();
        for (int32_t i = 0; i < pcols; i += 32) {
            __m256i v = _mm256_loadu_si256((const __m256i *) (d + i));
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, v), ones16));
        }
        sums[r] = hsum_epi32(acc);
    }
}

ALWAYS_INLINE void tile_i2s(const uint8_t *w, int64_t rb, int32_t pcols, const int8_t *qp, const int NW,
                            const int NB, int32_t dots[4][4]) {
    const __m256i m3 = _mm256_set1_epi8(3);
    const __m256i ones16 = _mm256_set1_epi16(1);
    __m256i acc[4][4];
#pragma GCC unroll 4
    for (int i = 0; i < NW; i++) {
#pragma GCC unroll 4
        for (int j = 0; j < NB; j++) {
            acc[i][j] = _mm256_setzero_si256();
        }
    }
    for (int32_t k = 0; k < pcols; k += 128) {
#pragma GCC unroll 4
        for (int i = 0; i < NW; i++) {
            __m256i raw = _mm256_loadu_si256((const __m256i *) (w + i * rb + k / 4));
            __m256i p0 = _mm256_and_si256(_mm256_srli_epi16(raw, 6), m3);
            __m256i p1 = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m3);
            __m256i p2 = _mm256_and_si256(_mm256_srli_epi16(raw, 2), m3);
            __m256i p3 = _mm256_and_si256(raw, m3);
#pragma GCC unroll 4
            for (int j = 0; j < NB; j++) {
                const int8_t *qj = qp + (int64_t) j * pcols + k;
                /* four planes of pair sums, each |x| <= 768, add up to at most 3072: no 16-bit overflow */
                __m256i s = _mm256_add_epi16(
                        _mm256_add_epi16(_mm256_maddubs_epi16(p0, _mm256_loadu_si256((const __m256i *) qj)),
                                         _mm256_maddubs_epi16(p1, _mm256_loadu_si256((const __m256i *) (qj + 32)))),
                        _mm256_add_epi16(_mm256_maddubs_epi16(p2, _mm256_loadu_si256((const __m256i *) (qj + 64))),
                                         _mm256_maddubs_epi16(p3, _mm256_loadu_si256((const __m256i *) (qj + 96)))));
                acc[i][j] = _mm256_add_epi32(acc[i][j], _mm256_madd_epi16(s, ones16));
            }
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < NW; i++) {
#pragma GCC unroll 4
        for (int j = 0; j < NB; j++) {
            dots[i][j] = hsum_epi32(acc[i][j]);
        }
    }
}

#define TILE_CASE(NW, NB) \
    case (NW) * 8 + (NB): tile_i2s(w, rb, pcols, qp, NW, NB, dots); break;

static void tile_dispatch(const uint8_t *w, int64_t rb, int32_t pcols, const int8_t *qp, int nw, int nb,
                          int32_t dots[4][4]) {
    switch (nw * 8 + nb) {
        TILE_CASE(1, 1) TILE_CASE(1, 2)
        TILE_CASE(2, 1) TILE_CASE(2, 2)
        TILE_CASE(3, 1) TILE_CASE(3, 2)
        TILE_CASE(4, 1) TILE_CASE(4, 2)
        default: break;
    }
}

#define TILE_W 4
#define TILE_B 2

/* dot(c, q) over one 128-value block as eight 32-bit partial sums (pair sums stay within 4 * 768). */
ALWAYS_INLINE __m256i block_dot(const uint8_t *w, int32_t k, const int8_t *qp) {
    const __m256i m3 = _mm256_set1_epi8(3);
    __m256i raw = _mm256_loadu_si256((const __m256i *) (w + k / 4));
    _mm_prefetch((const char *) (w + k / 4 + PREFETCH_BYTES), _MM_HINT_T0);
    const int8_t *q = qp + k;
    __m256i s = _mm256_add_epi16(
            _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(raw, 6), m3), _mm256_loadu_si256((const __m256i *) q)),
                             _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(raw, 4), m3), _mm256_loadu_si256((const __m256i *) (q + 32)))),
            _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(raw, 2), m3), _mm256_loadu_si256((const __m256i *) (q + 64))),
                             _mm256_maddubs_epi16(_mm256_and_si256(raw, m3), _mm256_loadu_si256((const __m256i *) (q + 96)))));
    return _mm256_madd_epi16(s, _mm256_set1_epi16(1));
}

/* dot(c, q) of one weight row for GEMV. */
ALWAYS_INLINE int32_t gemv_row(const uint8_t *w, int32_t pcols, const int8_t *qp) {
    __m256i acc = _mm256_setzero_si256();
    for (int32_t k = 0; k < pcols; k += 128) {
        acc = _mm256_add_epi32(acc, block_dot(w, k, qp));
    }
    return hsum_epi32(acc);
}

/* dot(c, q) of two weight rows far apart: two sequential streams. */
ALWAYS_INLINE void gemv_rows2(const uint8_t *wa, const uint8_t *wb, int32_t pcols, const int8_t *qp, int32_t *da, int32_t *db) {
    __m256i a = _mm256_setzero_si256(), b = a;
    for (int32_t k = 0; k < pcols; k += 128) {
        a = _mm256_add_epi32(a, block_dot(wa, k, qp));
        b = _mm256_add_epi32(b, block_dot(wb, k, qp));
    }
    *da = hsum_epi32(a);
    *db = hsum_epi32(b);
}

ALWAYS_INLINE __m256 load8(int32_t format, const uint8_t *row, int32_t i) {
    if (format == BITNET_HEAD_F16) {
        return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) ((const uint16_t *) row + i)));
    }
    if (format == BITNET_HEAD_BF16) {
        return _mm256_castsi256_ps(_mm256_slli_epi32(
                _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *) ((const uint16_t *) row + i))), 16));
    }
    return _mm256_loadu_ps((const float *) row + i);
}

ALWAYS_INLINE float load1(int32_t format, const uint8_t *row, int32_t i) {
    uint16_t h;
    if (format == BITNET_HEAD_F32) {
        float f;
        memcpy(&f, row + 4 * (int64_t) i, 4);
        return f;
    }
    memcpy(&h, row + 2 * (int64_t) i, 2);
    if (format == BITNET_HEAD_F16) {
        return _cvtsh_ss(h);
    }
    uint32_t bits = (uint32_t) h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

ALWAYS_INLINE void head_rows_plain(int32_t format, const uint8_t *w, int64_t stride, int32_t cols, int nv,
                                   const float *x, float *out) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    const int32_t elem = format == BITNET_HEAD_F32 ? 4 : 2;
    int32_t i = 0;
    for (; i + 8 <= cols; i += 8) {
        __m256 xv = _mm256_loadu_ps(x + i);
        for (int k = 0; k < nv; k++) {
            const uint8_t *row = w + k * stride;
            if ((i * elem) % 64 == 0) {
                _mm_prefetch((const char *) (row + (int64_t) i * elem + PREFETCH_BYTES), _MM_HINT_T0);
            }
            acc[k] = _mm256_fmadd_ps(load8(format, row, i), xv, acc[k]);
        }
    }
    for (int k = 0; k < nv; k++) {
        float s = hsum_ps(acc[k]);
        for (int32_t t = i; t < cols; t++) {
            s += load1(format, w + k * stride, t) * x[t];
        }
        out[k] = s;
    }
}

ALWAYS_INLINE void head_rows_q8(const uint8_t *w, int64_t stride, int32_t cols, int nv, const float *x, float *out) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int32_t b = 0; b < cols / 32; b++) {
        for (int k = 0; k < nv; k++) {
            const uint8_t *p = w + k * stride + 34 * b;
            if (b % 2 == 0) {
                _mm_prefetch((const char *) (p + PREFETCH_BYTES), _MM_HINT_T0);
            }
            uint16_t d;
            memcpy(&d, p, 2);
            __m256 sum = _mm256_setzero_ps();
            for (int j = 0; j < 32; j += 8) {
                __m256 wv = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *) (p + 2 + j))));
                sum = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + 32 * b + j), sum);
            }
            acc[k] = _mm256_fmadd_ps(sum, _mm256_set1_ps(_cvtsh_ss(d)), acc[k]);
        }
    }
    for (int k = 0; k < nv; k++) {
        out[k] = hsum_ps(acc[k]);
    }
}

void bitnet_quantize(const float *x, int32_t rows, int32_t cols, int8_t *q, int64_t stride, float *sa,
                     int32_t *sums) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 lo = _mm256_set1_ps(-128.0f);
    const __m256 hi = _mm256_set1_ps(127.0f);
    for (int32_t r = 0; r < rows; r++) {
        const float *xr = x + (int64_t) r * cols;
        __m256 vmax = _mm256_setzero_ps();
        __m256 nan = _mm256_setzero_ps();
        int32_t vec_end = cols - cols % 8;
        for (int32_t i = 0; i < vec_end; i += 8) {
            __m256 v = _mm256_loadu_ps(xr + i);
            nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
            vmax = _mm256_max_ps(vmax, _mm256_andnot_ps(sign, v));
        }
        float absmax = hmax_ps(vmax);
        int has_nan = _mm256_movemask_ps(nan) != 0;
        for (int32_t i = vec_end; i < cols; i++) {
            float a = fabsf(xr[i]);
            has_nan |= a != a;
            absmax = a > absmax ? a : absmax;
        }
        float scale = activation_scale(absmax, has_nan);
        __m256 s = _mm256_set1_ps(scale);
        __m256i isum = _mm256_setzero_si256();
        int8_t *qr = q + r * stride;
        for (int32_t i = 0; i < vec_end; i += 8) {
            __m256 t = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(xr + i), s), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            __m256 ok = _mm256_cmp_ps(t, t, _CMP_ORD_Q);
            t = _mm256_and_ps(ok, _mm256_min_ps(_mm256_max_ps(t, lo), hi));
            __m256i qi = _mm256_cvtps_epi32(t);
            isum = _mm256_add_epi32(isum, qi);
            __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(qi), _mm256_extracti128_si256(qi, 1));
            _mm_storel_epi64((__m128i *) (qr + i), _mm_packs_epi16(w16, w16));
        }
        int32_t sum = hsum_epi32(isum);
        for (int32_t i = vec_end; i < cols; i++) {
            int32_t v = quantize_value(xr[i], scale);
            qr[i] = (int8_t) v;
            sum += v;
        }
        sa[r] = scale;
        sums[r] = sum;
    }
}

/* ---------------------------------------------------------------------------------------------- */

/* ---- block-quantized heads ---- */

ALWAYS_INLINE float f16_to_f32(uint16_t h) {
    return _cvtsh_ss(h);
}

/*
 * out[g] = sum of u[16g + i] * x[16g + i] over i < 16 for the 16 groups of a 256-value block (u below 64,
 * so vpmaddubsw's pairs stay below 2 * 63 * 127 and never saturate). Two rounds of vphaddd over four
 * registers leave groups 0,2,4,6,1,3,5,7 (and 8.. likewise), which a permute puts in order.
 */
ALWAYS_INLINE __m256i sub_dots_half(const uint8_t *u, const int8_t *x, int half) {
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    __m256i v[4];
    for (int k = 0; k < 4; k++) {
        const int64_t at = 128 * half + 32 * k;
        __m256i prod = _mm256_maddubs_epi16(_mm256_loadu_si256((const __m256i *) (u + at)),
                                            _mm256_loadu_si256((const __m256i *) (x + at)));
        v[k] = _mm256_madd_epi16(prod, ones);
    }
    __m256i sums = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
    return _mm256_permutevar8x32_epi32(sums, order);
}

ALWAYS_INLINE void sub_dots(const uint8_t *u, const int8_t *x, int32_t *out) {
    _mm256_storeu_si256((__m256i *) out, sub_dots_half(u, x, 0));
    _mm256_storeu_si256((__m256i *) (out + 8), sub_dots_half(u, x, 1));
}

/* sum over the 16 groups of coef[g] * (group g's dot product) */
ALWAYS_INLINE int32_t weighted_dots(const uint8_t *u, const int8_t *x, const int32_t *coef) {
    __m256i a = _mm256_mullo_epi32(sub_dots_half(u, x, 0), _mm256_loadu_si256((const __m256i *) coef));
    __m256i b = _mm256_mullo_epi32(sub_dots_half(u, x, 1), _mm256_loadu_si256((const __m256i *) (coef + 8)));
    return hsum_epi32(_mm256_add_epi32(a, b));
}

/* sum of a[g] * b[g] over 16 int32 values */
ALWAYS_INLINE int32_t dot16_i32(const int32_t *a, const int32_t *b) {
    __m256i lo = _mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *) a), _mm256_loadu_si256((const __m256i *) b));
    __m256i hi = _mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *) (a + 8)), _mm256_loadu_si256((const __m256i *) (b + 8)));
    return hsum_epi32(_mm256_add_epi32(lo, hi));
}

ALWAYS_INLINE void prefetch(const void *p) {
    _mm_prefetch((const char *) p, _MM_HINT_T0);
}

#elif defined(__ARM_NEON) && defined(__ARM_FEATURE_DOTPROD)
#include <arm_neon.h>

const char *bitnet_isa(void) {
    return "neon";
}

/* A 16-byte code load is half a block: plane g lines up with 16 consecutive activations, in order. */
void bitnet_act_pack(const int8_t *q, int64_t stride, int32_t batch, int32_t cols, int32_t pcols,
                     int8_t *dst, int32_t *sums) {
    const int8x16_t ones = vdupq_n_s8(1);
    for (int32_t r = 0; r < batch; r++) {
        const int8_t *src = q + r * stride;
        int8_t *d = dst + (int64_t) r * pcols;
        memcpy(d, src, (size_t) cols);
        memset(d + cols, 0, (size_t) (pcols - cols));
        int32x4_t acc = vdupq_n_s32(0);
        for (int32_t i = 0; i < pcols; i += 16) {
            acc = vdotq_s32(acc, ones, vld1q_s8(d + i));
        }
        sums[r] = vaddvq_s32(acc);
    }
}

ALWAYS_INLINE void tile_i2s(const uint8_t *w, int64_t rb, int32_t pcols, const int8_t *qp, const int NW,
                            const int NB, int32_t dots[4][4]) {
    const uint8x16_t m3 = vdupq_n_u8(3);
    int32x4_t acc[4][4];
#pragma GCC unroll 4
    for (int i = 0; i < NW; i++) {
#pragma GCC unroll 4
        for (int j = 0; j < NB; j++) {
            acc[i][j] = vdupq_n_s32(0);
        }
    }
    for (int32_t k = 0; k < pcols; k += 128) {
#pragma GCC unroll 2
        for (int h = 0; h < 2; h++) {
            int8x16_t plane[4][4];
#pragma GCC unroll 4
            for (int i = 0; i < NW; i++) {
                uint8x16_t raw = vld1q_u8(w + i * rb + k / 4 + 16 * h);
                plane[i][0] = vreinterpretq_s8_u8(vshrq_n_u8(raw, 6));
                plane[i][1] = vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(raw, 4), m3));
                plane[i][2] = vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(raw, 2), m3));
                plane[i][3] = vreinterpretq_s8_u8(vandq_u8(raw, m3));
            }
#pragma GCC unroll 4
            for (int j = 0; j < NB; j++) {
                const int8_t *qj = qp + (int64_t) j * pcols + k + 16 * h;
#pragma GCC unroll 4
                for (int g = 0; g < 4; g++) {
                    int8x16_t qv = vld1q_s8(qj + 32 * g);
#pragma GCC unroll 4
                    for (int i = 0; i < NW; i++) {
                        acc[i][j] = vdotq_s32(acc[i][j], plane[i][g], qv);
                    }
                }
            }
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < NW; i++) {
#pragma GCC unroll 4
        for (int j = 0; j < NB; j++) {
            dots[i][j] = vaddvq_s32(acc[i][j]);
        }
    }
}

#define TILE_CASE(NW, NB) \
    case (NW) * 8 + (NB): tile_i2s(w, rb, pcols, qp, NW, NB, dots); break;

static void tile_dispatch(const uint8_t *w, int64_t rb, int32_t pcols, const int8_t *qp, int nw, int nb,
                          int32_t dots[4][4]) {
    switch (nw * 8 + nb) {
        TILE_CASE(1, 1) TILE_CASE(1, 2) TILE_CASE(1, 3) TILE_CASE(1, 4)
        TILE_CASE(2, 1) TILE_CASE(2, 2) TILE_CASE(2, 3) TILE_CASE(2, 4)
        TILE_CASE(3, 1) TILE_CASE(3, 2) TILE_CASE(3, 3) TILE_CASE(3, 4)
        TILE_CASE(4, 1) TILE_CASE(4, 2) TILE_CASE(4, 3) TILE_CASE(4, 4)
        default: break;
    }
}

#define TILE_W 4
#define TILE_B 4

/* Adds one 128-value block of dot(c, q) to two accumulators (planes 0, 2 and 1, 3). */
ALWAYS_INLINE void gemv_block(const uint8_t *w, int32_t k, const int8_t *qp, int32x4_t *a0, int32x4_t *a1) {
    const uint8x16_t m3 = vdupq_n_u8(3);
    __builtin_prefetch(w + k / 4 + PREFETCH_BYTES);
    for (int h = 0; h < 2; h++) {
        uint8x16_t raw = vld1q_u8(w + k / 4 + 16 * h);
        const int8_t *q = qp + k + 16 * h;
        *a0 = vdotq_s32(*a0, vreinterpretq_s8_u8(vshrq_n_u8(raw, 6)), vld1q_s8(q));
        *a1 = vdotq_s32(*a1, vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(raw, 4), m3)), vld1q_s8(q + 32));
        *a0 = vdotq_s32(*a0, vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(raw, 2), m3)), vld1q_s8(q + 64));
        *a1 = vdotq_s32(*a1, vreinterpretq_s8_u8(vandq_u8(raw, m3)), vld1q_s8(q + 96));
    }
}

/* dot(c, q) of one weight row for GEMV. */
ALWAYS_INLINE int32_t gemv_row(const uint8_t *w, int32_t pcols, const int8_t *qp) {
    int32x4_t a0 = vdupq_n_s32(0), a1 = a0;
    for (int32_t k = 0; k < pcols; k += 128) {
        gemv_block(w, k, qp, &a0, &a1);
    }
    return vaddvq_s32(vaddq_s32(a0, a1));
}

/* dot(c, q) of two weight rows far apart: two sequential streams. */
ALWAYS_INLINE void gemv_rows2(const uint8_t *wa, const uint8_t *wb, int32_t pcols, const int8_t *qp, int32_t *da, int32_t *db) {
    int32x4_t a0 = vdupq_n_s32(0), a1 = a0, b0 = a0, b1 = a0;
    for (int32_t k = 0; k < pcols; k += 128) {
        gemv_block(wa, k, qp, &a0, &a1);
        gemv_block(wb, k, qp, &b0, &b1);
    }
    *da = vaddvq_s32(vaddq_s32(a0, a1));
    *db = vaddvq_s32(vaddq_s32(b0, b1));
}

ALWAYS_INLINE float32x4_t load4(int32_t format, const uint8_t *row, int32_t i) {
    if (format == BITNET_HEAD_F16) {
        return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16((const uint16_t *) row + i)));
    }
    if (format == BITNET_HEAD_BF16) {
        return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16((const uint16_t *) row + i), 16));
    }
    return vld1q_f32((const float *) row + i);
}

ALWAYS_INLINE float load1(int32_t format, const uint8_t *row, int32_t i) {
    if (format == BITNET_HEAD_F32) {
        float f;
        memcpy(&f, row + 4 * (int64_t) i, 4);
        return f;
    }
    uint16_t h;
    memcpy(&h, row + 2 * (int64_t) i, 2);
    if (format == BITNET_HEAD_F16) {
        return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0);
    }
    uint32_t bits = (uint32_t) h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

ALWAYS_INLINE void head_rows_plain(int32_t format, const uint8_t *w, int64_t stride, int32_t cols, int nv,
                                   const float *x, float *out) {
    float32x4_t acc[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
    const int32_t elem = format == BITNET_HEAD_F32 ? 4 : 2;
    int32_t i = 0;
    for (; i + 4 <= cols; i += 4) {
        float32x4_t xv = vld1q_f32(x + i);
        for (int k = 0; k < nv; k++) {
            const uint8_t *row = w + k * stride;
            if ((i * elem) % 64 == 0) {
                __builtin_prefetch(row + (int64_t) i * elem + PREFETCH_BYTES);
            }
            acc[k] = vfmaq_f32(acc[k], load4(format, row, i), xv);
        }
    }
    for (int k = 0; k < nv; k++) {
        float s = vaddvq_f32(acc[k]);
        for (int32_t t = i; t < cols; t++) {
            s += load1(format, w + k * stride, t) * x[t];
        }
        out[k] = s;
    }
}

ALWAYS_INLINE void head_rows_q8(const uint8_t *w, int64_t stride, int32_t cols, int nv, const float *x, float *out) {
    float32x4_t acc[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
    for (int32_t b = 0; b < cols / 32; b++) {
        for (int k = 0; k < nv; k++) {
            const uint8_t *p = w + k * stride + 34 * b;
            if (b % 2 == 0) {
                __builtin_prefetch(p + PREFETCH_BYTES);
            }
            uint16_t d;
            memcpy(&d, p, 2);
            float32x4_t sum = vdupq_n_f32(0);
            for (int j = 0; j < 32; j += 8) {
                int16x8_t v = vmovl_s8(vld1_s8((const int8_t *) p + 2 + j));
                sum = vfmaq_f32(sum, vcvtq_f32_s32(vmovl_s16(vget_low_s16(v))), vld1q_f32(x + 32 * b + j));
                sum = vfmaq_f32(sum, vcvtq_f32_s32(vmovl_s16(vget_high_s16(v))), vld1q_f32(x + 32 * b + j + 4));
            }
            float dd = vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(d))), 0);
            acc[k] = vfmaq_n_f32(acc[k], sum, dd);
        }
    }
    for (int k = 0; k < nv; k++) {
        out[k] = vaddvq_f32(acc[k]);
    }
}

void bitnet_quantize(const float *x, int32_t rows, int32_t cols, int8_t *q, int64_t stride, float *sa,
                     int32_t *sums) {
    for (int32_t r = 0; r < rows; r++) {
        const float *xr = x + (int64_t) r * cols;
        float32x4_t vmax = vdupq_n_f32(0);
        uint32x4_t nan = vdupq_n_u32(0);
        int32_t vec_end = cols - cols % 4;
        for (int32_t i = 0; i < vec_end; i += 4) {
            float32x4_t v = vld1q_f32(xr + i);
            nan = vorrq_u32(nan, vmvnq_u32(vceqq_f32(v, v)));
            vmax = vmaxnmq_f32(vmax, vabsq_f32(v));
        }
        float absmax = vmaxvq_f32(vmax);
        int has_nan = vmaxvq_u32(nan) != 0;
        for (int32_t i = vec_end; i < cols; i++) {
            float a = fabsf(xr[i]);
            has_nan |= a != a;
            absmax = a > absmax ? a : absmax;
        }
        float scale = activation_scale(absmax, has_nan);
        float32x4_t s = vdupq_n_f32(scale);
        int32x4_t isum = vdupq_n_s32(0);
        int8_t *qr = q + r * stride;
        for (int32_t i = 0; i < vec_end; i += 4) {
            float32x4_t t = vrndnq_f32(vmulq_f32(vld1q_f32(xr + i), s));
            uint32x4_t ok = vceqq_f32(t, t);
            t = vminq_f32(vmaxq_f32(t, vdupq_n_f32(-128.0f)), vdupq_n_f32(127.0f));
            int32x4_t qi = vandq_s32(vcvtq_s32_f32(t), vreinterpretq_s32_u32(ok));
            isum = vaddq_s32(isum, qi);
            int16x4_t h = vmovn_s32(qi);
            int8x8_t b8 = vmovn_s16(vcombine_s16(h, h));
            vst1_lane_u32((uint32_t *) (void *) (qr + i), vreinterpret_u32_s8(b8), 0);
        }
        int32_t sum = vaddvq_s32(isum);
        for (int32_t i = vec_end; i < cols; i++) {
            int32_t v = quantize_value(xr[i], scale);
            qr[i] = (int8_t) v;
            sum += v;
        }
        sa[r] = scale;
        sums[r] = sum;
    }
}


/* ---- block-quantized heads ---- */

ALWAYS_INLINE float f16_to_f32(uint16_t h) {
    return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0);
}

/* out[g] = sum of u[16g + i] * x[16g + i] over i < 16 for 16 groups (u below 64, so it is a valid int8). */
ALWAYS_INLINE void sub_dots(const uint8_t *u, const int8_t *x, int32_t *out) {
    for (int k = 0; k < 4; k++) {
        int32x4_t v[4];
        for (int g = 0; g < 4; g++) {
            const int64_t at = 64 * k + 16 * g;
            v[g] = vdotq_s32(vdupq_n_s32(0), vreinterpretq_s8_u8(vld1q_u8(u + at)), vld1q_s8(x + at));
        }
        vst1q_s32(out + 4 * k, vpaddq_s32(vpaddq_s32(v[0], v[1]), vpaddq_s32(v[2], v[3])));
    }
}

/* sum over the 16 groups of coef[g] * (group g's dot product) */
ALWAYS_INLINE int32_t weighted_dots(const uint8_t *u, const int8_t *x, const int32_t *coef) {
    int32x4_t acc = vdupq_n_s32(0);
    for (int k = 0; k < 4; k++) {
        int32x4_t v[4];
        for (int g = 0; g < 4; g++) {
            const int64_t at = 64 * k + 16 * g;
            v[g] = vdotq_s32(vdupq_n_s32(0), vreinterpretq_s8_u8(vld1q_u8(u + at)), vld1q_s8(x + at));
        }
        acc = vmlaq_s32(acc, vpaddq_s32(vpaddq_s32(v[0], v[1]), vpaddq_s32(v[2], v[3])), vld1q_s32(coef + 4 * k));
    }
    return vaddvq_s32(acc);
}

/* sum of a[g] * b[g] over 16 int32 values */
ALWAYS_INLINE int32_t dot16_i32(const int32_t *a, const int32_t *b) {
    int32x4_t acc = vmulq_s32(vld1q_s32(a), vld1q_s32(b));
    for (int k = 1; k < 4; k++) {
        acc = vmlaq_s32(acc, vld1q_s32(a + 4 * k), vld1q_s32(b + 4 * k));
    }
    return vaddvq_s32(acc);
}

ALWAYS_INLINE void prefetch(const void *p) {
    __builtin_prefetch(p);
}

#else
#error "bitnet_kernels.c needs AVX-512 VNNI, AVX2+FMA+F16C or NEON dotprod target flags"
#endif

/* ---------------------------------------------------------------------------------------------- */
/* Drivers shared by every build. */

void bitnet_i2s_gemm(const uint8_t *w, int32_t row0, int32_t row1, int32_t pcols, const int8_t *qp,
                     int32_t batch, const int32_t *sums, const float *sa, float sw, float *y, int64_t y_stride) {
    int64_t rb = pcols / 4;
    int32_t dots[4][4];
    if (batch == 1) {
        float s = sa[0];
        int32_t half = (row1 - row0) / 2;
        for (int32_t o = row0; o < row0 + half; o++) {
            int32_t da, db;
            gemv_rows2(w + o * rb, w + (o + half) * rb, pcols, qp, &da, &db);
            y[o] = (float) (da - sums[0]) / s * sw;
            y[o + half] = (float) (db - sums[0]) / s * sw;
        }
        if ((row1 - row0) % 2 != 0) {
            y[row1 - 1] = (float) (gemv_row(w + (int64_t) (row1 - 1) * rb, pcols, qp) - sums[0]) / s * sw;
        }
        return;
    }
    /* a batch tile's activations stay in L1 while the call's weight rows (a task's share) stream from L2 */
    for (int32_t r0 = 0; r0 < batch; r0 += TILE_B) {
        int nb = batch - r0 < TILE_B ? batch - r0 : TILE_B;
        for (int32_t o = row0; o < row1; o += TILE_W) {
            int nw = row1 - o < TILE_W ? row1 - o : TILE_W;
            tile_dispatch(w + o * rb, rb, pcols, qp + (int64_t) r0 * pcols, nw, nb, dots);
            for (int j = 0; j < nb; j++) {
                float s = sa[r0 + j];
                float *yr = y + (int64_t) (r0 + j) * y_stride + o;
                for (int i = 0; i < nw; i++) {
                    yr[i] = (float) (dots[i][j] - sums[r0 + j]) / s * sw;
                }
            }
        }
    }
}

/* Up to four head rows, row k at w + k * stride, for one activation row. */
ALWAYS_INLINE void head_rows(int32_t format, const uint8_t *w, int64_t stride, int32_t cols, int nv, const float *x, float *out) {
    switch (format) {
        case BITNET_HEAD_Q8_0: head_rows_q8(w, stride, cols, nv, x, out); break;
        case BITNET_HEAD_F16: head_rows_plain(BITNET_HEAD_F16, w, stride, cols, nv, x, out); break;
        case BITNET_HEAD_BF16: head_rows_plain(BITNET_HEAD_BF16, w, stride, cols, nv, x, out); break;
        default: head_rows_plain(BITNET_HEAD_F32, w, stride, cols, nv, x, out); break;
    }
}

void bitnet_head(int32_t format, const uint8_t *w, int32_t cols, int32_t row0, int32_t row1, const float *x,
                 int32_t batch, float *y, int64_t y_stride) {
    int64_t row_bytes = format == BITNET_HEAD_F32 ? 4 * (int64_t) cols
                      : format == BITNET_HEAD_Q8_0 ? (int64_t) cols / 32 * 34
                      : 2 * (int64_t) cols;
    /* like the GEMV: two sequential streams half the range apart keep enough DRAM misses in flight */
    int32_t half = (row1 - row0) / 2;
#ifdef BITNET_HEAD_TILE
    if (batch > 1 && format != BITNET_HEAD_Q8_0) {
        /* several activation rows: each weight pair is converted once per tile of rows (a GEMM) */
        for (int32_t v = row0; v < row0 + half; v++) {
            for (int32_t r0 = 0; r0 < batch; r0 += HEAD_TILE_B) {
                int nb = batch - r0 < HEAD_TILE_B ? batch - r0 : HEAD_TILE_B;
                float out[2][HEAD_TILE_B];
                head_tile_plain(format, w + v * row_bytes, half * row_bytes, cols, x + (int64_t) r0 * cols, nb, out);
                for (int r = 0; r < nb; r++) {
                    y[(int64_t) (r0 + r) * y_stride + v] = out[0][r];
                    y[(int64_t) (r0 + r) * y_stride + v + half] = out[1][r];
                }
            }
        }
        half = 0; /* done: only an odd last row is left for the loop below */
    }
#endif
    for (int32_t v = row0; v < row0 + half; v++) {
        for (int32_t r = 0; r < batch; r++) {
            float out[2];
            head_rows(format, w + v * row_bytes, half * row_bytes, cols, 2, x + (int64_t) r * cols, out);
            y[(int64_t) r * y_stride + v] = out[0];
            y[(int64_t) r * y_stride + v + half] = out[1];
        }
    }
    if ((row1 - row0) % 2 != 0) {
        for (int32_t r = 0; r < batch; r++) {
            head_rows(format, w + (int64_t) (row1 - 1) * row_bytes, 0, cols, 1, x + (int64_t) r * cols,
                      y + (int64_t) r * y_stride + row1 - 1);
        }
    }
}

/* ---- block-quantized heads: shared drivers (see bitnet_head_q and dev.bitnet.kernels.BlockDot) ---- */

ALWAYS_INLINE float half_at(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return f16_to_f32(h);
}

/* Q6_K block -> its 256 six-bit codes (0..63) in value order. */
ALWAYS_INLINE void unpack_q6k(const uint8_t *p, uint8_t *u) {
    for (int h = 0; h < 2; h++) {
        const uint8_t *ql = p + 64 * h;
        const uint8_t *qh = p + 128 + 32 * h;
        uint8_t *o = u + 128 * h;
        for (int l = 0; l < 32; l++) {
            o[l] = (uint8_t) ((ql[l] & 0xF) | ((qh[l] & 3) << 4));
            o[l + 32] = (uint8_t) ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4));
            o[l + 64] = (uint8_t) ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
            o[l + 96] = (uint8_t) ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4));
        }
    }
}

/* Q4_K (qh == NULL) or Q5_K block codes -> 256 codes (0..15 or 0..31) in value order. */
ALWAYS_INLINE void unpack_q45k(const uint8_t *qs, const uint8_t *qh, uint8_t *u) {
    for (int c = 0; c < 4; c++) {
        for (int l = 0; l < 32; l++) {
            uint8_t lo = qs[32 * c + l] & 0xF;
            uint8_t hi = qs[32 * c + l] >> 4;
            if (qh != NULL) {
                lo |= (uint8_t) (((qh[l] >> (2 * c)) & 1) << 4);
                hi |= (uint8_t) (((qh[l] >> (2 * c + 1)) & 1) << 4);
            }
            u[64 * c + l] = lo;
            u[64 * c + 32 + l] = hi;
        }
    }
}

/* The eight 6-bit scales and eight mins of a Q4_K / Q5_K block from its 12 packed bytes. */
ALWAYS_INLINE void unpack_k_scales(const uint8_t *p, uint8_t *sc, uint8_t *mn) {
    uint32_t s0, s1, s2;
    memcpy(&s0, p, 4);
    memcpy(&s1, p + 4, 4);
    memcpy(&s2, p + 8, 4);
    uint32_t a = s0 & 0x3f3f3f3fu;
    uint32_t b = (s2 & 0x0f0f0f0fu) | (((s0 >> 6) & 0x03030303u) << 4);
    uint32_t c = s1 & 0x3f3f3f3fu;
    uint32_t d = ((s2 >> 4) & 0x0f0f0f0fu) | (((s1 >> 6) & 0x03030303u) << 4);
    memcpy(sc, &a, 4);
    memcpy(sc + 4, &b, 4);
    memcpy(mn, &c, 4);
    memcpy(mn + 4, &d, 4);
}

/*
 * One head row against every activation row: y[r * y_stride] = BlockDot's value. q, d and bs hold the
 * batch's quantized rows (row r at q + r * cols, d + r * (cols / block), bs + r * cols / 16).
 */
static void head_q_row(int32_t format, const uint8_t *row, int32_t cols, const int8_t *q, const float *d,
                       const int32_t *bs, int32_t batch, float *y, int64_t y_stride) {
    uint8_t u[256] __attribute__((aligned(64)));
    int32_t dots[16] __attribute__((aligned(64)));
    const int32_t nsum = cols / 16;
    for (int32_t r = 0; r < batch; r++) {
        y[r * y_stride] = 0.0f;
    }
    if (format == BITNET_HEAD_Q4_0) {
        const int32_t nd = cols / 32;
        int32_t k = 0;
        for (; k + 8 <= nd; k += 8) {
            const uint8_t *p = row + 18 * (int64_t) k;
            prefetch(p + PREFETCH_BYTES);
            for (int j = 0; j < 8; j++) {
                for (int l = 0; l < 16; l++) {
                    u[32 * j + l] = p[18 * j + 2 + l] & 0xF;
                    u[32 * j + 16 + l] = p[18 * j + 2 + l] >> 4;
                }
            }
            for (int32_t r = 0; r < batch; r++) {
                sub_dots(u, q + (int64_t) r * cols + 32 * k, dots);
                const int32_t *b = bs + (int64_t) r * nsum + 2 * k;
                float acc = y[r * y_stride];
                for (int j = 0; j < 8; j++) {
                    int32_t s = dots[2 * j] + dots[2 * j + 1] - 8 * (b[2 * j] + b[2 * j + 1]);
                    acc += half_at(p + 18 * j) * d[(int64_t) r * nd + k + j] * (float) s;
                }
                y[r * y_stride] = acc;
            }
        }
        for (; k < nd; k++) {
            const uint8_t *p = row + 18 * (int64_t) k;
            for (int32_t r = 0; r < batch; r++) {
                const int8_t *x = q + (int64_t) r * cols + 32 * k;
                int32_t s = 0;
                for (int l = 0; l < 16; l++) {
                    s += ((p[2 + l] & 0xF) - 8) * x[l] + ((p[2 + l] >> 4) - 8) * x[l + 16];
                }
                y[r * y_stride] += half_at(p) * d[(int64_t) r * nd + k] * (float) s;
            }
        }
        return;
    }
    const int32_t nb = cols / 256;
    const int64_t bytes = format == BITNET_HEAD_Q6_K ? 210 : format == BITNET_HEAD_Q4_K ? 144 : 176;
    for (int32_t b = 0; b < nb; b++) {
        const uint8_t *p = row + bytes * b;
        prefetch(p + PREFETCH_BYTES);
        prefetch(p + PREFETCH_BYTES + 64);
        prefetch(p + PREFETCH_BYTES + 128);
        /* per group of 16 values: the weight of its dot product (coef) and of its code sum (mcoef) */
        int32_t coef[16] __attribute__((aligned(64)));
        int32_t mcoef[16] __attribute__((aligned(64)));
#ifdef BITNET_HAS_Q6K_BLOCK
        if (format == BITNET_HEAD_Q6_K) {
            const float dw = half_at(p + 208);
            for (int32_t r = 0; r < batch; r++) {
                int32_t isum = q6k_block_isum(p, q + (int64_t) r * cols + 256 * b, bs + (int64_t) r * nsum + 16 * b);
                y[r * y_stride] += dw * d[(int64_t) r * nb + b] * (float) isum;
            }
            continue;
        }
#endif
        if (format == BITNET_HEAD_Q6_K) {
            unpack_q6k(p, u);
            const int8_t *sc = (const int8_t *) (p + 192);
            for (int j = 0; j < 16; j++) {
                coef[j] = sc[j];
            }
            const float dw = half_at(p + 208);
            for (int32_t r = 0; r < batch; r++) {
                /* sum_j sc_j * sum_i (c_i - 32) q_i = sum_j sc_j * dot_j - 32 * sum_j sc_j * bsum_j */
                int32_t isum = weighted_dots(u, q + (int64_t) r * cols + 256 * b, coef)
                             - 32 * dot16_i32(coef, bs + (int64_t) r * nsum + 16 * b);
                y[r * y_stride] += dw * d[(int64_t) r * nb + b] * (float) isum;
            }
        } else {
            uint8_t sc[8], mn[8];
            unpack_k_scales(p + 4, sc, mn);
            for (int j = 0; j < 16; j++) {
                coef[j] = sc[j / 2];
                mcoef[j] = mn[j / 2];
            }
            unpack_q45k(format == BITNET_HEAD_Q5_K ? p + 48 : p + 16, format == BITNET_HEAD_Q5_K ? p + 16 : NULL, u);
            const float dw = half_at(p);
            const float dmin = half_at(p + 2);
            for (int32_t r = 0; r < batch; r++) {
                int32_t isum = weighted_dots(u, q + (int64_t) r * cols + 256 * b, coef);
                int32_t imin = dot16_i32(mcoef, bs + (int64_t) r * nsum + 16 * b);
                const float dx = d[(int64_t) r * nb + b];
                y[r * y_stride] += dw * dx * (float) isum - dmin * dx * (float) imin;
            }
        }
    }
}

void bitnet_head_q(int32_t format, const uint8_t *w, int32_t cols, int32_t row0, int32_t row1, const int8_t *q,
                   const float *d, const int32_t *bsums, int32_t batch, float *y, int64_t y_stride) {
    const int64_t row_bytes = format == BITNET_HEAD_Q4_0 ? (int64_t) cols / 32 * 18
                            : format == BITNET_HEAD_Q6_K ? (int64_t) cols / 256 * 210
                            : format == BITNET_HEAD_Q4_K ? (int64_t) cols / 256 * 144
                            : (int64_t) cols / 256 * 176;
    /* two sequential streams half the range apart, as in bitnet_head */
    const int32_t half = (row1 - row0) / 2;
    for (int32_t v = row0; v < row0 + half; v++) {
        head_q_row(format, w + v * row_bytes, cols, q, d, bsums, batch, y + v, y_stride);
        head_q_row(format, w + (v + half) * row_bytes, cols, q, d, bsums, batch, y + v + half, y_stride);
    }
    if ((row1 - row0) % 2 != 0) {
        head_q_row(format, w + (int64_t) (row1 - 1) * row_bytes, cols, q, d, bsums, batch, y + row1 - 1, y_stride);
    }
}
