package dev.bitnet.structured;

import java.util.Objects;

/**
 * What a reply generated under a {@link ToolCallFormat} says: a call of one tool, or text for the user.
 */
public sealed interface ToolReply {
    /**
     * A call.
     *
     * @param name      the tool, one of those offered
     * @param arguments its arguments as compact JSON text, valid against the tool's parameter schema
     */
    record Call(String name, String arguments) implements ToolReply {
        public Call {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(arguments, "arguments");
        }
    }

    /**
     * Text for the user: the answer (complete, or as far as it got when the token limit cut it off), or the raw
     * reply when the limit cut off a call (half a call is no call; the finish reason says why).
     *
     * @param text the text
     */
    record Text(String text) implements ToolReply {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }
}
