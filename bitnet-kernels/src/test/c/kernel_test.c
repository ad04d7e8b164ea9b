/*
 * Checks one build of bitnet_kernels.c against plain C references: I2_S decoding and the exact ternary
 * dot product (bit-exact outputs), activation quantization (bit-exact codes, scales and sums), and the
 * head GEMV for every native format (within a relative tolerance). Compiled with the same target flags
 * as the library under test; the aarch64 build runs under qemu-user. Exit status 0 when all pass.
 */
#include "bitnet_kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static int failures = 0;
static long checks = 0;

static uint32_t next_u32(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t) (rng >> 16);
}

static float gaussian(void) {
    float u = ((float) (next_u32() % 1000000) + 0.5f) / 1000000.0f;
    float v = ((float) (next_u32() % 1000000) + 0.5f) / 1000000.0f;
    return sqrtf(-2.0f * logf(u)) * cosf(6.2831853f * v);
}

#define CHECK(cond, ...)                                 \
    do {                                                 \
        checks++;                                        \
        if (!(cond)) {                                   \
            if (failures++ < 20) {                       \
                fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
                fprintf(stderr, __VA_ARGS__);            \
                fprintf(stderr, "\n");                   \
            }                                            \
        }                                                \
    } while (0)

/* Packs codes c[rows][pcols] (0..3) into I2_S blocks, exactly as the file format lays them out. */
static void encode_i2s(const uint8_t *c, int rows, int pcols, uint8_t *out) {
    memset(out, 0, (size_t) rows * pcols / 4);
    for (int64_t i = 0; i < (int64_t) rows * pcols; i++) {
        int64_t block = i / 128;
        int j = (int) (i % 128);
        out[block * 32 + (j & 31)] |= (uint8_t) (c[i] << (6 - 2 * (j >> 5)));
    }
}

/* The reference decoder, written independently of the kernels: value i of the flattened tensor. */
static int decode_i2s(const uint8_t *data, int64_t i) {
    int64_t block = i / 128;
    int j = (int) (i % 128);
    return ((data[block * 32 + (j % 32)] >> (6 - 2 * (j / 32))) & 3) - 1;
}

static void test_gemm(int rows, int cols, int pcols, int batch, int mode) {
    uint8_t *c = malloc((size_t) rows * pcols);
    uint8_t *w = malloc((size_t) rows * pcols / 4 + 64);
    int8_t *q = calloc((size_t) batch, (size_t) pcols + 64);
    int8_t *qp = malloc((size_t) batch * pcols);
    int32_t *sums = malloc(sizeof(int32_t) * batch);
    float *sa = malloc(sizeof(float) * batch);
    float *y = malloc(sizeof(float) * batch * rows);
    int64_t stride = pcols + 64;
    for (int64_t i = 0; i < (int64_t) rows * pcols; i++) {
        int col = (int) (i % pcols);
        c[i] = col >= cols ? 1 : mode == 1 ? 3 : (uint8_t) (next_u32() % (mode == 2 ? 4 : 3));
    }
    encode_i2s(c, rows, pcols, w);
    for (int r = 0; r < batch; r++) {
        for (int i = 0; i < stride; i++) {
            /* beyond cols: garbage the pack must not read */
            q[r * stride + i] = i >= cols ? (int8_t) 0x5A : mode == 1 ? (int8_t) -128 : (int8_t) (next_u32() % 256);
        }
        sa[r] = 0.5f + (float) r;
    }
    bitnet_act_pack(q, stride, batch, cols, pcols, qp, sums);
    for (int r = 0; r < batch; r++) {
        int32_t s = 0;
        for (int i = 0; i < cols; i++) {
            s += q[r * stride + i];
        }
        CHECK(sums[r] == s, "pack sum row %d: %d != %d", r, sums[r], s);
    }
    float sw = 0.75f;
    /* two calls over a split row range, as the Java pool issues them */
    int split = rows / 2;
    bitnet_i2s_gemm(w, 0, split, pcols, qp, batch, sums, sa, sw, y, rows);
    bitnet_i2s_gemm(w, split, rows, pcols, qp, batch, sums, sa, sw, y, rows);
    for (int r = 0; r < batch; r++) {
        for (int o = 0; o < rows; o++) {
            int32_t dot = 0;
            for (int i = 0; i < cols; i++) {
                dot += decode_i2s(w, (int64_t) o * pcols + i) * q[r * stride + i];
            }
            float want = (float) dot / sa[r] * sw;
            CHECK(memcmp(&want, &y[r * rows + o], 4) == 0, "gemm %dx%d (cols %d) batch %d mode %d y[%d][%d] = %.9g, want %.9g",
                  rows, pcols, cols, batch, mode, r, o, y[r * rows + o], want);
        }
    }
    free(c);
    free(w);
    free(q);
    free(qp);
    free(sums);
    free(sa);
    free(y);
}

