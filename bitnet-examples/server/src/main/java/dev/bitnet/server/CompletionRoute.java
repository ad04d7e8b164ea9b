package dev.bitnet.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import dev.bitnet.BitNetModel;
import dev.bitnet.FinishReason;
import dev.bitnet.Generation;
import dev.bitnet.GenerationListener;
import dev.bitnet.GenerationOptions;
import dev.bitnet.structured.ToolCallFormat;
import dev.bitnet.structured.ToolReply;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /v1/chat/completions} and {@code POST /v1/completions}: parse, encode the prompt, run it on the
 * engine, answer as one JSON object or as server-sent events. A streaming client that goes away is noticed
 * at the next write (a token, or a keep-alive comment every {@value #PING_SECONDS} s) and its generation is
 * cancelled, which frees its slot.
 *
 * <p>With tools ({@link CompletionRequest#tools()}) the reply is a constrained JSON object that is read once it
 * is complete: a call becomes {@code tool_calls} (finish reason {@code tool_calls}), an answer the content. A
 * stream then carries no token deltas, only keep-alive comments while generating, and then the call or the
 * answer in one chunk.
 */
final class CompletionRoute {
    private static final Logger LOG = LoggerFactory.getLogger(CompletionRoute.class);
    static final int PING_SECONDS = 10;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PING = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerState state;

    CompletionRoute(ServerState state) {
        this.state = state;
    }

    void handle(HttpExchange ex, CompletionRequest.Kind kind) throws IOException {
        byte[] body = Exchanges.readBody(ex, state.options().maxBodyBytes());
        CompletionRequest request = kind == CompletionRequest.Kind.CHAT
                ? state.parser().parseChat(body) : state.parser().parseCompletion(body);
        BitNetModel model = state.model();
        int[] prompt = encode(model, request);
        int context = model.contextLength();
        if (prompt.length > context) {
            throw new ApiException(400, "invalid_request_error", kind == CompletionRequest.Kind.CHAT ? "messages" : "prompt",
                    "context_length_exceeded", "the prompt has " + prompt.length + " tokens; this model's context holds "
                    + context + (request.tools() == null ? "" : " (the prompt includes the tools' instructions, "
                    + request.tools().instructions().length() + " characters)"));
        }
        GenerationOptions options = request.options();
        int room = Math.max(1, context - prompt.length);
        if (options.maxTokens() > room) {
            options = options.toBuilder().maxTokens(room).build();
        }
        if (kind == CompletionRequest.Kind.CHAT) {
            // the chat template's end-of-turn tokens stop a chat answer, as BitNetModel.chat does
            options = model.chatOptions(options);
        }
        String id = (kind == CompletionRequest.Kind.CHAT ? "chatcmpl-" : "cmpl-") + randomId();
        long created = System.currentTimeMillis() / 1000;
        Response response = new Response(kind, id, created, state.modelId(), request.tools() != null);

        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        GenerationListener listener = new GenerationListener() {
            @Override
            public void onToken(String text) {
                // with tools the raw JSON is not the answer: the stream gets the reply read when it is complete
                if (request.stream() && request.tools() == null && !text.isEmpty()) {
                    events.add(text);
                }
            }

            @Override
            public void onComplete(Generation generation) {
                // counted here, not where the answer is written: a client that hung up is never written to
                state.metrics().generation(generation.usage().promptTokens(), generation.usage().generatedTokens(),
                        generation.finishReason() == FinishReason.CANCELLED);
                events.add(generation);
            }

            @Override
            public void onError(Throwable error) {
                events.add(error);
            }
        };
        CompletionEngine.Handle handle;
        try {
            handle = state.engine().submit(prompt, options, listener);
        } catch (CompletionEngine.EngineBusyException e) {
            throw new ApiException(429, "rate_limit_error", null, "server_busy", "the server is busy: " + e.getMessage()
                    + "; retry later");
        } catch (IllegalStateException e) {
            throw new ApiException(503, "unavailable_error", null, "shutting_down", "the server is shutting down");
        } catch (IllegalArgumentException e) {
            // options the engine finds do not fit the model (the parser checks what it can)
            throw ApiException.invalid(null, e.getMessage());
        }
        state.track(handle);
        try {
            if (request.stream()) {
                stream(ex, request, response, events, handle);
            } else {
                Generation g = await(handle);
                Exchanges.sendJson(ex, 200, response.complete(g, reply(request, g)));
            }
        } finally {
            state.untrack(handle);
            handle.cancel();
        }
    }

    private static Generation await(CompletionEngine.Handle handle) throws IOException {
        try {
            return handle.result().get();
        } catch (InterruptedException e) {
            handle.cancel();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while generating", e);
        } catch (ExecutionException e) {
            throw generationFailed(e.getCause());
        }
    }

    private static ApiException generationFailed(Throwable cause) {
        LOG.warn("generation failed", cause);
        if (cause instanceof IllegalArgumentException) {
            return ApiException.invalid(null, cause.getMessage());
        }
        return new ApiException(500, "server_error", null, null, "generation failed: " + cause);
    }

    private void stream(HttpExchange ex, CompletionRequest request, Response response, BlockingQueue<Object> events,
                        CompletionEngine.Handle handle) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.getResponseHeaders().set("X-Accel-Buffering", "no");
        ex.sendResponseHeaders(200, 0);
        state.metrics().streamOpened();
        try (OutputStream out = ex.getResponseBody()) {
            if (response.kind == CompletionRequest.Kind.CHAT) {
                event(out, response.roleChunk());
            }
            while (true) {
                Object e;
                try {
                    e = events.poll(PING_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while streaming", ie);
                }
                if (e == null) {
                    out.write(PING);
                    out.flush();
                } else if (e instanceof String text) {
                    event(out, response.contentChunk(text));
                } else if (e instanceof Generation g) {
                    ToolReply reply = reply(request, g);
                    if (reply instanceof ToolReply.Call call) {
                        event(out, response.toolCallChunk(call));
                    } else if (reply instanceof ToolReply.Text t && !t.text().isEmpty()) {
                        event(out, response.contentChunk(t.text()));
                    }
                    event(out, response.finalChunk(g, reply));
                    if (request.includeUsage()) {
                        event(out, response.usageChunk(g));
                    }
                    out.write(DONE);
                    out.flush();
                    return;
                } else if (e instanceof Throwable t) {
                    ApiException error = generationFailed(t);
                    event(out, Exchanges.errorBody(error));
                    out.write(DONE);
                    out.flush();
                    return;
                }
            }
        } catch (IOException clientGone) {
            // the client closed the connection: stop generating for it
            handle.cancel();
            LOG.debug("stream {} ended by the client: {}", response.id, clientGone.toString());
            throw clientGone;
        } finally {
            state.metrics().streamClosed();
        }
    }

    private static void event(OutputStream out, byte[] json) throws IOException {
        out.write("data: ".getBytes(StandardCharsets.US_ASCII));
        out.write(json);
        out.write('\n');
        out.write('\n');
        out.flush();
    }

    /** What a reply under tools says (null without tools). */
    private static @Nullable ToolReply reply(CompletionRequest request, Generation g) {
        return request.tools() == null ? null : ToolCallFormat.parse(g.text());
    }

    private static int[] encode(BitNetModel model, CompletionRequest request) {
        int[] ids = request.promptIds();
        if (ids != null) {
            return ids;
        }
        if (!model.hasTokenizer()) {
            throw ApiException.invalid(request.kind() == CompletionRequest.Kind.CHAT ? "messages" : "prompt",
                    "this model has no tokenizer: send the prompt as token ids to /v1/completions");
        }
        int[] encoded = request.kind() == CompletionRequest.Kind.CHAT
                ? model.encodeChat(request.messages())
                : model.encode(request.prompt());
        if (encoded.length == 0) {
            throw ApiException.invalid("prompt", "the prompt is empty (no tokens); give some text");
        }
        return encoded;
    }

    private static String randomId() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** OpenAI finish_reason: "stop" or "length". A cancelled generation (server shutdown) ends as "stop". */
    static String finishReason(FinishReason reason) {
        return reason == FinishReason.MAX_TOKENS ? "length" : "stop";
    }

    /** The finish_reason of a reply: "tool_calls" for a tool call, else as {@link #finishReason(FinishReason)}. */
    static String finishReason(Generation g, @Nullable ToolReply reply) {
        return reply instanceof ToolReply.Call ? "tool_calls" : finishReason(g.finishReason());
    }

    /**
     * Writes the response objects and chunks of one request.
     *
     * @param tools whether the request has tools (a stream's first delta then has no content yet: null)
     */
    private record Response(CompletionRequest.Kind kind, String id, long created, String model, boolean tools) {
        private boolean chat() {
            return kind == CompletionRequest.Kind.CHAT;
        }

        private void head(JsonGenerator g, boolean chunk) throws IOException {
            g.writeStringField("id", id);
            g.writeStringField("object", chat() ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion");
            g.writeNumberField("created", created);
            g.writeStringField("model", model);
            g.writeNullField("system_fingerprint");
        }

        private static void usage(JsonGenerator g, Generation gen) throws IOException {
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", gen.usage().promptTokens());
            g.writeNumberField("completion_tokens", gen.usage().generatedTokens());
            g.writeNumberField("total_tokens", gen.usage().totalTokens());
            g.writeEndObject();
        }

        private static void toolCalls(JsonGenerator g, ToolReply.Call call, boolean delta) throws IOException {
            g.writeArrayFieldStart("tool_calls");
            g.writeStartObject();
            if (delta) {
                g.writeNumberField("index", 0);
            }
            g.writeStringField("id", "call_" + randomId());
            g.writeStringField("type", "function");
            g.writeObjectFieldStart("function");
            g.writeStringField("name", call.name());
            g.writeStringField("arguments", call.arguments());
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndArray();
        }

        byte[] complete(Generation gen, @Nullable ToolReply reply) {
            return Exchanges.json(g -> {
                g.writeStartObject();
                head(g, false);
                g.writeArrayFieldStart("choices");
                g.writeStartObject();
                g.writeNumberField("index", 0);
                if (chat()) {
                    g.writeObjectFieldStart("message");
                    g.writeStringField("role", "assistant");
                    if (reply instanceof ToolReply.Call call) {
                        g.writeNullField("content");
                        g.writeNullField("refusal");
                        toolCalls(g, call, false);
                    } else {
                        g.writeStringField("content", reply instanceof ToolReply.Text t ? t.text() : gen.text());
                        g.writeNullField("refusal");
                    }
                    g.writeEndObject();
                } else {
                    g.writeStringField("text", gen.text());
                }
                g.writeNullField("logprobs");
                g.writeStringField("finish_reason", finishReason(gen, reply));
                g.writeEndObject();
                g.writeEndArray();
                usage(g, gen);
                g.writeEndObject();
            });
        }

        private byte[] chunk(@Nullable String roleOrNull, @Nullable String textOrNull, ToolReply.@Nullable Call call,
                             @Nullable String finishOrNull) {
            return Exchanges.json(g -> {
                g.writeStartObject();
                head(g, true);
                g.writeArrayFieldStart("choices");
                g.writeStartObject();
                g.writeNumberField("index", 0);
                if (chat()) {
                    g.writeObjectFieldStart("delta");
                    if (roleOrNull != null) {
                        g.writeStringField("role", roleOrNull);
                        if (tools) {
                            g.writeNullField("content"); // a call or an answer: not known until the reply is complete
                        } else {
                            g.writeStringField("content", "");
                        }
                    }
                    if (textOrNull != null) {
                        g.writeStringField("content", textOrNull);
                    }
                    if (call != null) {
                        toolCalls(g, call, true);
                    }
                    g.writeEndObject();
                } else {
                    g.writeStringField("text", textOrNull == null ? "" : textOrNull);
                }
                g.writeNullField("logprobs");
                if (finishOrNull == null) {
                    g.writeNullField("finish_reason");
                } else {
                    g.writeStringField("finish_reason", finishOrNull);
                }
                g.writeEndObject();
                g.writeEndArray();
                g.writeEndObject();
            });
        }

        byte[] roleChunk() {
            return chunk("assistant", null, null, null);
        }

        byte[] contentChunk(String text) {
            return chunk(null, text, null, null);
        }

        byte[] toolCallChunk(ToolReply.Call call) {
            return chunk(null, null, call, null);
        }

        byte[] finalChunk(Generation gen, @Nullable ToolReply reply) {
            return chunk(null, null, null, finishReason(gen, reply));
        }

        byte[] usageChunk(Generation gen) {
            return Exchanges.json(g -> {
                g.writeStartObject();
                head(g, true);
                g.writeArrayFieldStart("choices");
                g.writeEndArray();
                usage(g, gen);
                g.writeEndObject();
            });
        }
    }
}
