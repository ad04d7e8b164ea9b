package dev.bitnet.chat;

import java.util.List;
import java.util.Objects;

/**
 * The chat template of the Hugging Face model {@code microsoft/bitnet-b1.58-2B-4T} ({@code tokenizer_config.json}),
 * with the BOS that its model card puts first:
 * <pre>
 * &lt;|begin_of_text|&gt;System: {content}&lt;|eot_id|&gt;User: {content}&lt;|eot_id|&gt;Assistant: {content}&lt;|eot_id|&gt;...
 * </pre>
 * Each message is its role capitalized, {@code ": "}, its content stripped of surrounding whitespace (as Python's
 * {@code str.strip()}, which the Jinja {@code trim} filter uses) and {@code <|eot_id|>}. The generation prompt is
 * {@code "Assistant: "}. This is the library's default template.
 */
public final class HuggingFaceChatTemplate implements ChatTemplate {
    /** This template's name: {@value}. */
    public static final String NAME = "hf";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder(BEGIN_OF_TEXT);
        for (ChatMessage m : Objects.requireNonNull(messages, "messages")) {
            out.append(switch (m.role()) {
                case SYSTEM -> "System: ";
                case USER -> "User: ";
                case ASSISTANT -> "Assistant: ";
            });
            out.append(pythonStrip(m.content())).append(END_OF_TURN);
        }
        if (addGenerationPrompt) {
            out.append("Assistant: ");
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return NAME;
    }

    /** Removes leading and trailing characters that Python's {@code str.isspace()} calls whitespace. */
    static String pythonStrip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isPythonSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isPythonSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isPythonSpace(char c) {
        // Python counts the no-break spaces (Zs) and U+0085 as whitespace; Java's isWhitespace does not.
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
    }
}
