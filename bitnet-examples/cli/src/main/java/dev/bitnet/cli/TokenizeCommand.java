package dev.bitnet.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import dev.bitnet.tokenizer.EncodeOptions;
import dev.bitnet.tokenizer.PreTokenizerKind;
import dev.bitnet.tokenizer.Tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code bitnet tokenize}: reads JSON Lines on stdin and writes one JSON line per input line, in
 * order: {@code {"text": ...}} becomes {@code {"ids": [...]}}, or with {@code --decode}
 * {@code {"ids": [...]}} becomes {@code {"text": ...}}. Other fields of an input object are ignored,
 * so a corpus file of {@code {"text", "ids"}} rows can be fed as it is. Blank lines are skipped.
 */
final class TokenizeCommand implements Command {
    // Non-ASCII text is written as JSON unicode escapes so the output is the same whatever the console's charset.
    private static final JsonFactory JSON = JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private final Function<Path, Tokenizer> modelTokenizer;

    /** A command that reads tokenizers from {@code tokenizer.json} files only. */
    TokenizeCommand() {
        this.modelTokenizer = null;
    }

    /**
     * @param modelTokenizer reads the tokenizer stored in a model file, for {@code --model}
     */
    TokenizeCommand(Function<Path, Tokenizer> modelTokenizer) {
        this.modelTokenizer = modelTokenizer;
    }

    @Override
    public String name() {
        return "tokenize";
    }

    @Override
    public String summary() {
        return "text to token ids (or back with --decode), JSON Lines on stdin and stdout";
    }

    @Override
    public String usage() {
        return "(--tokenizer tokenizer.json | --model FILE.gguf|hf://ORG/REPO/FILE.gguf) [--decode] [--bos] [--no-special]"
                + " [--pre llama3|llama-cpp-default]  < in.jsonl > out.jsonl\n"
                + "  input lines {\"text\": \"...\"} give {\"ids\": [...]}; with --decode {\"ids\": [...]} give {\"text\": \"...\"}\n"
                + "  --bos         put the BOS token first\n"
                + "  --no-special  encode special-token text such as <|eot_id|> as plain text\n"
                + "  --pre         split of a tokenizer.json: llama3 (default) or llama-cpp-default (bitnet.cpp parity)";
    }

    @Override
    public String[] switches() {
        return new String[] {"decode", "bos", "no-special"};
    }

    @Override
    public int run(Args args, InputStream in, PrintStream out, PrintStream err) throws IOException {
        Optional<Path> tokenizerJson = args.path("tokenizer");
        ModelArgument model = ModelArgument.optional(args);
        boolean decode = args.flag("decode");
        EncodeOptions options = new EncodeOptions(args.flag("bos"), !args.flag("no-special"));
        Optional<PreTokenizerKind> pre = args.string("pre").map(TokenizeCommand::preTokenizer);
        args.finish();
        if (tokenizerJson.isPresent() == model.isPresent()) {
            throw new UsageException("give exactly one of --tokenizer and --model");
        }
        if (decode && (options.addBos() || !options.parseSpecialTokens())) {
            throw new UsageException("--bos and --no-special apply to encoding, not to --decode");
        }
        Tokenizer tokenizer;
        if (tokenizerJson.isPresent()) {
            tokenizer = pre.isPresent() ? Tokenizer.fromTokenizerJson(tokenizerJson.get(), pre.get())
                    : Tokenizer.fromTokenizerJson(tokenizerJson.get());
        } else {
            if (modelTokenizer == null) {
                throw new UsageException("--model is not available in this build; use --tokenizer tokenizer.json");
            }
            if (pre.isPresent()) {
                throw new UsageException("--pre applies to --tokenizer; a model file's tokenizer uses its own split");
            }
            tokenizer = modelTokenizer.apply(model.resolve(err, false));
        }
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        int lineNo = 0;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            try {
                out.print(decode ? decodeLine(tokenizer, line) : encodeLine(tokenizer, line, options));
                out.print('\n');
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("input line " + lineNo + " is not valid JSON: " + e.getOriginalMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("input line " + lineNo + ": " + e.getMessage(), e);
            }
        }
        out.flush();
        return 0;
    }

    private static PreTokenizerKind preTokenizer(String name) {
        return switch (name) {
            case "llama3" -> PreTokenizerKind.LLAMA3;
            case "llama-cpp-default" -> PreTokenizerKind.LLAMA_CPP_DEFAULT;
            default -> throw new UsageException("--pre expects llama3 or llama-cpp-default, got '" + name + "'");
        };
    }

    private static String encodeLine(Tokenizer tokenizer, String line, EncodeOptions options) throws IOException {
        String text = null;
        try (JsonParser p = objectParser(line)) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("text") && value == JsonToken.VALUE_STRING) {
                    text = p.getText();
                } else {
                    p.skipChildren();
                }
            }
        }
        if (text == null) {
            throw new IllegalArgumentException("no \"text\" string");
        }
        int[] ids = tokenizer.encode(text, options);
        StringWriter w = new StringWriter(ids.length * 7 + 16);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeFieldName("ids");
            g.writeArray(ids, 0, ids.length);
            g.writeEndObject();
        }
        return w.toString();
    }

    private static String decodeLine(Tokenizer tokenizer, String line) throws IOException {
        int[] ids = null;
        try (JsonParser p = objectParser(line)) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("ids") && value == JsonToken.START_ARRAY) {
                    ids = readIds(p);
                } else {
                    p.skipChildren();
                }
            }
        }
        if (ids == null) {
            throw new IllegalArgumentException("no \"ids\" array");
        }
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("text", tokenizer.decode(ids));
            g.writeEndObject();
        }
        return w.toString();
    }

    private static int[] readIds(JsonParser p) throws IOException {
        int[] ids = new int[16];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT) {
                throw new IllegalArgumentException("\"ids\" holds " + p.getText() + ", not an integer");
            }
            if (n == ids.length) {
                ids = Arrays.copyOf(ids, n * 2);
            }
            ids[n++] = p.getIntValue();
        }
        return Arrays.copyOf(ids, n);
    }

    private static JsonParser objectParser(String line) throws IOException {
        JsonParser p = JSON.createParser(line);
        if (p.nextToken() != JsonToken.START_OBJECT) {
            p.close();
            throw new IllegalArgumentException("expected a JSON object");
        }
        return p;
    }
}
