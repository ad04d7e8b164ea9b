package dev.bitnet.structured;

import dev.bitnet.tokenizer.Tokenizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The cost of one constrained step on a 128256-token vocabulary: computing the mask for the current parse state
 * and applying it to the logits (what {@link JsonConstraint#apply} does before each sample). {@code vocabulary}:
 * {@code llama3} is the real LLaMA-3 / BitNet 2B-4T tokenizer from the shared fixtures, {@code synthetic} a
 * deterministic 128256-entry byte-level vocabulary of JSON-ish fragments (many more tokens with quotes and
 * backslashes than a real one, so string states cost more). {@code state} picks the parse position.
 * {@code maskAndApply} is a later step inside the same string (the per-string cache of the quoted tokens
 * answers), {@code maskAndApplyCold} the first (no cache); outside strings the two are the same.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MaskBenchmark {
    private static final String SCHEMA = """
            {"type":"object","properties":{
              "name":{"type":"string"},"age":{"type":"integer","minimum":0,"maximum":150},
              "email":{"type":"string","maxLength":64},"tags":{"type":"array","items":{"type":"string"}},
              "kind":{"enum":["person","company","other"]},"score":{"type":"number"}},
             "required":["name","age"],"additionalProperties":false}""";

    @Param({"llama3", "synthetic"})
    public String vocabulary;

    @Param({"objectStart", "stringValue", "boundedString", "integer", "enumValue", "anyValue"})
    public String state;

    private JsonConstraint constraint;
    private float[] logits;

    @Setup
    public void setup() throws Exception {
        TokenVocabulary vocab;
        int end;
        if (vocabulary.equals("llama3")) {
            Tokenizer tok = Tokenizer.fromTokenizerJson(dev.bitnet.Fixtures.file("tokenizer/llama3/tokenizer.json"));
            vocab = TokenVocabulary.of(tok);
            end = tok.eosId().orElseThrow();
        } else {
            List<byte[]> tokens = StructuredTestSupport.syntheticVocabulary(128256, 5);
            vocab = TokenVocabulary.ofTokenBytes(tokens);
            end = tokens.size() - 1;
        }
        String prefix = switch (state) {
            case "objectStart" -> "{";
            case "stringValue" -> "{\"name\":\"Ada Lovel";
            case "boundedString" -> "{\"name\":\"Ada\",\"age\":36,\"email\":\"ada@exam";
            case "integer" -> "{\"name\":\"Ada\",\"age\":3";
            case "enumValue" -> "{\"name\":\"Ada\",\"age\":36,\"kind\":\"pe";
            case "anyValue" -> "";
            default -> throw new IllegalArgumentException(state);
        };
        ResponseFormat format = state.equals("anyValue") ? ResponseFormat.jsonValue() : ResponseFormat.jsonSchema(SCHEMA);
        constraint = format.newConstraint(vocab, List.of(end));
        // feed the prefix one byte at a time through single-byte tokens (every byte-level vocabulary has them)
        int[] byteToken = new int[256];
        for (int id = 0; id < vocab.size(); id++) {
            byte[] b = vocab.bytes(id);
            if (b != null && b.length == 1) {
                byteToken[b[0] & 0xff] = id;
            }
        }
        for (byte b : prefix.getBytes(StandardCharsets.UTF_8)) {
            constraint.accept(byteToken[b & 0xff]);
        }
        logits = new float[vocab.size()];
    }

    /** A step in a state seen before within the same string (the string cache answers the quoted tokens). */
    @Benchmark
    public float maskAndApply() {
        constraint.forgetMask(false);
        constraint.apply(logits);
        return logits[0];
    }

    /** The first step in a state: every cache dropped. */
    @Benchmark
    public float maskAndApplyCold() {
        constraint.forgetMask(true);
        constraint.apply(logits);
        return logits[0];
    }
}
