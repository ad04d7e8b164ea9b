package dev.bitnet.spark;

import java.util.List;

/**
 * Runs a group of rows of one partition through a model and returns their outcomes in the same order.
 * A row the model refuses (empty, longer than the context, a bad chat role) gets an error outcome; only
 * a failure of the model itself (closed, out of memory) fails the group and so the task.
 */
interface GroupDecoder extends AutoCloseable {
    List<RowOutcome> decode(List<RowRequest> group);

    /** Releases what the decoder holds, never the shared model. */
    @Override
    void close();
}