/* ScalarKernel's formula, in plain C. */
static void reference_quantize(const float *x, int cols, int8_t *q, float *scale, int32_t *sum) {
    float absmax = 0.0f;
    int nan = 0;
    for (int i = 0; i < cols; i++) {
        float a = fabsf(x[i]);
        if (a != a) nan = 1;
        if (a > absmax) absmax = a;
    }
    float s = nan ? NAN : 127.0f / (absmax > 1e-5f ? absmax : 1e-5f);
    int32_t total = 0;
    for (int i = 0; i < cols; i++) {
        float v = rintf(x[i] * s);
        int32_t k = v != v ? 0 : v < -128.0f ? -128 : v > 127.0f ? 127 : (int32_t) v;
        q[i] = (int8_t) k;
        total += k;
    }
    *scale = s;
    *sum = total;
}

static void test_quantize(int cols, int kind) {
    float *x = malloc(sizeof(float) * cols);
    int8_t *q = malloc((size_t) cols + 64);
    int8_t *want = malloc((size_t) cols);
    for (int i = 0; i < cols; i++) {
        x[i] = kind == 1 ? -7.25f : kind == 2 ? 0.0f : gaussian() * ((next_u32() % 50) == 0 ? 20.0f : 1.0f);
    }
    if (kind == 3 && cols > 3) x[cols / 2] = NAN;
    if (kind == 4 && cols > 3) x[1] = INFINITY;
    if (kind == 5 && cols > 3) {
        float absmax = 0;
        for (int i = 0; i < cols; i++) absmax = fabsf(x[i]) > absmax ? fabsf(x[i]) : absmax;
        x[0] = 2.5f / (127.0f / absmax); /* an exact tie: half to even */
        x[2] = -0.5f / (127.0f / absmax);
    }
    float scale, want_scale;
    int32_t sum, want_sum;
    memset(q, 0x77, (size_t) cols + 64);
    bitnet_quantize(x, 1, cols, q, cols + 64, &scale, &sum);
    reference_quantize(x, cols, want, &want_scale, &want_sum);
    CHECK(memcmp(&scale, &want_scale, 4) == 0 || (scale != scale && want_scale != want_scale),
          "quantize cols %d kind %d: scale %.9g != %.9g", cols, kind, scale, want_scale);
    CHECK(sum == want_sum, "quantize cols %d kind %d: sum %d != %d", cols, kind, sum, want_sum);
    for (int i = 0; i < cols; i++) {
        CHECK(q[i] == want[i], "quantize cols %d kind %d: q[%d] = %d, want %d (x = %.9g)", cols, kind, i, q[i], want[i], x[i]);
    }
    CHECK(q[cols] == 0x77, "quantize cols %d wrote past the row", cols);
    free(x);
    free(q);
    free(want);
}

static uint16_t to_half(float f) {
    /* round to nearest even, normal and subnormal range; the test values are small */
    uint32_t b;
    memcpy(&b, &f, 4);
    uint32_t sign = (b >> 16) & 0x8000;
    float a = fabsf(f);
    if (a < 6.1035156e-05f) {
        return (uint16_t) (sign | (uint32_t) rintf(a / 5.9604645e-08f));
    }
    int e;
    float m = frexpf(a, &e);                 /* a = m * 2^e, m in [0.5, 1) */
    uint32_t mant = (uint32_t) rintf((m * 2.0f - 1.0f) * 1024.0f);
    uint32_t exp = (uint32_t) (e - 1 + 15);
    if (mant == 1024) { mant = 0; exp++; }
    return (uint16_t) (sign | exp << 10 | mant);
}

static float from_half(uint16_t h) {
    uint32_t e = (h >> 10) & 31, m = h & 1023;
    float v = e == 0 ? ldexpf((float) m, -24) : ldexpf((float) (m | 1024), (int) e - 25);
    return (h & 0x8000) ? -v : v;
}

