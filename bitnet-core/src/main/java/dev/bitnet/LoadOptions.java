package dev.bitnet;

import dev.bitnet.tokenizer.PreTokenizerKind;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How to load a model: compute threads, context length, kernel. Immutable; build with {@link
 * #builder()}. Unset values take the defaults: threads = physical cores, context = the model's own,
 * kernel = the fastest that runs here (or the {@code bitnet.kernel} system property).
 */
public final class LoadOptions {
    /** Upper bound on a context-length override: a hostile value must not allocate a huge KV cache. */
    public static final int MAX_CONTEXT = 1 << 20;
    /** Upper bound on threads. */
    public static final int MAX_THREADS = 1024;

    private static final LoadOptions DEFAULTS = builder().build();

    private final OptionalInt threads;
    private final OptionalInt contextLength;
    private final Optional<String> kernel;
    private final int batchSize;
    private final Optional<PreTokenizerKind> preTokenizer;
    private final Optional<String> chatTemplate;
    private final HeadMode headMode;

    /**
     * How the LM head is computed during generation. The head is read whole for every generated token,
     * so its bytes bound decode speed.
     */
    public enum HeadMode {
        /** The head as stored in the file, every logit exact. */
        EXACT,
        /** A Q8_0 copy made at load replaces the head: half the bytes of F16, logits slightly off. */
        INT8,
        /**
         * A Q8_0 copy is read for every token and the rows that could matter are recomputed from the
         * stored head, so that greedy choices are provably the exact head's and sampling (temperature up to
         * 1) leaves under 1e-6 of the probability on approximate logits (see
         * {@link dev.bitnet.kernels.BoundedHead}). Logits returned by {@link Session#append} stay exact.
         * Applies to F32, F16 and BF16 heads on the scalar and native kernels; otherwise the exact head is used.
         */
        BOUNDED
    }

    private LoadOptions(Builder b) {
        this.headMode = b.headMode;
        this.preTokenizer = b.preTokenizer;
        this.chatTemplate = b.chatTemplate;
        this.threads = b.threads;
        this.contextLength = b.contextLength;
        this.kernel = b.kernel;
        this.batchSize = b.batchSize;
    }

    public static LoadOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Compute threads, if set. */
    public OptionalInt threads() {
        return threads;
    }

    /** Context length override, if set. */
    public OptionalInt contextLength() {
        return contextLength;
    }

    /** Kernel name override ({@code scalar}, {@code vector}, {@code native}), if set. */
    public Optional<String> kernel() {
        return kernel;
    }

    /** Positions processed together during prompt evaluation (one batched matmul per chunk). */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Pre-tokenizer override. By default GGUF models use the LLaMA-3 split (what BitNet b1.58 was trained
     * with) unless {@code tokenizer.ggml.pre} says otherwise; {@link PreTokenizerKind#LLAMA_CPP_DEFAULT}
     * reproduces bitnet.cpp's token ids for the official GGUF, which has no {@code pre} key.
     */
    public Optional<PreTokenizerKind> preTokenizer() {
        return preTokenizer;
    }

    /** Chat template override by name ({@code hf} or {@code bitnet-cpp}), if set. */
    public Optional<String> chatTemplate() {
        return chatTemplate;
    }

    /**
     * Whether the LM head is re-quantized to int8 (Q8_0, 32-value blocks) at load: it halves the bytes
     * read per generated token for an F16 head, at a small accuracy cost. Off by default.
     */
    public boolean int8Head() {
        return headMode == HeadMode.INT8;
    }

    /** How the LM head is computed; {@link HeadMode#EXACT} by default. */
    public HeadMode headMode() {
        return headMode;
    }

    /** Builder of {@link LoadOptions}; each setter validates its argument. */
    public static final class Builder {
        private OptionalInt threads = OptionalInt.empty();
        private OptionalInt contextLength = OptionalInt.empty();
        private Optional<String> kernel = Optional.empty();
        private int batchSize = 64;
        private Optional<PreTokenizerKind> preTokenizer = Optional.empty();
        private Optional<String> chatTemplate = Optional.empty();
        private HeadMode headMode = HeadMode.EXACT;

        private Builder() {
        }

        /** @throws IllegalArgumentException unless 1 <= threads <= {@value #MAX_THREADS} */
        public Builder threads(int threads) {
            if (threads < 1 || threads > MAX_THREADS) {
                throw new IllegalArgumentException("threads must be in [1, " + MAX_THREADS + "], got " + threads);
            }
            this.threads = OptionalInt.of(threads);
            return this;
        }

        /** @throws IllegalArgumentException unless 1 <= contextLength <= {@value #MAX_CONTEXT} */
        public Builder contextLength(int contextLength) {
            if (contextLength < 1 || contextLength > MAX_CONTEXT) {
                throw new IllegalArgumentException("context length must be in [1, " + MAX_CONTEXT + "], got " + contextLength);
            }
            this.contextLength = OptionalInt.of(contextLength);
            return this;
        }

        /** Kernel by name: {@code scalar}, {@code vector} or {@code native}. */
        public Builder kernel(String kernel) {
            Objects.requireNonNull(kernel, "kernel");
            if (kernel.isBlank()) {
                throw new IllegalArgumentException("kernel name must not be blank");
            }
            this.kernel = Optional.of(kernel);
            return this;
        }

        /** @throws IllegalArgumentException unless 1 <= batchSize <= 4096 */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1 || batchSize > 4096) {
                throw new IllegalArgumentException("batch size must be in [1, 4096], got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Overrides the pre-tokenizer chosen from the model's metadata. */
        public Builder preTokenizer(PreTokenizerKind kind) {
            this.preTokenizer = Optional.of(Objects.requireNonNull(kind, "kind"));
            return this;
        }

        /** Chat template by name: {@code hf} (Hugging Face, the default) or {@code bitnet-cpp} (bitnet.cpp's -cnv rendering). */
        public Builder chatTemplate(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("chat template name must not be blank");
            }
            this.chatTemplate = Optional.of(name);
            return this;
        }

        /** Re-quantizes the LM head to Q8_0 at load (see {@link LoadOptions#int8Head()}). */
        public Builder int8Head(boolean enabled) {
            if (enabled) {
                this.headMode = HeadMode.INT8;
            } else if (headMode == HeadMode.INT8) {
                this.headMode = HeadMode.EXACT;
            }
            return this;
        }

        /** Sets how the LM head is computed (see {@link HeadMode}). */
        public Builder headMode(HeadMode mode) {
            this.headMode = java.util.Objects.requireNonNull(mode, "mode");
            return this;
        }

        public LoadOptions build() {
            return new LoadOptions(this);
        }
    }
}
