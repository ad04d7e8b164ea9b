package dev.bitnet.springai.autoconfigure;

import dev.bitnet.springai.BitNetChatOptions;
import dev.bitnet.structured.ResponseFormat;
import org.springframework.boot.context.properties.ConfigurationProperties;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code spring.ai.bitnet.chat.*}: where the model is, how to load it, and the default options of every call.
 *
 * <pre>
 * spring.ai.model.chat=bitnet
 * spring.ai.bitnet.chat.model-path=/models/ggml-model-i2_s.gguf
 * spring.ai.bitnet.chat.threads=4
 * spring.ai.bitnet.chat.context-length=2048
 * spring.ai.bitnet.chat.options.temperature=0.7
 * spring.ai.bitnet.chat.options.max-tokens=256
 * spring.ai.bitnet.chat.options.seed=42
 * spring.ai.bitnet.chat.options.logit-bias.128009=-5
 * </pre>
 */
@ConfigurationProperties(BitNetChatProperties.PREFIX)
public class BitNetChatProperties {
    /** The prefix of these properties. */
    public static final String PREFIX = "spring.ai.bitnet.chat";

    /** The model: a GGUF file, a Hugging Face checkpoint directory, or an {@code hf://ORG/REPO[@REV][/PATH]} reference. Required. */
    private String modelPath;
    /** Compute threads; the machine's physical cores when unset. */
    private Integer threads;
    /** Context length of each call's session; the model's own when unset. */
    private Integer contextLength;
    /**
     * Tool calling: replies to requests with tools constrained to a JSON tool call, the tools run between rounds
     * (see {@code BitNetChatModel.Builder#toolCalling}). Off by default.
     */
    private boolean toolCalling;
    /** The default options of every call; a prompt's options override them field by field. */
    private final Options options = new Options();

    public String getModelPath() {
        return modelPath;
    }

    public void setModelPath(String modelPath) {
        this.modelPath = modelPath;
    }

    public Integer getThreads() {
        return threads;
    }

    public void setThreads(Integer threads) {
        this.threads = threads;
    }

    public Integer getContextLength() {
        return contextLength;
    }

    public void setContextLength(Integer contextLength) {
        this.contextLength = contextLength;
    }

    public boolean isToolCalling() {
        return toolCalling;
    }

    public void setToolCalling(boolean toolCalling) {
        this.toolCalling = toolCalling;
    }

    public Options getOptions() {
        return options;
    }

    /** The default options as {@link BitNetChatOptions}. */
    public BitNetChatOptions toChatOptions() {
        return BitNetChatOptions.builder()
                .model(options.model)
                .temperature(options.temperature)
                .topP(options.topP)
                .topK(options.topK)
                .maxTokens(options.maxTokens)
                .stopSequences(options.stopSequences)
                .frequencyPenalty(options.frequencyPenalty)
                .presencePenalty(options.presencePenalty)
                .seed(options.seed)
                .minP(options.minP)
                .repeatPenalty(options.repeatPenalty)
                .logitBias(options.logitBias.isEmpty() ? null : options.logitBias)
                .responseFormat(options.responseFormat)
                .outputSchema(options.outputSchema)
                .build();
    }

    /** {@code spring.ai.bitnet.chat.options.*}: see {@link BitNetChatOptions} for what each one does. */
    public static class Options {
        /** Accepted only when unset or the loaded model's file name. */
        private String model;
        /** Softmax temperature, at least 0; 0 always picks the most likely token (default 0.8). */
        private Double temperature;
        /** Top-p in (0, 1]; 1 turns it off (default 0.95). */
        private Double topP;
        /** Top-k, at least 0; 0 turns it off (default 40). */
        private Integer topK;
        /** The most tokens per reply (default 256). */
        private Integer maxTokens;
        /** Texts that end the reply. */
        private List<String> stopSequences;
        /** Penalty per recent occurrence of a token (default 0). */
        private Double frequencyPenalty;
        /** Penalty for any recent occurrence of a token (default 0). */
        private Double presencePenalty;
        /** Fixed seed for reproducible replies; random when unset. */
        private Long seed;
        /** Min-p in [0, 1] (default 0.05). */
        private Double minP;
        /** Repetition penalty above 0; 1 turns it off (default 1). */
        private Double repeatPenalty;
        /** Token id to a bias added to its logit; -Infinity bans the token. */
        private Map<Integer, Double> logitBias = new LinkedHashMap<>();
        /** text, json-value, json-object or json-schema (with output-schema); unset = text. */
        private ResponseFormat.Kind responseFormat;
        /** A JSON Schema every reply must be valid against. */
        private String outputSchema;

        public ResponseFormat.Kind getResponseFormat() {
            return responseFormat;
        }

        public void setResponseFormat(ResponseFormat.Kind responseFormat) {
            this.responseFormat = responseFormat;
        }

        public String getOutputSchema() {
            return outputSchema;
        }

        public void setOutputSchema(String outputSchema) {
            this.outputSchema = outputSchema;
        }

        public String getModel() {
            return model;
        }

        public void setModel(String model) {
            this.model = model;
        }

        public Double getTemperature() {
            return temperature;
        }

        public void setTemperature(Double temperature) {
            this.temperature = temperature;
        }

        public Double getTopP() {
            return topP;
        }

        public void setTopP(Double topP) {
            this.topP = topP;
        }

        public Integer getTopK() {
            return topK;
        }

        public void setTopK(Integer topK) {
            this.topK = topK;
        }

        public Integer getMaxTokens() {
            return maxTokens;
        }

        public void setMaxTokens(Integer maxTokens) {
            this.maxTokens = maxTokens;
        }

        public List<String> getStopSequences() {
            return stopSequences;
        }

        public void setStopSequences(List<String> stopSequences) {
            this.stopSequences = stopSequences;
        }

        public Double getFrequencyPenalty() {
            return frequencyPenalty;
        }

        public void setFrequencyPenalty(Double frequencyPenalty) {
            this.frequencyPenalty = frequencyPenalty;
        }

        public Double getPresencePenalty() {
            return presencePenalty;
        }

        public void setPresencePenalty(Double presencePenalty) {
            this.presencePenalty = presencePenalty;
        }

        public Long getSeed() {
            return seed;
        }

        public void setSeed(Long seed) {
            this.seed = seed;
        }

        public Double getMinP() {
            return minP;
        }

        public void setMinP(Double minP) {
            this.minP = minP;
        }

        public Double getRepeatPenalty() {
            return repeatPenalty;
        }

        public void setRepeatPenalty(Double repeatPenalty) {
            this.repeatPenalty = repeatPenalty;
        }

        public Map<Integer, Double> getLogitBias() {
            return logitBias;
        }

        public void setLogitBias(Map<Integer, Double> logitBias) {
            this.logitBias = logitBias;
        }
    }
}