static void test_head(int format, int vocab, int cols, int batch) {
    int64_t row_bytes = format == BITNET_HEAD_F32 ? 4 * (int64_t) cols : format == BITNET_HEAD_Q8_0 ? cols / 32 * 34 : 2 * (int64_t) cols;
    uint8_t *w = malloc((size_t) (vocab * row_bytes));
    float *wf = malloc(sizeof(float) * vocab * cols);
    float *x = malloc(sizeof(float) * batch * cols);
    float *y = malloc(sizeof(float) * batch * vocab);
    for (int v = 0; v < vocab; v++) {
        uint8_t *row = w + v * row_bytes;
        for (int i = 0; i < cols; i++) {
            float f = gaussian();
            if (format == BITNET_HEAD_F32) {
                memcpy(row + 4 * i, &f, 4);
            } else if (format == BITNET_HEAD_F16) {
                uint16_t h = to_half(f);
                memcpy(row + 2 * i, &h, 2);
                f = from_half(h);
            } else if (format == BITNET_HEAD_BF16) {
                uint32_t b;
                memcpy(&b, &f, 4);
                uint16_t h = (uint16_t) (b >> 16);
                memcpy(row + 2 * i, &h, 2);
                b = (uint32_t) h << 16;
                memcpy(&f, &b, 4);
            } else {
                int block = i / 32;
                uint8_t *p = row + 34 * block;
                if (i % 32 == 0) {
                    uint16_t d = to_half(0.01f + (float) (next_u32() % 100) / 2000.0f);
                    memcpy(p, &d, 2);
                }
                uint16_t d;
                memcpy(&d, p, 2);
                int8_t k = (int8_t) (next_u32() % 256);
                p[2 + i % 32] = (uint8_t) k;
                f = from_half(d) * k;
            }
            wf[(int64_t) v * cols + i] = f;
        }
    }
    for (int i = 0; i < batch * cols; i++) {
        x[i] = gaussian();
    }
    bitnet_head(format, w, cols, 0, vocab / 2, x, batch, y, vocab);
    bitnet_head(format, w, cols, vocab / 2, vocab, x, batch, y, vocab);
    /* several rows at once give each row the bits it gets alone (the batch scheduler relies on it) */
    float *one = malloc(sizeof(float) * vocab);
    for (int r = 0; r < batch; r++) {
        bitnet_head(format, w, cols, 0, vocab / 2, x + (int64_t) r * cols, 1, one, vocab);
        bitnet_head(format, w, cols, vocab / 2, vocab, x + (int64_t) r * cols, 1, one, vocab);
        for (int v = 0; v < vocab; v++) {
            CHECK(memcmp(&one[v], &y[r * vocab + v], sizeof(float)) == 0, "head format %d %dx%d batch %d row %d y[%d] = %.9g, alone %.9g",
                  format, vocab, cols, batch, r, v, y[r * vocab + v], one[v]);
        }
    }
    free(one);
    for (int r = 0; r < batch; r++) {
        for (int v = 0; v < vocab; v++) {
            double want = 0, mag = 0;
            for (int i = 0; i < cols; i++) {
                double p = (double) wf[(int64_t) v * cols + i] * x[r * cols + i];
                want += p;
                mag += fabs(p);
            }
            CHECK(fabs(y[r * vocab + v] - want) <= 1e-5 * mag + 1e-30, "head format %d %dx%d batch %d y[%d][%d] = %.9g, want %.9g",
                  format, vocab, cols, batch, r, v, y[r * vocab + v], want);
        }
    }
    free(w);
    free(wf);
    free(x);
    free(y);
}

/*
 * Block-quantized heads: random blocks, activations quantized in blocks as BlockDot does, and the integer
 * formula evaluated value by value from the ggml layouts (codes, sub-block scales and mins read one at a
 * time). The kernels must match it to the bit.
 */
static int kq_block(int format) {
    return format == BITNET_HEAD_Q4_0 ? 32 : 256;
}

static int kq_bytes(int format) {
    return format == BITNET_HEAD_Q4_0 ? 18 : format == BITNET_HEAD_Q6_K ? 210 : format == BITNET_HEAD_Q4_K ? 144 : 176;
}

