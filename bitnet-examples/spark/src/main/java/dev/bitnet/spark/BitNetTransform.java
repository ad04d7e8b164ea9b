package dev.bitnet.spark;

import dev.bitnet.GenerationOptions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.jetbrains.annotations.Nullable;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Generates text for every row of a Spark {@link Dataset}: the rows come back unchanged, with the columns
 * {@value #TEXT}, {@value #FINISH_REASON}, {@value #PROMPT_TOKENS}, {@value #COMPLETION_TOKENS} and
 * {@value #ERROR} appended.
 *
 * <pre>{@code
 * Dataset<Row> out = BitNetTransform.builder("/models/ggml-model-i2_s.gguf")
 *         .promptColumn("prompt").idColumn("id")
 *         .options(GenerationOptions.builder().maxTokens(64).temperature(0.7).seed(42).build())
 *         .build()
 *         .transform(prompts);
 * }</pre>
 *
 * <p>How it runs: each executor JVM loads the model once, lazily, on the first task that needs it, and
 * shares it between its tasks (memory-mapped, thread-safe); the model is closed when the JVM exits. A
 * task runs its partition's rows through a {@link dev.bitnet.BatchScheduler} of its own, which decodes
 * {@link Builder#groupSize(int)} of them together, advancing all in one forward pass per token (each
 * weight read once for the group). The model computes on as many threads as the task has CPUs
 * ({@code spark.task.cpus}) unless {@link Builder#threads(int)} says otherwise.
 *
 * <p>Deterministic: with a seed in the options, each row samples with a seed of its own derived from
 * that seed and the row's id ({@link RowSeeds#seedFor}; the prompt or conversation itself when there is no
 * id column), so a row's text does not depend on partitioning, executor count or task retries. Without a
 * seed every row draws a random one (temperature 0 needs none).
 *
 * <p>A row the model cannot run (a null or empty prompt, one longer than the context, a chat message
 * with an unknown role) keeps its place in the output with {@value #ERROR} saying why and the other
 * generated columns null; it never fails the job. A model that cannot be loaded does fail the task.
 *
 * <p>Immutable and thread-safe; only its settings travel to the executors, never a model.
 */
public final class BitNetTransform {
    /** The generated text (a matched stop string excluded). */
    public static final String TEXT = "text";
    /** Why generation ended: {@code stop}, {@code length} or {@code cancelled}. */
    public static final String FINISH_REASON = "finish_reason";
    /** Tokens of the prompt (or the rendered conversation). */
    public static final String PROMPT_TOKENS = "prompt_tokens";
    /** Tokens generated. */
    public static final String COMPLETION_TOKENS = "completion_tokens";
    /** Why the row was not run; null for a row that was. */
    public static final String ERROR = "error";
    /** Rows a task decodes together unless told otherwise. */
    public static final int DEFAULT_GROUP_SIZE = 8;

    private static final List<String> OUTPUT = List.of(TEXT, FINISH_REASON, PROMPT_TOKENS, COMPLETION_TOKENS, ERROR);

    private final ModelSpec model;
    private final GenerationSettings settings;
    private final @Nullable String promptColumn;
    private final @Nullable String messagesColumn;
    private final @Nullable String idColumn;
    private final int groupSize;

    private BitNetTransform(Builder b) {
        this.model = new ModelSpec(b.model, b.threads, b.contextLength);
        this.settings = GenerationSettings.of(b.options);
        this.promptColumn = b.messagesColumn == null ? b.promptColumn : null;
        this.messagesColumn = b.messagesColumn;
        this.idColumn = b.idColumn;
        this.groupSize = b.groupSize;
    }

    /**
     * A builder for a transform running the model at {@code model}: a GGUF file or Hugging Face checkpoint
     * directory at a path that every executor can read, the bare name of a file shipped to the executors
     * ({@code spark-submit --files /models/ggml-model-i2_s.gguf} and then {@code ggml-model-i2_s.gguf}), or a
     * Hugging Face Hub reference {@code hf://ORG/REPO[@REVISION][/PATH]}, which each executor downloads into
     * (or finds in) its own Hub cache, as {@link dev.bitnet.BitNetModel#load(String)} does.
     */
    public static Builder builder(String model) {
        return new Builder(model);
    }

    /**
     * The rows of {@code input} with the generated columns appended. Lazy, like every Spark transformation:
     * nothing runs until an action.
     *
     * @throws IllegalArgumentException if the input lacks the prompt, messages or id column, a column has
     *                                  the wrong type, or the input already has a column of the output's names
     */
    public Dataset<Row> transform(Dataset<Row> input) {
        Objects.requireNonNull(input, "input");
        StructType schema = input.schema();
        InputLayout layout = InputLayout.of(schema, promptColumn, messagesColumn, idColumn);
        return input.mapPartitions(new PartitionGenerator(model, settings, layout, groupSize),
                Encoders.row(outputSchema(schema)));
    }

    /** The schema of {@link #transform}'s result for an input of schema {@code input}. */
    public static StructType outputSchema(StructType input) {
        List<String> names = Arrays.asList(input.fieldNames());
        for (String name : OUTPUT) {
            if (names.contains(name)) {
                throw new IllegalArgumentException("the input already has a column '" + name
                        + "', which the transform adds; rename or drop it first");
            }
        }
        return input
                .add(new StructField(TEXT, DataTypes.StringType, true, Metadata.empty()))
                .add(new StructField(FINISH_REASON, DataTypes.StringType, true, Metadata.empty()))
                .add(new StructField(PROMPT_TOKENS, DataTypes.IntegerType, true, Metadata.empty()))
                .add(new StructField(COMPLETION_TOKENS, DataTypes.IntegerType, true, Metadata.empty()))
                .add(new StructField(ERROR, DataTypes.StringType, true, Metadata.empty()));
    }

    /** The options every row runs with (the base seed, when given, is replaced by each row's own). */
    public GenerationOptions options() {
        return settings.toOptions();
    }

    /** Rows a task decodes together. */
    public int groupSize() {
        return groupSize;
    }

    /** Collects a {@link BitNetTransform}'s settings; each setter checks its value at once. Not thread-safe. */
    public static final class Builder {
        private final String model;
        private String promptColumn = "prompt";
        private @Nullable String messagesColumn;
        private @Nullable String idColumn;
        private GenerationOptions options = GenerationOptions.defaults();
        private int groupSize = DEFAULT_GROUP_SIZE;
        private int threads;
        private int contextLength;

        private Builder(String model) {
            this.model = Objects.requireNonNull(model, "model");
            if (model.isBlank()) {
                throw new IllegalArgumentException("the model location is blank");
            }
        }

        /** The string column holding each row's prompt; {@code prompt} by default. */
        public Builder promptColumn(String column) {
            this.promptColumn = requireName(column, "promptColumn");
            this.messagesColumn = null;
            return this;
        }

        /**
         * Reads a conversation per row instead of a prompt: an {@code array<struct<role:string,content:string>>}
         * column (roles {@code system}, {@code user}, {@code assistant}), answered with the model's chat template
         * as {@link dev.bitnet.BitNetModel#chat} does.
         */
        public Builder messagesColumn(String column) {
            this.messagesColumn = requireName(column, "messagesColumn");
            return this;
        }

        /**
         * The column whose value keys each row's seed (see {@link RowSeeds}); without one the row's prompt or
         * conversation keys it, so equal prompts then sample equal text.
         */
        public Builder idColumn(String column) {
            this.idColumn = requireName(column, "idColumn");
            return this;
        }

        /** The options of every row; {@link GenerationOptions#defaults()} unless set. */
        public Builder options(GenerationOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Shorthand for changing {@link GenerationOptions#maxTokens()}. */
        public Builder maxTokens(int maxTokens) {
            this.options = options.toBuilder().maxTokens(maxTokens).build();
            return this;
        }

        /** Shorthand for changing {@link GenerationOptions#temperature()}. */
        public Builder temperature(double temperature) {
            this.options = options.toBuilder().temperature(temperature).build();
            return this;
        }

        /** Shorthand for changing the base seed the rows' seeds derive from. */
        public Builder seed(long seed) {
            this.options = options.toBuilder().seed(seed).build();
            return this;
        }

        /**
         * Rows a task decodes together (the batch scheduler's sequences), at least 1;
         * {@link BitNetTransform#DEFAULT_GROUP_SIZE} by default. 1 decodes one row after another.
         */
        public Builder groupSize(int groupSize) {
            if (groupSize < 1) {
                throw new IllegalArgumentException("groupSize must be at least 1, got " + groupSize);
            }
            this.groupSize = groupSize;
            return this;
        }

        /** The model's compute threads in each executor JVM; by default the CPUs of a task ({@code spark.task.cpus}). */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** The sessions' context length; the model's own by default. */
        public Builder contextLength(int contextLength) {
            if (contextLength < 1) {
                throw new IllegalArgumentException("contextLength must be at least 1, got " + contextLength);
            }
            this.contextLength = contextLength;
            return this;
        }

        /** The transform. */
        public BitNetTransform build() {
            return new BitNetTransform(this);
        }

        private static String requireName(String column, String what) {
            Objects.requireNonNull(column, what);
            if (column.isBlank()) {
                throw new IllegalArgumentException(what + " is blank");
            }
            return column;
        }
    }
}
