package dev.bitnet.server;

import org.jetbrains.annotations.Nullable;

import java.util.Objects;

/**
 * How a {@link BitNetServer} listens and how much work it takes on.
 *
 * @param host         the address to bind (loopback by default: expose it on purpose)
 * @param port         the port; 0 picks a free one
 * @param apiKey       the Bearer key every route but {@code /health} requires, or null for none
 * @param parallel     generations that run at once (slots)
 * @param maxQueued    requests that may wait for a slot; one more gets 429
 * @param maxBodyBytes the largest request body; a larger one gets 413
 * @param modelId      the model's name in {@code /v1/models} and responses, or null for the file name
 * @param engine       {@code batch} (continuous batching, the default) or {@code threads} (one generation per thread)
 */
public record ServerOptions(String host, int port, @Nullable String apiKey, int parallel, int maxQueued, int maxBodyBytes,
                            @Nullable String modelId, String engine) {
    /** The request body limit by default: 4 MiB, far above any prompt that fits a context. */
    public static final int DEFAULT_MAX_BODY = 4 << 20;

    /** @throws IllegalArgumentException naming the first value out of range */
    public ServerOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(engine, "engine");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535, got " + port);
        }
        if (apiKey != null && apiKey.isEmpty()) {
            throw new IllegalArgumentException("apiKey must not be empty (leave it out for no key)");
        }
        if (parallel < 1 || parallel > 1024) {
            throw new IllegalArgumentException("parallel must be from 1 to 1024, got " + parallel);
        }
        if (maxQueued < 0) {
            throw new IllegalArgumentException("maxQueued must be >= 0, got " + maxQueued);
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("maxBodyBytes must be at least 1024, got " + maxBodyBytes);
        }
        if (!engine.equals("batch") && !engine.equals("threads")) {
            throw new IllegalArgumentException("engine must be batch or threads, got " + engine);
        }
    }

    /** Loopback, port 8080, no key, 4 slots, 64 queued, 4 MiB bodies, continuous batching. */
    public static ServerOptions defaults() {
        return new ServerOptions("127.0.0.1", 8080, null, 4, 64, DEFAULT_MAX_BODY, null, "batch");
    }

    /** A copy listening on {@code host:port}. */
    public ServerOptions withAddress(String host, int port) {
        return new ServerOptions(host, port, apiKey, parallel, maxQueued, maxBodyBytes, modelId, engine);
    }

    /** A copy requiring {@code apiKey} (null for none). */
    public ServerOptions withApiKey(@Nullable String apiKey) {
        return new ServerOptions(host, port, apiKey, parallel, maxQueued, maxBodyBytes, modelId, engine);
    }

    /** A copy with {@code parallel} slots and {@code maxQueued} waiting requests. */
    public ServerOptions withCapacity(int parallel, int maxQueued) {
        return new ServerOptions(host, port, apiKey, parallel, maxQueued, maxBodyBytes, modelId, engine);
    }

    /** A copy with another body limit. */
    public ServerOptions withMaxBodyBytes(int maxBodyBytes) {
        return new ServerOptions(host, port, apiKey, parallel, maxQueued, maxBodyBytes, modelId, engine);
    }

    /** A copy naming the model {@code modelId}. */
    public ServerOptions withModelId(@Nullable String modelId) {
        return new ServerOptions(host, port, apiKey, parallel, maxQueued, maxBodyBytes, modelId, engine);
    }

    /** A copy using the engine named {@code engine} ({@code batch} or {@code threads}). */
    public ServerOptions withEngine(String engine) {
        return new ServerOptions(host, port, apiKey, parallel, maxQueued, maxBodyBytes, modelId, engine);
    }
}
