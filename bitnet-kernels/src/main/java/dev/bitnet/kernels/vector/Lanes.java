package dev.bitnet.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.List;

/**
 * The sum of a float vector's lanes in one fixed order, the same interpreted and compiled.
 *
 * <p>{@code reduceLanes(ADD)} leaves the order of a float reduction open, and the implementations do differ:
 * the interpreter's fallback and C2's intrinsic gave sums one ulp apart for the same lanes, so the same seed
 * sampled different tokens before and after warm-up (found by {@code bitnet soak}, which compares concurrent
 * outputs with single-threaded ones). Here the lanes are added as a tree of lanewise additions, which are exact
 * IEEE operations in any mode: lane {@code i} with lane {@code i + n/2}, then {@code i + n/4}, down to lane 0.
 * For 16 lanes: {@code ((v0+v8)+(v4+v12)) + ((v2+v10)+(v6+v14))} and so on, written out in {@link #emulate}.
 */
public final class Lanes {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int N = F.length();
    private static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> F128 = FloatVector.SPECIES_128;
    /** For widths other than 4, 8 and 16: the rotations by N/2, N/4, ..., 1. */
    private static final List<VectorShuffle<Float>> ROTATIONS = rotations();

    private Lanes() {
    }

    private static List<VectorShuffle<Float>> rotations() {
        List<VectorShuffle<Float>> steps = new ArrayList<>();
        for (int shift = N / 2; shift >= 1; shift /= 2) {
            int by = shift;
            steps.add(VectorShuffle.fromOp(F, i -> (i + by) % N));
        }
        return List.copyOf(steps);
    }

    /** The lanes of {@code v} (of the preferred species) summed in the fixed tree order. */
    public static float sum(FloatVector v) {
        // halving by shape reinterpretation (upper half onto lower half, a plain extract and add) is the same
        // tree as the rotations and costs less than a general lane permutation
        if (N == 16) {
            v = (FloatVector) v.reinterpretShape(F256, 0).add(v.reinterpretShape(F256, 1));
            return quarterSum((FloatVector) v.reinterpretShape(F128, 0).add(v.reinterpretShape(F128, 1)));
        }
        if (N == 8) {
            return quarterSum((FloatVector) v.reinterpretShape(F128, 0).add(v.reinterpretShape(F128, 1)));
        }
        if (N == 4) {
            return quarterSum(v);
        }
        return sumRotating(v);
    }

    /** Four lanes: {@code (v0 + v2) + (v1 + v3)}, the last two steps of the tree. */
    private static float quarterSum(FloatVector v) {
        return (v.lane(0) + v.lane(2)) + (v.lane(1) + v.lane(3));
    }

    /** Any other width: the same order by lane rotations. */
    private static float sumRotating(FloatVector v) {
        for (VectorShuffle<Float> rotation : ROTATIONS) {
            v = v.add(v.rearrange(rotation));
        }
        return v.lane(0);
    }

    /** What {@link #sum} computes, in scalar Java: the reference its tests compare with. */
    public static float emulate(float[] lanes) {
        float[] v = lanes.clone();
        int n = v.length;
        for (int shift = n / 2; shift >= 1; shift /= 2) {
            float[] next = new float[n];
            for (int i = 0; i < n; i++) {
                next[i] = v[i] + v[(i + shift) % n];
            }
            v = next;
        }
        return v[0];
    }
}
