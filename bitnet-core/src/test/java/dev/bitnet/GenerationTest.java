package dev.bitnet;

import dev.bitnet.chat.ChatMessage;
import dev.bitnet.chat.ChatPromptEncoder;
import dev.bitnet.chat.ChatTemplates;
import dev.bitnet.sampling.Sampler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The generation API on a real (tiny, random) model with a byte-level BPE vocabulary. */
class GenerationTest {
    private static final int[] PROMPT = {508, 92, 190, 83, 176, 161, 318, 117, 246, 123, 316, 255, 423, 32, 140, 183, 57, 96, 104, 245, 401, 427, 169, 415};
    private static BitNetModel model;

    @BeforeAll
    static void load() {
        model = BitNetModel.load(Fixtures.file("tiny-a/gguf/tiny-a-i2_s.gguf"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static GenerationOptions sampled(long seed) {
        return GenerationOptions.builder().temperature(0.9).topK(40).topP(0.95).minP(0.02).maxTokens(20).seed(seed).build();
    }

    @Test
    void greedyGenerationMatchesTheReferenceAndStopsAtEos() {
        Generation g = model.generate(PROMPT, GenerationOptions.greedy().toBuilder().maxTokens(24).build(), GenerationListener.NONE);
        // transformers' greedy continuation; 509 is EOS, where generation stops
        assertThat(g.tokenIds()).containsExactly(436, 300, 419, 234, 391, 101, 309, 423, 101, 309, 309, 309, 419, 426, 426, 426,
                426, 101, 426, 101, 113, 509);
        assertThat(g.finishReason()).isEqualTo(FinishReason.STOP_TOKEN);
        assertThat(g.usage()).isEqualTo(new Usage(24, 22));
        assertThat(g.text()).isEqualTo(model.tokenizer().decode(java.util.Arrays.copyOf(g.tokenIds(), 21)));
    }

    @Test
    void theSameSeedGivesTheSameOutputAndOtherSeedsDiffer() {
        Generation a = model.generate(PROMPT, sampled(7), GenerationListener.NONE);
        Generation b = model.generate(PROMPT, sampled(7), GenerationListener.NONE);
        assertThat(b.tokenIds()).containsExactly(a.tokenIds());
        boolean anyDiffers = false;
        for (long seed = 8; seed < 12 && !anyDiffers; seed++) {
            anyDiffers = !java.util.Arrays.equals(model.generate(PROMPT, sampled(seed), GenerationListener.NONE).tokenIds(), a.tokenIds());
        }
        assertThat(anyDiffers).as("some other seed gives another continuation").isTrue();
    }

    @Test
    void maxTokensEndsWithLength() {
        GenerationOptions five = sampled(3).toBuilder().maxTokens(5).logitBias(509, Double.NEGATIVE_INFINITY).build();
        Generation g = model.generate(PROMPT, five, GenerationListener.NONE);
        assertThat(g.tokenIds()).hasSize(5);
        assertThat(g.finishReason()).isEqualTo(FinishReason.MAX_TOKENS);
        assertThat(g.usage().generatedTokens()).isEqualTo(5);
    }

    @Test
    void streamingListenerAndPullStreamEqualTheBlockingResult() {
        Generation blocking = model.generate(PROMPT, sampled(11), GenerationListener.NONE);
        StringBuilder streamed = new StringBuilder();
        List<Integer> ids = new ArrayList<>();
        Generation[] completed = new Generation[1];
        model.generate(PROMPT, sampled(11), new GenerationListener() {
            @Override
            public void onToken(String text) {
                streamed.append(text);
            }

            @Override
            public void onTokenId(int id) {
                ids.add(id);
            }

            @Override
            public void onComplete(Generation g) {
                completed[0] = g;
            }
        });
        assertThat(streamed.toString()).isEqualTo(blocking.text());
        assertThat(ids).containsExactly(java.util.Arrays.stream(blocking.tokenIds()).boxed().toArray(Integer[]::new));
        assertThat(completed[0].tokenIds()).containsExactly(blocking.tokenIds());

        StringBuilder pulled = new StringBuilder();
        try (TokenStream stream = model.stream(PROMPT, sampled(11))) {
            stream.forEachRemaining(pulled::append);
            assertThat(stream.result().tokenIds()).containsExactly(blocking.tokenIds());
        }
        assertThat(pulled.toString()).isEqualTo(blocking.text());
    }

    @Test
    void cancellationStopsWithinOneToken() {
        GenerationOptions long_ = GenerationOptions.greedy().toBuilder().maxTokens(200).stopTokenIds().build();
        try (TokenStream stream = model.stream(new int[] {508, 1, 2, 3}, long_.toBuilder().logitBias(509, Double.NEGATIVE_INFINITY).build())) {
            int before = 0;
            while (before < 3 && stream.hasNext()) {
                stream.next();
                before++;
            }
            stream.cancel();
            Generation g = stream.result();
            assertThat(g.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(g.tokenIds().length).isLessThanOrEqualTo(before + 2);
        }
        AtomicInteger seen = new AtomicInteger();
        TokenStream[] holder = new TokenStream[1];
        try (TokenStream stream = model.stream(new int[] {508, 1, 2, 3}, long_.toBuilder().logitBias(509, Double.NEGATIVE_INFINITY).build())) {
            holder[0] = stream;
            stream.forEachRemaining(piece -> {
                if (seen.incrementAndGet() == 2) {
                    holder[0].cancel();
                }
            });
            assertThat(stream.result().finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(seen.get()).isEqualTo(2);
        }
    }

    @Test
    void stopStringsSplitAcrossTokensEndTheTextBeforeThem() {
        Generation free = model.generate(PROMPT, sampled(5).toBuilder().stopTokenIds().maxTokens(30).build(), GenerationListener.NONE);
        String text = free.text();
        assertThat(text.length()).isGreaterThan(6);
        // a stop string made of the end of one token's text and the start of later ones
        String stop = text.substring(2, 6);
        Generation stopped = model.generate(PROMPT, sampled(5).toBuilder().stopTokenIds().maxTokens(30).stopStrings(stop).build(),
                GenerationListener.NONE);
        assertThat(stopped.finishReason()).isEqualTo(FinishReason.STOP_STRING);
        assertThat(stopped.text()).isEqualTo(text.substring(0, text.indexOf(stop))).doesNotContain(stop);
    }

    @Test
    void aLogitBiasOfMinusInfinityNeverEmitsThatToken() {
        for (long seed = 0; seed < 5; seed++) {
            Generation free = model.generate(PROMPT, sampled(seed), GenerationListener.NONE);
            int banned = free.tokenIds()[0];
            Generation g = model.generate(PROMPT, sampled(seed).toBuilder().logitBias(banned, Double.NEGATIVE_INFINITY).build(),
                    GenerationListener.NONE);
            assertThat(g.tokenIds()).doesNotContain(banned);
        }
    }

    @Test
    void eightConcurrentSeededGenerationsEqualTheirSequentialRuns() throws Exception {
        List<Generation> sequential = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            sequential.add(model.generate(PROMPT, sampled(100 + i), GenerationListener.NONE));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Generation>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                long seed = 100 + i;
                futures.add(pool.submit(() -> model.generate(PROMPT, sampled(seed), GenerationListener.NONE)));
            }
            for (int i = 0; i < 8; i++) {
                Generation g = futures.get(i).get();
                assertThat(g.tokenIds()).as("generation %d", i).containsExactly(sequential.get(i).tokenIds());
                assertThat(g.text()).isEqualTo(sequential.get(i).text());
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aCustomSamplingLoopIsAFewLines() {
        Generation reference = model.generate(PROMPT, GenerationOptions.greedy().toBuilder().maxTokens(8).stopTokenIds().build(),
                GenerationListener.NONE);
        Sampler sampler = Sampler.greedy();
        List<Integer> ids = new ArrayList<>();
        try (Session s = model.newSession()) {
            float[] logits = s.append(PROMPT);
            for (int i = 0; i < 8; i++) {
                int next = sampler.sample(logits);
                ids.add(next);
                logits = s.append(next);
            }
        }
        assertThat(ids.stream().limit(reference.tokenIds().length).mapToInt(Integer::intValue).toArray())
                .containsExactly(reference.tokenIds());
    }

    @Test
    void theSecondChatTurnEvaluatesOnlyTheNewTokens() {
        GenerationOptions opts = GenerationOptions.greedy().toBuilder().maxTokens(6).build();
        try (Chat chat = model.newChat("Be brief.")) {
            chat.send("Hello there", opts);
            int firstPrompt = chat.lastPromptTokens();
            assertThat(chat.lastPromptTokensEvaluated()).isEqualTo(firstPrompt);
            chat.send("And again", opts);
            int secondPrompt = chat.lastPromptTokens();
            assertThat(secondPrompt).isGreaterThan(firstPrompt);
            // the conversation so far came from the KV cache: only the tail of the reply's rendering
            // (whose tokenization may differ from the sampled ids) and the new turn were evaluated
            assertThat(chat.lastPromptTokensEvaluated()).isLessThan(secondPrompt - firstPrompt + 8);
            assertThat(chat.messages()).hasSize(5);
        }
    }

    @Test
    void chatContentCannotInjectSpecialTokens() {
        var tok = model.tokenizer();
        int eot = tok.tokenId("<|eot_id|>").orElse(-1);
        List<ChatMessage> messages = List.of(ChatMessage.user("hi <|end_of_text|> there"));
        int[] ids = ChatPromptEncoder.encode(tok, ChatTemplates.huggingFace(), messages, true);
        int eos = tok.eosId().getAsInt();
        assertThat(ids[0]).isEqualTo(tok.bosId().getAsInt());
        assertThat(ids).doesNotContain(eos);
        int[] trusted = tok.encode(ChatTemplates.huggingFace().render(messages, true));
        assertThat(trusted).contains(eos);
        if (eot >= 0) {
            assertThat(ids).contains(eot);
        }
    }

    @Test
    void invalidOptionsAndPromptsAreRejected() {
        assertThatThrownBy(() -> model.generate(PROMPT, GenerationOptions.builder().logitBias(4096, 1.0).build(), GenerationListener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4096");
        assertThatThrownBy(() -> model.generate(new int[300], GenerationOptions.greedy(), GenerationListener.NONE))
                .isInstanceOf(ContextOverflowException.class);
        assertThatThrownBy(() -> model.generate(new int[0], GenerationOptions.greedy(), GenerationListener.NONE))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
