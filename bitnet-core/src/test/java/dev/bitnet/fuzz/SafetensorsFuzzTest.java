package dev.bitnet.fuzz;

import dev.bitnet.safetensors.SafetensorsFile;
import dev.bitnet.safetensors.SafetensorsTensor;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Safetensors header + config.json + load + a short generation, on mutations of the tiny-a Hugging
 * Face checkpoint. config.json edits replace a key's value with a boundary value of another JSON type,
 * drop a key or break the syntax; safetensors edits rewrite the header's numbers and dtypes, its
 * length prefix, and write special floats into tensors (0xFF-filled norm weights among them).
 * A case is a descriptor: {@code config KEY VALUE} / {@code config-drop KEY} lines, then byte edits of
 * {@code model.safetensors}.
 */
class SafetensorsFuzzTest {
    static final String TARGET = "safetensors";
    private static final Path BASE = Targets.FIXTURES.resolve("tiny-a/hf");
    private static final String CONFIG = read(BASE.resolve("config.json"));
    private static final byte[] MODEL = Targets.read(BASE.resolve("model.safetensors"));
    private static final List<String> KEYS = keys(CONFIG);
    private static final List<SafetensorsTensor> TENSORS = tensors();
    private static final long HEADER_END = 8 + (MODEL[0] & 0xffL) + ((MODEL[1] & 0xffL) << 8) + ((MODEL[2] & 0xffL) << 16);
    private static final List<String> JSON_VALUES = List.of("0", "1", "-1", "2", "3", "7", "2147483647", "2147483648",
            "-2147483649", "1e-45", "1e38", "1e999", "0.5", "\"true\"", "true", "false", "null", "[]", "{}", "\"\"",
            "\"bitnet\"", "\"llama\"", "\"relu2\"", "\"silu\"", "\"autobitlinear\"", "\"online\"", "\"bitlinear\"",
            "[\"BitnetForCausalLM\"]", "{\"rope_type\": \"yarn\"}", "{\"quant_method\": \"bitnet\", \"use_rms_norm\": \"true\"}",
            "NaN", "\"\\ud800\"", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> keys(String json) {
        List<String> keys = new ArrayList<>();
        Matcher m = Pattern.compile("\"([a-z_]+)\"\\s*:").matcher(json);
        while (m.find()) {
            keys.add(m.group(1));
        }
        return keys;
    }

    private static List<SafetensorsTensor> tensors() {
        try (SafetensorsFile f = SafetensorsFile.open(BASE.resolve("model.safetensors"))) {
            return f.tensors();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Provide
    Arbitrary<String> cases() {
        Arbitrary<String> configEdit = Arbitraries.oneOf(
                Combinators.combine(Arbitraries.of(KEYS), Arbitraries.of(JSON_VALUES)).as((k, v) -> "config " + k + " " + v),
                Arbitraries.of(KEYS).map(k -> "config-drop " + k),
                Arbitraries.of("config-raw }", "config-raw {", "config-raw ,", "config-raw \u00ff", "config-raw \"a\":1"));
        Arbitrary<String> headerNumber = Combinators.combine(Arbitraries.longs().between(8, HEADER_END - 1),
                Arbitraries.of("0", "1", "9", "99999999999999999999", "-1", "18446744073709551615"))
                .as((at, v) -> Edit.set(at, v.getBytes(StandardCharsets.US_ASCII)).toString());
        Arbitrary<String> dtype = Combinators.combine(Arbitraries.of(TENSORS), Arbitraries.of("U8", "I8", "F64", "BOOL", "BF16", "F16", "F32", "XX"))
                .as((t, d) -> "dtype " + t.name() + " " + d);
        Arbitrary<String> lengthPrefix = Values.u64().map(v -> Edit.set(0, v).toString());
        Arbitrary<String> tensorValue = Arbitraries.of(TENSORS).flatMap(t -> {
            long elements = Math.max(1, t.byteSize() / Math.max(1, t.dtype().byteSize()));
            Arbitrary<byte[]> value = switch (t.dtype()) {
                case F32 -> Values.f32();
                case F16, BF16 -> Values.f16();
                default -> Values.randomBytes(4);
            };
            return Combinators.combine(Arbitraries.longs().between(0, elements - 1), value)
                    .as((i, v) -> Edit.set(t.offset() + i * Math.max(1, t.dtype().byteSize()), v).toString());
        });
        Arbitrary<String> fill = Arbitraries.of(TENSORS).filter(t -> t.byteSize() <= 4096)
                .map(t -> Edit.set(t.offset(), ff((int) t.byteSize())).toString());
        Arbitrary<String> truncate = Arbitraries.longs().between(0, MODEL.length - 1).map(n -> Edit.truncate(n).toString());
        Arbitrary<String> one = Arbitraries.frequencyOf(Tuple.of(5, configEdit), Tuple.of(2, headerNumber), Tuple.of(2, dtype),
                Tuple.of(1, lengthPrefix), Tuple.of(4, tensorValue), Tuple.of(2, fill), Tuple.of(1, truncate));
        return one.list().ofMinSize(1).ofMaxSize(3).map(lines -> String.join("\n", lines) + "\n");
    }

    private static byte[] ff(int n) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) 0xff);
        return b;
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void mutatedCheckpointLoadsOrFailsAsDocumented(@ForAll("cases") String descriptor) {
        if (FuzzHarness.hasBudget(TARGET)) {
            run(descriptor);
        }
    }

    static void run(String descriptor) {
        String config = CONFIG;
        byte[] model = MODEL;
        for (String line : descriptor.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("config ")) {
                String[] p = line.split(" ", 3);
                config = config.replaceFirst("(\"" + Pattern.quote(p[1]) + "\"\\s*:\\s*)(\"[^\"]*\"|[-0-9.eE+]+|true|false|null)",
                        "$1" + Matcher.quoteReplacement(p[2]));
            } else if (line.startsWith("config-drop ")) {
                config = config.replaceFirst("\"" + Pattern.quote(line.substring(12).strip()) + "\"\\s*:\\s*(\"[^\"]*\"|[-0-9.eE+]+|true|false|null),?", "");
            } else if (line.startsWith("config-raw ")) {
                config = config.substring(0, config.length() / 2) + line.substring(11) + config.substring(config.length() / 2);
            } else if (line.startsWith("config-replace ")) {
                String[] p = line.substring(15).split("\\|", 2);
                config = config.replace(p[0], p[1]);
            } else if (line.startsWith("fill ")) {
                String name = line.substring(5).strip();
                SafetensorsTensor t = TENSORS.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
                model = Edit.set(t.offset(), ff((int) t.byteSize())).apply(model);
            } else if (line.startsWith("dtype ")) {
                String[] p = line.split(" ");
                model = replaceDtype(model, p[1], p[2]);
            } else {
                model = Edit.parse(line).apply(model);
            }
        }
        String finalConfig = config;
        byte[] finalModel = model;
        FuzzHarness.check(TARGET, descriptor, Targets.MODEL_ERRORS, () -> {
            Path dir = Targets.scratch().resolve("hf");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), finalConfig);
            Files.write(dir.resolve("model.safetensors"), finalModel);
            Targets.loadAndGenerate(dir);
        });
    }

    /** Rewrites one tensor's dtype in the header, padding with spaces so that the header length stays the same. */
    private static byte[] replaceDtype(byte[] model, String tensor, String dtype) {
        int end = (int) Math.min(HEADER_END, model.length);
        if (end <= 8) {
            return model;
        }
        String header = new String(model, 8, Math.max(0, end - 8), StandardCharsets.ISO_8859_1);
        Matcher m = Pattern.compile("(\"" + Pattern.quote(tensor) + "\"\\s*:\\s*\\{\\s*\"dtype\"\\s*:\\s*\")([A-Z0-9]+)\"").matcher(header);
        if (!m.find() || m.group(2).length() < dtype.length()) {
            return model;
        }
        String padded = dtype + "\"" + " ".repeat(m.group(2).length() - dtype.length());
        byte[] out = model.clone();
        byte[] rep = padded.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(rep, 0, out, 8 + m.start(2), rep.length);
        return out;
    }
}
