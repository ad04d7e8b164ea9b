package dev.bitnet.spark;

import java.io.Serial;
import java.io.Serializable;
import java.util.Objects;

/**
 * Which model an executor loads and how: what the driver ships to the executors instead of weights, and
 * the key of {@link ExecutorModels}.
 *
 * @param location      a file or checkpoint directory every executor can read at this path (a shared file
 *                      system), the name of a file shipped to every executor with {@code spark-submit --files},
 *                      or an {@code hf://} Hub reference
 * @param threads       compute threads of the model; 0 means the task's CPUs ({@code spark.task.cpus})
 * @param contextLength the sessions' context length; 0 means the model's own
 */
record ModelSpec(String location, int threads, int contextLength) implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    ModelSpec {
        Objects.requireNonNull(location, "location");
        if (location.isBlank()) {
            throw new IllegalArgumentException("the model location is blank");
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be at least 0 (0: spark.task.cpus), got " + threads);
        }
        if (contextLength < 0) {
            throw new IllegalArgumentException("contextLength must be at least 0 (0: the model's own), got " + contextLength);
        }
    }

    /** This spec with the thread count settled ({@code threads} when it is 0). */
    ModelSpec withThreadsIfUnset(int taskCpus) {
        return threads > 0 ? this : new ModelSpec(location, Math.max(1, taskCpus), contextLength);
    }
}
