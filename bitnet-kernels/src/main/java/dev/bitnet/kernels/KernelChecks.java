package dev.bitnet.kernels;

import java.util.Objects;

/**
 * Argument checks shared by the kernels, so that every kernel rejects the same bad calls with the same
 * messages before it touches memory (native code in particular only ever sees validated sizes).
 */
public final class KernelChecks {
    private KernelChecks() {
    }

    /** Checks the arguments of {@link TernaryKernel#quantize}. */
    public static void quantize(float[] x, int xOffset, int rows, Int8Activations out) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(out, "out");
        if (rows < 0 || rows > out.capacity()) {
            throw new IllegalArgumentException("rows " + rows + " outside [0, " + out.capacity() + "]");
        }
        long need = (long) rows * out.cols();
        if (xOffset < 0 || xOffset + need > x.length) {
            throw new IndexOutOfBoundsException("input needs " + need + " floats from offset " + xOffset
                    + ", array has " + x.length);
        }
    }

    /** Checks the arguments of {@link TernaryKernel#multiply(TernaryMatrix, Int8Activations, float[], int)}. */
    public static void multiply(TernaryMatrix w, Int8Activations a, float[] y, int yOffset) {
        Objects.requireNonNull(y, "y");
        if (a.cols() != w.cols()) {
            throw new IllegalArgumentException(w.name() + ": activations have " + a.cols() + " columns, matrix has " + w.cols());
        }
        long need = (long) a.rows() * w.rows();
        if (yOffset < 0 || yOffset + need > y.length) {
            throw new IndexOutOfBoundsException(w.name() + ": output needs " + need + " floats from offset " + yOffset
                    + ", array has " + y.length);
        }
    }

    /** Checks the arguments of {@link TernaryKernel#multiply(FloatMatrix, float[], int, float[])}. */
    public static void multiply(FloatMatrix w, float[] x, int rows, float[] y) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        if (rows < 0) {
            throw new IllegalArgumentException(w.name() + ": rows must not be negative, got " + rows);
        }
        if ((long) rows * w.cols() > x.length) {
            throw new IndexOutOfBoundsException(w.name() + ": input needs " + (long) rows * w.cols() + " floats, array has " + x.length);
        }
        if ((long) rows * w.rows() > y.length) {
            throw new IndexOutOfBoundsException(w.name() + ": output needs " + (long) rows * w.rows() + " floats, array has " + y.length);
        }
    }

    /** Checks the arguments of {@link TernaryKernel#multiplyRows}. */
    public static void multiplyRows(FloatMatrix w, float[] x, int[] rows, int count, float[] y) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(rows, "rows");
        Objects.requireNonNull(y, "y");
        if (count < 0 || count > rows.length || count > y.length) {
            throw new IndexOutOfBoundsException(w.name() + ": " + count + " rows with " + rows.length + " indices and "
                    + y.length + " outputs");
        }
        if (x.length < w.cols()) {
            throw new IndexOutOfBoundsException(w.name() + ": input needs " + w.cols() + " floats, array has " + x.length);
        }
        for (int k = 0; k < count; k++) {
            Objects.checkIndex(rows[k], w.rows());
        }
    }
}
