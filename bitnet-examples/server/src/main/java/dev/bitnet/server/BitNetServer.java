package dev.bitnet.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.bitnet.BitNetModel;
import dev.bitnet.tokenizer.EncodeOptions;
import dev.bitnet.tokenizer.Tokenizer;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * An OpenAI-compatible HTTP server over one {@link BitNetModel}, on the JDK's {@code com.sun.net.httpserver}
 * with one virtual thread per exchange.
 *
 * <p>Routes: {@code POST /v1/chat/completions}, {@code POST /v1/completions} (JSON, or server-sent events with
 * {@code "stream": true}), {@code GET /v1/models[/ID]}, {@code GET /health} (503 while the model loads, then 200),
 * {@code POST /tokenize} and {@code POST /detokenize} (llama.cpp's shapes), {@code GET /metrics} (Prometheus
 * text). Errors are OpenAI-shaped: {@code {"error":{"message","type","param","code"}}}.
 *
 * <pre>{@code
 * try (BitNetServer server = BitNetServer.start(ServerOptions.defaults(), () -> BitNetModel.load(path))) {
 *     server.awaitReady(Duration.ofMinutes(1));
 *     System.out.println("listening on " + server.baseUrl());
 *     server.awaitClose();
 * }
 * }</pre>
 */
public final class BitNetServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BitNetServer.class);
    /** How long {@link #close()} lets running exchanges finish their last writes. */
    private static final int DRAIN_SECONDS = 5;

    private final ServerOptions options;
    private final HttpServer http;
    private final ExecutorService handlers;
    private final byte @Nullable [] apiKeyHash;
    private final ChatPage chatPage = ChatPage.load();
    private final CountDownLatch loaded = new CountDownLatch(1);
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private final long startedAt = System.currentTimeMillis() / 1000;
    private volatile @Nullable ServerState state;
    private volatile @Nullable Throwable loadFailure;
    private volatile boolean closing;
    private @Nullable BitNetModel model;

    private BitNetServer(ServerOptions options) throws IOException {
        this.options = options;
        this.apiKeyHash = options.apiKey() == null ? null : sha256(options.apiKey().getBytes(StandardCharsets.UTF_8));
        this.http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 0);
        this.handlers = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(handlers);
        http.createContext("/", this::dispatch);
    }

    /**
     * Binds the address and starts answering at once ({@code /health} says 503 while loading), then loads the
     * model on a thread of its own. The server owns the model and closes it.
     *
     * @throws IOException when the address cannot be bound
     */
    public static BitNetServer start(ServerOptions options, Supplier<BitNetModel> loader) throws IOException {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(loader, "loader");
        BitNetServer server = new BitNetServer(options);
        server.http.start();
        Thread.ofPlatform().name("bitnet-server-load").daemon().start(() -> server.load(loader));
        return server;
    }

    private void load(Supplier<BitNetModel> loader) {
        try {
            BitNetModel m = loader.get();
            synchronized (this) {
                if (closing) {
                    m.close();
                    return;
                }
                model = m;
                CompletionEngine engine = Engines.create(options, m);
                Metrics metrics = new Metrics(engine::queuedRequests, engine::activeGenerations);
                String id = options.modelId() != null ? options.modelId() : defaultModelId(m);
                state = new ServerState(options, m, engine, metrics, id);
                LOG.info("serving {} with the {} engine: {} slots, {} queued at most", id, engine.name(),
                        options.parallel(), options.maxQueued());
            }
        } catch (Throwable t) {
            loadFailure = t;
            LOG.error("cannot load the model", t);
        } finally {
            loaded.countDown();
        }
    }

    private static String defaultModelId(BitNetModel m) {
        String name = m.path().getFileName().toString();
        return name.endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
    }

    /**
     * Waits until the model is loaded.
     *
     * @return false when the time ran out first
     * @throws IllegalStateException when loading failed (the cause attached)
     */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        if (!loaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return false;
        }
        Throwable failure = loadFailure;
        if (failure != null) {
            throw new IllegalStateException("the model did not load: " + failure.getMessage(), failure);
        }
        return state != null;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClose() throws InterruptedException {
        closedLatch.await();
    }

    /** The bound address (with the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** {@code http://host:port}, the base of every route. */
    public String baseUrl() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The metrics, once the model is loaded. */
    public @Nullable Metrics metrics() {
        ServerState s = state;
        return s == null ? null : s.metrics();
    }

    /** The engine, once the model is loaded. */
    public @Nullable CompletionEngine engine() {
        ServerState s = state;
        return s == null ? null : s.engine();
    }

    /**
     * Stops taking requests (new ones get 503), cancels running generations so their streams end with a final
     * chunk and {@code [DONE]}, lets the exchanges finish (up to {@value #DRAIN_SECONDS} s), stops the listener
     * and closes the model. Idempotent; safe from a shutdown hook.
     */
    @Override
    public void close() {
        ServerState s;
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
            s = state;
        }
        try {
            if (s != null) {
                s.cancelAll();
                s.engine().close();
            }
            http.stop(DRAIN_SECONDS);
            handlers.shutdown();
            if (!handlers.awaitTermination(DRAIN_SECONDS, TimeUnit.SECONDS)) {
                handlers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (this) {
                if (model != null) {
                    model.close();
                }
            }
            closedLatch.countDown();
            LOG.info("server stopped");
        }
    }

    // ---- routing ---------------------------------------------------------------------------------------

    private void dispatch(HttpExchange ex) {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        String route = routeName(path);
        int status = 500;
        try (ex) {
            try {
                status = route(ex, path, method);
            } catch (ApiException e) {
                status = e.status();
                if (ex.getResponseCode() == -1) {
                    Exchanges.sendError(ex, e);
                }
            } catch (IOException e) {
                status = 499; // the client went away
                LOG.debug("{} {}: {}", method, path, e.toString());
            } catch (RuntimeException e) {
                LOG.error("{} {} failed", method, path, e);
                if (ex.getResponseCode() == -1) {
                    Exchanges.sendError(ex, new ApiException(500, "server_error", null, null,
                            "internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
                }
            }
        } catch (IOException e) {
            LOG.debug("{} {}: cannot send the error: {}", method, path, e.toString());
        } finally {
            ServerState s = state;
            if (s != null) {
                s.metrics().request(route, status);
            }
        }
    }

    /** A bounded set of route names for the metrics (never the raw path). */
    private static String routeName(String path) {
        return switch (path) {
            case "/", "/v1/chat/completions", "/v1/completions", "/v1/models", "/health", "/tokenize", "/detokenize",
                 "/metrics" -> path;
            case "/index.html" -> "/";
            default -> path.startsWith("/v1/models/") ? "/v1/models/{id}" : "other";
        };
    }

    /** Answers one exchange; returns the status sent. */
    private int route(HttpExchange ex, String path, String method) throws IOException {
        if (path.equals("/health")) {
            requireMethod(method, "GET");
            return health(ex);
        }
        if (path.equals("/") || path.equals("/index.html")) {
            if (!method.equals("HEAD")) {
                requireMethod(method, "GET");
            }
            chatPage.send(ex);
            return 200;
        }
        checkApiKey(ex);
        ServerState s = state;
        if (closing) {
            throw new ApiException(503, "unavailable_error", null, "shutting_down", "the server is shutting down");
        }
        if (s == null) {
            throw loadFailure != null
                    ? new ApiException(500, "server_error", null, null, "the model failed to load")
                    : new ApiException(503, "unavailable_error", null, "loading", "Loading model");
        }
        switch (path) {
            case "/v1/chat/completions" -> {
                requireMethod(method, "POST");
                new CompletionRoute(s).handle(ex, CompletionRequest.Kind.CHAT);
            }
            case "/v1/completions" -> {
                requireMethod(method, "POST");
                new CompletionRoute(s).handle(ex, CompletionRequest.Kind.TEXT);
            }
            case "/v1/models" -> {
                requireMethod(method, "GET");
                Exchanges.sendJson(ex, 200, Exchanges.json(g -> {
                    g.writeStartObject();
                    g.writeStringField("object", "list");
                    g.writeArrayFieldStart("data");
                    writeModel(g, s);
                    g.writeEndArray();
                    g.writeEndObject();
                }));
            }
            case "/tokenize" -> {
                requireMethod(method, "POST");
                tokenize(ex, s);
            }
            case "/detokenize" -> {
                requireMethod(method, "POST");
                detokenize(ex, s);
            }
            case "/metrics" -> {
                requireMethod(method, "GET");
                Exchanges.sendText(ex, 200, "text/plain; version=0.0.4; charset=utf-8", s.metrics().render());
            }
            default -> {
                if (path.startsWith("/v1/models/")) {
                    requireMethod(method, "GET");
                    String id = path.substring("/v1/models/".length());
                    if (!id.equals(s.modelId())) {
                        throw new ApiException(404, "invalid_request_error", "model", "model_not_found",
                                "the model '" + id + "' does not exist; this server serves '" + s.modelId() + "'");
                    }
                    Exchanges.sendJson(ex, 200, Exchanges.json(g -> writeModel(g, s)));
                } else {
                    throw new ApiException(404, "invalid_request_error", null, "not_found",
                            "no route " + method + " " + path);
                }
            }
        }
        return ex.getResponseCode();
    }

    private static void requireMethod(String method, String expected) {
        if (!method.equals(expected)) {
            throw new ApiException(405, "invalid_request_error", null, "method_not_allowed",
                    "use " + expected + " for this route, not " + method);
        }
    }

    private int health(HttpExchange ex) throws IOException {
        if (state != null && !closing) {
            Exchanges.sendJson(ex, 200, "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8));
            return 200;
        }
        String message = closing ? "Shutting down" : loadFailure != null ? "Model failed to load" : "Loading model";
        Exchanges.sendJson(ex, 503, Exchanges.json(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeNumberField("code", 503);
            g.writeStringField("message", message);
            g.writeStringField("type", "unavailable_error");
            g.writeEndObject();
            g.writeEndObject();
        }));
        return 503;
    }

    /** Bearer key check, comparing SHA-256 digests in constant time (no length or prefix leaks). */
    private void checkApiKey(HttpExchange ex) {
        if (apiKeyHash == null) {
            return;
        }
        String header = ex.getRequestHeaders().getFirst("Authorization");
        String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
        if (!MessageDigest.isEqual(apiKeyHash, sha256(given.getBytes(StandardCharsets.UTF_8)))) {
            throw new ApiException(401, "invalid_request_error", null, "invalid_api_key",
                    header == null ? "missing API key: send the header Authorization: Bearer KEY" : "invalid API key");
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void writeModel(com.fasterxml.jackson.core.JsonGenerator g, ServerState s) throws IOException {
        BitNetModel m = s.model();
        g.writeStartObject();
        g.writeStringField("id", s.modelId());
        g.writeStringField("object", "model");
        g.writeNumberField("created", startedAt);
        g.writeStringField("owned_by", "bitnet-java");
        g.writeObjectFieldStart("meta");
        g.writeNumberField("n_vocab", m.config().vocabSize());
        g.writeNumberField("n_ctx", m.contextLength());
        g.writeNumberField("n_ctx_train", m.config().contextLength());
        g.writeStringField("engine", s.engine().name());
        g.writeNumberField("parallel", s.options().parallel());
        g.writeEndObject();
        g.writeEndObject();
    }

    // ---- llama.cpp's /tokenize and /detokenize ---------------------------------------------------------

    private void tokenize(HttpExchange ex, ServerState s) throws IOException {
        Map<String, Object> body = objectBody(ex, s);
        if (!(body.get("content") instanceof String content)) {
            throw ApiException.invalid("content", "content must be a string");
        }
        boolean addSpecial = bool(body, "add_special", false);
        boolean parseSpecial = bool(body, "parse_special", true);
        boolean withPieces = bool(body, "with_pieces", false);
        Tokenizer t = tokenizer(s);
        int[] ids = t.encode(content, new EncodeOptions(addSpecial && t.addBos(), parseSpecial));
        Exchanges.sendJson(ex, 200, Exchanges.json(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("tokens");
            for (int id : ids) {
                if (withPieces) {
                    g.writeStartObject();
                    g.writeNumberField("id", id);
                    g.writeStringField("piece", t.decode(new int[]{id}));
                    g.writeEndObject();
                } else {
                    g.writeNumber(id);
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    private void detokenize(HttpExchange ex, ServerState s) throws IOException {
        Map<String, Object> body = objectBody(ex, s);
        Object tokens = body.get("tokens");
        if (!(tokens instanceof List<?> list)) {
            throw ApiException.invalid("tokens", "tokens must be an array of token ids");
        }
        int vocab = s.model().config().vocabSize();
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) {
            if (!(list.get(i) instanceof Long l) || l < 0 || l >= vocab) {
                throw ApiException.invalid("tokens", "tokens[" + i + "] must be a token id from 0 to " + (vocab - 1)
                        + ", got " + list.get(i));
            }
            ids[i] = (int) (long) l;
        }
        String text = tokenizer(s).decode(ids);
        Exchanges.sendJson(ex, 200, Exchanges.json(g -> {
            g.writeStartObject();
            g.writeStringField("content", text);
            g.writeEndObject();
        }));
    }

    private static Tokenizer tokenizer(ServerState s) {
        if (!s.model().hasTokenizer()) {
            throw ApiException.invalid(null, "this model has no tokenizer");
        }
        return s.model().tokenizer();
    }

    private static Map<String, Object> objectBody(HttpExchange ex, ServerState s) throws IOException {
        Object root = JsonTree.parse(Exchanges.readBody(ex, s.options().maxBodyBytes()));
        if (!(root instanceof Map<?, ?> map)) {
            throw ApiException.invalid(null, "the request body must be a JSON object, got " + JsonTree.typeName(root));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> typed = (Map<String, Object>) map;
        return typed;
    }

    private static boolean bool(Map<String, Object> body, String field, boolean fallback) {
        Object v = body.get(field);
        if (!RequestParser.present(v)) {
            return fallback;
        }
        if (!(v instanceof Boolean b)) {
            throw ApiException.invalid(field, field + " must be a boolean, got " + JsonTree.typeName(v));
        }
        return b;
    }
}