/* code of value i (0..255) of a k-quant block; for Q6_K minus 32 */
static int kq_code(int format, const uint8_t *p, int i) {
    if (format == BITNET_HEAD_Q6_K) {
        int h = i / 128, r = i % 128, l = r % 32, part = r / 32;
        const uint8_t *ql = p + 64 * h, *qh = p + 128 + 32 * h;
        int low = part == 0 ? ql[l] & 15 : part == 1 ? ql[l + 32] & 15 : part == 2 ? ql[l] >> 4 : ql[l + 32] >> 4;
        return (low | (((qh[l] >> (2 * part)) & 3) << 4)) - 32;
    }
    int c = i / 64, r = i % 64, l = r % 32;
    const uint8_t *qs = p + (format == BITNET_HEAD_Q5_K ? 48 : 16);
    int v = r < 32 ? qs[32 * c + l] & 15 : qs[32 * c + l] >> 4;
    if (format == BITNET_HEAD_Q5_K) {
        v |= ((p[16 + l] >> (2 * c + (r < 32 ? 0 : 1))) & 1) << 4;
    }
    return v;
}

static int kq_scale(const uint8_t *sc, int j, int min) {
    if (j < 4) {
        return sc[j + (min ? 4 : 0)] & 63;
    }
    return (min ? sc[j + 4] >> 4 : sc[j + 4] & 15) | ((sc[j - (min ? 0 : 4)] >> 6) << 4);
}

static void test_head_q(int format, int vocab, int cols, int batch) {
    int block = kq_block(format);
    int64_t row_bytes = (int64_t) cols / block * kq_bytes(format);
    uint8_t *w = malloc((size_t) (vocab * row_bytes));
    for (int64_t i = 0; i < vocab * row_bytes; i++) {
        w[i] = (uint8_t) next_u32();
    }
    /* finite positive scales where the halves sit */
    for (int v = 0; v < vocab; v++) {
        for (int b = 0; b < cols / block; b++) {
            uint8_t *p = w + v * row_bytes + (int64_t) b * kq_bytes(format);
            uint16_t h1 = to_half(0.001f + (float) (next_u32() % 1000) / 100000.0f);
            uint16_t h2 = to_half(0.001f + (float) (next_u32() % 1000) / 100000.0f);
            if (format == BITNET_HEAD_Q6_K) {
                memcpy(p + 208, &h1, 2);
            } else {
                memcpy(p, &h1, 2);
                if (format != BITNET_HEAD_Q4_0) {
                    memcpy(p + 2, &h2, 2);
                }
            }
        }
    }
    float *x = malloc(sizeof(float) * batch * cols);
    int8_t *q = malloc((size_t) batch * cols);
    float *d = malloc(sizeof(float) * batch * (cols / block));
    int32_t *bs = malloc(sizeof(int32_t) * batch * (cols / 16));
    float *y = malloc(sizeof(float) * batch * vocab);
    for (int i = 0; i < batch * cols; i++) {
        x[i] = gaussian() * (i % 97 == 0 ? 8.0f : 1.0f);
    }
    for (int r = 0; r < batch; r++) {
        for (int b = 0; b < cols / block; b++) {
            const float *xb = x + r * cols + b * block;
            float amax = 0;
            for (int i = 0; i < block; i++) {
                amax = fabsf(xb[i]) > amax ? fabsf(xb[i]) : amax;
            }
            float scale = 127.0f / amax;
            for (int i = 0; i < block; i++) {
                float t = rintf(xb[i] * scale);
                q[r * cols + b * block + i] = (int8_t) (t > 127 ? 127 : t < -127 ? -127 : t);
            }
            d[r * (cols / block) + b] = amax / 127.0f;
        }
        for (int g = 0; g < cols / 16; g++) {
            int32_t sum = 0;
            for (int i = 0; i < 16; i++) {
                sum += q[r * cols + 16 * g + i];
            }
            bs[r * (cols / 16) + g] = sum;
        }
    }
    bitnet_head_q(format, w, cols, 0, vocab / 3, q, d, bs, batch, y, vocab);
    bitnet_head_q(format, w, cols, vocab / 3, vocab, q, d, bs, batch, y, vocab);
    for (int r = 0; r < batch; r++) {
        for (int v = 0; v < vocab; v++) {
            const uint8_t *row = w + v * row_bytes;
            const int8_t *xq = q + r * cols;
            float acc = 0.0f;
            for (int b = 0; b < cols / block; b++) {
                const uint8_t *p = row + (int64_t) b * kq_bytes(format);
                float dx = d[r * (cols / block) + b];
                const int8_t *xb = xq + b * block;
                if (format == BITNET_HEAD_Q4_0) {
                    int32_t s = 0;
                    for (int j = 0; j < 16; j++) {
                        s += ((p[2 + j] & 15) - 8) * xb[j] + ((p[2 + j] >> 4) - 8) * xb[j + 16];
                    }
                    acc += from_half((uint16_t) (p[0] | p[1] << 8)) * dx * (float) s;
                } else if (format == BITNET_HEAD_Q6_K) {
                    int32_t isum = 0;
                    for (int i = 0; i < 256; i++) {
                        isum += ((const int8_t *) p)[192 + i / 16] * kq_code(format, p, i) * xb[i];
                    }
                    acc += from_half((uint16_t) (p[208] | p[209] << 8)) * dx * (float) isum;
                } else {
                    int32_t isum = 0, imin = 0;
                    for (int i = 0; i < 256; i++) {
                        isum += kq_scale(p + 4, i / 32, 0) * kq_code(format, p, i) * xb[i];
                        imin += kq_scale(p + 4, i / 32, 1) * xb[i];
                    }
                    acc += from_half((uint16_t) (p[0] | p[1] << 8)) * dx * (float) isum
                         - from_half((uint16_t) (p[2] | p[3] << 8)) * dx * (float) imin;
                }
            }
            CHECK(memcmp(&acc, &y[r * vocab + v], 4) == 0, "head_q format %d %dx%d batch %d y[%d][%d] = %.9g, want %.9g",
                  format, vocab, cols, batch, r, v, y[r * vocab + v], acc);
        }
    }
    free(w);
    free(x);
    free(q);
    free(d);
    free(bs);
    free(y);
}

