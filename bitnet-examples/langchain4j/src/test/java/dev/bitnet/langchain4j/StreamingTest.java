package dev.bitnet.langchain4j;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.langchain4j.model.output.FinishReason;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Streaming on the demo model: cancellation, exceptions from the user's handler, and the reply itself. */
class StreamingTest {
    private static final ChatRequest STORY = ChatRequest.builder()
            .messages(UserMessage.from("Tell me a long story about animals"))
            .parameters(BitNetChatRequestParameters.builder().seed(3L).maxOutputTokens(60)
                    .logitBias(DemoDefaults.NO_END).build())
            .build();

    private final BitNetStreamingChatModel model = BitNetStreamingChatModel.builder().model(TestModels.demo()).build();

    /** Records every callback; {@link #done} opens on complete, error-after-cancel never comes. */
    private static class Recorder implements StreamingChatResponseHandler {
        final List<String> partials = new CopyOnWriteArrayList<>();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final CompletableFuture<ChatResponse> complete = new CompletableFuture<>();
        final AtomicReference<Thread> thread = new AtomicReference<>();

        @Override
        public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
            thread.set(Thread.currentThread());
            partials.add(partial.text());
            afterPartial(context.streamingHandle());
        }

        void afterPartial(StreamingHandle handle) {
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
            complete.complete(response);
        }

        @Override
        public void onError(Throwable error) {
            errors.add(error);
        }
    }

    @Test
    void aJsonSchemaResponseFormatStreamsAValidValue() throws Exception {
        ChatRequest request = ChatRequest.builder()
                .messages(UserMessage.from("A person as JSON"))
                .parameters(BitNetChatRequestParameters.builder().seed(4L).maxOutputTokens(200)
                        .responseFormat(ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(JsonSchema.builder()
                                .name("Person").rootElement(JsonObjectSchema.builder().addIntegerProperty("age")
                                        .addProperty("kind", JsonEnumSchema.builder().enumValues("cat", "dog").build())
                                        .required("age", "kind").additionalProperties(false).build()).build()).build())
                        .build())
                .build();
        Recorder r = new Recorder();
        model.chat(request, r);
        ChatResponse streamed = r.complete.get(60, TimeUnit.SECONDS);
        assertThat(streamed.finishReason()).isEqualTo(FinishReason.STOP);
        String text = String.join("", r.partials);
        assertThat(text).isEqualTo(streamed.aiMessage().text())
                .matches("(?s)\\{\\s*\"age\"\\s*:\\s*-?\\d+\\s*,\\s*\"kind\"\\s*:\\s*\"(cat|dog)\"\\s*}");
    }

    @Test
    void streamsTheSameReplyAsTheBlockingModelOnAnotherThread() throws Exception {
        Recorder r = new Recorder();
        model.chat(STORY, r);
        ChatResponse streamed = r.complete.get(60, TimeUnit.SECONDS);
        ChatResponse blocking = BitNetChatModel.builder().model(TestModels.demo()).build().chat(STORY);

        assertThat(String.join("", r.partials)).isEqualTo(streamed.aiMessage().text()).isEqualTo(blocking.aiMessage().text());
        assertThat(streamed.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(streamed.tokenUsage()).isEqualTo(blocking.tokenUsage());
        assertThat(streamed.tokenUsage().outputTokenCount()).isEqualTo(60);
        assertThat(streamed.id()).isNotBlank().isNotEqualTo(blocking.id());
        assertThat(streamed.modelName()).isEqualTo(model.modelName()).endsWith(".gguf");
        assertThat(r.thread.get()).isNotEqualTo(Thread.currentThread());
        assertThat(r.errors).isEmpty();
    }

    @Test
    void cancelStopsPartialsAndTheCompleteResponseAndIsIdempotent() throws Exception {
        CountDownLatch cancelled = new CountDownLatch(1);
        AtomicReference<StreamingHandle> handle = new AtomicReference<>();
        Recorder r = new Recorder() {
            @Override
            void afterPartial(StreamingHandle h) {
                assertThat(h.isCancelled()).isFalse();
                if (partials.size() == 3) {
                    handle.set(h);
                    h.cancel();
                    cancelled.countDown();
                }
            }
        };
        model.chat(STORY, r);
        assertThat(cancelled.await(60, TimeUnit.SECONDS)).isTrue();
        // a generation of 60 tokens would long be over: nothing more may come
        Thread.sleep(300);
        assertThat(r.partials).hasSize(3);
        assertThat(r.complete).isNotDone();
        assertThat(r.errors).isEmpty();
        assertThat(handle.get().isCancelled()).isTrue();
        handle.get().cancel();
        assertThat(handle.get().isCancelled()).isTrue();
    }

    @Test
    void cancelFromAnotherThreadEndsTheStream() throws Exception {
        CountDownLatch first = new CountDownLatch(1);
        AtomicReference<StreamingHandle> handle = new AtomicReference<>();
        Recorder r = new Recorder() {
            @Override
            void afterPartial(StreamingHandle h) {
                handle.set(h);
                first.countDown();
            }
        };
        model.chat(STORY, r);
        assertThat(first.await(60, TimeUnit.SECONDS)).isTrue();
        handle.get().cancel();
        int seen = r.partials.size();
        Thread.sleep(300);
        assertThat(r.partials).hasSize(seen);
        assertThat(r.complete).isNotDone();
    }

    @Test
    void aHandlerExceptionReachesOnErrorAndGenerationGoesOn() throws Exception {
        RuntimeException boom = new RuntimeException("user code failed");
        AtomicInteger calls = new AtomicInteger();
        Recorder r = new Recorder() {
            @Override
            public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                super.onPartialResponse(partial, context);
                if (calls.incrementAndGet() % 2 == 0) {
                    throw boom;
                }
            }
        };
        model.chat(STORY, r);
        ChatResponse response = r.complete.get(60, TimeUnit.SECONDS);
        assertThat(response.tokenUsage().outputTokenCount()).isEqualTo(60);
        assertThat(r.errors).hasSize(calls.get() / 2).allMatch(e -> e == boom);

        // and the model still serves the next request
        Recorder next = new Recorder();
        model.chat(STORY, next);
        assertThat(next.complete.get(60, TimeUnit.SECONDS).aiMessage().text()).isEqualTo(response.aiMessage().text());
    }
}
