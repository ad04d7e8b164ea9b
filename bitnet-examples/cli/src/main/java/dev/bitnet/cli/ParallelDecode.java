package dev.bitnet.cli;

import dev.bitnet.BatchOptions;
import dev.bitnet.BatchRequest;
import dev.bitnet.BatchScheduler;
import dev.bitnet.BitNetModel;
import dev.bitnet.Generation;
import dev.bitnet.GenerationListener;
import dev.bitnet.GenerationOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The decode throughput of {@code n} concurrent sequences through a {@link BatchScheduler}: each
 * starts from one random token and generates {@code tokens} greedily with every stop token banned,
 * so all of them run the whole way. Timed from the step that gave every sequence its first token
 * to the last one's end, so the rate is pure decode, aggregated over the sequences.
 */
final class ParallelDecode {
    private ParallelDecode() {
    }

    /** Aggregate generated tokens per second. */
    static double run(BitNetModel m, int n, int tokens) {
        GenerationOptions.Builder options = GenerationOptions.greedy().toBuilder().maxTokens(tokens);
        if (m.hasTokenizer()) {
            for (int id : m.tokenizer().stopIds()) {
                options.logitBias(id, Double.NEGATIVE_INFINITY);
            }
        }
        GenerationOptions greedy = options.build();
        SplittableRandom random = new SplittableRandom(3);
        CountDownLatch first = new CountDownLatch(n);
        AtomicLong allStarted = new AtomicLong();
        List<BatchRequest> requests = new ArrayList<>();
        try (BatchScheduler batch = BatchScheduler.start(m, new BatchOptions(n, 0, 64))) {
            for (int i = 0; i < n; i++) {
                int[] prompt = {random.nextInt(m.config().vocabSize())};
                requests.add(batch.submit(prompt, greedy, new GenerationListener() {
                    private boolean seen;

                    @Override
                    public void onTokenId(int tokenId) {
                        if (!seen) {
                            seen = true;
                            first.countDown();
                            if (first.getCount() == 0) {
                                allStarted.set(System.nanoTime());
                            }
                        }
                    }
                }));
            }
            int generated = 0;
            for (BatchRequest r : requests) {
                Generation g = r.result().join();
                generated += g.tokenIds().length - 1;
            }
            long end = System.nanoTime();
            return generated / ((end - allStarted.get()) / 1e9);
        }
    }
}
