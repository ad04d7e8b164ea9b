package dev.bitnet.springai;

import dev.bitnet.BitNetModel;
import dev.bitnet.GenerationOptions;
import dev.bitnet.LoadOptions;
import dev.bitnet.TokenStream;
import dev.bitnet.chat.ChatMessage;
import dev.bitnet.structured.ToolCallFormat;
import dev.bitnet.structured.ToolReply;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.model.tool.ToolExecutionResult;
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
 * the reply parses. Tools work when the model is built with {@link Builder#toolCalling toolCalling(true)} (replies
 * constrained to a JSON tool call, tools run between rounds); otherwise they are refused, as are media and schema
 * keywords outside the supported subset, with {@link UnsupportedOperationException}.
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
    /** The most tool calls one request may make before the model must answer without tools. */
    public static final int MAX_TOOL_ROUNDS = 8;

    private final BitNetModel model;
    private final boolean owned;
    private final String modelName;
    private final BitNetChatOptions defaults;
    private final boolean toolCalling;
    private final ToolCallingManager toolCallingManager;

    private BitNetChatModel(BitNetModel model, boolean owned, BitNetChatOptions defaults, boolean toolCalling,
                            ToolCallingManager toolCallingManager) {
        this.model = model;
        this.owned = owned;
        this.modelName = nameOf(model);
        this.toolCalling = toolCalling;
        this.toolCallingManager = toolCallingManager;
        // checked now, so that bad defaults fail when the bean is created and not at the first request
        OptionsMapping.generationOptions(defaults, modelName);
        OptionsMapping.checkTools(defaults, toolCalling);
        if (!defaults.getToolCallbacks().isEmpty()) {
            OptionsMapping.toolFormat(defaults);
        }
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
     * Generates the reply on the calling thread, with the default options overridden by the prompt's. With tools
     * (and tool calling on), each reply that calls a tool is answered by running it through the
     * {@link ToolCallingManager} and generating again, up to {@value #MAX_TOOL_ROUNDS} calls; after that the
     * model must answer without tools. The usage then counts every round.
     *
     * @throws UnsupportedOperationException for tools while tool calling is off, media, an unsupported schema
     *                                       keyword or another model's name
     * @throws IllegalArgumentException      for an option out of range
     */
    @Override
    public ChatResponse call(Prompt prompt) {
        Objects.requireNonNull(prompt, "prompt");
        // the options, and the tools' format, are the same every round: only the conversation grows
        BitNetChatOptions merged = OptionsMapping.merge(defaults, prompt.getOptions());
        OptionsMapping.checkTools(merged, toolCalling);
        GenerationOptions options = OptionsMapping.generationOptions(merged, modelName);
        ToolCallFormat format = merged.getToolCallbacks().isEmpty() ? null : OptionsMapping.toolFormat(merged);
        if (format != null && options.responseFormat().isConstrained()) {
            throw new UnsupportedOperationException("a JSON response format or output schema together with tools "
                    + "is not supported by bitnet-java: the reply is already constrained to a tool call or an answer");
        }
        Prompt current = prompt;
        long promptTokens = 0;
        long generatedTokens = 0;
        for (int round = 0; ; round++) {
            List<ChatMessage> messages = OptionsMapping.messages(current.getInstructions(), toolCalling);
            String id = newId();
            if (format == null || round >= MAX_TOOL_ROUNDS) {
                dev.bitnet.Generation g = model.chat(messages, options);
                return new ChatResponse(List.of(new Generation(new AssistantMessage(g.text()), finish(g))),
                        metadata(id, promptTokens + g.usage().promptTokens(), generatedTokens + g.usage().generatedTokens()));
            }
            dev.bitnet.Generation g = model.chat(format.withInstructions(messages),
                    options.toBuilder().responseFormat(format.responseFormat()).build());
            promptTokens += g.usage().promptTokens();
            generatedTokens += g.usage().generatedTokens();
            ChatResponseMetadata metadata = metadata(id, promptTokens, generatedTokens);
            ToolReply reply = ToolCallFormat.parse(g.text());
            if (!(reply instanceof ToolReply.Call call)) {
                String answer = ((ToolReply.Text) reply).text();
                return new ChatResponse(List.of(new Generation(new AssistantMessage(answer), finish(g))), metadata);
            }
            AssistantMessage calling = AssistantMessage.builder().content("").toolCalls(List.of(
                    new AssistantMessage.ToolCall("call_" + UUID.randomUUID().toString().replace("-", ""),
                            "function", call.name(), call.arguments()))).build();
            ChatResponse response = new ChatResponse(List.of(new Generation(calling,
                    ChatGenerationMetadata.builder().finishReason("TOOL_CALLS").build())), metadata);
            // the merged options carry the callbacks, wherever they were set (defaults or the prompt)
            ToolExecutionResult result = toolCallingManager.executeToolCalls(
                    new Prompt(current.getInstructions(), merged), response);
            if (result.returnDirect()) {
                return new ChatResponse(ToolExecutionResult.buildGenerations(result), metadata);
            }
            current = new Prompt(result.conversationHistory(), prompt.getOptions());
        }
    }

    /**
     * Streams the reply, generating one token per requested element on Reactor's bounded-elastic scheduler.
     * The last element carries no text, the finish reason and the usage. Cancelling the subscription stops the
     * generation after the token in progress and releases its session. A bad request fails the Flux.
     */
    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        return Flux.defer(() -> {
            if (toolCalling && !OptionsMapping.merge(defaults, prompt.getOptions()).getToolCallbacks().isEmpty()) {
                // a tool-calling reply is JSON for this model to read, and tools run between rounds: the final
                // answer comes whole, as one element
                return Flux.just(call(prompt));
            }
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
        OptionsMapping.checkTools(merged, toolCalling);
        GenerationOptions options = OptionsMapping.generationOptions(merged, modelName);
        return new Request(OptionsMapping.messages(prompt.getInstructions(), toolCalling), options);
    }

    private ChatResponse chunk(String id, String text) {
        return new ChatResponse(List.of(new Generation(new AssistantMessage(text))),
                ChatResponseMetadata.builder().id(id).model(modelName).build());
    }

    private static ChatGenerationMetadata finish(dev.bitnet.Generation g) {
        return ChatGenerationMetadata.builder().finishReason(OptionsMapping.finishReason(g.finishReason())).build();
    }

    private ChatResponseMetadata metadata(String id, dev.bitnet.Generation g) {
        return metadata(id, g.usage().promptTokens(), g.usage().generatedTokens());
    }

    private ChatResponseMetadata metadata(String id, long promptTokens, long generatedTokens) {
        return ChatResponseMetadata.builder()
                .id(id)
                .model(modelName)
                .usage(new DefaultUsage(Math.toIntExact(promptTokens), Math.toIntExact(generatedTokens),
                        Math.toIntExact(promptTokens + generatedTokens)))
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

    /** Whether requests may carry tools ({@link Builder#toolCalling}). */
    public boolean toolCalling() {
        return toolCalling;
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
        private boolean toolCalling;
        private @Nullable ToolCallingManager toolCallingManager;

        private Builder() {
        }

        /**
         * Tool calling (off by default). BitNet models have no tool-call format of their own, so with this on, a
         * request with tools ({@code ChatClient}'s {@code tools(...)}) gets a system-prompt section listing them and
         * its reply is constrained to one JSON object: a call of one tool with arguments valid against its input
         * schema, or an answer. Calls are run by the {@link #toolCallingManager} and the model is asked again with
         * the results, up to {@value BitNetChatModel#MAX_TOOL_ROUNDS} calls per request. The format is guaranteed;
         * the choice of tool and arguments is only as good as the model. Off, a request with tools is refused with
         * {@link UnsupportedOperationException}.
         */
        public Builder toolCalling(boolean toolCalling) {
            this.toolCalling = toolCalling;
            return this;
        }

        /** What runs the tools the model calls; by default Spring AI's {@code DefaultToolCallingManager}. */
        public Builder toolCallingManager(ToolCallingManager toolCallingManager) {
            this.toolCallingManager = Objects.requireNonNull(toolCallingManager, "toolCallingManager");
            return this;
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
                return new BitNetChatModel(m, owned, options, toolCalling,
                        toolCallingManager != null ? toolCallingManager : ToolCallingManager.builder().build());
            } catch (RuntimeException | Error e) {
                if (owned) {
                    m.close();
                }
                throw e;
            }
        }
    }
}
