package dev.bitnet.springai;

import dev.bitnet.structured.ResponseFormat;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.DefaultChatOptionsBuilder;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Spring AI chat options for bitnet-java: the standard ones plus {@code seed}, {@code minP},
 * {@code repeatPenalty}, {@code logitBias} and a response format ({@link #getResponseFormat()},
 * {@link #getOutputSchema()}) that constrains generation to JSON. Immutable; build with {@link #builder()} or change a copy with
 * {@link #mutate()}. A {@code null} field falls back to the model's default options and then to bitnet-java's
 * defaults (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, 256 tokens).
 *
 * <pre>{@code
 * chatClient.prompt("Write a haiku about ternary weights")
 *         .options(BitNetChatOptions.builder().temperature(0.7).seed(42L).minP(0.1))
 *         .call().content();
 * }</pre>
 *
 * <p>As {@link StructuredOutputChatOptions}, they take the JSON schema that {@code ChatClient}'s
 * {@code entity(...)} hands to the model in native structured-output mode
 * ({@code AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT}): generation is then constrained to that schema, not
 * just asked for it in the prompt.
 */
public final class BitNetChatOptions implements StructuredOutputChatOptions, ToolCallingChatOptions {
    private final @Nullable String model;
    private final @Nullable Double frequencyPenalty;
    private final @Nullable Integer maxTokens;
    private final @Nullable Double presencePenalty;
    private final @Nullable List<String> stopSequences;
    private final @Nullable Double temperature;
    private final @Nullable Integer topK;
    private final @Nullable Double topP;
    private final @Nullable Long seed;
    private final @Nullable Double minP;
    private final @Nullable Double repeatPenalty;
    private final @Nullable Map<Integer, Double> logitBias;
    private final ResponseFormat.@Nullable Kind responseFormat;
    private final @Nullable String outputSchema;
    private final List<ToolCallback> toolCallbacks;
    private final Map<String, Object> toolContext;

    private BitNetChatOptions(Builder b) {
        this.model = b.model();
        this.frequencyPenalty = b.frequencyPenalty();
        this.maxTokens = b.maxTokens();
        this.presencePenalty = b.presencePenalty();
        this.stopSequences = b.stopSequences() == null ? null : List.copyOf(b.stopSequences());
        this.temperature = b.temperature();
        this.topK = b.topK();
        this.topP = b.topP();
        this.seed = b.seed;
        this.minP = b.minP;
        this.repeatPenalty = b.repeatPenalty;
        this.logitBias = b.logitBias == null ? null : Map.copyOf(b.logitBias);
        this.responseFormat = b.responseFormat;
        this.outputSchema = b.outputSchema;
        this.toolCallbacks = List.copyOf(b.toolCallbacks);
        this.toolContext = Collections.unmodifiableMap(new LinkedHashMap<>(b.toolContext));
    }

    /** A builder with nothing set. */
    public static Builder builder() {
        return new Builder();
    }

    /** The model's name; accepted only when null or the loaded model's (its file name). */
    @Override
    public @Nullable String getModel() {
        return model;
    }

    /** Subtracted from a recent token's logit once per occurrence; 0 turns it off. */
    @Override
    public @Nullable Double getFrequencyPenalty() {
        return frequencyPenalty;
    }

    /** The most tokens to generate, at least 1. */
    @Override
    public @Nullable Integer getMaxTokens() {
        return maxTokens;
    }

    /** Subtracted once from the logit of every token seen recently; 0 turns it off. */
    @Override
    public @Nullable Double getPresencePenalty() {
        return presencePenalty;
    }

    /** Texts that end the reply; the reply never contains them. */
    @Override
    public @Nullable List<String> getStopSequences() {
        return stopSequences;
    }

    /** Softmax temperature, at least 0; 0 always picks the most likely token. */
    @Override
    public @Nullable Double getTemperature() {
        return temperature;
    }

    /** Keep only the k most likely tokens; 0 turns it off. */
    @Override
    public @Nullable Integer getTopK() {
        return topK;
    }

    /** Keep the most likely tokens whose probabilities sum to p, in (0, 1]; 1 turns it off. */
    @Override
    public @Nullable Double getTopP() {
        return topP;
    }

    /** The random seed: the same seed, options and messages give the same reply; null for a fresh one per call. */
    public @Nullable Long getSeed() {
        return seed;
    }

    /** Drop tokens whose probability is below this times the most likely token's, in [0, 1]; 0 turns it off. */
    public @Nullable Double getMinP() {
        return minP;
    }

    /** Repetition penalty above 0: above 1 discourages recently seen tokens; 1 turns it off. */
    public @Nullable Double getRepeatPenalty() {
        return repeatPenalty;
    }

    /** Token id to a bias added to its logit; {@code Double.NEGATIVE_INFINITY} bans the token. */
    public @Nullable Map<Integer, Double> getLogitBias() {
        return logitBias;
    }

    /**
     * The shape of the reply: {@code TEXT} (unconstrained), {@code JSON_VALUE} (any JSON value),
     * {@code JSON_OBJECT} (any JSON object) or {@code JSON_SCHEMA} (a value valid against
     * {@link #getOutputSchema()}). Null means text, or the schema when {@link #getOutputSchema()} is set. A JSON
     * format constrains sampling, so the reply parses whenever it finishes with {@code STOP}; {@code LENGTH} means
     * it was cut off.
     */
    public ResponseFormat.@Nullable Kind getResponseFormat() {
        return responseFormat;
    }

    /**
     * A JSON Schema the reply must be valid against (the subset bitnet-java supports: see
     * {@link ResponseFormat#jsonSchema(String)}); set by {@code ChatClient} for native structured output. When
     * set, the response format is {@code JSON_SCHEMA} (any other explicit one is refused as a conflict).
     */
    @Override
    public @Nullable String getOutputSchema() {
        return outputSchema;
    }

    /**
     * The tools the model may call ({@code ChatClient}'s {@code tools(...)} sets them). They are used only by a
     * {@link BitNetChatModel} built with {@code toolCalling(true)}; otherwise a request with tools is refused.
     */
    @Override
    public List<ToolCallback> getToolCallbacks() {
        return toolCallbacks;
    }

    /** What the tools receive besides their arguments (Spring AI's {@code ToolContext}). */
    @Override
    public Map<String, Object> getToolContext() {
        return toolContext;
    }

    /** A builder holding these options. */
    @Override
    public Builder mutate() {
        Builder b = new Builder().model(model).frequencyPenalty(frequencyPenalty).maxTokens(maxTokens)
                .presencePenalty(presencePenalty).stopSequences(stopSequences).temperature(temperature).topK(topK).topP(topP);
        return b.seed(seed).minP(minP).repeatPenalty(repeatPenalty).logitBias(logitBias).responseFormat(responseFormat)
                .outputSchema(outputSchema).toolCallbacks(toolCallbacks).toolContext(toolContext);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BitNetChatOptions that
                && Objects.equals(model, that.model)
                && Objects.equals(frequencyPenalty, that.frequencyPenalty)
                && Objects.equals(maxTokens, that.maxTokens)
                && Objects.equals(presencePenalty, that.presencePenalty)
                && Objects.equals(stopSequences, that.stopSequences)
                && Objects.equals(temperature, that.temperature)
                && Objects.equals(topK, that.topK)
                && Objects.equals(topP, that.topP)
                && Objects.equals(seed, that.seed)
                && Objects.equals(minP, that.minP)
                && Objects.equals(repeatPenalty, that.repeatPenalty)
                && Objects.equals(logitBias, that.logitBias)
                && Objects.equals(responseFormat, that.responseFormat)
                && Objects.equals(outputSchema, that.outputSchema)
                && Objects.equals(toolCallbacks, that.toolCallbacks)
                && Objects.equals(toolContext, that.toolContext);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, frequencyPenalty, maxTokens, presencePenalty, stopSequences, temperature, topK, topP,
                seed, minP, repeatPenalty, logitBias, responseFormat, outputSchema, toolCallbacks, toolContext);
    }

    @Override
    public String toString() {
        return "BitNetChatOptions[model=" + model + ", frequencyPenalty=" + frequencyPenalty + ", maxTokens=" + maxTokens
                + ", presencePenalty=" + presencePenalty + ", stopSequences=" + stopSequences + ", temperature=" + temperature
                + ", topK=" + topK + ", topP=" + topP + ", seed=" + seed + ", minP=" + minP
                + ", repeatPenalty=" + repeatPenalty + ", logitBias=" + logitBias + ", responseFormat=" + responseFormat
                + ", outputSchema=" + outputSchema + ", tools=" + toolCallbacks.stream()
                .map(t -> t.getToolDefinition().name()).toList() + ", toolContext=" + toolContext.keySet() + "]";
    }

    /**
     * Builder of {@link BitNetChatOptions}. {@link #combineWith} takes every field the other builder sets (the
     * bitnet fields too when it is a {@code BitNetChatOptions.Builder}); stop sequences are appended, as Spring
     * AI's own builders do. Values are checked when a request is mapped.
     */
    public static final class Builder extends DefaultChatOptionsBuilder<Builder>
            implements StructuredOutputChatOptions.Builder<Builder>, ToolCallingChatOptions.Builder<Builder> {
        private List<ToolCallback> toolCallbacks = new ArrayList<>();
        private Map<String, Object> toolContext = new LinkedHashMap<>();
        private ResponseFormat.@Nullable Kind responseFormat;
        private @Nullable String outputSchema;
        private @Nullable Long seed;
        private @Nullable Double minP;
        private @Nullable Double repeatPenalty;
        private @Nullable Map<Integer, Double> logitBias;

        private Builder() {
        }

        @Nullable String model() {
            return model;
        }

        @Nullable Double frequencyPenalty() {
            return frequencyPenalty;
        }

        @Nullable Integer maxTokens() {
            return maxTokens;
        }

        @Nullable Double presencePenalty() {
            return presencePenalty;
        }

        @Nullable List<String> stopSequences() {
            return stopSequences;
        }

        @Nullable Double temperature() {
            return temperature;
        }

        @Nullable Integer topK() {
            return topK;
        }

        @Nullable Double topP() {
            return topP;
        }

        /** @see BitNetChatOptions#getSeed() */
        public Builder seed(@Nullable Long seed) {
            this.seed = seed;
            return this;
        }

        /** @see BitNetChatOptions#getMinP() */
        public Builder minP(@Nullable Double minP) {
            this.minP = minP;
            return this;
        }

        /** @see BitNetChatOptions#getRepeatPenalty() */
        public Builder repeatPenalty(@Nullable Double repeatPenalty) {
            this.repeatPenalty = repeatPenalty;
            return this;
        }

        /** @see BitNetChatOptions#getLogitBias() */
        public Builder logitBias(@Nullable Map<Integer, Double> logitBias) {
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

        /** @see BitNetChatOptions#getResponseFormat() */
        public Builder responseFormat(ResponseFormat.@Nullable Kind responseFormat) {
            this.responseFormat = responseFormat;
            return this;
        }

        /** @see BitNetChatOptions#getOutputSchema() */
        @Override
        public Builder outputSchema(@Nullable String outputSchema) {
            this.outputSchema = outputSchema;
            return this;
        }

        /** @see BitNetChatOptions#getToolCallbacks() */
        @Override
        public Builder toolCallbacks(@Nullable List<ToolCallback> toolCallbacks) {
            this.toolCallbacks = toolCallbacks == null ? new ArrayList<>() : new ArrayList<>(toolCallbacks);
            return this;
        }

        /** @see BitNetChatOptions#getToolCallbacks() */
        @Override
        public Builder toolCallbacks(ToolCallback... toolCallbacks) {
            return toolCallbacks(Arrays.asList(toolCallbacks));
        }

        /** @see BitNetChatOptions#getToolContext() */
        @Override
        public Builder toolContext(@Nullable Map<String, Object> toolContext) {
            this.toolContext = toolContext == null ? new LinkedHashMap<>() : new LinkedHashMap<>(toolContext);
            return this;
        }

        /** Adds one entry to the tool context. */
        @Override
        public Builder toolContext(String key, Object value) {
            this.toolContext.put(key, value);
            return this;
        }

        @Override
        public Builder clone() {
            Builder copy = super.clone();
            copy.logitBias = logitBias == null ? null : new LinkedHashMap<>(logitBias);
            copy.toolCallbacks = new ArrayList<>(toolCallbacks);
            copy.toolContext = new LinkedHashMap<>(toolContext);
            return copy;
        }

        @Override
        public Builder combineWith(ChatOptions.Builder<?> other) {
            super.combineWith(other);
            if (other instanceof Builder that) {
                seed = that.seed != null ? that.seed : seed;
                minP = that.minP != null ? that.minP : minP;
                repeatPenalty = that.repeatPenalty != null ? that.repeatPenalty : repeatPenalty;
                logitBias = that.logitBias != null ? new LinkedHashMap<>(that.logitBias) : logitBias;
                responseFormat = that.responseFormat != null ? that.responseFormat : responseFormat;
                outputSchema = that.outputSchema != null ? that.outputSchema : outputSchema;
                toolCallbacks = that.toolCallbacks.isEmpty() ? toolCallbacks : new ArrayList<>(that.toolCallbacks);
                toolContext.putAll(that.toolContext);
            }
            return this;
        }

        @Override
        public BitNetChatOptions build() {
            return new BitNetChatOptions(this);
        }
    }
}
