package dev.bitnet.langchain4j;

import dev.bitnet.Generation;
import dev.bitnet.TokenStream;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
        try (TokenStream tokens = engine.stream(prepared)) {
            stream = tokens;
            while (!cancelled && tokens.hasNext()) {
                String piece = tokens.next();
                synchronized (this) {
                    if (cancelled) {
                        break;
                    }
                    deliver(piece);
                }
            }
            if (cancelled) {
                return;
            }
            Generation result = tokens.result();
            ChatResponse response = engine.response(result);
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
