package dev.bitnet.chat;

import java.util.List;
import java.util.Objects;

/**
 * The prompt bitnet.cpp builds in conversation mode ({@code llama-cli -cnv}) with its built-in "bitnet"
 * formatter, for output that matches bitnet.cpp token for token:
 * <ul>
 *   <li>system: {@code "System: " + content} (no end-of-turn);</li>
 *   <li>user: {@code "User: " + content + "<|eot_id|>Assistant: "};</li>
 *   <li>assistant: {@code content} (no end-of-turn).</li>
 * </ul>
 * Content is used as is (not stripped), and the rendering starts with BOS as bitnet.cpp adds it. Example
 * (bitnet.cpp issue #267): {@code System: You are a helpful assistantUser: Hello<|eot_id|>Assistant: Hi
 * thereUser: How are you?<|eot_id|>Assistant: }. Because the formatter opens the assistant turn after every user
 * message, {@code addGenerationPrompt} has no effect here.
 */
public final class BitNetCppChatTemplate implements ChatTemplate {
    /** This template's name: {@value}. */
    public static final String NAME = "bitnet-cpp";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder(BEGIN_OF_TEXT);
        for (ChatMessage m : Objects.requireNonNull(messages, "messages")) {
            switch (m.role()) {
                case SYSTEM -> out.append("System: ").append(m.content());
                case USER -> out.append("User: ").append(m.content()).append(END_OF_TURN).append("Assistant: ");
                case ASSISTANT -> out.append(m.content());
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return NAME;
    }
}
