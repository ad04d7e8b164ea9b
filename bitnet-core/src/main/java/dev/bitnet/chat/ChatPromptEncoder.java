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
        boolean[] content = contentMask(template, rendered, messages, addGenerationPrompt);
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

    /**
     * Marks the characters of the rendering that came from message contents. Searching for the content
     * text is not enough: it can also occur in the markup before it (a message {@code "<|eot_id|>"}
     * after an empty one), and templates strip it by rules of their own. So the conversation is
     * rendered again with each content replaced by a placeholder that no markup contains: the
     * placeholders' positions give where the contents start, and rendering with one content swapped
     * at a time gives each content's rendered length.
     */
    private static boolean[] contentMask(ChatTemplate template, String rendered, List<ChatMessage> messages,
                                         boolean addGenerationPrompt) {
        boolean[] mask = new boolean[rendered.length()];
        int n = messages.size();
        List<ChatMessage> placeholders = new ArrayList<>(messages);
        int[] lengths = new int[n];
        boolean[] swapped = new boolean[n];
        for (int i = 0; i < n; i++) {
            ChatMessage m = messages.get(i);
            if (m.content().isEmpty()) {
                continue;
            }
            String p = placeholder(i);
            List<ChatMessage> one = new ArrayList<>(messages);
            one.set(i, new ChatMessage(m.role(), p));
            // the content's rendered length: how much longer the real rendering is than with the placeholder
            lengths[i] = rendered.length() - template.render(one, addGenerationPrompt).length() + p.length();
            placeholders.set(i, new ChatMessage(m.role(), p));
            swapped[i] = true;
        }
        String marked = template.render(placeholders, addGenerationPrompt);
        int shift = 0;
        int searchFrom = 0;
        for (int i = 0; i < n; i++) {
            if (!swapped[i]) {
                continue;
            }
            String p = placeholder(i);
            int at = marked.indexOf(p, searchFrom);
            if (at < 0 || lengths[i] < 0) {
                continue; // the template does not show this message's content
            }
            int start = at + shift;
            int end = Math.min(rendered.length(), start + lengths[i]);
            for (int k = Math.max(0, start); k < end; k++) {
                mask[k] = true;
            }
            shift += lengths[i] - p.length();
            searchFrom = at + p.length();
        }
        return mask;
    }

    /** Text no template markup contains (private-use characters) naming message {@code i}. */
    private static String placeholder(int i) {
        return "\uE000" + i + "\uE001";
    }
}
