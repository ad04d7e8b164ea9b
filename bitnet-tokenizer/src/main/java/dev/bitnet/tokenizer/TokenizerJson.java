package dev.bitnet.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json} with a streaming parser: the vocabulary and merges go
 * straight into arrays, the small configuration objects are read as maps and checked against what
 * this module implements (BPE model, no normalizer, the LLaMA-3 byte-level split, byte-level decoder).
 */
final class TokenizerJson {
    /** The split pattern of LLaMA-3's {@code tokenizer.json}, character for character. */
    static final String LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    // The vocabulary object has 128k distinct keys: canonicalizing them as field names only costs time.
    /** Largest id accepted: vocabularies are far smaller, and the id sizes the token array. */
    private static final int MAX_ID = (1 << 22) - 1;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            // real files nest about six deep; the limit keeps hostile nesting far from any stack limit
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(1 << 20).maxNestingDepth(64).build())
            .build();

    /** What the file describes. */
    record Contents(BpeVocabulary vocabulary, PreTokenizerKind kind, boolean ignoreMerges) {
    }

    private record AddedToken(int id, String content, boolean special) {
    }

    private final Path file;
    private final List<AddedToken> added = new ArrayList<>();
    private String[] vocab = new String[1024];
    private int vocabEnd;
    private String[] merges = new String[0];
    private boolean ignoreMerges;
    private boolean sawModel;
    private Object preTokenizer;
    private Object postProcessor;
    private Object decoder;

    private TokenizerJson(Path file) {
        this.file = file;
    }

    static Contents read(Path file) throws IOException {
        TokenizerJson reader = new TokenizerJson(file);
        try (InputStream in = Files.newInputStream(file); JsonParser p = FACTORY.createParser(in)) {
            reader.readRoot(p);
            JsonToken after = p.nextToken();
            if (after != null) {
                throw new TokenizerFormatException(file + ": content after the top-level object (" + after
                        + at(p.currentTokenLocation()) + ")");
            }
        } catch (JsonProcessingException e) {
            // Jackson leaves the location out of some errors (nesting limits, encodings)
            throw new TokenizerFormatException(file + ": not valid JSON: " + e.getOriginalMessage() + at(e.getLocation()), e);
        } catch (CharConversionException e) {
            // an invalid UTF-16/UTF-32 sequence once Jackson has guessed the encoding
            throw new TokenizerFormatException(file + ": not valid JSON text: " + e.getMessage(), e);
        }
        return reader.contents();
    }

    private static String at(JsonLocation location) {
        return location == null ? "" : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private void readRoot(JsonParser p) throws IOException {
        expect(p, p.nextToken(), JsonToken.START_OBJECT, "the top level");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            switch (name) {
                case "added_tokens" -> readAddedTokens(p, value);
                case "normalizer" -> {
                    Object normalizer = readValue(p);
                    if (normalizer != null) {
                        throw unsupported("normalizer", normalizer);
                    }
                }
                case "pre_tokenizer" -> preTokenizer = readValue(p);
                case "post_processor" -> postProcessor = readValue(p);
                case "decoder" -> decoder = readValue(p);
                case "model" -> readModel(p, value);
                default -> p.skipChildren();
            }
        }
    }

    private void readAddedTokens(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        expect(p, value, JsonToken.START_ARRAY, "added_tokens");
        JsonToken element;
        while ((element = p.nextToken()) != JsonToken.END_ARRAY) {
            if (element != JsonToken.START_OBJECT) {
                throw new TokenizerFormatException(file + ": added_tokens[" + added.size() + "] should be an object but is "
                        + element + at(p.currentTokenLocation()));
            }
            Map<String, Object> t = readObjectBody(p);
            if (!(t.get("id") instanceof Long id) || !(t.get("content") instanceof String content)) {
                throw new TokenizerFormatException(file + ": added_tokens[" + added.size() + "] " + shorten(t)
                        + " needs an integer id and a string content");
            }
            if (id < 0 || id > MAX_ID) {
                throw new TokenizerFormatException(file + ": added token '" + content + "' has id " + id
                        + " (ids must be 0.." + MAX_ID + ")");
            }
            for (String flag : List.of("lstrip", "rstrip", "single_word")) {
                if (Boolean.TRUE.equals(t.get(flag))) {
                    throw new TokenizerFormatException(file + ": added token '" + content + "' uses " + flag
                            + ", which is not supported");
                }
            }
            added.add(new AddedToken(id.intValue(), content, !Boolean.FALSE.equals(t.get("special"))));
        }
    }

    private void readModel(JsonParser p, JsonToken value) throws IOException {
        expect(p, value, JsonToken.START_OBJECT, "model");
        sawModel = true;
        String type = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "type" -> type = String.valueOf(readValue(p));
                case "vocab" -> readVocab(p, v);
                case "merges" -> readMerges(p, v);
                case "ignore_merges" -> ignoreMerges = Boolean.TRUE.equals(readValue(p));
                case "byte_fallback", "dropout", "continuing_subword_prefix", "end_of_word_suffix" -> {
                    Object setting = readValue(p);
                    if (setting != null && !Boolean.FALSE.equals(setting) && !"".equals(setting)) {
                        throw new TokenizerFormatException(file + ": model." + name + " = " + setting
                                + " is not supported");
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (type != null && !type.equals("BPE")) {
            throw new TokenizerFormatException(file + ": model.type '" + type + "' is not supported; only BPE is");
        }
    }

    private void readVocab(JsonParser p, JsonToken value) throws IOException {
        expect(p, value, JsonToken.START_OBJECT, "model.vocab");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String token = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                throw new TokenizerFormatException(file + ": model.vocab entry '" + token + "' is not an integer id");
            }
            long id = p.getLongValue();
            if (id < 0 || id > MAX_ID) {
                throw new TokenizerFormatException(file + ": model.vocab entry '" + token + "' has id " + id
                        + " (ids must be 0.." + MAX_ID + ")");
            }
            put((int) id, token);
        }
    }

    private void put(int id, String token) {
        if (id >= vocab.length) {
            vocab = Arrays.copyOf(vocab, Math.max(vocab.length * 2, id + 1));
        }
        if (vocab[id] != null && !vocab[id].equals(token)) {
            throw new TokenizerFormatException(file + ": id " + id + " is given to both '" + vocab[id]
                    + "' and '" + token + "'");
        }
        vocab[id] = token;
        vocabEnd = Math.max(vocabEnd, id + 1);
    }

    private void readMerges(JsonParser p, JsonToken value) throws IOException {
        expect(p, value, JsonToken.START_ARRAY, "model.merges");
        List<String> list = new ArrayList<>(1 << 16);
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == JsonToken.VALUE_STRING) {
                list.add(p.getText());
            } else if (t == JsonToken.START_ARRAY) {
                // Newer files write each merge as ["left", "right"].
                String left = p.nextToken() == JsonToken.VALUE_STRING ? p.getText() : null;
                String right = p.nextToken() == JsonToken.VALUE_STRING ? p.getText() : null;
                if (left == null || right == null || p.nextToken() != JsonToken.END_ARRAY) {
                    throw new TokenizerFormatException(file + ": merge #" + list.size() + " is not a pair of strings");
                }
                list.add(left + " " + right);
            } else {
                throw new TokenizerFormatException(file + ": merge #" + list.size() + " is neither a string nor a pair");
            }
        }
        merges = list.toArray(new String[0]);
    }

    private Contents contents() {
        if (!sawModel || vocabEnd == 0) {
            throw new TokenizerFormatException(file + ": no model.vocab");
        }
        checkPreTokenizer();
        checkDecoder();
        int size = vocabEnd;
        for (AddedToken t : added) {
            size = Math.max(size, t.id() + 1);
        }
        String[] tokens = Arrays.copyOf(vocab, size);
        int[] types = new int[size];
        Arrays.fill(types, BpeVocabulary.NORMAL);
        Map<String, Integer> addedIds = new LinkedHashMap<>();
        for (AddedToken t : added) {
            if (tokens[t.id()] != null && !tokens[t.id()].equals(t.content())) {
                throw new TokenizerFormatException(file + ": added token '" + t.content() + "' has id " + t.id()
                        + ", which the vocabulary gives to '" + tokens[t.id()] + "'");
            }
            tokens[t.id()] = t.content();
            types[t.id()] = t.special() ? BpeVocabulary.CONTROL : BpeVocabulary.USER_DEFINED;
            addedIds.putIfAbsent(t.content(), t.id());
        }
        String bosText = templateBos();
        int bos = bosText != null ? addedIds.getOrDefault(bosText, -1) : addedIds.getOrDefault("<|begin_of_text|>", -1);
        if (bosText != null && bos < 0) {
            throw new TokenizerFormatException(file + ": post_processor starts with '" + bosText
                    + "', which is not an added token");
        }
        int eos = -1;
        for (String name : List.of("<|end_of_text|>", "<|endoftext|>", "</s>")) {
            if (eos < 0 && addedIds.containsKey(name)) {
                eos = addedIds.get(name);
            }
        }
        BpeVocabulary vocabulary = new BpeVocabulary("gpt2", tokens, types, merges, null, bos, eos,
                bosText != null, new int[0]);
        return new Contents(vocabulary, PreTokenizerKind.LLAMA3, ignoreMerges);
    }

    /** Accepts exactly the LLaMA-3 byte-level split: Sequence[Split(pattern, Isolated), ByteLevel(no regex)]. */
    private void checkPreTokenizer() {
        if (preTokenizer instanceof Map<?, ?> seq && "Sequence".equals(seq.get("type"))
                && seq.get("pretokenizers") instanceof List<?> steps && steps.size() == 2
                && steps.get(0) instanceof Map<?, ?> split && steps.get(1) instanceof Map<?, ?> byteLevel
                && "Split".equals(split.get("type"))
                && split.get("pattern") instanceof Map<?, ?> pattern && LLAMA3_PATTERN.equals(pattern.get("Regex"))
                && "Isolated".equals(split.get("behavior")) && !Boolean.TRUE.equals(split.get("invert"))
                && "ByteLevel".equals(byteLevel.get("type"))
                && !Boolean.TRUE.equals(byteLevel.get("add_prefix_space"))
                && Boolean.FALSE.equals(byteLevel.get("use_regex"))) {
            return;
        }
        throw unsupported("pre_tokenizer (only the LLaMA-3 byte-level split is implemented)", preTokenizer);
    }

    private void checkDecoder() {
        if (!(decoder instanceof Map<?, ?> d && "ByteLevel".equals(d.get("type")))) {
            throw unsupported("decoder (only ByteLevel is implemented)", decoder);
        }
    }

    /** The special token a TemplateProcessing post-processor puts before the text, or {@code null}. */
    private String templateBos() {
        Map<?, ?> template = findTemplate(postProcessor);
        if (template == null || !(template.get("single") instanceof List<?> single) || single.isEmpty()) {
            return null;
        }
        if (single.get(0) instanceof Map<?, ?> first && first.get("SpecialToken") instanceof Map<?, ?> st
                && st.get("id") instanceof String text) {
            return text;
        }
        return null;
    }

    private static Map<?, ?> findTemplate(Object processor) {
        if (!(processor instanceof Map<?, ?> m)) {
            return null;
        }
        if ("TemplateProcessing".equals(m.get("type"))) {
            return m;
        }
        if (m.get("processors") instanceof List<?> list) {
            for (Object p : list) {
                Map<?, ?> found = findTemplate(p);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private TokenizerFormatException unsupported(String what, Object value) {
        return new TokenizerFormatException(file + ": unsupported " + what + ": " + shorten(value));
    }

    private static String shorten(Object value) {
        String shown = String.valueOf(value);
        return shown.length() > 300 ? shown.substring(0, 300) + "..." : shown;
    }

    private void expect(JsonParser p, JsonToken actual, JsonToken wanted, String where) throws IOException {
        if (actual != wanted) {
            throw new TokenizerFormatException(file + ": " + where + " should be " + wanted + " but is " + actual
                    + at(p.currentLocation()));
        }
    }

    /** Reads the value at the current token as maps, lists, strings, longs, doubles, booleans and nulls. */
    private static Object readValue(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            throw new JsonParseException(p, "unexpected end of input");
        }
        return switch (t) {
            case START_OBJECT -> readObjectBody(p);
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(readValue(p));
                }
                yield list;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            default -> null;
        };
    }

    private static Map<String, Object> readObjectBody(JsonParser p) throws IOException {
        Map<String, Object> map = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            map.put(name, readValue(p));
        }
        return map;
    }
}
