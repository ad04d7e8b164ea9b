package dev.bitnet.chat;

import dev.bitnet.tokenizer.EncodeOptions;
import dev.bitnet.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Tokenizes a rendered chat so that special tokens written by the template are recognised, but
 * special-token text inside a message is not: a user who types {@code <|eot_id|>} gets those
 * characters, not an end of turn.
 *
 * <p>It finds each message's content in the rendering (templates copy it verbatim, possibly
 * trimmed, in order), parses special tokens only outside those regions, and encodes the text between
 * special tokens as one piece each. For ordinary messages the ids equal those of tokenizing the
 * whole rendering with special-token parsing, which is what Hugging Face does.
 */
public final class ChatPromptEncoder {
    private ChatPromptEncoder() {
    }

    /** Renders and tokenizes; the template supplies BOS, so none is added. */
    public static int[] encode(Tokenizer tokenizer, ChatTemplate template, List<ChatMessage> messages, boolean addGenerationPrompt) {
        String rendered = template.render(messages, addGenerationPrompt);
        boolean[] content = contentMask(rendered, messages);
        List<Integer> ids = new ArrayList<>();
        int textStart = 0;
        int i = 0;
        while (i < rendered.length()) {
            int special = content[i] ? -1 : specialAt(tokenizer, rendered, i);
            if (special >= 0) {
                encodeText(tokenizer, rendered.substring(textStart, i), ids);
                ids.add(special);
                i += tokenizer.tokenText(special).length();
                textStart = i;
            } else {
                i++;
            }
        }
        encodeText(tokenizer, rendered.substring(textStart), ids);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void encodeText(Tokenizer tokenizer, String text, List<Integer> ids) {
        if (!text.isEmpty()) {
            for (int id : tokenizer.encode(text, EncodeOptions.UNTRUSTED)) {
                ids.add(id);
            }
        }
    }

    /**
     * The id of a special token whose text starts at {@code at}, or -1. Only {@code <...>} texts are
     * tried: the chat templates write their markup that way ({@code <|eot_id|>}, {@code <|begin_of_text|>}).
     * The shortest match wins, which for these names is the only one.
     */
    private static int specialAt(Tokenizer tokenizer, String s, int at) {
        if (s.charAt(at) != '<') {
            return -1;
        }
        int end = s.indexOf('>', at);
        while (end > 0 && end - at < 128) {
            var id = tokenizer.tokenId(s.substring(at, end + 1));
            if (id.isPresent() && tokenizer.isSpecial(id.getAsInt())) {
                return id.getAsInt();
            }
            end = s.indexOf('>', end + 1);
        }
        return -1;
    }

    /** Marks the characters of the rendering that came from message contents. */
    private static boolean[] contentMask(String rendered, List<ChatMessage> messages) {
        boolean[] mask = new boolean[rendered.length()];
        int from = 0;
        for (ChatMessage m : messages) {
            String c = m.content().strip();
            if (c.isEmpty()) {
                continue;
            }
            int at = rendered.indexOf(c, from);
            if (at < 0) {
                continue;
            }
            for (int k = at; k < at + c.length(); k++) {
                mask[k] = true;
            }
            from = at + c.length();
        }
        return mask;
    }
}
