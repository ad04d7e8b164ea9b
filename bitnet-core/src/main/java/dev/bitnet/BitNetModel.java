package dev.bitnet;

import dev.bitnet.chat.ChatMessage;
import dev.bitnet.chat.ChatPromptEncoder;
import dev.bitnet.chat.ChatTemplate;
import dev.bitnet.chat.ChatTemplates;
import dev.bitnet.gguf.GgufFile;
import dev.bitnet.hub.ModelLocator;
import dev.bitnet.kernels.Kernels;
import dev.bitnet.kernels.TernaryKernel;
import dev.bitnet.model.GgufModelLoader;
import dev.bitnet.kernels.BoundedHead;
import dev.bitnet.model.HeadQuantizer;
import dev.bitnet.model.HfModelLoader;
import dev.bitnet.model.ModelConfig;
import dev.bitnet.model.SequenceState;
import dev.bitnet.model.Transformer;
import dev.bitnet.model.Weights;
import dev.bitnet.tokenizer.EncodeOptions;
import dev.bitnet.tokenizer.Tokenizer;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A loaded BitNet model. Thread-safe and immutable once loaded: any number of {@link Session}s
 * may run on it at once. Close it to unmap the file and stop its compute threads.
 *
 * <pre>{@code
 * try (BitNetModel model = BitNetModel.load(Path.of("ggml-model-i2_s.gguf"))) {
 *     System.out.println(model.generate("The capital of France is").text());
 * }
 * }</pre>
 */
