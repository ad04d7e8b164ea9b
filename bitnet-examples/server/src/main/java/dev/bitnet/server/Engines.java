package dev.bitnet.server;

import dev.bitnet.BitNetModel;

/** Picks the {@link CompletionEngine} a server runs on. */
final class Engines {
    private Engines() {
    }

    /** {@code batch}: {@link BatchEngine} (continuous batching). {@code threads}: {@link ThreadedEngine}. */
    static CompletionEngine create(ServerOptions options, BitNetModel model) {
        return switch (options.engine()) {
            case "threads" -> new ThreadedEngine(model, options.parallel(), options.maxQueued());
            default -> new BatchEngine(model, options.parallel(), options.maxQueued());
        };
    }
}
