package dev.bitnet.fuzz;

import dev.bitnet.BitNetModel;
import dev.bitnet.Generation;
import dev.bitnet.GenerationListener;
import dev.bitnet.GenerationOptions;
import dev.bitnet.LoadOptions;
import dev.bitnet.ModelFormatException;
import dev.bitnet.NonFiniteLogitsException;
import dev.bitnet.UnsupportedModelException;
import dev.bitnet.tokenizer.TokenizerFormatException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the model-file targets run on each input, and the exceptions they document. */
final class Targets {
    /** What {@link BitNetModel#load} and generation document for a bad file. */
    static final List<Class<? extends Throwable>> MODEL_ERRORS = List.of(ModelFormatException.class,
            UnsupportedModelException.class, TokenizerFormatException.class, NonFiniteLogitsException.class);

    static final Path FIXTURES = Path.of(System.getProperty("bitnet.fixtures", "../shared/fixtures"));
    private static final LoadOptions OPTIONS = LoadOptions.builder().kernel("scalar").threads(1).contextLength(16).build();
    private static final GenerationOptions GREEDY = GenerationOptions.builder().maxTokens(3).temperature(0).build();

    private Targets() {
    }

    static Path scratch() {
        try {
            Path dir = Path.of("target", "fuzz", "scratch");
            Files.createDirectories(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads the model, generates three tokens from a short prompt and, with a tokenizer, decodes them. */
    static void loadAndGenerate(Path path) {
        try (BitNetModel model = BitNetModel.load(path, OPTIONS)) {
            int vocab = model.config().vocabSize();
            int[] prompt = {1 % vocab, 2 % vocab, 3 % vocab};
            Generation g = model.generate(prompt, GREEDY, GenerationListener.NONE);
            if (model.hasTokenizer()) {
                model.tokenizer().decode(g.tokenIds());
                model.encode("The old man said");
            }
        }
    }
}
