package dev.bitnet.examples.demo;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.bitnet.BitNetModel;
import dev.bitnet.Session;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped demo model against the logits its own PyTorch training code computes (an independent
 * implementation of the same model), with the fixture tolerance rules, and the Java tokenizer against
 * the Python tokenizer the vocabulary was trained with.
 */
class DemoModelTest {
    private static final String DIR = "/dev/bitnet/examples/demo/";
    private static Path modelFile;
    private static BitNetModel model;
    private static String reference;

    @BeforeAll
    static void load() throws IOException {
        modelFile = Files.createTempFile("demo", ".gguf");
        Files.write(modelFile, resource("demo.gguf"));
        model = BitNetModel.load(modelFile);
        reference = new String(resource("reference.json"), StandardCharsets.UTF_8);
    }

    @AfterAll
    static void close() throws IOException {
        model.close();
        Files.deleteIfExists(modelFile);
    }

    private static byte[] resource(String name) {
        try (InputStream in = DemoModelTest.class.getResourceAsStream(DIR + name)) {
            assertThat(in).as("resource " + name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[] ints(String json) {
        String body = json.trim();
        if (body.isEmpty()) {
            return new int[0];
        }
        String[] parts = body.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Integer.parseInt(parts[i].trim());
        }
        return out;
    }

    private static int[] array(String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(reference);
        assertThat(m.find()).as("key " + key).isTrue();
        return ints(m.group(1));
    }

    @Test
    void logitsMatchThePyTorchModelWithinTheFixtureTolerance() {
        int[] tokens = array("tokens");
        float[] expected = new float[tokens.length * 4096];
        ByteBuffer.wrap(resource("logits.f32")).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(expected);
        float[] actual;
        try (Session s = model.newSession()) {
            actual = s.appendAll(tokens);
        }
        double sum = 0;
        double max = 0;
        int decisiveMisses = 0;
        for (int p = 0; p < tokens.length; p++) {
            int best = 0;
            int refBest = 0;
            float first = Float.NEGATIVE_INFINITY;
            float second = Float.NEGATIVE_INFINITY;
            for (int v = 0; v < 4096; v++) {
                int i = p * 4096 + v;
                double d = Math.abs(actual[i] - expected[i]);
                sum += d;
                max = Math.max(max, d);
                if (actual[i] > actual[p * 4096 + best]) {
                    best = v;
                }
                if (expected[i] > expected[p * 4096 + refBest]) {
                    refBest = v;
                }
                if (expected[i] > first) {
                    second = first;
                    first = expected[i];
                } else if (expected[i] > second) {
                    second = expected[i];
                }
            }
            if (best != refBest && first - second >= 0.25) {
                decisiveMisses++;
            }
        }
        assertThat(sum / expected.length).isLessThanOrEqualTo(0.04);
        assertThat(max).isLessThanOrEqualTo(0.3);
        assertThat(decisiveMisses).isZero();
    }

    @Test
    void theJavaTokenizerGivesThePythonTokenizersIds() throws IOException {
        int cases = 0;
        try (JsonParser p = new JsonFactory().createParser(reference)) {
            String text = null;
            boolean inCases = false;
            while (p.nextToken() != null) {
                if (p.currentToken() == JsonToken.FIELD_NAME && p.currentName().equals("tokenizer_cases")) {
                    inCases = true;
                } else if (inCases && p.currentToken() == JsonToken.FIELD_NAME && p.currentName().equals("text")) {
                    p.nextToken();
                    text = p.getText();
                } else if (inCases && p.currentToken() == JsonToken.FIELD_NAME && p.currentName().equals("ids")) {
                    p.nextToken();
                    List<Integer> ids = new ArrayList<>();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        ids.add(p.getIntValue());
                    }
                    assertThat(model.tokenizer().encode(text)).as(text).containsExactly(ids.toArray(Integer[]::new));
                    cases++;
                }
            }
        }
        assertThat(cases).isEqualTo(5);
    }
}
