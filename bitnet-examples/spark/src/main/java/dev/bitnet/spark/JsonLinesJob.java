package dev.bitnet.spark;

import dev.bitnet.GenerationOptions;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.jetbrains.annotations.Nullable;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

/**
 * The {@code bitnet-spark} job: reads JSON Lines of {@code {"id": ..., "prompt": ...}} (or
 * {@code "messages": [{"role": ..., "content": ...}, ...]} instead of a prompt), runs
 * {@link BitNetTransform} over them, and writes JSON Lines of
 * {@code {"id", "text", "finish_reason", "usage": {"prompt_tokens", "completion_tokens", "total_tokens"}}}
 * (a row the model could not run has {@code "error"} instead of the others) as Spark part files in the
 * output directory, in input order.
 *
 * <pre>
 * bitnet-spark --model M --input prompts.jsonl --output DIR [--master local[2]]
 *              [--max-tokens N] [--temperature T] [--seed S] [--partitions N] [--group-size N]
 * </pre>
 * Run it with {@code bitnet-examples/spark/bitnet-spark} on one machine, or with {@code spark-submit
 * --class dev.bitnet.spark.JsonLinesJob bitnet-spark.jar ...} on a cluster. Without {@code --master} it uses
 * the master spark-submit gives, else {@code local[*]}.
 */
public final class JsonLinesJob {
    private static final String LINE = "__bitnet_line";

    private JsonLinesJob() {
    }

    /** The job's settings, from the command line. */
    record Arguments(String model, String input, String output, @Nullable String master, GenerationOptions options,
                     int partitions, int groupSize) {

        static Arguments parse(String[] args) {
            String model = null;
            String input = null;
            String output = null;
            String master = null;
            int partitions = 0;
            int groupSize = BitNetTransform.DEFAULT_GROUP_SIZE;
            GenerationOptions.Builder options = GenerationOptions.defaults().toBuilder();
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                if (flag.equals("-h") || flag.equals("--help")) {
                    throw new UsageException(null);
                }
                if (i + 1 >= args.length) {
                    throw new UsageException(flag + " needs a value");
                }
                String value = args[++i];
                try {
                    switch (flag) {
                        case "--model" -> model = value;
                        case "--input" -> input = value;
                        case "--output" -> output = value;
                        case "--master" -> master = value;
                        case "--max-tokens" -> options.maxTokens(Integer.parseInt(value));
                        case "--temperature" -> options.temperature(Double.parseDouble(value));
                        case "--seed" -> options.seed(Long.parseLong(value));
                        case "--partitions" -> partitions = positive(flag, Integer.parseInt(value));
                        case "--group-size" -> groupSize = positive(flag, Integer.parseInt(value));
                        default -> throw new UsageException("unknown option " + flag);
                    }
                } catch (NumberFormatException e) {
                    throw new UsageException(flag + " needs a number, got '" + value + "'");
                } catch (IllegalArgumentException e) {
                    if (e instanceof UsageException u) {
                        throw u;
                    }
                    throw new UsageException(flag + ": " + e.getMessage());
                }
            }
            List<String> missing = new ArrayList<>();
            if (model == null) {
                missing.add("--model");
            }
            if (input == null) {
                missing.add("--input");
            }
            if (output == null) {
                missing.add("--output");
            }
            if (!missing.isEmpty()) {
                throw new UsageException("missing " + String.join(", ", missing));
            }
            return new Arguments(model, input, output, master, options.build(), partitions, groupSize);
        }