int main(void) {
    printf("kernel_test: %s build\n", bitnet_isa());
    CHECK(bitnet_abi_version() == BITNET_ABI_VERSION, "ABI version %d", bitnet_abi_version());
    static const int shapes[][3] = {
        /* rows, cols, pcols */
        {1, 128, 128}, {3, 256, 256}, {5, 384, 384}, {7, 640, 640}, {9, 2560, 2560}, {33, 256, 256},
        {4, 91, 128}, {6, 300, 384}, {2, 6912, 6912}, {13, 1000, 1024},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        for (int batch = 1; batch <= 9; batch += (batch < 5 ? 1 : 4)) {
            test_gemm(shapes[s][0], shapes[s][1], shapes[s][2], batch, 0);
        }
        test_gemm(shapes[s][0], shapes[s][1], shapes[s][2], 3, 2); /* code 3 included */
    }
    /* extremes: code 3 everywhere times -128 everywhere, long rows */
    test_gemm(5, 6912, 6912, 1, 1);
    test_gemm(5, 8320, 8320, 6, 1);
    static const int qcols[] = {1, 3, 7, 8, 15, 16, 17, 63, 64, 65, 255, 2560, 6912};
    for (size_t i = 0; i < sizeof qcols / sizeof qcols[0]; i++) {
        for (int kind = 0; kind <= 5; kind++) {
            test_quantize(qcols[i], kind);
        }
    }
    static const int hcols[] = {32, 64, 96, 256, 2560};
    for (int format = 0; format <= 3; format++) {
        for (size_t i = 0; i < sizeof hcols / sizeof hcols[0]; i++) {
            test_head(format, 37, hcols[i], 1);
            test_head(format, 10, hcols[i], 3);
            test_head(format, 11, hcols[i], 9); /* more rows than one tile */
        }
        if (format != BITNET_HEAD_Q8_0) {
            test_head(format, 9, 33, 2); /* odd row length: vector tails */
            test_head(format, 9, 33, 8);
        }
    }
    static const int kcols[] = {256, 512, 2560};
    for (int format = BITNET_HEAD_Q4_0; format <= BITNET_HEAD_Q5_K; format++) {
        for (size_t i = 0; i < sizeof kcols / sizeof kcols[0]; i++) {
            test_head_q(format, 37, kcols[i], 1);
            test_head_q(format, 10, kcols[i], 3);
        }
    }
    test_head_q(BITNET_HEAD_Q4_0, 11, 96, 2); /* Q4_0 rows that are not whole 256-value groups */
    test_head_q(BITNET_HEAD_Q4_0, 11, 288, 1);
    if (failures) {
        printf("kernel_test: %s build: %d of %ld checks FAILED\n", bitnet_isa(), failures, checks);
        return 1;
    }
    printf("kernel_test: %s build: all %ld checks passed\n", bitnet_isa(), checks);
    return 0;
}
