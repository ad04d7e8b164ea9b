package dev.bitnet.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;

/**
 * A LangChain4j {@link ChatModel} that runs a BitNet b1.58 model in this JVM. Every request parameter is
 * honoured: LangChain4j's common ones and, through {@link BitNetChatRequestParameters}, seed, min-p,
 * repetition penalty and logit bias. Each call runs in a fresh session, so calls are independent and may run
 * concurrently from many threads. A JSON response format (with or without a schema) constrains generation to
 * valid JSON, so {@code AiServices} returning records works. Tools work when the provider is built with
 * {@link Builder#toolCalling toolCalling(true)} (replies constrained to a JSON tool call); otherwise they
 * are refused, as is non-text content, with {@link dev.langchain4j.exception.UnsupportedFeatureException}.
 *
 * <pre>{@code
 * try (BitNetChatModel model = BitNetChatModel.builder()
 *         .modelPath(Path.of("ggml-model-i2_s.gguf"))
 *         .temperature(0.7).seed(42L).maxTokens(200)
 *         .build()) {
 *     System.out.println(model.chat("Name three uses of a ternary weight."));
 * }
 * }</pre>
 *
 * Close it to release a model it loaded from {@link Builder#modelPath}; a model passed to {@link Builder#model}
 * stays open.
 */
public final class BitNetChatModel extends ProviderModel implements ChatModel, AutoCloseable {
    private BitNetChatModel(ChatEngine engine) {
        super(engine);
    }

    /** A builder; set {@link Builder#modelPath} or {@link Builder#model}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Generates the reply on the calling thread.
     *
     * @throws dev.langchain4j.exception.UnsupportedFeatureException for tools (unless tool calling is on), unenforceable
     *                                                               JSON schemas,
     *                                                               non-text content or another model's name
     * @throws IllegalArgumentException                              for a parameter out of range
     */
    @Override
    public ChatResponse doChat(ChatRequest request) {
        return engine.chat(engine.prepare(request));
    }

    /** Closes the model if this provider loaded it. */
    @Override
    public void close() {
        engine.close();
    }

    /** Builder of {@link BitNetChatModel}. */
    public static final class Builder extends ProviderBuilder<Builder> {
        private Builder() {
        }

        /**
         * Loads the model (for {@link #modelPath}) and checks the defaults.
         *
         * @throws dev.langchain4j.exception.UnsupportedFeatureException if the defaults ask for something
         *                                                               unsupported
         * @throws IllegalArgumentException                              for a default out of range
         */
        public BitNetChatModel build() {
            return new BitNetChatModel(engine());
        }
    }
}
