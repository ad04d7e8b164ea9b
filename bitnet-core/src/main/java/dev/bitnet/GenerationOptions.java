package dev.bitnet;

import dev.bitnet.structured.ResponseFormat;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * How to generate text: length limit, stop conditions and the sampling settings.
 *
 * <p>Immutable and thread-safe; build one with {@link #builder()}, start from {@link #defaults()} or
 * {@link #greedy()}, or change a copy with {@link #toBuilder()}. Every setter checks its value at once and
 * throws {@link IllegalArgumentException} naming the option and the value it refused. Token ids are checked
 * against a vocabulary only when one is known, by {@link #validateFor(int)}.
 *
 * <p>Sampling follows llama.cpp's chain: logit bias, then repetition/frequency/presence penalties over the
 * last {@link #penaltyWindow()} tokens, then top-k, top-p, min-p, temperature, and a draw from the remaining
 * distribution. Temperature 0 picks the most likely token (lowest id on ties) and ignores top-k/p and min-p.
 * With a {@link #seed()} the output is the same for the same input and options on every run, thread and JVM.
 */
public final class GenerationOptions {
    private static final GenerationOptions DEFAULTS = new Builder().build();

    private final int maxTokens;
    private final List<String> stopStrings;
    private final Set<Integer> stopTokenIds;
    private final double temperature;
    private final int topK;
    private final double topP;
    private final double minP;
    private final double repeatPenalty;
    private final double frequencyPenalty;
    private final double presencePenalty;
    private final int penaltyWindow;
    private final Map<Integer, Float> logitBias;
    private final OptionalLong seed;
    private final ResponseFormat responseFormat;

    private GenerationOptions(Builder b) {
        this.maxTokens = b.maxTokens;
        this.stopStrings = List.copyOf(b.stopStrings);
        this.stopTokenIds = Set.copyOf(b.stopTokenIds);
        this.temperature = b.temperature;
        this.topK = b.topK;
        this.topP = b.topP;
        this.minP = b.minP;
        this.repeatPenalty = b.repeatPenalty;
        this.frequencyPenalty = b.frequencyPenalty;
        this.presencePenalty = b.presencePenalty;
        this.penaltyWindow = b.penaltyWindow;
        this.logitBias = Map.copyOf(b.logitBias);
        this.seed = b.seed;
        this.responseFormat = b.responseFormat;
    }

    /** A builder holding the {@linkplain #defaults() default} values. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * llama.cpp's defaults as bitnet.cpp runs them: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05,
     * no penalties (repeat 1.0, window 64), at most 256 tokens, no stop strings, random seed.
     */
    public static GenerationOptions defaults() {
        return DEFAULTS;
    }

    /** The defaults with temperature 0: always the most likely token, so the output needs no seed. */
    public static GenerationOptions greedy() {
        return builder().temperature(0).build();
    }

    /** A builder starting from this object's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Checks the token ids in {@link #logitBias()} and {@link #stopTokenIds()} against a vocabulary.
     *
     * @return this object, for chaining
     * @throws IllegalArgumentException naming the first id that is not below {@code vocabSize}
     */
    public GenerationOptions validateFor(int vocabSize) {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabSize must be positive, got " + vocabSize);
        }
        for (int id : new TreeMap<>(logitBias).keySet()) {
            if (id >= vocabSize) {
                throw new IllegalArgumentException("logitBias token id " + id
                        + " is outside the vocabulary (ids 0.." + (vocabSize - 1) + ")");
            }
        }
        for (int id : stopTokenIds.stream().sorted().toList()) {
            if (id >= vocabSize) {
                throw new IllegalArgumentException("stopTokenIds token id " + id
                        + " is outside the vocabulary (ids 0.." + (vocabSize - 1) + ")");
            }
        }
        return this;
    }

    /** The most tokens to generate (at least 1). */
    public int maxTokens() {
        return maxTokens;
    }

    /**
     * Texts that end the generation as soon as one appears, even split across tokens; the stop string and
     * anything after it are never returned or streamed.
     */
    public List<String> stopStrings() {
        return stopStrings;
    }

    /** Token ids that end the generation, in addition to the model's own end-of-turn and end-of-text ids. */
    public Set<Integer> stopTokenIds() {
        return stopTokenIds;
    }

    /** Softmax temperature; 0 means greedy (argmax, lowest id on ties). */
    public double temperature() {
        return temperature;
    }

    /** Keep only the k most likely tokens; 0 turns it off. */
    public int topK() {
        return topK;
    }

    /** Keep the smallest set of most likely tokens whose probability sums to at least p; 1 turns it off. */
    public double topP() {
        return topP;
    }

    /** Drop tokens whose probability is below p times the most likely token's; 0 turns it off. */
    public double minP() {
        return minP;
    }

    /**
     * Repetition penalty for tokens seen in the window: positive logits are divided by it, negative ones
     * multiplied; 1 turns it off.
     */
    public double repeatPenalty() {
        return repeatPenalty;
    }

    /** Subtracted from a seen token's logit once per occurrence in the window; 0 turns it off. */
    public double frequencyPenalty() {
        return frequencyPenalty;
    }

    /** Subtracted once from the logit of every token that occurs in the window; 0 turns it off. */
    public double presencePenalty() {
        return presencePenalty;
    }

    /** How many of the most recent tokens (prompt included) the penalties look at; 0 turns them off. */
    public int penaltyWindow() {
        return penaltyWindow;
    }

    /**
     * Added to the logit of a token id before any other step; {@code Float.NEGATIVE_INFINITY} bans the token.
     */
    public Map<Integer, Float> logitBias() {
        return logitBias;
    }

    /** The random seed; empty means a fresh random seed chosen when each generation starts. */
    public OptionalLong seed() {
        return seed;
    }

    /**
     * The shape of the output: {@link ResponseFormat#text()} (the default) or a JSON format that constrains
     * sampling so the text is a JSON value, object, or a value valid against a schema.
     */
    public ResponseFormat responseFormat() {
        return responseFormat;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationOptions g
                && maxTokens == g.maxTokens
                && stopStrings.equals(g.stopStrings)
                && stopTokenIds.equals(g.stopTokenIds)
                && Double.compare(temperature, g.temperature) == 0
                && topK == g.topK
                && Double.compare(topP, g.topP) == 0
                && Double.compare(minP, g.minP) == 0
                && Double.compare(repeatPenalty, g.repeatPenalty) == 0
                && Double.compare(frequencyPenalty, g.frequencyPenalty) == 0
                && Double.compare(presencePenalty, g.presencePenalty) == 0
                && penaltyWindow == g.penaltyWindow
                && logitBias.equals(g.logitBias)
                && seed.equals(g.seed)
                && responseFormat.equals(g.responseFormat);
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxTokens, stopStrings, stopTokenIds, temperature, topK, topP, minP, repeatPenalty,
                frequencyPenalty, presencePenalty, penaltyWindow, logitBias, seed, responseFormat);
    }

    @Override
    public String toString() {
        return "GenerationOptions[maxTokens=" + maxTokens
                + ", stopStrings=" + stopStrings
                + ", stopTokenIds=" + stopTokenIds.stream().sorted().toList()
                + ", temperature=" + temperature
                + ", topK=" + topK
                + ", topP=" + topP
                + ", minP=" + minP
                + ", repeatPenalty=" + repeatPenalty
                + ", frequencyPenalty=" + frequencyPenalty
                + ", presencePenalty=" + presencePenalty
                + ", penaltyWindow=" + penaltyWindow
                + ", logitBias=" + new TreeMap<>(logitBias)
                + ", seed=" + (seed.isPresent() ? Long.toString(seed.getAsLong()) : "random")
                + (responseFormat.isConstrained() ? ", responseFormat=" + responseFormat : "") + "]";
    }

    /** Collects {@link GenerationOptions} values; each setter rejects a bad value at once. Not thread-safe. */
    public static final class Builder {
        private int maxTokens = 256;
        private List<String> stopStrings = List.of();
        private Set<Integer> stopTokenIds = Set.of();
        private double temperature = 0.8;
        private int topK = 40;
        private double topP = 0.95;
        private double minP = 0.05;
        private double repeatPenalty = 1.0;
        private double frequencyPenalty = 0.0;
        private double presencePenalty = 0.0;
        private int penaltyWindow = 64;
        private final Map<Integer, Float> logitBias = new LinkedHashMap<>();
        private OptionalLong seed = OptionalLong.empty();
        private ResponseFormat responseFormat = ResponseFormat.text();

        private Builder() {
        }

        private Builder(GenerationOptions o) {
            maxTokens = o.maxTokens;
            stopStrings = o.stopStrings;
            stopTokenIds = o.stopTokenIds;
            temperature = o.temperature;
            topK = o.topK;
            topP = o.topP;
            minP = o.minP;
            repeatPenalty = o.repeatPenalty;
            frequencyPenalty = o.frequencyPenalty;
            presencePenalty = o.presencePenalty;
            penaltyWindow = o.penaltyWindow;
            logitBias.putAll(o.logitBias);
            seed = o.seed;
            responseFormat = o.responseFormat;
        }

        /** The most tokens to generate; at least 1. */
        public Builder maxTokens(int maxTokens) {
            if (maxTokens < 1) {
                throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
            }
            this.maxTokens = maxTokens;
            return this;
        }

        /** Replaces the stop strings; each must be non-empty, well-formed UTF-16 text. */
        public Builder stopStrings(String... stopStrings) {
            return stopStrings(Arrays.asList(Objects.requireNonNull(stopStrings, "stopStrings")));
        }

        /** Replaces the stop strings; each must be non-empty, well-formed UTF-16 text. Duplicates are dropped. */
        public Builder stopStrings(Collection<String> stopStrings) {
            Objects.requireNonNull(stopStrings, "stopStrings");
            LinkedHashSet<String> checked = new LinkedHashSet<>();
            int position = 0;
            for (String s : stopStrings) {
                if (s == null || s.isEmpty()) {
                    throw new IllegalArgumentException("stopStrings entry " + position + " is "
                            + (s == null ? "null" : "empty") + "; stop strings must be non-empty");
                }
                int bad = unpairedSurrogateAt(s);
                if (bad >= 0) {
                    throw new IllegalArgumentException("stopStrings entry " + position
                            + " has an unpaired surrogate at index " + bad);
                }
                checked.add(s);
                position++;
            }
            this.stopStrings = List.copyOf(checked);
            return this;
        }

        /** Replaces the extra stop token ids; each must be non-negative. */
        public Builder stopTokenIds(int... ids) {
            Objects.requireNonNull(ids, "stopTokenIds");
            return stopTokenIds(Arrays.stream(ids).boxed().toList());
        }

        /** Replaces the extra stop token ids; each must be non-negative. */
        public Builder stopTokenIds(Collection<Integer> ids) {
            Objects.requireNonNull(ids, "stopTokenIds");
            for (Integer id : ids) {
                if (id == null || id < 0) {
                    throw new IllegalArgumentException("stopTokenIds must be non-negative token ids, got " + id);
                }
            }
            this.stopTokenIds = Set.copyOf(ids);
            return this;
        }

        /** Softmax temperature: finite and at least 0; 0 means greedy. */
        public Builder temperature(double temperature) {
            if (!(temperature >= 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
            }
            this.temperature = temperature;
            return this;
        }

        /** Top-k: at least 0; 0 turns it off. */
        public Builder topK(int topK) {
            if (topK < 0) {
                throw new IllegalArgumentException("topK must be >= 0 (0 = off), got " + topK);
            }
            this.topK = topK;
            return this;
        }

        /** Top-p (nucleus): in (0, 1]; 1 turns it off. */
        public Builder topP(double topP) {
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("topP must be in (0, 1] (1 = off), got " + topP);
            }
            this.topP = topP;
            return this;
        }

        /** Min-p: in [0, 1]; 0 turns it off. */
        public Builder minP(double minP) {
            if (!(minP >= 0 && minP <= 1)) {
                throw new IllegalArgumentException("minP must be in [0, 1] (0 = off), got " + minP);
            }
            this.minP = minP;
            return this;
        }

        /** Repetition penalty: finite and above 0; 1 turns it off, above 1 discourages repeats. */
        public Builder repeatPenalty(double repeatPenalty) {
            if (!(repeatPenalty > 0) || Double.isInfinite(repeatPenalty)) {
                throw new IllegalArgumentException("repeatPenalty must be a finite number > 0 (1 = off), got "
                        + repeatPenalty);
            }
            this.repeatPenalty = repeatPenalty;
            return this;
        }

        /** Frequency penalty: any finite number; 0 turns it off, negative values encourage repeats. */
        public Builder frequencyPenalty(double frequencyPenalty) {
            this.frequencyPenalty = finite("frequencyPenalty", frequencyPenalty);
            return this;
        }

        /** Presence penalty: any finite number; 0 turns it off, negative values encourage repeats. */
        public Builder presencePenalty(double presencePenalty) {
            this.presencePenalty = finite("presencePenalty", presencePenalty);
            return this;
        }

        /** How many recent tokens the penalties consider: at least 0; 0 turns the penalties off. */
        public Builder penaltyWindow(int penaltyWindow) {
            if (penaltyWindow < 0) {
                throw new IllegalArgumentException("penaltyWindow must be >= 0 (0 = off), got " + penaltyWindow);
            }
            this.penaltyWindow = penaltyWindow;
            return this;
        }

        /** Sets the bias for one token id (replacing an earlier one); finite or negative infinity (a ban). */
        public Builder logitBias(int tokenId, double bias) {
            if (tokenId < 0) {
                throw new IllegalArgumentException("logitBias token id must be non-negative, got " + tokenId);
            }
            if (Double.isNaN(bias) || bias == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("logitBias for token " + tokenId
                        + " must be finite or -Infinity, got " + bias);
            }
            logitBias.put(tokenId, (float) bias);
            return this;
        }

        /** Replaces all biases with these; same rules as {@link #logitBias(int, double)}. */
        public Builder logitBias(Map<Integer, Float> biases) {
            Objects.requireNonNull(biases, "logitBias");
            Map<Integer, Float> before = new LinkedHashMap<>(logitBias);
            logitBias.clear();
            try {
                biases.forEach((id, bias) -> {
                    if (id == null || bias == null) {
                        throw new IllegalArgumentException("logitBias must not contain null keys or values, got "
                                + biases);
                    }
                    logitBias(id, bias);
                });
            } catch (IllegalArgumentException e) {
                logitBias.clear();
                logitBias.putAll(before);
                throw e;
            }
            return this;
        }

        /** A fixed seed: the same seed with the same options and input gives the same output. */
        public Builder seed(long seed) {
            this.seed = OptionalLong.of(seed);
            return this;
        }

        /** Forget a fixed seed: each generation then picks a fresh random one. */
        public Builder randomSeed() {
            this.seed = OptionalLong.empty();
            return this;
        }

        /** The shape of the output; {@link ResponseFormat#text()} (the default) constrains nothing. */
        public Builder responseFormat(ResponseFormat responseFormat) {
            this.responseFormat = Objects.requireNonNull(responseFormat, "responseFormat");
            return this;
        }

        /** The options collected so far. */
        public GenerationOptions build() {
            return new GenerationOptions(this);
        }

        private static double finite(String name, double value) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException(name + " must be a finite number, got " + value);
            }
            return value;
        }

        private static int unpairedSurrogateAt(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    return i;
                }
            }
            return -1;
        }
    }
}
