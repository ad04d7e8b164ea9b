package dev.bitnet.spark;

import dev.bitnet.BitNetException;
import dev.bitnet.BitNetModel;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link GroupDecoder} that runs the rows of a group one after another with
 * {@link BitNetModel#generate} / {@link BitNetModel#chat}: the stand-in until bitnet-core's batch
 * scheduler, which advances a whole group in each forward pass, is available to this module. The results
 * are the same either way (a sequence decoded in a batch equals decoding it alone); only the throughput
 * differs.
 */
final class SequentialDecoder implements GroupDecoder {
    private final BitNetModel model;

    SequentialDecoder(BitNetModel model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    @Override
    public List<RowOutcome> decode(List<RowRequest> group) {
        List<RowOutcome> out = new ArrayList<>(group.size());
        for (RowRequest r : group) {
            out.add(decode(r));
        }
        return out;
    }

    private RowOutcome decode(RowRequest r) {
        if (r.invalid() != null) {
            return RowOutcome.failed(r.invalid());
        }
        try {
            return RowOutcome.of(r.messages() != null
                    ? model.chat(r.messages(), r.options())
                    : model.generate(r.prompt(), r.options()));
        } catch (BitNetException | IllegalArgumentException e) {
            // the row's own fault (context overflow, no tokens, an id outside the vocabulary): it stays in the
            // output with its error, and the rest of the partition goes on
            return RowOutcome.failed(e);
        }
    }

    @Override
    public void close() {
        // nothing of its own: the model is shared by the JVM's tasks
    }
}
