package dev.bitnet.langchain4j;

import dev.bitnet.Generation;
import dev.bitnet.TokenStream;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * One streamed reply: pulls text from a {@link TokenStream} and hands it to the user's handler, and is the
 * {@link StreamingHandle} that cancels it. Partial responses are delivered while holding this object's lock
 * and {@link #cancel()} takes the same lock, so once {@code cancel()} returns no partial response follows.
 */
final class StreamingRun implements StreamingHandle {
    private static final Logger LOG = LoggerFactory.getLogger(StreamingRun.class);

    private final ChatEngine engine;
    private final ChatEngine.Prepared prepared;
    private final StreamingChatResponseHandler handler;
    private final PartialResponseContext context = new PartialResponseContext(this);
    private volatile boolean cancelled;
    private volatile TokenStream stream;

    StreamingRun(ChatEngine engine, ChatEngine.Prepared prepared, StreamingChatResponseHandler handler) {
        this.engine = engine;
        this.prepared = prepared;
        this.handler = handler;
    }

    void run() {
        // a reply under tool calling is JSON for this provider to read, not text for the user: it is delivered
        // once complete, as a tool call or as the answer's text
        boolean partials = prepared.tools() == null;
        try (TokenStream tokens = engine.stream(prepared)) {
            stream = tokens;
            while (!cancelled && tokens.hasNext()) {
                String piece = tokens.next();
                if (partials) {
                    synchronized (this) {
                        if (cancelled) {
                            break;
                        }
                        deliver(piece);
                    }
                }
            }
            if (cancelled) {
                return;
            }
            Generation result = tokens.result();
            ChatResponse response = engine.response(result, prepared);
            synchronized (this) {
                if (cancelled) {
                    return;
                }
                if (!partials) {
                    deliverWhole(response.aiMessage());
                }
            }
            try {
                handler.onCompleteResponse(response);
            } catch (RuntimeException e) {
                error(e);
            }
        } catch (RuntimeException | Error e) {
            if (!cancelled) {
                error(e);
            }
        }
    }

    private void deliver(String piece) {
        try {
            handler.onPartialResponse(new PartialResponse(piece), context);
        } catch (RuntimeException e) {
            // the user's code failed, not the generation: report it and carry on
            error(e);
        }
    }

    /** A tool-calling reply: each tool call through {@code onCompleteToolCall}, or the answer as one partial. */
    private void deliverWhole(AiMessage message) {
        try {
            if (message.hasToolExecutionRequests()) {
                List<ToolExecutionRequest> calls = message.toolExecutionRequests();
                for (int i = 0; i < calls.size(); i++) {
                    handler.onCompleteToolCall(new CompleteToolCall(i, calls.get(i)));
                }
            } else if (message.text() != null && !message.text().isEmpty()) {
                handler.onPartialResponse(new PartialResponse(message.text()), context);
            }
        } catch (RuntimeException e) {
            error(e);
        }
    }

    private void error(Throwable e) {
        try {
            handler.onError(e);
        } catch (RuntimeException ignored) {
            LOG.debug("the streaming handler's onError threw; ignored", ignored);
        }
    }

    @Override
    public void cancel() {
        synchronized (this) {
            cancelled = true;
        }
        TokenStream s = stream;
        if (s != null) {
            s.cancel();
        }
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }
}
