package dev.bitnet.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.bitnet.hub.HubReference;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code download hf://ORG/REPO[@REV][/PATH] [--json]}: fetches a model file or checkpoint into the
 * Hugging Face cache (shared with huggingface_hub and llama.cpp) and prints its local path.
 */
final class DownloadCommand implements Command {
    @Override
    public String name() {
        return "download";
    }

    @Override
    public String summary() {
        return "fetch a model from the Hugging Face Hub into the shared cache; print its local path";
    }

    @Override
    public String usage() {
        return "hf://ORG/REPO[@REVISION][/PATH] [--json]\n"
                + "  hf://ORG/REPO/PATH      one file (e.g. a GGUF)\n"
                + "  hf://ORG/REPO           a checkpoint (config.json, tokenizer, *.safetensors) or the repository's only GGUF\n"
                + "  --json                  print {\"reference\": ..., \"path\": ...}; no progress bar\n"
                + "  environment: HF_HUB_CACHE, HF_HOME, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE";
    }

    @Override
    public String[] switches() {
        return new String[] {"json"};
    }

    @Override
    public int run(Args args, InputStream in, PrintStream out, PrintStream err) {
        List<String> positional = args.positionals();
        ModelArgument flag = ModelArgument.optional(args);
        boolean json = args.flag("json");
        args.finish();
        if (positional.size() + (flag.isPresent() ? 1 : 0) != 1) {
            throw new UsageException("give one reference hf://ORG/REPO[@REVISION][/PATH]");
        }
        ModelArgument model = flag.isPresent() ? flag : ModelArgument.of(positional.getFirst());
        if (!model.isHubReference()) {
            throw new UsageException("'" + model.text() + "' is not a Hub reference hf://ORG/REPO[@REVISION][/PATH]");
        }
        Path path = model.resolve(err, json);
        if (json) {
            out.println(json(HubReference.parse(model.text()).toString(), path));
        } else {
            out.println(path);
        }
        return 0;
    }

    private static String json(String reference, Path path) {
        StringWriter text = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(text)) {
            g.writeStartObject();
            g.writeStringField("reference", reference);
            g.writeStringField("path", path.toString());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }
}
