package dev.bitnet.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Turns a float weight matrix into ternary values and one scale.
 *
 * <p>A matrix that is already ternary (every non-zero value has the same magnitude {@code s}, as in
 * a GGUF exported at F32 from a ternary checkpoint) is taken exactly: {@code t = sign(w)}, scale
 * {@code s}. Any other matrix holds master weights and is quantized the way BitNet b1.58 is trained
 * (absmean, bitnet-format.md §1.3): {@code inv = 1 / max(mean|w|, 1e-5)}, {@code t = clamp(rint(w ·
 * inv), -1, 1)}, scale {@code 1 / inv}. Absmean on an already-ternary matrix would change the model
 * (its mean magnitude is below {@code s}), which is why the two cases differ.
 */
public final class Ternarizer {
    private Ternarizer() {
    }

    /** Supplies row {@code row} of the matrix as floats into {@code dst}. */
    @FunctionalInterface
    public interface RowReader {
        void read(int row, float[] dst);
    }

    /** The ternary values (one signed byte each, row-major, in the caller's arena) and the scale. */
    public record Result(MemorySegment values, float scale, boolean wasTernary) {
    }

    public static Result ternarize(String name, int rows, int cols, RowReader reader, float[] rowBuffer, Arena arena) {
        float magnitude = 0f;
        boolean exact = true;
        double absSum = 0;
        for (int r = 0; r < rows; r++) {
            reader.read(r, rowBuffer);
            for (int i = 0; i < cols; i++) {
                float w = rowBuffer[i];
                if (!Float.isFinite(w)) {
                    throw new IllegalArgumentException("tensor " + name + " holds a non-finite value at row " + r + ", column " + i);
                }
                float a = Math.abs(w);
                absSum += a;
                if (a != 0f) {
                    if (magnitude == 0f) {
                        magnitude = a;
                    } else if (a != magnitude) {
                        exact = false;
                    }
                }
            }
        }
        MemorySegment values = arena.allocate((long) rows * cols, 64);
        if (exact) {
            for (int r = 0; r < rows; r++) {
                reader.read(r, rowBuffer);
                for (int i = 0; i < cols; i++) {
                    values.set(ValueLayout.JAVA_BYTE, (long) r * cols + i, (byte) Math.signum(rowBuffer[i]));
                }
            }
            return new Result(values, magnitude, true);
        }
        float mean = (float) (absSum / ((double) rows * cols));
        if (!Float.isFinite(mean)) {
            // finite weights near float's range: the absmean scale itself would overflow
            throw new IllegalArgumentException("tensor " + name + " has mean |w| " + mean + ", too large for a weight scale");
        }
        float inv = 1f / Math.max(mean, 1e-5f);
        for (int r = 0; r < rows; r++) {
            reader.read(r, rowBuffer);
            for (int i = 0; i < cols; i++) {
                float t = Math.max(-1f, Math.min(1f, (float) Math.rint(rowBuffer[i] * inv)));
                values.set(ValueLayout.JAVA_BYTE, (long) r * cols + i, (byte) t);
            }
        }
        return new Result(values, 1f / inv, false);
    }
}
