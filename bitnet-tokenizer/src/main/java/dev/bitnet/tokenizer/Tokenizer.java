package dev.bitnet.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Byte-level BPE tokenizer with the LLaMA-3 conventions (the vocabulary of BitNet b1.58 2B-4T),
 * producing exactly the ids of Hugging Face tokenizers. Text is cut at special tokens, each stretch
 * is split by the pre-tokenizer, each piece's UTF-8 bytes are merged by rank; decoding maps ids back
 * to bytes. Immutable and safe to share between threads.
 */
public final class Tokenizer {
    /** Added-token names that end a turn or a text, when the vocabulary has them as special tokens. */
    private static final List<String> STOP_TOKEN_NAMES = List.of("<|eot_id|>", "<|eom_id|>", "<|end_of_text|>");

    private final PreTokenizerKind kind;
    private final PreTokenizer preTokenizer;
    private final BpeModel bpe;
    private final TokenIndex index;
    /** Raw bytes of every id ({@code null} where an id has no token); special tokens hold their text's UTF-8. */
    private final byte[][] bytesOfId;
    /** Whether an id's vocabulary text is the byte-level spelling of its bytes. */
    private final boolean[] byteLevelSpelled;
    private final boolean[] special;
    /** Ids of the tokens {@link #index} cannot find by text: added tokens and entries not spelled byte-level. */
    private final Map<String, Integer> idsByOtherText;
    private final AddedTokenMatcher addedTokens;
    private final int bosId;
    private final int eosId;
    private final boolean addBos;
    private final Set<Integer> stopIds;

