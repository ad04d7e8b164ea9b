package dev.bitnet.spark;

import dev.bitnet.BitNetModel;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.TaskCompletionListener;

import java.io.Serial;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The executor side of {@link BitNetTransform}: takes the rows of a partition in groups of
 * {@code groupSize}, decodes each group together, and yields every input row with the generated columns
 * appended, in input order. Lazy: a partition is never held in memory beyond one group.
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
        GroupDecoder decoder = new SequentialDecoder(loaded);
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) t -> decoder.close());
        }
        return new Groups(rows, decoder);
    }

    /** Pulls the next group when the last one's rows are all handed out. */
    private final class Groups implements Iterator<Row> {
        private final Iterator<Row> input;
        private final GroupDecoder decoder;
        private final ArrayDeque<Row> ready = new ArrayDeque<>();

        Groups(Iterator<Row> input, GroupDecoder decoder) {
            this.input = input;
            this.decoder = decoder;
        }

        @Override
        public boolean hasNext() {
            if (ready.isEmpty() && input.hasNext()) {
                fill();
            }
            return !ready.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        private void fill() {
            List<Row> group = new ArrayList<>(groupSize);
            List<RowRequest> requests = new ArrayList<>(groupSize);
            while (group.size() < groupSize && input.hasNext()) {
                Row row = input.next();
                group.add(row);
                requests.add(layout.request(row, settings));
            }
            List<RowOutcome> outcomes = decoder.decode(requests);
            for (int i = 0; i < group.size(); i++) {
                ready.add(append(group.get(i), outcomes.get(i)));
            }
            if (!input.hasNext()) {
                decoder.close();
            }
        }
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
