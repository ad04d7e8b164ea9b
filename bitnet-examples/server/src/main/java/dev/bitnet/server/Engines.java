package dev.bitnet.server;

import dev.bitnet.BitNetModel;

/** Picks the {@link CompletionEngine} a server runs on. */
final class Engines {
    private Engines() {
    }

    /**
     * {@code threads}: {@link ThreadedEngine}. {@code batch}: core's continuous-batching scheduler when this
     * build has it, else {@link ThreadedEngine}.
     */
    static CompletionEngine create(ServerOptions options, BitNetModel model) {
        return new ThreadedEngine(model, options.parallel(), options.maxQueued());
    }
}