        private static int positive(String flag, int value) {
            if (value < 1) {
                throw new UsageException(flag + " must be at least 1, got " + value);
            }
            return value;
        }
    }

    /** A command line this job cannot run; the message says why (null: the usage was asked for). */
    static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UsageException(@Nullable String message) {
            super(message);
        }
    }

    static final String USAGE = """
            usage: bitnet-spark --model M --input prompts.jsonl --output DIR [--master local[2]]
                                [--max-tokens N] [--temperature T] [--seed S] [--partitions N] [--group-size N]
              input lines:  {"id": ..., "prompt": "..."}  or  {"id": ..., "messages": [{"role": "user", "content": "..."}]}
              output lines: {"id", "text", "finish_reason", "usage": {"prompt_tokens", "completion_tokens", "total_tokens"}},
                            or {"id", "error"} for a row the model could not run
              --partitions  partitions to spread the rows over (default: Spark's default parallelism)
              --group-size  rows a task decodes together (default 8)""";

    /** Runs the job; exit status 0 on success, 2 on a bad command line, 1 on a failure. */
    public static void main(String[] args) {
        System.exit(run(args, System.err));
    }

    static int run(String[] args, PrintStream err) {
        Arguments a;
        try {
            a = Arguments.parse(args);
        } catch (UsageException e) {
            if (e.getMessage() != null) {
                err.println("bitnet-spark: " + e.getMessage());
            }
            err.println(USAGE);
            return e.getMessage() == null ? 0 : 2;
        }
        SparkSession.Builder builder = SparkSession.builder().appName("bitnet-spark");
        if (a.master() != null) {
            builder.master(a.master());
        } else if (System.getProperty("spark.master") == null) {
            builder.master("local[*]");
        }
        SparkSession spark = builder.getOrCreate();
        try {
            Summary s = run(spark, a);
            err.println(s.describe());
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("bitnet-spark: " + e.getMessage());
            return 1;
        } finally {
            spark.stop();
        }
    }

    /** What a run did, and how fast. */
    record Summary(long rows, long errors, long promptTokens, long completionTokens, double seconds, int partitions) {
        String describe() {
            return String.format(Locale.ROOT, "bitnet-spark: %d rows (%d errors) in %d partitions, %.2f s: %.2f rows/s, "
                            + "%.1f generated tokens/s (%d prompt, %d generated tokens)",
                    rows, errors, partitions, seconds, rows / seconds, completionTokens / seconds, promptTokens, completionTokens);
        }
    }

    /** Runs the job in {@code spark}, which it leaves running. */
    static Summary run(SparkSession spark, Arguments a) {
        Dataset<Row> input = spark.read().json(a.input());
        List<String> columns = Arrays.asList(input.columns());
        BitNetTransform.Builder transform = BitNetTransform.builder(a.model()).options(a.options()).groupSize(a.groupSize());
        if (!columns.contains("prompt") && columns.contains("messages")) {
            transform.messagesColumn("messages");
        } else {
            transform.promptColumn("prompt");
        }
        boolean hasId = columns.contains("id");
        if (hasId) {
            transform.idColumn("id");
        }
        int partitions = a.partitions() > 0 ? a.partitions()
                : Math.max(input.rdd().getNumPartitions(), spark.sparkContext().defaultParallelism());
        // Range partitioning on the line number spreads the rows over the cores and keeps them in input order
        // (its sampling pass reads the input, not the generated output, so nothing is generated twice).
        Dataset<Row> spread = input.withColumn(LINE, monotonically_increasing_id()).repartitionByRange(partitions, col(LINE));
        Dataset<Row> generated = transform.build().transform(spread);
        Column usage = when(col(BitNetTransform.ERROR).isNull(), struct(
                col(BitNetTransform.PROMPT_TOKENS).as("prompt_tokens"),
                col(BitNetTransform.COMPLETION_TOKENS).as("completion_tokens"),
                col(BitNetTransform.PROMPT_TOKENS).plus(col(BitNetTransform.COMPLETION_TOKENS)).as("total_tokens")));
        List<Column> out = new ArrayList<>();
        if (hasId) {
            out.add(col("id"));
        }
        out.add(col(BitNetTransform.TEXT));
        out.add(col(BitNetTransform.FINISH_REASON));
        out.add(usage.as("usage"));
        out.add(col(BitNetTransform.ERROR));
        long start = System.nanoTime();
        generated.select(out.toArray(Column[]::new)).write().json(a.output());
        double seconds = (System.nanoTime() - start) / 1e9;
        Row totals = spark.read().schema(generated.select(out.toArray(Column[]::new)).schema()).json(a.output())
                .selectExpr("count(*)", "count(error)", "coalesce(sum(usage.prompt_tokens), 0)",
                        "coalesce(sum(usage.completion_tokens), 0)")
                .first();
        return new Summary(totals.getLong(0), totals.getLong(1), totals.getLong(2), totals.getLong(3), seconds, partitions);
    }
}
