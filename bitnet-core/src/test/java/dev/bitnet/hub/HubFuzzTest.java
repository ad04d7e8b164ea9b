package dev.bitnet.hub;

import dev.bitnet.fuzz.FuzzHarness;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Hub response handling and references: a repository listing from a hostile or broken server parses
 * or fails with {@link HubException}, and what it accepts never names a file outside the snapshot;
 * {@code hf://} references parse or fail with IllegalArgumentException, and print back to themselves.
 */
class HubFuzzTest {
    static final String TARGET = "hub";
    private static final String SHA = "0123456789abcdef0123456789abcdef01234567";
    private static final List<String> NAMES = List.of("config.json", "model.safetensors", "../x", "a/../../b", "/etc/passwd",
            "a\\b", "a//b", ".", "", "\u0000", "x/./y", "ok/ok.gguf", "\u00e9\u4e2d.gguf", "a".repeat(1100), "..");
    private static final List<String> FRAGMENTS = List.of("{", "}", "[", "]", ",", ":", "null", "7", "\"sha\":\"" + SHA + "\"",
            "{\"rfilename\":\"../../evil\"}", "{\"rfilename\":7}", "\"siblings\":[1,2]", "\"x\"", "[".repeat(2000));

    @Provide
    Arbitrary<String> listings() {
        Arbitrary<String> sibling = Arbitraries.oneOf(Arbitraries.of(NAMES).map(n -> "{\"rfilename\":\"" + n + "\"}"),
                Arbitraries.of("7", "null", "[]", "\"s\"", "{}", "{\"rfilename\":null}", "{\"rfilename\":{\"a\":1}}"));
        Arbitrary<String> sha = Arbitraries.of(SHA, SHA.toUpperCase(), SHA.substring(1), "", "main", "7");
        Arbitrary<String> valid = Combinators.combine(sha, sibling.list().ofMaxSize(5), Arbitraries.of(true, false))
                .as((s, sibs, shaFirst) -> {
                    String shaField = "\"sha\":\"" + s + "\"";
                    String sibField = "\"siblings\":[" + String.join(",", sibs) + "]";
                    return "{" + (shaFirst ? shaField + "," + sibField : sibField + "," + shaField) + "}";
                });
        return Combinators.combine(valid, Arbitraries.of(FRAGMENTS), Arbitraries.integers().between(-1, 200))
                .as((json, fragment, at) -> at < 0 || at > json.length() ? json
                        : at % 3 == 0 ? json.substring(0, at) : json.substring(0, at) + fragment + json.substring(at));
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void listingsParseSafelyOrFail(@ForAll("listings") String json) {
        if (!FuzzHarness.hasBudget(TARGET)) {
            return;
        }
        FuzzHarness.check(TARGET, "listing " + json, List.of(HubException.class), () -> {
            RepoListing l = RepoListing.parse(json.getBytes(StandardCharsets.UTF_8), "org/repo");
            if (!HubReference.isCommit(l.commit())) {
                throw new AssertionError("accepted commit " + l.commit());
            }
            for (String f : l.files()) {
                HubReference.checkPath(f, "file name"); // throws (an undocumented outcome) if an unsafe name got through
            }
        });
    }

    @Provide
    Arbitrary<String> references() {
        Arbitrary<String> part = Arbitraries.oneOf(Arbitraries.strings().alpha().numeric().withChars("-_.").ofMinLength(1).ofMaxLength(12),
                Arbitraries.of("..", ".", "a--b", "", "%2F", "@", "\u0000", "\u00e9"));
        return Combinators.combine(Arbitraries.of("hf://", "HF://", "hf:/", ""), part, part,
                        Arbitraries.of("", "@main", "@" + SHA, "@", "@refs%2Fpr%2F1", "@a/b", "@..", "@%2F..%2F"),
                        Arbitraries.of("", "/", "/config.json", "/a/../b", "//x", "/a\\b", "/\u0001"))
                .as((scheme, org, name, rev, path) -> scheme + org + "/" + name + rev + path);
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void referencesParseAndPrintBack(@ForAll("references") String text) {
        if (!FuzzHarness.hasBudget(TARGET + "-reference")) {
            return;
        }
        FuzzHarness.check(TARGET + "-reference", "reference " + text, List.of(IllegalArgumentException.class), () -> {
            HubReference r = HubReference.parse(text);
            HubReference again = HubReference.parse(r.toString());
            if (!again.equals(r)) {
                throw new AssertionError(text + " parsed as " + r + ", which parses as " + again);
            }
        });
    }
}
