package dev.bitnet.server;

import dev.bitnet.BitNetModel;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** What the routes share once the model is loaded: the model, its engine, the parser, the metrics. */
final class ServerState {
    private final ServerOptions options;
    private final BitNetModel model;
    private final CompletionEngine engine;
    private final RequestParser parser;
    private final Metrics metrics;
    private final String modelId;
    private final Set<CompletionEngine.Handle> inFlight = ConcurrentHashMap.newKeySet();

    ServerState(ServerOptions options, BitNetModel model, CompletionEngine engine, Metrics metrics, String modelId) {
        this.options = options;
        this.model = model;
        this.engine = engine;
        this.metrics = metrics;
        this.modelId = modelId;
        this.parser = new RequestParser(model.config().vocabSize(), model.contextLength());
    }

    ServerOptions options() {
        return options;
    }

    BitNetModel model() {
        return model;
    }

    CompletionEngine engine() {
        return engine;
    }

    RequestParser parser() {
        return parser;
    }

    Metrics metrics() {
        return metrics;
    }

    String modelId() {
        return modelId;
    }

    void track(CompletionEngine.Handle handle) {
        inFlight.add(handle);
    }

    void untrack(CompletionEngine.Handle handle) {
        inFlight.remove(handle);
    }

    /** Cancels every generation a request is waiting for (shutdown). */
    void cancelAll() {
        inFlight.forEach(CompletionEngine.Handle::cancel);
    }
}
