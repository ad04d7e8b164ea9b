package dev.bitnet.kernels;

/**
 * The byte layouts a ternary matrix can arrive in. Every layout stores codes {@code c = t + 1} for
 * ternary values {@code t in {-1, 0, +1}}; they differ in block size, bit order and where the scale
 * lives. See {@code dev.bitnet.kernels.format.TernaryCodec} for the exact layouts.
 */
public enum TernaryLayout {
    /** bitnet.cpp I2_S: 2 bits per weight, 128-value blocks of 32 bytes, MSB first; one f32 scale after the codes. */
    I2_S,
    /** llama.cpp TQ2_0: 256-value blocks of 64 code bytes (LSB first) and an f16 scale. */
    TQ2_0,
    /** llama.cpp TQ1_0: 256-value blocks of 48 + 4 base-3 packed bytes and an f16 scale. */
    TQ1_0,
    /** One signed byte per weight holding -1, 0 or +1, row-major, followed by nothing; the scale travels separately. */
    INT8
}
