package dev.bitnet.chat;

import java.util.List;

/**
 * Turns a conversation into the prompt text a model was trained on.
 *
 * <p>The rendered text contains special tokens written as text ({@value #BEGIN_OF_TEXT}, {@value #END_OF_TURN})
 * and must be tokenized with special-token parsing on. It starts with {@value #BEGIN_OF_TEXT} (BOS), so the
 * tokenizer must not add another BOS. Implementations are immutable and thread-safe.
 */
public interface ChatTemplate {
    /** The BOS token's text; every rendering starts with it. */
    String BEGIN_OF_TEXT = "<|begin_of_text|>";
    /** The end-of-turn token's text, id 128009 in BitNet b1.58 2B-4T. */
    String END_OF_TURN = "<|eot_id|>";
    /** The end-of-text (EOS) token's text, id 128001 in BitNet b1.58 2B-4T. */
    String END_OF_TEXT = "<|end_of_text|>";

    /** The name that selects this template in {@link ChatTemplates#select}. */
    String name();

    /**
     * Renders a conversation.
     *
     * @param messages            the turns so far, in order
     * @param addGenerationPrompt whether to end with the opening of an assistant turn, for the model to complete
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);

    /** Special-token texts that end an assistant turn; map them to ids and stop generating on them. */
    default List<String> stopTexts() {
        return List.of(END_OF_TURN, END_OF_TEXT);
    }
}
