package dev.bitnet.chat;

import java.util.Objects;

/**
 * One turn of a conversation.
 *
 * @param role    who speaks
 * @param content what is said, as plain text
 */
public record ChatMessage(Role role, String content) {
    /** Who speaks in a turn. */
    public enum Role {
        /** Instructions that frame the conversation. */
        SYSTEM,
        /** The person talking to the model. */
        USER,
        /** The model. */
        ASSISTANT
    }

    /** @throws NullPointerException if role or content is null */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    /** A system message. */
    public static ChatMessage system(String content) {
        return new ChatMessage(Role.SYSTEM, content);
    }

    /** A user message. */
    public static ChatMessage user(String content) {
        return new ChatMessage(Role.USER, content);
    }

    /** An assistant message. */
    public static ChatMessage assistant(String content) {
        return new ChatMessage(Role.ASSISTANT, content);
    }
}