public final class BitNetModel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BitNetModel.class);

    private final Path path;
    private final GgufFile file;
    private final List<AutoCloseable> resources;
    private final ModelConfig config;
    private final TernaryKernel kernel;
    private final Arena arena;
    private final Transformer transformer;
    private final LoadOptions options;
    private final int contextLength;
    private final double loadMillis;
    private final @Nullable Tokenizer tokenizer;
    private final ChatTemplate chatTemplate;
    private final CloseGuard guard = new CloseGuard();

    private BitNetModel(Path path, GgufFile file, List<AutoCloseable> resources, ModelConfig config, TernaryKernel kernel,
                        Arena arena, Transformer transformer, LoadOptions options, double loadMillis,
                        @Nullable Tokenizer tokenizer, ChatTemplate chatTemplate) {
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
        this.path = path;
        this.file = file;
        this.resources = List.copyOf(resources);
        this.config = config;
        this.kernel = kernel;
        this.arena = arena;
        this.transformer = transformer;
        this.options = options;
        this.contextLength = options.contextLength().orElse(config.contextLength());
        this.loadMillis = loadMillis;
    }

    /** Loads a GGUF model with default options. */
    public static BitNetModel load(Path path) {
        return load(path, LoadOptions.defaults());
    }

    /**
     * Loads a model named by text: a path (GGUF file, checkpoint directory, or a directory holding one
     * GGUF as {@code huggingface-cli download --local-dir} leaves it), or a Hugging Face Hub reference
     * {@code hf://ORG/REPO[@REVISION][/PATH]}, downloaded into (or found in) the cache shared with
     * huggingface_hub, configured by {@code HF_HUB_CACHE}, {@code HF_HOME}, {@code HF_ENDPOINT},
     * {@code HF_TOKEN} and {@code HF_HUB_OFFLINE}. See {@link dev.bitnet.hub.ModelLocator}.
     *
     * @throws UncheckedIOException     if the download fails; its cause is a {@link dev.bitnet.hub.HubException}
     *                                  that says why (token needed, not found, network, hash mismatch)
     * @throws IllegalArgumentException if an {@code hf://} reference is malformed
     */
    public static BitNetModel load(String reference, LoadOptions options) {
        Objects.requireNonNull(reference, "reference");
        Path path;
        try {
            path = ModelLocator.resolve(reference);
        } catch (IOException e) {
            throw new UncheckedIOException(reference + ": " + e.getMessage(), e);
        }
        return load(path, options);
    }

    /** {@link #load(String, LoadOptions)} with default options. */
    public static BitNetModel load(String reference) {
        return load(reference, LoadOptions.defaults());
    }

    /**
     * Loads a model: a GGUF file, or a Hugging Face checkpoint (a directory with {@code config.json}
     * and {@code model.safetensors}, or one of those files). Maps the weights, checks them, and
     * prepares them for the chosen kernel.
     *
     * @throws ModelFormatException      if the file is corrupt, truncated or inconsistent, including
     *                                   non-finite or huge norm weights and scales, degenerate
     *                                   hyperparameters, and tensors of layers beyond the layer count
     * @throws UnsupportedModelException if it is valid but not a model this library runs
     * @throws dev.bitnet.tokenizer.TokenizerFormatException if its tokenizer (GGUF metadata or
     *                                   {@code tokenizer.json}) is malformed or unsupported
     * @throws UncheckedIOException      if the file cannot be read
     */
    public static BitNetModel load(Path path, LoadOptions options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        long start = System.nanoTime();
        boolean hf = isHuggingFace(path);
        int threads = options.threads().orElse(defaultThreads());
        // binding the kernel needs nothing from the file: it overlaps parsing and mapping it
        LoadStep<TernaryKernel> kernelStep = LoadStep.start("kernel", () -> Kernels.create(options.kernel(), threads));
        LoadStep<@Nullable Tokenizer> tokenizerStep = null;
        TernaryKernel kernel = null;
        GgufFile file = null;
        Arena arena = Arena.ofShared();
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            file = hf ? null : GgufFile.open(path);
            GgufFile opened = file;
            // and the vocabulary overlaps preparing the weights
            tokenizerStep = LoadStep.start("tokenizer", () -> hf ? hfTokenizer(path, options) : ggufTokenizer(opened, options));
            long openedAt = System.nanoTime();
            ModelConfig config = hf ? HfModelLoader.readConfig(path) : GgufModelLoader.readConfig(file);
            kernel = kernelStep.join();
            long kernelReady = System.nanoTime();
            Weights weights = hf
                    ? HfModelLoader.loadWeights(path, config, kernel, arena, resources)
                    : GgufModelLoader.loadWeights(file, config, kernel, arena);
            if (options.int8Head()) {
                weights = HeadQuantizer.quantizeHead(weights, kernel, arena);
            }
            BoundedHead bounded = null;
            if (options.headMode() == LoadOptions.HeadMode.BOUNDED) {
                bounded = BoundedHead.build(weights.output(), kernel, arena).orElse(null);
                if (bounded == null) {
                    LOG.info("bounded head unavailable for a {} head on kernel {}; using the exact head",
                            weights.output().format(), kernel.name());
                }
            }
            Transformer transformer = new Transformer(config, weights, kernel, bounded);
            if (file != null) {
                file.populate();
            }
            long weightsReady = System.nanoTime();
            Tokenizer tokenizer = tokenizerStep.join();
            if (tokenizer != null && tokenizer.vocabSize() > config.vocabSize()) {
                throw new ModelFormatException(path, -1, "the tokenizer has " + tokenizer.vocabSize()
                        + " tokens but the model's embedding only " + config.vocabSize());
            }
            ChatTemplate template = ChatTemplates.select(
                    file == null ? Optional.empty() : file.metadata().findString("tokenizer.chat_template"),
                    options.chatTemplate());
            long end = System.nanoTime();
            LOG.debug("load phases (kernel and tokenizer built alongside): open {} ms, waiting for the kernel {} ms, "
                            + "weights {} ms, waiting for the tokenizer and template {} ms",
                    (openedAt - start) / 1_000_000, (kernelReady - openedAt) / 1_000_000, (weightsReady - kernelReady) / 1_000_000,
                    (end - weightsReady) / 1_000_000);
            double ms = (end - start) / 1e6;
            LOG.info("Loaded {} ({}, {} layers, hidden {}, vocab {}) in {} ms with kernel {}", path.getFileName(),
                    config.architecture().ggufName(), config.layers(), config.hiddenSize(), config.vocabSize(),
                    String.format(Locale.ROOT, "%.1f", ms), kernel.name());
            return new BitNetModel(path, file, resources, config, kernel, arena, transformer, options, ms, tokenizer, template);
        } catch (IOException e) {
            abandon(kernel, kernelStep, tokenizerStep, arena, file, resources);
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            abandon(kernel, kernelStep, tokenizerStep, arena, file, resources);
            throw e;
        }
    }

    private static @Nullable Tokenizer ggufTokenizer(GgufFile file, LoadOptions options) {
        return GgufModelLoader.vocabulary(file)
                .map(v -> options.preTokenizer().map(k -> Tokenizer.fromVocabulary(v, k)).orElseGet(() -> Tokenizer.fromVocabulary(v)))
                .orElse(null);
    }

    private static @Nullable Tokenizer hfTokenizer(Path path, LoadOptions options) throws IOException {
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        Path json = dir == null ? null : dir.resolve("tokenizer.json");
        if (json == null || !Files.isRegularFile(json)) {
            LOG.warn("{}: no tokenizer.json beside the checkpoint; the model runs on token ids only", path);
            return null;
        }
        return options.preTokenizer().isPresent()
                ? Tokenizer.fromTokenizerJson(json, options.preTokenizer().get())
                : Tokenizer.fromTokenizerJson(json);
    }

    private static boolean isHuggingFace(Path path) {
        String name = String.valueOf(path.getFileName()).toLowerCase(Locale.ROOT);
        return Files.isDirectory(path) || name.endsWith(".safetensors") || name.endsWith(".json");
    }

    /** Undoes a load that failed: waits for its background steps, then releases what they and it created. */
    private static void abandon(@Nullable TernaryKernel kernel, LoadStep<TernaryKernel> kernelStep,
                                @Nullable LoadStep<@Nullable Tokenizer> tokenizerStep, Arena arena, @Nullable GgufFile file,
                                List<AutoCloseable> resources) {
        if (kernel == null) {
            kernelStep.discard(TernaryKernel::close);
        }
        if (tokenizerStep != null) {
            // it reads the file's metadata: let it finish before the file goes away
            tokenizerStep.discard(t -> { });
        }
        release(kernel, arena, file, resources);
    }

    private static void release(@Nullable TernaryKernel kernel, Arena arena, @Nullable GgufFile file, List<AutoCloseable> resources) {
        if (kernel != null) {
            kernel.close();
        }
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", r, e.toString());
            }
        }
        arena.close();
        if (file != null) {
            file.close();
        }
    }

    /** Compute threads used when none are requested: the machine's physical cores. */
    public static int defaultThreads() {
        return Kernels.physicalCores();
    }

    /** Hyperparameters and architecture. */
    public ModelConfig config() {
        return config;
    }

    /** The file this model was loaded from. */
    public Path path() {
        return path;
    }

    /**
     * Bytes of weights one generated token reads (each ternary weight at 2 bits, the LM head in its
     * format): decode cannot run faster than the machine's read bandwidth divided by this.
     */
    public long weightBytesPerToken() {
        return transformer.weights().decodeBytes();
    }

    /** The kernel running the ternary matmuls, e.g. {@code native-avx512}. */
    public String kernelName() {
        return kernel.name();
    }

    /** Compute threads. */
    public int threads() {
        return kernel.threads();
    }

    /** Context length of new sessions (the model's own unless overridden at load). */
    public int contextLength() {
        return contextLength;
    }

    /** Milliseconds {@link #load} took. */
    public double loadMillis() {
        return loadMillis;
    }

    /** The underlying GGUF file (metadata and tensor table), when the model was loaded from one. */
    public Optional<GgufFile> gguf() {
        return Optional.ofNullable(file);
    }

    /** Whether the model file carries a tokenizer (text in and out); without one it runs on token ids. */
    public boolean hasTokenizer() {
        return tokenizer != null;
    }

    /**
     * The model's tokenizer.
     *
     * @throws UnsupportedModelException if the model file has no (supported) tokenizer
     */
    public Tokenizer tokenizer() {
        if (tokenizer == null) {
            throw new UnsupportedModelException(path, "the model has no supported tokenizer; use token ids");
        }
        return tokenizer;
    }

    /** The chat template used by {@link #chat} and {@link #newChat()}. */
    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /**
     * Tokenizes a prompt as Hugging Face does for generation: BOS first when the model asks for it,
     * special-token text recognised.
     */
    public int[] encode(String prompt) {
        Tokenizer t = tokenizer();
        return t.encode(prompt, EncodeOptions.DEFAULT.withBos(t.addBos()));
    }

    /** Generates a completion of {@code prompt} with {@link GenerationOptions#defaults()}. */
    public Generation generate(String prompt) {
        return generate(prompt, GenerationOptions.defaults());
    }

    /** Generates a completion of {@code prompt}. */
    public Generation generate(String prompt, GenerationOptions options) {
        return generate(prompt, options, GenerationListener.NONE);
    }

    /** Generates a completion of {@code prompt}, reporting text as it is produced. */
    public Generation generate(String prompt, GenerationOptions options, GenerationListener listener) {
        return generate(encode(prompt), options, listener);
    }

    /**
     * Generates from prompt token ids (no BOS is added). Each call runs in a fresh session, so calls
     * from many threads run concurrently.
     *
     * @throws ContextOverflowException  if the prompt does not fit the context
     * @throws NonFiniteLogitsException  if the model produces NaN or infinite logits (bad values in a
     *                                   large tensor of the file); names the position and the tensor
     * @throws IllegalStateException     if the model is closed (also when it is closed meanwhile)
     */
    public Generation generate(int[] promptIds, GenerationOptions options, GenerationListener listener) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        try (Session session = newSession()) {
            return generate(session, promptIds, options, listener);
        }
    }

    /**
     * Generates in an existing session, reusing the KV cache of whatever prefix of {@code promptIds}
     * it already holds (the rest of the session is discarded). The session ends holding the prompt
     * and the generated tokens.
     */
    public Generation generate(Session session, int[] promptIds, GenerationOptions options, GenerationListener listener) {
        return runToEnd(session, promptIds, options, listener).result();
    }

    /** Runs a generation in {@code session} to its end; the run also tells how much of the prompt was evaluated. */
    GenerationRun runToEnd(Session session, int[] promptIds, GenerationOptions options, GenerationListener listener) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(promptIds, "promptIds");
        if (session.model() != this) {
            throw new IllegalArgumentException("the session belongs to another model");
        }
        try {
            GenerationRun run = new GenerationRun(session, promptIds, options, tokenizer, listener, loadMillis);
            listener.onComplete(run.runToEnd());
            return run;
        } catch (RuntimeException | Error e) {
            listener.onError(e);
            throw e;
        }
    }

    /** Pull-style generation of a completion of {@code prompt}: iterate the text pieces, cancel at will. */
    public TokenStream stream(String prompt, GenerationOptions options) {
        return stream(encode(prompt), options);
    }

    /** Pull-style generation from prompt token ids, in a session of its own that the stream closes. */
    public TokenStream stream(int[] promptIds, GenerationOptions options) {
        Session session = newSession();
        try {
            return new TokenStream(new GenerationRun(session, promptIds, options, tokenizer, GenerationListener.NONE, loadMillis),
                    session, true);
        } catch (RuntimeException | Error e) {
            session.close();
            throw e;
        }
    }

    /** Answers the last user turn of a conversation (one-shot; see {@link #newChat()} for multi-turn). */
    public Generation chat(List<ChatMessage> messages, GenerationOptions options) {
        return chat(messages, options, GenerationListener.NONE);
    }

    /** Answers the last user turn of a conversation, reporting text as it is produced. */
    public Generation chat(List<ChatMessage> messages, GenerationOptions options, GenerationListener listener) {
        return generate(encodeChat(messages), chatOptions(options), listener);
    }

    /**
     * Renders a conversation with the model's chat template, ending with the prompt of the assistant's
     * turn, and tokenizes it: the prompt {@link #chat} generates from.
     *
     * @throws UnsupportedModelException if the model has no tokenizer
     */
    public int[] encodeChat(List<ChatMessage> messages) {
        Objects.requireNonNull(messages, "messages");
        return ChatPromptEncoder.encode(tokenizer(), chatTemplate, messages, true);
    }

    /** Starts a multi-turn chat; each turn reuses the KV cache of the conversation so far. */
    public Chat newChat() {
        return new Chat(this, List.of());
    }

    /** Starts a multi-turn chat with a system prompt. */
    public Chat newChat(String systemPrompt) {
        return new Chat(this, List.of(ChatMessage.system(systemPrompt)));
    }

    /**
     * The options {@link #chat} generates with: {@code options} plus the chat template's end-of-turn
     * tokens as stop ids, so a reply ends with its turn.
     *
     * @throws UnsupportedModelException if the model has no tokenizer
     */
    public GenerationOptions chatOptions(GenerationOptions options) {
        Objects.requireNonNull(options, "options");
        Tokenizer t = tokenizer();
        List<Integer> ids = new ArrayList<>(options.stopTokenIds());
        for (String text : chatTemplate.stopTexts()) {
            t.tokenId(text).ifPresent(ids::add);
        }
        return options.toBuilder().stopTokenIds(ids).build();
    }

    /** Starts an empty session with this model's context length. */
    public Session newSession() {
        checkOpen();
        return new Session(this, new SequenceState(transformer, contextLength, options.batchSize()));
    }

    /** Package-private access for the forward pass of sessions and tests. */
    Transformer transformer() {
        return transformer;
    }

    void checkOpen() {
        if (guard.isClosed()) {
            throw closedException();
        }
    }

    IllegalStateException closedException() {
        return new IllegalStateException("model " + path.getFileName() + " is closed");
    }

    /** The guard every forward step holds while it runs on this model's memory. */
    CloseGuard guard() {
        return guard;
    }

    /**
     * Stops compute threads and unmaps the file. Safe while other threads generate: forward steps
     * already running finish first (close waits for them), and every later step, on any session,
     * throws {@link IllegalStateException} ("model ... is closed"), so a concurrent generation either
     * completes or ends with that exception; none reads freed memory. Sessions can still be closed
     * afterwards. Idempotent: later calls return at once.
     */
    @Override
    public void close() {
        if (guard.close()) {
            release(kernel, arena, file, resources);
        }
    }
}
