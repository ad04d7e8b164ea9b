package dev.bitnet.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * LangChain4j request parameters with the sampling settings bitnet-java has beyond LangChain4j's common ones:
 * {@code seed}, {@code minP}, {@code repeatPenalty} and {@code logitBias}. Use it wherever LangChain4j takes
 * {@link ChatRequestParameters} (a request, or a model's {@code defaultRequestParameters}); a field left
 * {@code null} falls back to the model's default and then to bitnet-java's.
 *
 * <pre>{@code
 * ChatRequest request = ChatRequest.builder()
 *         .messages(UserMessage.from("Write a haiku about ternary weights"))
 *         .parameters(BitNetChatRequestParameters.builder().temperature(0.7).seed(42L).minP(0.1).build())
 *         .build();
 * }</pre>
 */
public final class BitNetChatRequestParameters extends DefaultChatRequestParameters {
    /** Parameters with nothing set. */
    public static final BitNetChatRequestParameters EMPTY = builder().build();

    private final Long seed;
    private final Double minP;
    private final Double repeatPenalty;
    private final Map<Integer, Double> logitBias;

    private BitNetChatRequestParameters(Builder builder) {
        super(builder);
        this.seed = builder.seed;
        this.minP = builder.minP;
        this.repeatPenalty = builder.repeatPenalty;
        this.logitBias = builder.logitBias == null ? null : Map.copyOf(builder.logitBias);
    }

    /** A builder with nothing set. */
    public static Builder builder() {
        return new Builder();
    }

    /** The random seed: the same seed, parameters and messages give the same reply; null for a fresh one per call. */
    public Long seed() {
        return seed;
    }

    /** Min-p in [0, 1]: drop tokens whose probability is below this times the most likely token's; 0 turns it off. */
    public Double minP() {
        return minP;
    }

    /** Repetition penalty above 0: above 1 discourages tokens seen recently, 1 turns it off. */
    public Double repeatPenalty() {
        return repeatPenalty;
    }

    /** Token id to a bias added to its logit before sampling; {@code Double.NEGATIVE_INFINITY} bans the token. */
    public Map<Integer, Double> logitBias() {
        return logitBias;
    }

    /** These parameters, with every field that {@code that} sets taken from it (bitnet fields included). */
    @Override
    public ChatRequestParameters overrideWith(ChatRequestParameters that) {
        return builder().overrideWith(this).overrideWith(that).build();
    }

    /** {@code that}'s parameters, with every field that these set taken from these. */
    @Override
    public ChatRequestParameters defaultedBy(ChatRequestParameters that) {
        return builder().overrideWith(that).overrideWith(this).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BitNetChatRequestParameters that
                && super.equals(o)
                && Objects.equals(seed, that.seed)
                && Objects.equals(minP, that.minP)
                && Objects.equals(repeatPenalty, that.repeatPenalty)
                && Objects.equals(logitBias, that.logitBias);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), seed, minP, repeatPenalty, logitBias);
    }

    @Override
    public String toString() {
        return "BitNetChatRequestParameters{" + super.toString() + ", seed=" + seed + ", minP=" + minP
                + ", repeatPenalty=" + repeatPenalty + ", logitBias=" + logitBias + "}";
    }

    /** Builder of {@link BitNetChatRequestParameters}; values are checked when a request is mapped. */
    public static final class Builder extends DefaultChatRequestParameters.Builder<Builder> {
        private Long seed;
        private Double minP;
        private Double repeatPenalty;
        private Map<Integer, Double> logitBias;

        private Builder() {
        }

        /**
         * Takes every field {@code parameters} sets; the bitnet fields too when they are
         * {@link BitNetChatRequestParameters}.
         */
        @Override
        public Builder overrideWith(ChatRequestParameters parameters) {
            super.overrideWith(parameters);
            if (parameters instanceof BitNetChatRequestParameters p) {
                seed = p.seed != null ? p.seed : seed;
                minP = p.minP != null ? p.minP : minP;
                repeatPenalty = p.repeatPenalty != null ? p.repeatPenalty : repeatPenalty;
                logitBias = p.logitBias != null ? p.logitBias : logitBias;
            }
            return this;
        }

        /** @see BitNetChatRequestParameters#seed() */
        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        /** @see BitNetChatRequestParameters#minP() */
        public Builder minP(Double minP) {
            this.minP = minP;
            return this;
        }

        /** @see BitNetChatRequestParameters#repeatPenalty() */
        public Builder repeatPenalty(Double repeatPenalty) {
            this.repeatPenalty = repeatPenalty;
            return this;
        }

        /** @see BitNetChatRequestParameters#logitBias() */
        public Builder logitBias(Map<Integer, Double> logitBias) {
            if (logitBias == null) {
                this.logitBias = null;
                return this;
            }
            Map<Integer, Double> copy = new LinkedHashMap<>();
            logitBias.forEach((id, bias) -> {
                if (id == null || bias == null) {
                    throw new IllegalArgumentException("logitBias must not contain null token ids or biases, got " + logitBias);
                }
                copy.put(id, bias);
            });
            this.logitBias = copy;
            return this;
        }

        @Override
        public BitNetChatRequestParameters build() {
            return new BitNetChatRequestParameters(this);
        }
    }
}
