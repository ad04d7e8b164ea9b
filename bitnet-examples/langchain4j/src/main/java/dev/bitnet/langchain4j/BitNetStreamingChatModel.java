package dev.bitnet.langchain4j;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;

import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * A LangChain4j {@link StreamingChatModel} that runs a BitNet b1.58 model in this JVM and streams the reply as
 * it is generated. Parameters are mapped as in {@link BitNetChatModel}, and both give the same reply for the
 * same seed.
 *
 * <p>The request is checked on the calling thread (so an unsupported feature throws
 * {@link dev.langchain4j.exception.UnsupportedFeatureException} at once); generation then runs on the
 * executor, a new virtual thread per request by default, and every handler callback comes on that thread.
 * {@code context.streamingHandle().cancel()} stops generation after the current token: once it returns, no
 * further partial response and no complete response arrive. An exception thrown by the handler goes to its
 * {@code onError} and generation carries on.
 *
 * <pre>{@code
 * model.chat("Tell me a story", new StreamingChatResponseHandler() {
 *     public void onPartialResponse(String text) { System.out.print(text); }
 *     public void onCompleteResponse(ChatResponse response) { System.out.println(); }
 *     public void onError(Throwable error) { error.printStackTrace(); }
 * });
 * }</pre>
 */
public final class BitNetStreamingChatModel extends ProviderModel implements StreamingChatModel, AutoCloseable {
    private final Executor executor;

    private BitNetStreamingChatModel(ChatEngine engine, Executor executor) {
        super(engine);
        this.executor = executor;
    }

    /** A builder; set {@link Builder#modelPath} or {@link Builder#model}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Checks the request, then streams the reply to {@code handler} from the executor.
     *
     * @throws dev.langchain4j.exception.UnsupportedFeatureException for tools (unless tool calling is on), unenforceable
     *                                                               JSON schemas,
     *                                                               non-text content or another model's name
     * @throws IllegalArgumentException                              for a parameter out of range
     */
    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        Objects.requireNonNull(handler, "handler");
        StreamingRun run = new StreamingRun(engine, engine.prepare(request), handler);
        executor.execute(run::run);
    }

    /** Closes the model if this provider loaded it; replies still streaming then fail through {@code onError}. */
    @Override
    public void close() {
        engine.close();
    }

    /** Builder of {@link BitNetStreamingChatModel}. */
    public static final class Builder extends ProviderBuilder<Builder> {
        private Executor executor = task -> Thread.ofVirtual().name("bitnet-langchain4j-stream").start(task);

        private Builder() {
        }

        /** Where generation runs; by default a new virtual thread per request. */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Loads the model (for {@link #modelPath}) and checks the defaults.
         *
         * @throws dev.langchain4j.exception.UnsupportedFeatureException if the defaults ask for something
         *                                                               unsupported
         * @throws IllegalArgumentException                              for a default out of range
         */
        public BitNetStreamingChatModel build() {
            return new BitNetStreamingChatModel(engine(), executor);
        }
    }
}
