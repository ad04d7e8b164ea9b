package dev.bitnet.spark;

import dev.bitnet.BitNetModel;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.TaskCompletionListener;

import java.io.Serial;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;

/**
 * The executor side of {@link BitNetTransform}: submits the rows of a partition to a {@link RowDecoder}
 * that decodes {@code groupSize} of them together, and yields every input row with the generated columns
 * appended, in input order. Lazy: a partition is never held in memory beyond the rows in flight.
 */
final class PartitionGenerator implements MapPartitionsFunction<Row, Row> {
    @Serial
    private static final long serialVersionUID = 1L;

    private final ModelSpec model;
    private final GenerationSettings settings;
    private final InputLayout layout;
    private final int groupSize;

    PartitionGenerator(ModelSpec model, GenerationSettings settings, InputLayout layout, int groupSize) {
        this.model = model;
        this.settings = settings;
        this.layout = layout;
        this.groupSize = groupSize;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) {
            // an empty partition loads nothing
            return rows;
        }
        TaskContext task = TaskContext.get();
        int taskCpus = task == null ? 1 : task.cpus();
        BitNetModel loaded = ExecutorModels.get(model.withThreadsIfUnset(taskCpus));
        RowDecoder decoder = new SchedulerDecoder(loaded, groupSize, window());
        if (task != null) {
            // also when the task fails or is killed half-way through its partition
            task.addTaskCompletionListener((TaskCompletionListener) t -> decoder.close());
        }
        return new Window(rows, decoder);
    }

    /**
     * Rows a task keeps in flight: twice the group, so that a row finishing before the oldest one (which
     * must be handed out first) leaves its slot to a waiting row instead of empty.
     */
    private int window() {
        return 2 * groupSize;
    }

    /**
     * Hands out the rows in input order while keeping up to {@link #window()} of them submitted ahead, so
     * the decoder has a group to decode together; as the oldest row is handed out, the next is submitted.
     */
    private final class Window implements Iterator<Row> {
        private final Iterator<Row> input;
        private final RowDecoder decoder;
        private final ArrayDeque<Pending> pending = new ArrayDeque<>();

        Window(Iterator<Row> input, RowDecoder decoder) {
            this.input = input;
            this.decoder = decoder;
        }

        @Override
        public boolean hasNext() {
            while (pending.size() < window() && input.hasNext()) {
                Row row = input.next();
                pending.add(new Pending(row, decoder.submit(layout.request(row, settings))));
            }
            if (pending.isEmpty()) {
                decoder.close();
                return false;
            }
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Pending p = pending.poll();
            return append(p.row(), p.outcome().join());
        }
    }

    private record Pending(Row row, CompletableFuture<RowOutcome> outcome) {
    }

    private static Row append(Row row, RowOutcome outcome) {
        Object[] added = outcome.values();
        Object[] values = new Object[row.length() + added.length];
        for (int i = 0; i < row.length(); i++) {
            values[i] = row.get(i);
        }
        System.arraycopy(added, 0, values, row.length(), added.length);
        return RowFactory.create(values);
    }
}
