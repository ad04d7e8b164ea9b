package dev.bitnet.fuzz;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The values that break parsers and numerics: boundary integers, special floats, in little-endian bytes. */
final class Values {
    private Values() {
    }

    static final long[] INTS = {0, 1, 2, 3, 4, 7, 8, 31, 32, 33, 63, 64, 127, 128, 255, 256, 4095, 4096, 65535, 65536,
            0x7fff_ffffL, 0x8000_0000L, 0xffff_ffffL, 0x1_0000_0000L, Long.MAX_VALUE, Long.MIN_VALUE, -1, -2};
    static final float[] FLOATS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -1.7e38f, 3.4e38f,
            1e-45f, -1e-45f, 0f, -0f, 1e30f, 1e-30f, 65504f, 1f, -1f};

    static Arbitrary<byte[]> u32() {
        return Arbitraries.of(box(INTS)).map(v -> le(v, 4));
    }

    static Arbitrary<byte[]> u64() {
        return Arbitraries.of(box(INTS)).map(v -> le(v, 8));
    }

    static Arbitrary<byte[]> f32() {
        return Arbitraries.of(boxF(FLOATS)).map(Values::f32);
    }

    /** IEEE half and bfloat16 specials, and the 0xFFFF of a 0xFF-filled file. */
    static Arbitrary<byte[]> f16() {
        return Arbitraries.of(0x7c00, 0xfc00, 0x7e00, 0xffff, 0x7bff, 0x7f80, 0xff80, 0x7fc0, 0x0001, 0x0000)
                .map(v -> le(v, 2));
    }

    static Arbitrary<byte[]> randomBytes(int max) {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(max);
    }

    static byte[] le(long v, int n) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        byte[] out = new byte[n];
        System.arraycopy(b.array(), 0, out, 0, n);
        return out;
    }

    static byte[] f32(float v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array();
    }

    private static Long[] box(long[] v) {
        Long[] out = new Long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    private static Float[] boxF(float[] v) {
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
