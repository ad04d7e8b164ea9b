package dev.bitnet.langchain4j;

import dev.bitnet.BitNetModel;
import dev.bitnet.LoadOptions;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What both providers are built from: where the model comes from, the default request parameters and the
 * listeners. Explicit setters ({@link #temperature}, {@link #seed}, ...) win over the same fields of
 * {@link #defaultRequestParameters}; a request's own parameters win over both.
 *
 * @param <B> the concrete builder
 */
abstract sealed class ProviderBuilder<B extends ProviderBuilder<B>>
        permits BitNetChatModel.Builder, BitNetStreamingChatModel.Builder {
    /** A file path or an {@code hf://} reference, as {@link BitNetModel#load(String, LoadOptions)} takes. */
    private String modelSource;
    private LoadOptions loadOptions = LoadOptions.defaults();
    private BitNetModel model;
    private ChatRequestParameters defaultRequestParameters;
    private final BitNetChatRequestParameters.Builder explicit = BitNetChatRequestParameters.builder();
    private List<ChatModelListener> listeners = List.of();
    private boolean toolCalling;

    ProviderBuilder() {
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** Loads the model from this file (GGUF or Hugging Face checkpoint); the provider owns and closes it. */
    public B modelPath(Path modelPath) {
        this.modelSource = Objects.requireNonNull(modelPath, "modelPath").toString();
        return self();
    }

    /**
     * Loads the model from a path or a Hugging Face reference ({@code hf://ORG/REPO[@REV][/PATH]}, fetched into the
     * shared Hugging Face cache; see {@link BitNetModel#load(String, LoadOptions)}); the provider owns and closes it.
     */
    public B modelReference(String reference) {
        this.modelSource = Objects.requireNonNull(reference, "reference");
        return self();
    }

    /** Threads, context length and kernel for a model loaded from {@link #modelPath}. */
    public B loadOptions(LoadOptions loadOptions) {
        this.loadOptions = Objects.requireNonNull(loadOptions, "loadOptions");
        return self();
    }

    /** Runs on an already loaded model, which may be shared; the provider never closes it. */
    public B model(BitNetModel model) {
        this.model = Objects.requireNonNull(model, "model");
        return self();
    }

    /** Default softmax temperature, at least 0 (0 = always the most likely token). */
    public B temperature(Double temperature) {
        explicit.temperature(temperature);
        return self();
    }

    /** Default top-p in (0, 1] (1 = off). */
    public B topP(Double topP) {
        explicit.topP(topP);
        return self();
    }

    /** Default top-k, at least 0 (0 = off). */
    public B topK(Integer topK) {
        explicit.topK(topK);
        return self();
    }

    /** Default most tokens to generate per reply, at least 1. */
    public B maxTokens(Integer maxTokens) {
        explicit.maxOutputTokens(maxTokens);
        return self();
    }

    /** Default seed: fixed, the same messages and parameters give the same reply. */
    public B seed(Long seed) {
        explicit.seed(seed);
        return self();
    }

    /** Default stop sequences: the reply ends before the first one and never contains it. */
    public B stopSequences(List<String> stopSequences) {
        explicit.stopSequences(stopSequences);
        return self();
    }

    /** Default stop sequences. */
    public B stopSequences(String... stopSequences) {
        return stopSequences(Arrays.asList(stopSequences));
    }

    /**
     * Default parameters of every request: LangChain4j's common ones, or {@link BitNetChatRequestParameters}
     * for seed, min-p, repetition penalty and logit bias as well.
     */
    public B defaultRequestParameters(ChatRequestParameters parameters) {
        this.defaultRequestParameters = parameters;
        return self();
    }

    /** Listeners told of each request, response and error. */
    public B listeners(List<ChatModelListener> listeners) {
        this.listeners = listeners == null ? List.of() : List.copyOf(listeners);
        return self();
    }

    /** Listeners told of each request, response and error. */
    public B listeners(ChatModelListener... listeners) {
        return listeners(Arrays.asList(listeners));
    }

    /**
     * Tool calling (off by default). BitNet models have no native tool-call format, so with this on, a request
     * with tools ({@code ToolChoice.AUTO} or {@code REQUIRED}) gets a system-prompt section listing them and its
     * reply is constrained to one JSON object: {@code {"tool": NAME, "arguments": {...}}}, with the name one of
     * the tools and the arguments valid against that tool's parameter schema, or (under {@code AUTO})
     * {@code {"answer": TEXT}}. The response then carries a {@code ToolExecutionRequest} (finish reason
     * {@code TOOL_EXECUTION}) or the answer's text; earlier calls and tool results in the conversation are
     * written back in that format. The format is always valid; whether the model picks the right tool and
     * sensible arguments depends on the model. Off, tools and tool messages are refused with
     * {@link dev.langchain4j.exception.UnsupportedFeatureException}.
     */
    public B toolCalling(boolean toolCalling) {
        this.toolCalling = toolCalling;
        return self();
    }

    /** Loads (or takes) the model and checks the defaults; a model loaded here is closed again if they are bad. */
    ChatEngine engine() {
        if ((model == null) == (modelSource == null)) {
            throw new IllegalStateException(model == null
                    ? "set either modelPath(...), modelReference(...) or model(...)"
                    : "set modelPath(...)/modelReference(...) or model(...), not both");
        }
        BitNetChatRequestParameters defaults = BitNetChatRequestParameters.builder()
                .overrideWith(defaultRequestParameters == null ? BitNetChatRequestParameters.EMPTY : defaultRequestParameters)
                .overrideWith(explicit.build())
                .build();
        boolean owned = model == null;
        BitNetModel m = owned ? BitNetModel.load(modelSource, loadOptions) : model;
        try {
            return new ChatEngine(m, owned, defaults, new ArrayList<>(listeners), toolCalling);
        } catch (RuntimeException | Error e) {
            if (owned) {
                m.close();
            }
            throw e;
        }
    }
}
