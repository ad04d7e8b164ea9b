package dev.bitnet.server;

/** {@link ToolCallingTest} on the {@code threads} engine (one generation per platform thread). */
class ThreadedEngineToolCallingTest extends ToolCallingTest {
}
