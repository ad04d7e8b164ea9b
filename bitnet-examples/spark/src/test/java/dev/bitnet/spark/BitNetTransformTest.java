package dev.bitnet.spark;

import dev.bitnet.BitNetModel;
import dev.bitnet.Generation;
import dev.bitnet.GenerationOptions;
import dev.bitnet.LoadOptions;
import dev.bitnet.chat.ChatMessage;
import dev.bitnet.examples.demo.DemoModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The transform on a local[2] Spark against the plain library, on the demo model. One session for the class. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BitNetTransformTest {
    private static final long SEED = 42;
    private static final GenerationOptions OPTIONS = GenerationOptions.builder().maxTokens(12).temperature(0.8).seed(SEED).build();
    private static final StructType PROMPTS = new StructType().add("id", DataTypes.LongType).add("prompt", DataTypes.StringType);
    private static final String[] TEXTS = {
        "The old man said", "It was a dark", "In the morning", "She looked at", "The city of", "We have to",
        "He said that", "There is a", "The house was", "They came to", "After the war", "The first time"};

    private SparkSession spark;
    private Path modelPath;
    private BitNetModel plain;

    @BeforeAll
    void start() {
        modelPath = DemoModel.extract().orElseThrow();
        spark = TestSpark.session();
        // one thread, as each local[2] task's model has (spark.task.cpus = 1)
        plain = BitNetModel.load(modelPath, LoadOptions.builder().threads(1).build());
    }

    @AfterAll
    void stop() {
        if (plain != null) {
            plain.close();
        }
        ExecutorModels.closeAll();
    }

    private Dataset<Row> prompts(int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < TEXTS.length; i++) {
            rows.add(RowFactory.create((long) (100 + i), TEXTS[i]));
        }
        return spark.createDataFrame(rows, PROMPTS).repartition(partitions);
    }

    private BitNetTransform.Builder transform() {
        return BitNetTransform.builder(modelPath.toString()).idColumn("id").options(OPTIONS);
    }

    private static Map<Long, Row> byId(Dataset<Row> out) {
        Map<Long, Row> rows = new TreeMap<>();
        for (Row r : out.collectAsList()) {
            rows.put(r.getLong(r.fieldIndex("id")), r);
        }
        return rows;
    }

    private GenerationOptions rowOptions(Object key) {
        return OPTIONS.toBuilder().seed(RowSeeds.seedFor(SEED, key)).build();
    }

    private static void assertSameAs(Row row, Generation expected) {
        assertThat(row.<String>getAs(BitNetTransform.ERROR)).isNull();
        assertThat(row.<String>getAs(BitNetTransform.TEXT)).isEqualTo(expected.text());
        assertThat(row.<String>getAs(BitNetTransform.FINISH_REASON)).isEqualTo(expected.finishReason().jsonName());
        assertThat(row.<Integer>getAs(BitNetTransform.PROMPT_TOKENS)).isEqualTo(expected.usage().promptTokens());
        assertThat(row.<Integer>getAs(BitNetTransform.COMPLETION_TOKENS)).isEqualTo(expected.usage().generatedTokens());
    }

    @Test
    void eachRowEqualsThePlainLibrarysGenerationWithTheRowsSeed() {
        Dataset<Row> out = transform().groupSize(5).build().transform(prompts(2));

        assertThat(out.columns()).containsExactly("id", "prompt", "text", "finish_reason", "prompt_tokens",
                "completion_tokens", "error");
        Map<Long, Row> rows = byId(out);
        assertThat(rows).hasSize(TEXTS.length);
        for (int i = 0; i < TEXTS.length; i++) {
            Row row = rows.get(100L + i);
            assertThat(row.<String>getAs("prompt")).isEqualTo(TEXTS[i]);
            assertSameAs(row, plain.generate(TEXTS[i], rowOptions(100L + i)));
        }
        // sampled, not greedy: the rows' seeds differ, and so do (most of) their texts
        assertThat(rows.values().stream().map(r -> r.<String>getAs("text")).distinct().count()).isGreaterThan(TEXTS.length / 2);
    }

    @Test
    void outputDoesNotDependOnPartitioningOrGroupSize() {
        List<String> one = texts(transform().groupSize(8).build().transform(prompts(1)));
        List<String> four = texts(transform().groupSize(3).build().transform(prompts(4)));
        List<String> oneByOne = texts(transform().groupSize(1).build().transform(prompts(2)));

        assertThat(four).isEqualTo(one);
        assertThat(oneByOne).isEqualTo(one);
    }

    private static List<String> texts(Dataset<Row> out) {
        return out.collectAsList().stream()
                .sorted(Comparator.comparingLong(r -> r.getLong(r.fieldIndex("id"))))
                .map(r -> r.<String>getAs("text"))
                .toList();
    }

    @Test
    void badRowsGetAnErrorInTheirRowAndTheJobGoesOn() {
        String overContext = "the old man said ".repeat(plain.contextLength());
        List<Row> rows = List.of(
                RowFactory.create(1L, "The old man said"),
                RowFactory.create(2L, null),
                RowFactory.create(3L, ""),
                RowFactory.create(4L, overContext),
                RowFactory.create(5L, "It was a dark"));
        Dataset<Row> in = spark.createDataFrame(rows, PROMPTS).coalesce(1);

        Map<Long, Row> out = byId(transform().groupSize(2).build().transform(in));

        assertSameAs(out.get(1L), plain.generate("The old man said", rowOptions(1L)));
        assertSameAs(out.get(5L), plain.generate("It was a dark", rowOptions(5L)));
        assertThat(out.get(2L).<String>getAs("error")).isEqualTo("the prompt is null");
        assertThat(out.get(3L).<String>getAs("error")).isEqualTo("the prompt is empty");
        assertThat(out.get(4L).<String>getAs("error"))
                .startsWith("ContextOverflowException: ")
                .contains("context length is " + plain.contextLength());
        for (long id : new long[] {2, 3, 4}) {
            Row r = out.get(id);
            assertThat(r.isNullAt(r.fieldIndex("text"))).isTrue();
            assertThat(r.isNullAt(r.fieldIndex("finish_reason"))).isTrue();
            assertThat(r.isNullAt(r.fieldIndex("prompt_tokens"))).isTrue();
            assertThat(r.isNullAt(r.fieldIndex("completion_tokens"))).isTrue();
        }
    }

    @Test
    void chatMessagesColumnAnswersAsTheLibrarysChat() {
        StructType message = new StructType().add("role", DataTypes.StringType).add("content", DataTypes.StringType);
        StructType schema = new StructType().add("id", DataTypes.StringType)
                .add("messages", DataTypes.createArrayType(message));
        List<Row> rows = List.of(
                RowFactory.create("a", List.of(RowFactory.create("system", "Be brief."), RowFactory.create("user", "Tell me a story"))),
                RowFactory.create("b", List.of(RowFactory.create("user", "Where is the house?"))),
                RowFactory.create("c", List.of(RowFactory.create("robot", "beep"))),
                RowFactory.create("d", List.of()));
        Dataset<Row> in = spark.createDataFrame(rows, schema).repartition(2);

        List<Row> out = BitNetTransform.builder(modelPath.toString()).messagesColumn("messages").idColumn("id")
                .options(OPTIONS).build().transform(in).collectAsList();
        Map<String, Row> byId = new TreeMap<>();
        out.forEach(r -> byId.put(r.getString(0), r));

        assertSameAs(byId.get("a"), plain.chat(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Tell me a story")),
                rowOptions("a")));
        assertSameAs(byId.get("b"), plain.chat(List.of(ChatMessage.user("Where is the house?")), rowOptions("b")));
        assertThat(byId.get("c").<String>getAs("error")).isEqualTo("chat message 0 has role 'robot'; roles are system, user and assistant");
        assertThat(byId.get("d").<String>getAs("error")).isEqualTo("the chat messages are empty");
    }

    @Test
    void withoutAnIdColumnThePromptKeysTheSeed() {
        List<Row> rows = List.of(RowFactory.create(1L, "The old man said"), RowFactory.create(2L, "The old man said"),
                RowFactory.create(3L, "In the morning"));
        Dataset<Row> in = spark.createDataFrame(rows, PROMPTS).repartition(2);

        Map<Long, Row> out = byId(BitNetTransform.builder(modelPath.toString()).options(OPTIONS).build().transform(in));

        assertSameAs(out.get(1L), plain.generate("The old man said", rowOptions("The old man said")));
        assertSameAs(out.get(2L), plain.generate("The old man said", rowOptions("The old man said")));
        assertSameAs(out.get(3L), plain.generate("In the morning", rowOptions("In the morning")));
    }

    @Test
    void aSchemaItCannotReadFailsOnTheDriverNamingTheColumn() {
        Dataset<Row> in = prompts(1);
        assertThatThrownBy(() -> BitNetTransform.builder(modelPath.toString()).promptColumn("text_in").build().transform(in))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no prompt column 'text_in'");
        assertThatThrownBy(() -> BitNetTransform.builder(modelPath.toString()).promptColumn("id").build().transform(in))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prompt column 'id' is bigint, not string");
        assertThatThrownBy(() -> BitNetTransform.builder(modelPath.toString()).messagesColumn("prompt").build().transform(in))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chat messages column 'prompt' is string");
        assertThatThrownBy(() -> BitNetTransform.builder(modelPath.toString()).build().transform(in.withColumnRenamed("id", "text")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already has a column 'text'");
    }

    @Test
    void aMissingModelFailsTheJobNamingIt() {
        Dataset<Row> out = BitNetTransform.builder("/nonexistent/model.gguf").build().transform(prompts(1));
        assertThatThrownBy(out::collectAsList).hasStackTraceContaining("/nonexistent/model.gguf");
    }
}
