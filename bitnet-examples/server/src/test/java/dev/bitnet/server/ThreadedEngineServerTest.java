package dev.bitnet.server;

/** {@link ServerBehaviourTest} on the {@code threads} engine (one generation per platform thread). */
class ThreadedEngineServerTest extends ServerBehaviourTest {
}