    private Tokenizer(BpeVocabulary v, PreTokenizerKind kind, boolean ignoreMerges) {
        if (!"gpt2".equals(v.model())) {
            throw new TokenizerFormatException("tokenizer model '" + v.model()
                    + "' is not supported; only 'gpt2' (byte-level BPE) is");
        }
        this.kind = kind;
        this.preTokenizer = PreTokenizer.of(kind);
        String[] tokens = v.tokens();
        int n = tokens.length;
        bytesOfId = new byte[n][];
        byteLevelSpelled = new boolean[n];
        special = new boolean[n];
        idsByOtherText = new HashMap<>();
        List<String> addedTexts = new ArrayList<>();
        List<Integer> addedIds = new ArrayList<>();
        List<Boolean> addedControl = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            String text = tokens[id];
            if (text == null) {
                continue;
            }
            int type = v.tokenTypes() == null ? BpeVocabulary.NORMAL : v.tokenTypes()[id];
            if (type == BpeVocabulary.CONTROL || type == BpeVocabulary.USER_DEFINED) {
                special[id] = true;
                bytesOfId[id] = text.getBytes(StandardCharsets.UTF_8);
                idsByOtherText.putIfAbsent(text, id);
                addedTexts.add(text);
                addedIds.add(id);
                addedControl.add(type == BpeVocabulary.CONTROL);
                continue;
            }
            byte[] bytes = ByteLevel.toBytes(text);
            if (bytes == null) {
                // Not byte-level spelled: no BPE output can produce it, but it still decodes to its text.
                bytesOfId[id] = text.getBytes(StandardCharsets.UTF_8);
                idsByOtherText.putIfAbsent(text, id);
            } else {
                bytesOfId[id] = bytes;
                byteLevelSpelled[id] = true;
            }
        }
        index = new TokenIndex(bytesOfId, id -> byteLevelSpelled[id]);
        int[] byteTokens = new int[256];
        byte[] one = new byte[1];
        for (int b = 0; b < 256; b++) {
            one[0] = (byte) b;
            byteTokens[b] = index.find(one, 0, 1);
            if (byteTokens[b] < 0) {
                throw new TokenizerFormatException(String.format(
                        "vocabulary has no token for byte 0x%02X (spelled '%c'); byte-level BPE needs all 256",
                        b, ByteLevel.charOf(b)));
            }
        }
        bpe = new BpeModel(index, buildMerges(v.merges()), byteTokens, ignoreMerges);
        boolean[] control = new boolean[addedControl.size()];
        for (int i = 0; i < control.length; i++) {
            control[i] = addedControl.get(i);
        }
        addedTokens = addedTexts.isEmpty() ? null
                : new AddedTokenMatcher(addedTexts, addedIds.stream().mapToInt(Integer::intValue).toArray(), control);
        bosId = v.bosId();
        eosId = v.eosId();
        addBos = v.addBos();
        Set<Integer> stops = new LinkedHashSet<>();
        if (eosId >= 0) {
            stops.add(eosId);
        }
        for (int id : v.extraStopIds()) {
            stops.add(id);
        }
        for (String name : STOP_TOKEN_NAMES) {
            Integer id = idsByOtherText.get(name);
            if (id != null && special[id]) {
                stops.add(id);
            }
        }
        stopIds = Collections.unmodifiableSet(stops);
    }

    private MergeTable buildMerges(String[] merges) {
        MergeTable table = new MergeTable(merges.length);
        byte[] joined = new byte[64];
        for (int rank = 0; rank < merges.length; rank++) {
            String merge = merges[rank];
            int space = merge == null ? -1 : merge.indexOf(' ');
            if (space <= 0 || space == merge.length() - 1 || merge.indexOf(' ', space + 1) >= 0) {
                throw new TokenizerFormatException("merge #" + rank + " '" + merge
                        + "' is not two tokens separated by one space");
            }
            if (joined.length < merge.length()) {
                joined = new byte[merge.length() * 2];
            }
            // Both halves spelled out back to back: the left token, the right one, and together the merged one.
            int n = 0;
            for (int i = 0; i < merge.length(); i++) {
                if (i == space) {
                    continue;
                }
                int b = ByteLevel.byteOf(merge.charAt(i));
                if (b < 0) {
                    throw new TokenizerFormatException("merge #" + rank + " '" + merge
                            + "' has a character that is not a byte-level character");
                }
                joined[n++] = (byte) b;
            }
            int leftId = index.find(joined, 0, space);
            int rightId = index.find(joined, space, n);
            int result = index.find(joined, 0, n);
            if (leftId < 0 || rightId < 0 || result < 0) {
                String missing = leftId < 0 ? merge.substring(0, space)
                        : rightId < 0 ? merge.substring(space + 1) : merge.substring(0, space) + merge.substring(space + 1);
                throw new TokenizerFormatException("merge #" + rank + " '" + merge + "': token '" + missing
                        + "' is not in the vocabulary");
            }
            table.put(leftId, rightId, rank, result);
        }
        return table;
    }

    /**
     * Reads a Hugging Face {@code tokenizer.json} (BPE model, LLaMA-3 byte-level pre-tokenizer). The BOS
     * token is the one the post-processor template puts first, else {@code <|begin_of_text|>}; the EOS
     * token is {@code <|end_of_text|>} (or {@code <|endoftext|>}, {@code </s>}) when present.
     *
     * @param file the {@code tokenizer.json}
     * @return the tokenizer
     * @throws IOException              if the file cannot be read
     * @throws TokenizerFormatException if it is not valid JSON or describes something unsupported
     */
    public static Tokenizer fromTokenizerJson(Path file) throws IOException {
        TokenizerJson.Contents contents = TokenizerJson.read(file);
        return new Tokenizer(contents.vocabulary(), contents.kind(), contents.ignoreMerges());
    }

    /**
     * Reads a Hugging Face {@code tokenizer.json} but splits text with the given pre-tokenizer
     * (with {@link PreTokenizerKind#LLAMA_CPP_DEFAULT} every pre-token is merged from bytes, as llama.cpp does).
     *
     * @param file the {@code tokenizer.json}
     * @param kind the pre-tokenizer to use instead of the file's
     * @return the tokenizer
     * @throws IOException              if the file cannot be read
     * @throws TokenizerFormatException if it is not valid JSON or describes something unsupported
     */
    public static Tokenizer fromTokenizerJson(Path file, PreTokenizerKind kind) throws IOException {
        Objects.requireNonNull(kind, "kind");
        TokenizerJson.Contents contents = TokenizerJson.read(file);
        return new Tokenizer(contents.vocabulary(), kind, kind == PreTokenizerKind.LLAMA3 && contents.ignoreMerges());
    }

    /**
     * Builds a tokenizer from GGUF tokenizer metadata. The pre-tokenizer follows
     * {@code tokenizer.ggml.pre}: absent, {@code llama-bpe}, {@code llama3} or {@code llama-v3} give
     * {@link PreTokenizerKind#LLAMA3}, {@code default} gives {@link PreTokenizerKind#LLAMA_CPP_DEFAULT}.
     *
     * @param vocabulary the metadata
     * @return the tokenizer
     * @throws TokenizerFormatException if the metadata is inconsistent or asks for an unsupported model or split
     */
    public static Tokenizer fromVocabulary(BpeVocabulary vocabulary) {
        String pre = vocabulary.pre();
        PreTokenizerKind kind;
        if (pre == null || pre.equals("llama-bpe") || pre.equals("llama3") || pre.equals("llama-v3")) {
            kind = PreTokenizerKind.LLAMA3;
        } else if (pre.equals("default")) {
            kind = PreTokenizerKind.LLAMA_CPP_DEFAULT;
        } else {
            throw new TokenizerFormatException("tokenizer.ggml.pre = '" + pre
                    + "' is not supported (known: llama-bpe, llama3, llama-v3, default)");
        }
        return fromVocabulary(vocabulary, kind);
    }

    /**
     * Builds a tokenizer from GGUF tokenizer metadata with the given pre-tokenizer, whatever
     * {@code tokenizer.ggml.pre} says. {@link PreTokenizerKind#LLAMA3} emits a pre-token that is a whole
     * vocabulary entry without merging; {@link PreTokenizerKind#LLAMA_CPP_DEFAULT} always merges.
     *
     * @param vocabulary the metadata
     * @param kind       the pre-tokenizer
     * @return the tokenizer
     * @throws TokenizerFormatException if the metadata is inconsistent or asks for an unsupported model
     */
    public static Tokenizer fromVocabulary(BpeVocabulary vocabulary, PreTokenizerKind kind) {
        Objects.requireNonNull(vocabulary, "vocabulary");
        Objects.requireNonNull(kind, "kind");
        return new Tokenizer(vocabulary, kind, kind == PreTokenizerKind.LLAMA3);
    }

    /**
     * Encodes text with {@link EncodeOptions#DEFAULT}: no BOS, special-token text recognised.
     *
     * @param text the text
     * @return the token ids
     */
    public int[] encode(String text) {
        return encode(text, EncodeOptions.DEFAULT);
    }

    /**
     * Encodes text. A surrogate without its partner (not valid Unicode) is encoded as U+FFFD.
     *
     * @param text    the text
     * @param options BOS and special-token handling
     * @return the token ids
     * @throws IllegalArgumentException if a BOS token is asked for and the vocabulary has none
     */
    public int[] encode(String text, EncodeOptions options) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(options, "options");
        IntList out = new IntList(text.length() / 3 + 4);
        if (options.addBos()) {
            if (bosId < 0) {
                throw new IllegalArgumentException("a BOS token was asked for but this vocabulary has none");
            }
            out.add(bosId);
        }
        Workspace work = new Workspace();
        int pos = 0;
        int len = text.length();
        while (pos < len) {
            AddedTokenMatcher.Match match = addedTokens == null ? null
                    : addedTokens.find(text, pos, len, options.parseSpecialTokens());
            int stretchEnd = match == null ? len : match.start();
            if (stretchEnd > pos) {
                encodeStretch(text, pos, stretchEnd, out, work);
            }
            if (match == null) {
                break;
            }
            out.add(match.id());
            pos = match.end();
        }
        return out.toArray();
    }

    private void encodeStretch(String text, int start, int end, IntList out, Workspace work) {
        IntList ends = work.ends;
        ends.clear();
        preTokenizer.split(text, start, end, ends);
        int from = start;
        for (int k = 0; k < ends.size(); k++) {
            int to = ends.get(k);
            byte[] buf = work.buffer(3 * (to - from));
            int n = Utf8.encode(text, from, to, buf);
            bpe.encode(buf, n, out, work.bpe);
            from = to;
        }
    }

    /**
     * Decodes ids to text: special tokens give their text, byte sequences that are not valid UTF-8 give
     * U+FFFD per maximal ill-formed subpart (as Hugging Face tokenizers does).
     *
     * @param ids token ids
     * @return the text
     * @throws IllegalArgumentException naming the first id that is not a token of the vocabulary
     */
    public String decode(int[] ids) {
        Objects.requireNonNull(ids, "ids");
        int total = 0;
        for (int id : ids) {
            total += bytesOf(id).length;
        }
        byte[] all = new byte[total];
        int n = 0;
        for (int id : ids) {
            byte[] b = bytesOfId[id];
            System.arraycopy(b, 0, all, n, b.length);
            n += b.length;
        }
        return Utf8.decode(all, 0, n);
    }

    /**
     * @return a decoder that turns ids into text one at a time, emitting only whole characters
     */
    public StreamingDecoder newStreamingDecoder() {
        return new StreamingDecoder(this);
    }

    /** The raw bytes of token {@code id}; throws for an id that has no token. */
    byte[] bytesOf(int id) {
        if (id < 0 || id >= bytesOfId.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (bytesOfId.length - 1) + ")");
        }
        byte[] b = bytesOfId[id];
        if (b == null) {
            throw new IllegalArgumentException("token id " + id + " has no token in the vocabulary");
        }
        return b;
    }

    /**
     * The raw bytes a token stands for: the bytes of an ordinary token (what it contributes to the decoded
     * UTF-8 text, possibly part of a character), the UTF-8 of a special token's text. Constrained generation
     * uses this to know what each token would append.
     *
     * @param id a token id
     * @return a fresh copy of its bytes
     * @throws IllegalArgumentException if {@code id} is not a token of the vocabulary
     */
    public byte[] tokenBytes(int id) {
        return bytesOf(id).clone();
    }

    /** @return the number of ids, one more than the largest */
    public int vocabSize() {
        return bytesOfId.length;
    }

    /** @return the beginning-of-sequence token, if the vocabulary has one */
    public OptionalInt bosId() {
        return bosId >= 0 ? OptionalInt.of(bosId) : OptionalInt.empty();
    }

    /** @return the end-of-sequence token, if the vocabulary has one */
    public OptionalInt eosId() {
        return eosId >= 0 ? OptionalInt.of(eosId) : OptionalInt.empty();
    }

    /** @return whether the model expects a BOS token at the start of a prompt */
    public boolean addBos() {
        return addBos;
    }

    /** @return the pre-tokenizer in use */
    public PreTokenizerKind preTokenizerKind() {
        return kind;
    }

    /**
     * Looks a token up by its vocabulary text: the literal text of a special token such as
     * {@code <|eot_id|>}, or the byte-level spelling of an ordinary token (a leading space is {@code Ġ}).
     *
     * @param tokenText the token as written in the vocabulary
     * @return its id, if there is such a token
     */
    public OptionalInt tokenId(String tokenText) {
        Objects.requireNonNull(tokenText, "tokenText");
        Integer other = idsByOtherText.get(tokenText);
        if (other != null) {
            return OptionalInt.of(other);
        }
        byte[] bytes = ByteLevel.toBytes(tokenText);
        int id = bytes == null || bytes.length == 0 ? -1 : index.find(bytes, 0, bytes.length);
        return id >= 0 ? OptionalInt.of(id) : OptionalInt.empty();
    }

    /**
     * The vocabulary text of a token: the literal text of a special token, the byte-level spelling of
     * an ordinary one (use {@link #decode(int[])} for the text a token stands for).
     *
     * @param id a token id
     * @return its text as written in the vocabulary
     * @throws IllegalArgumentException if {@code id} is not a token of the vocabulary
     */
    public String tokenText(int id) {
        byte[] b = bytesOf(id);
        return byteLevelSpelled[id] ? ByteLevel.toText(b, 0, b.length) : new String(b, StandardCharsets.UTF_8);
    }

    /**
     * @param id a token id
     * @return whether it is an added token (control or user-defined) rather than an ordinary BPE token
     * @throws IllegalArgumentException if {@code id} is not a token of the vocabulary
     */
    public boolean isSpecial(int id) {
        bytesOf(id);
        return special[id];
    }

    /**
     * @return the ids that end generation: EOS, the vocabulary's extra stop ids, and
     *         {@code <|eot_id|>}, {@code <|eom_id|>}, {@code <|end_of_text|>} where they are special tokens
     */
    public Set<Integer> stopIds() {
        return stopIds;
    }

    /** Buffers for one encode call, so concurrent calls share nothing. */
    private static final class Workspace {
        final IntList ends = new IntList(256);
        final BpeModel.Scratch bpe = new BpeModel.Scratch();
        private byte[] buffer = new byte[256];

        byte[] buffer(int size) {
            if (buffer.length < size) {
                buffer = new byte[Math.max(size, buffer.length * 2)];
            }
            return buffer;
        }
    }
}
