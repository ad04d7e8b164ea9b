package dev.bitnet;

import dev.bitnet.chat.ChatMessage;
import dev.bitnet.chat.ChatPromptEncoder;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A multi-turn conversation with a model. It keeps the messages and one {@link Session}: each turn
 * renders the whole conversation with the model's chat template, and only the tokens the session
 * does not already hold are evaluated. Used by one thread at a time; close it to free the session.
 *
 * <pre>{@code
 * try (Chat chat = model.newChat("You are a helpful assistant.")) {
 *     System.out.println(chat.send("Hello!").text());
 *     System.out.println(chat.send("What did I just say?").text());
 * }
 * }</pre>
 */
public final class Chat implements AutoCloseable {
    private final BitNetModel model;
    private final Session session;
    private final List<ChatMessage> messages;
    private int lastPromptTokens;
    private int lastEvaluated;

    Chat(BitNetModel model, List<ChatMessage> initial) {
        this.model = model;
        model.tokenizer();
        this.messages = new ArrayList<>(initial);
        this.session = model.newSession();
    }

    /** Sends a user message and returns the assistant's reply, with {@link GenerationOptions#defaults()}. */
    public Generation send(String userMessage) {
        return send(userMessage, GenerationOptions.defaults(), GenerationListener.NONE);
    }

    public Generation send(String userMessage, GenerationOptions options) {
        return send(userMessage, options, GenerationListener.NONE);
    }

    /**
     * Sends a user message and generates the reply, which is added to the conversation. If generation
     * fails, the user message is removed again.
     */
    public Generation send(String userMessage, GenerationOptions options, GenerationListener listener) {
        Objects.requireNonNull(userMessage, "userMessage");
        messages.add(ChatMessage.user(userMessage));
        try {
            int[] prompt = ChatPromptEncoder.encode(model.tokenizer(), model.chatTemplate(), messages, true);
            GenerationRun run = model.runToEnd(session, prompt, model.chatOptions(options), listener);
            Generation g = run.result();
            lastPromptTokens = prompt.length;
            lastEvaluated = run.promptEvaluated();
            messages.add(ChatMessage.assistant(g.text()));
            return g;
        } catch (RuntimeException | Error e) {
            messages.removeLast();
            throw e;
        }
    }

    /** The conversation so far (a copy). */
    public List<ChatMessage> messages() {
        return List.copyOf(messages);
    }

    /** Tokens of the last turn's rendered prompt. */
    public int lastPromptTokens() {
        return lastPromptTokens;
    }

    /** Prompt tokens the last turn actually evaluated; the rest came from the KV cache. */
    public int lastPromptTokensEvaluated() {
        return lastEvaluated;
    }

    /** The session holding the conversation's KV cache. */
    public Session session() {
        return session;
    }

    /** Releases the conversation's session. Idempotent. */
    @Override
    public void close() {
        session.close();
    }
}
