package dev.bitnet.structured;

import com.networknt.schema.Schema;
import dev.bitnet.BitNetModel;
import dev.bitnet.Fixtures;
import dev.bitnet.FinishReason;
import dev.bitnet.Generation;
import dev.bitnet.GenerationListener;
import dev.bitnet.GenerationOptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random schemas x random "models" (seeded random logits, nudged towards closing the value after a while) on a
 * synthetic vocabulary, the real 128256-token LLaMA-3 vocabulary and the tiny fixture model: every finished
 * output must parse and validate against its schema with an independent validator (networknt); at every step
 * the mask is never empty before the end and equals a brute-force check of each token.
 */
class StructuredPropertyTest {
    private static final int END = -1;

    @Test
    void syntheticVocabularyEveryOutputValidatesAndMaskIsExact() throws Exception {
        List<byte[]> tokens = StructuredTestSupport.syntheticVocabulary(3000, 11);
        TokenVocabulary vocab = TokenVocabulary.ofTokenBytes(tokens);
        int endId = tokens.size() - 1;
        RandomSchemas schemas = new RandomSchemas(1);
        int finished = 0;
        int runs = 120;
        for (int run = 0; run < runs; run++) {
            String schemaJson = schemas.next();
            finished += generate(schemaJson, vocab, endId, tokens, run, 400, true) ? 1 : 0;
        }
        // the random walk is steered to close values; nearly all runs must complete
        assertThat(finished).isGreaterThanOrEqualTo(runs * 9 / 10);
    }

    @Test
    void llama3VocabularyEveryOutputValidates() throws Exception {
        var tok = StructuredTestSupport.llama3();
        TokenVocabulary vocab = TokenVocabulary.of(tok);
        List<byte[]> tokens = new ArrayList<>();
        for (int id = 0; id < vocab.size(); id++) {
            tokens.add(vocab.bytes(id));
        }
        int endId = tok.eosId().orElseThrow();
        RandomSchemas schemas = new RandomSchemas(2);
        int finished = 0;
        int runs = 25;
        for (int run = 0; run < runs; run++) {
            finished += generate(schemas.next(), vocab, endId, tokens, 1000 + run, 200, false) ? 1 : 0;
        }
        String[] fixed = {"{\"type\":\"object\"}", "true", "{\"type\":\"string\",\"minLength\":3,\"maxLength\":9}"};
        for (String s : fixed) {
            finished += generate(s, vocab, endId, tokens, 77, 200, false) ? 1 : 0;
        }
        assertThat(finished).isGreaterThanOrEqualTo((runs + fixed.length) * 9 / 10);
    }

    @Test
    void fixtureModelGenerationsValidate() throws Exception {
        String schemaJson = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":12},"
                + "\"n\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":99},\"ok\":{\"type\":\"boolean\"}},"
                + "\"required\":[\"name\",\"n\",\"ok\"],\"additionalProperties\":false}";
        Schema schema = StructuredTestSupport.schema(schemaJson);
        ResponseFormat format = ResponseFormat.jsonSchema(schemaJson);
        int[] prompt = {508, 92, 190, 83, 176, 161, 318, 117};
        try (BitNetModel model = BitNetModel.load(Fixtures.file("tiny-a/gguf/tiny-a-i2_s.gguf"))) {
            for (long seed = 0; seed < 6; seed++) {
                GenerationOptions options = GenerationOptions.builder().temperature(1.0).seed(seed).maxTokens(120)
                        .responseFormat(seed % 3 == 2 ? ResponseFormat.jsonObject() : format).build();
                Generation g = model.generate(prompt, options, GenerationListener.NONE);
                if (g.finishReason() == FinishReason.STOP_TOKEN) {
                    if (options.responseFormat().equals(format)) {
                        assertThat(StructuredTestSupport.errors(schema, g.text())).as(g.text()).isEmpty();
                    } else {
                        assertThat(StructuredTestSupport.MAPPER.readTree(g.text()).isObject()).as(g.text()).isTrue();
                    }
                } else {
                    assertThat(g.finishReason()).isEqualTo(FinishReason.MAX_TOKENS);
                    assertThat(StructuredTestSupport.acceptsBytes(options.responseFormat(), g.text(), false))
                            .as("a truncated value is still a valid prefix: %s", g.text()).isTrue();
                }
            }
            // greedy, same options twice: same output (the mask keeps the chain deterministic)
            GenerationOptions greedy = GenerationOptions.greedy().toBuilder().maxTokens(60).responseFormat(format).build();
            assertThat(model.generate(prompt, greedy, GenerationListener.NONE).tokenIds())
                    .isEqualTo(model.generate(prompt, greedy, GenerationListener.NONE).tokenIds());
        }
    }

    /**
     * One random generation; returns whether it finished with the end token (then it must validate).
     *
     * @param exhaustive check the mask against brute force at every step (else at the first two steps)
     */
    private static boolean generate(String schemaJson, TokenVocabulary vocab, int endId, List<byte[]> tokens,
                                    long seed, int maxSteps, boolean exhaustive) throws Exception {
        ResponseFormat format = ResponseFormat.jsonSchema(schemaJson);
        Schema schema = StructuredTestSupport.schema(schemaJson);
        JsonConstraint c = format.newConstraint(vocab, List.of(endId));
        Random r = new Random(seed);
        int n = Math.max(vocab.size(), endId + 1);
        float[] logits = new float[n];
        BitSet allowed = new BitSet();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int steerFrom = 10 + r.nextInt(40);
        for (int step = 0; step < maxSteps; step++) {
            c.allowedTokens(allowed);
            assertThat(allowed.isEmpty()).as("mask empty after '%s' for %s", text(out), schemaJson).isFalse();
            if (exhaustive || step < 2) {
                for (int id = 0; id < n; id++) {
                    if (allowed.get(id) != c.acceptsByBruteForce(id)) {
                        throw new AssertionError("mask disagrees with brute force on token " + id + " after '"
                                + text(out) + "' for " + schemaJson);
                    }
                }
            }
            for (int id = 0; id < n; id++) {
                logits[id] = (float) r.nextGaussian() * 2f + (step >= steerFrom ? steer(tokens, id, endId) : 0f);
            }
            c.apply(logits);
            int best = 0;
            for (int id = 1; id < n; id++) {
                if (logits[id] > logits[best]) {
                    best = id;
                }
            }
            assertThat(allowed.get(best)).isTrue();
            if (best == endId) {
                String text = text(out);
                assertThat(StructuredTestSupport.errors(schema, text)).as("%s against %s", text, schemaJson).isEmpty();
                if (System.getenv("STRUCTURED_DEBUG") != null) System.out.println("OUT " + text);
                return true;
            }
            c.accept(best);
            out.writeBytes(tokens.get(best));
        }
        return false;
    }

    /** Pushes a random walk towards finishing: end token, closing bytes up; openers, commas, spaces down. */
    private static float steer(List<byte[]> tokens, int id, int endId) {
        if (id == endId) {
            return 40f;
        }
        byte[] b = tokens.get(id);
        if (b == null) {
            return 0f;
        }
        float s = 0f;
        for (byte x : b) {
            switch (x) {
                case '}', ']', '"' -> s += 6f;
                case '{', '[', ',', ' ', '\n', '\\' -> s -= 6f;
                default -> s -= 0.5f;
            }
        }
        return s;
    }

    private static String text(ByteArrayOutputStream out) {
        return out.toString(StandardCharsets.UTF_8);
    }
}
