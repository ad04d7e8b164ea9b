package dev.bitnet.springai;

import dev.bitnet.BitNetModel;
import dev.bitnet.GenerationOptions;
import dev.bitnet.LoadOptions;
import dev.bitnet.TokenStream;
import dev.bitnet.chat.ChatMessage;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A Spring AI {@link ChatModel} that runs a BitNet b1.58 model in this JVM. Every option is honoured: the
 * standard {@link ChatOptions} and, through {@link BitNetChatOptions}, seed, min-p, repetition penalty and logit
 * bias. Each call runs in a fresh session, so calls are independent and may run concurrently. Usage and the
 * finish reason ("STOP", "LENGTH") are in the response metadata. A JSON response format or output schema (the
 * one {@code ChatClient}'s {@code entity(...)} sets in native structured-output mode) constrains generation, so
 * the reply parses. Tools, media and schema keywords outside the supported subset are refused with
 * {@link UnsupportedOperationException}.
 *
 * <pre>{@code
 * try (BitNetChatModel model = BitNetChatModel.builder()
 *         .modelPath(Path.of("ggml-model-i2_s.gguf"))
 *         .options(BitNetChatOptions.builder().temperature(0.7).maxTokens(200).build())
 *         .build()) {
 *     String reply = ChatClient.create(model).prompt("Name three uses of a ternary weight.").call().content();
 * }
 * }</pre>
 *
 * Close it to release a model it loaded from {@link Builder#modelPath}; a model passed to {@link Builder#model}
 * stays open.
 */
public final class BitNetChatModel implements ChatModel, AutoCloseable {
    private final BitNetModel model;
    private final boolean owned;
    private final String modelName;
    private final BitNetChatOptions defaults;

    private BitNetChatModel(BitNetModel model, boolean owned, BitNetChatOptions defaults) {
        this.model = model;
        this.owned = owned;
        this.modelName = nameOf(model);
        // checked now, so that bad defaults fail when the bean is created and not at the first request
        OptionsMapping.generationOptions(defaults, modelName);
        this.defaults = defaults;
    }

    /** A builder; set {@link Builder#modelPath} or {@link Builder#model}. */
    public static Builder builder() {
        return new Builder();
    }

    private static String nameOf(BitNetModel model) {
        Path name = model.path().toAbsolutePath().normalize().getFileName();
        return name == null ? model.path().toString() : name.toString();
    }

    /**
     * Generates the reply on the calling thread, with the default options overridden by the prompt's.
     *
     * @throws UnsupportedOperationException for tools, media, an unsupported schema keyword or another model's name
     * @throws IllegalArgumentException      for an option out of range
     */
    @Override
    public ChatResponse call(Prompt prompt) {
        Request r = request(prompt);
        dev.bitnet.Generation g = model.chat(r.messages(), r.options());
        String id = newId();
        return new ChatResponse(List.of(new Generation(new AssistantMessage(g.text()), finish(g))), metadata(id, g));
    }

    /**
     * Streams the reply, generating one token per requested element on Reactor's bounded-elastic scheduler.
     * The last element carries no text, the finish reason and the usage. Cancelling the subscription stops the
     * generation after the token in progress and releases its session. A bad request fails the Flux.
     */
    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        return Flux.defer(() -> {
            Request r = request(prompt);
            String id = newId();
            // the template's rendering and end-of-turn stop ids, as call() (BitNetModel.chat) uses them
            int[] ids = model.encodeChat(r.messages());
            GenerationOptions options = model.chatOptions(r.options());
            return Flux.<ChatResponse, TokenStream>generate(
                    () -> model.stream(ids, options),
                    (stream, sink) -> {
                        if (stream.hasNext()) {
                            sink.next(chunk(id, stream.next()));
                        } else {
                            dev.bitnet.Generation g = stream.result();
                            sink.next(new ChatResponse(List.of(new Generation(new AssistantMessage(""), finish(g))),
                                    metadata(id, g)));
                            sink.complete();
                        }
                        return stream;
                    },
                    TokenStream::close);
        }).subscribeOn(Schedulers.boundedElastic());
    }

    private Request request(Prompt prompt) {
        Objects.requireNonNull(prompt, "prompt");
        BitNetChatOptions merged = OptionsMapping.merge(defaults, prompt.getOptions());
        GenerationOptions options = OptionsMapping.generationOptions(merged, modelName);
        return new Request(OptionsMapping.messages(prompt.getInstructions()), options);
    }

    private ChatResponse chunk(String id, String text) {
        return new ChatResponse(List.of(new Generation(new AssistantMessage(text))),
                ChatResponseMetadata.builder().id(id).model(modelName).build());
    }

    private static ChatGenerationMetadata finish(dev.bitnet.Generation g) {
        return ChatGenerationMetadata.builder().finishReason(OptionsMapping.finishReason(g.finishReason())).build();
    }

    private ChatResponseMetadata metadata(String id, dev.bitnet.Generation g) {
        return ChatResponseMetadata.builder()
                .id(id)
                .model(modelName)
                .usage(new DefaultUsage(g.usage().promptTokens(), g.usage().generatedTokens(), g.usage().totalTokens()))
                .build();
    }

    private static String newId() {
        return "bitnet-" + UUID.randomUUID();
    }

    /** The default options, which a prompt's options override field by field. */
    @Override
    public BitNetChatOptions getOptions() {
        return defaults;
    }

    /** The name the {@code model} option may carry: the model file's name. */
    public String modelName() {
        return modelName;
    }

    /** The model this ChatModel runs. */
    public BitNetModel model() {
        return model;
    }

    /** Closes the model if this ChatModel loaded it; a model passed in stays open. */
    @Override
    public void close() {
        if (owned) {
            model.close();
        }
    }

    private record Request(List<ChatMessage> messages, GenerationOptions options) {
    }

    /** Builder of {@link BitNetChatModel}. */
    public static final class Builder {
        /** A file path or an {@code hf://} reference, as {@link BitNetModel#load(String, LoadOptions)} takes. */
    private String modelSource;
        private LoadOptions loadOptions = LoadOptions.defaults();
        private BitNetModel model;
        private BitNetChatOptions options = BitNetChatOptions.builder().build();

        private Builder() {
        }

        /** Loads the model from this file (GGUF or Hugging Face checkpoint); the provider owns and closes it. */
        public Builder modelPath(Path modelPath) {
            this.modelSource = Objects.requireNonNull(modelPath, "modelPath").toString();
            return this;
        }

        /**
         * Loads the model from a path or a Hugging Face reference ({@code hf://ORG/REPO[@REV][/PATH]}, fetched into the
         * shared Hugging Face cache; see {@link BitNetModel#load(String, LoadOptions)}); the provider owns and closes it.
         */
        public Builder modelReference(String reference) {
            this.modelSource = Objects.requireNonNull(reference, "reference");
            return this;
        }

        /** Threads, context length and kernel for a model loaded from {@link #modelPath}. */
        public Builder loadOptions(LoadOptions loadOptions) {
            this.loadOptions = Objects.requireNonNull(loadOptions, "loadOptions");
            return this;
        }

        /** Runs on an already loaded model, which may be shared; the ChatModel never closes it. */
        public Builder model(BitNetModel model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /** The default options of every call. */
        public Builder options(BitNetChatOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Loads the model (for {@link #modelPath}) and checks the default options; a model loaded here is closed
         * again if they are bad.
         */
        public BitNetChatModel build() {
            if ((model == null) == (modelSource == null)) {
                throw new IllegalStateException(model == null
                        ? "set either modelPath(...), modelReference(...) or model(...)"
                        : "set modelPath(...)/modelReference(...) or model(...), not both");
            }
            boolean owned = model == null;
            BitNetModel m = owned ? BitNetModel.load(modelSource, loadOptions) : model;
            try {
                return new BitNetChatModel(m, owned, options);
            } catch (RuntimeException | Error e) {
                if (owned) {
                    m.close();
                }
                throw e;
            }
        }
    }
}
