package dev.bitnet.model;

import dev.bitnet.ModelFormatException;
import org.jetbrains.annotations.Nullable;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load-time checks of the small tensors (norm weights, scales) and of the layer structure, so that a
 * corrupt file fails at load naming the tensor instead of producing NaN logits later. The large
 * tensors (embedding, LM head, packed ternary codes) are too big to scan on every load; a bad value
 * there shows up as non-finite logits, which generation reports as a {@link dev.bitnet.NonFiniteLogitsException}.
 */
final class WeightChecks {
    /**
     * Largest magnitude accepted in a norm weight or tensor scale. Trained BitNet and LLaMA models stay
     * below a few hundred; values near float's range overflow the forward pass to infinity.
     */
    static final float MAX_SMALL_VALUE = 1e6f;

    private WeightChecks() {
    }

    /** Checks every value of a norm weight (or other small float tensor) is finite and of a sane magnitude. */
    static void checkSmallTensor(@Nullable Path file, long offset, String name, float[] values) {
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (!Float.isFinite(v)) {
                throw new ModelFormatException(file, offset, "tensor " + name + " holds a non-finite value (" + v
                        + ") at index " + i);
            }
            if (Math.abs(v) > MAX_SMALL_VALUE) {
                throw new ModelFormatException(file, offset, "tensor " + name + " holds " + v + " at index " + i
                        + ", beyond the magnitude a norm weight can have (" + MAX_SMALL_VALUE + ")");
            }
        }
    }

    /** Checks a per-tensor weight scale (read from the file, or derived from the weights at load). */
    static void checkScale(@Nullable Path file, long offset, String name, float scale) {
        if (!Float.isFinite(scale) || Math.abs(scale) > MAX_SMALL_VALUE) {
            throw new ModelFormatException(file, offset, "tensor " + name + " has weight scale " + scale
                    + " (a scale must be finite and at most " + MAX_SMALL_VALUE + " in magnitude)");
        }
    }

    /**
     * Rejects per-layer tensors of layers the hyperparameters do not declare: a {@code block_count} or
     * {@code num_hidden_layers} smaller than the file's layers would otherwise load a truncated model
     * silently. {@code layerName} matches a tensor name and captures its layer index as group 1.
     */
    static void checkNoExtraLayers(@Nullable Path file, String countKey, int layers, List<String> tensorNames, Pattern layerName) {
        Set<String> unused = new TreeSet<>();
        int highest = -1;
        for (String name : tensorNames) {
            Matcher m = layerName.matcher(name);
            if (m.lookingAt()) {
                long layer;
                try {
                    layer = Long.parseLong(m.group(1));
                } catch (NumberFormatException e) {
                    layer = Long.MAX_VALUE;
                }
                if (layer >= layers) {
                    unused.add(name);
                    highest = (int) Math.max(highest, Math.min(layer, Integer.MAX_VALUE));
                }
            }
        }
        if (!unused.isEmpty()) {
            List<String> shown = unused.stream().limit(5).toList();
            throw new ModelFormatException(file, -1, countKey + " is " + layers + " but the file has tensors of layer "
                    + highest + " (" + unused.size() + " unused tensor(s): " + String.join(", ", shown)
                    + (unused.size() > shown.size() ? ", ..." : "") + ")");
        }
    }
}
