package dev.bitnet.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/** Random LM-head bytes in each {@link FloatFormat}, with finite scales. */
final class HeadData {
    private HeadData() {
    }

    static byte[] random(Random rnd, FloatFormat format, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate((int) (rows * format.rowBytes(cols))).order(ByteOrder.LITTLE_ENDIAN);
        int blocks = rows * (cols / format.blockSize());
        switch (format) {
            case F32 -> {
                for (int i = 0; i < rows * cols; i++) {
                    b.putFloat((float) rnd.nextGaussian());
                }
            }
            case F16 -> {
                for (int i = 0; i < rows * cols; i++) {
                    b.putShort(Float.floatToFloat16((float) rnd.nextGaussian()));
                }
            }
            case BF16 -> {
                for (int i = 0; i < rows * cols; i++) {
                    b.putShort((short) (Float.floatToRawIntBits((float) rnd.nextGaussian()) >>> 16));
                }
            }
            case Q8_0 -> {
                for (int k = 0; k < blocks; k++) {
                    b.putShort(Float.floatToFloat16(0.001f + rnd.nextFloat() * 0.05f));
                    for (int j = 0; j < 32; j++) {
                        b.put((byte) rnd.nextInt(256));
                    }
                }
            }
            case Q4_0 -> {
                for (int k = 0; k < blocks; k++) {
                    b.putShort(Float.floatToFloat16(0.001f + rnd.nextFloat() * 0.05f));
                    for (int j = 0; j < 16; j++) {
                        b.put((byte) rnd.nextInt(256));
                    }
                }
            }
            case Q4_K, Q5_K -> {
                for (int k = 0; k < blocks; k++) {
                    b.putShort(Float.floatToFloat16(0.0005f + rnd.nextFloat() * 0.002f));
                    b.putShort(Float.floatToFloat16(0.0005f + rnd.nextFloat() * 0.002f));
                    for (int j = 4; j < format.blockBytes(); j++) {
                        b.put((byte) rnd.nextInt(256));
                    }
                }
            }
            case Q6_K -> {
                for (int k = 0; k < blocks; k++) {
                    for (int j = 0; j < 192; j++) {
                        b.put((byte) rnd.nextInt(256));
                    }
                    for (int j = 0; j < 16; j++) {
                        b.put((byte) (rnd.nextInt(128) - 64));
                    }
                    b.putShort(Float.floatToFloat16(0.0005f + rnd.nextFloat() * 0.002f));
                }
            }
        }
        return b.array();
    }
}
