package dev.bitnet.sampling;

import com.sun.management.ThreadMXBean;
import dev.bitnet.GenerationOptions;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SamplerChainTest {

    @Test
    void stagesRunInOrderAndAcceptReachesEveryStage() {
        List<String> calls = new ArrayList<>();
        LogitsProcessor first = new LogitsProcessor() {
            @Override
            public void apply(Candidates c) {
                calls.add("first");
                c.setLogit(0, 10f);
            }

            @Override
            public void accept(int tokenId) {
                calls.add("first accepts " + tokenId);
            }
        };
        LogitsProcessor second = c -> {
            calls.add("second sees " + c.logit(0));
        };
        SamplerChain chain = new SamplerChain(List.of(first, second), new GreedySelector());
        assertThat(chain.sample(new float[] {0f, 1f})).isZero();
        chain.accept(0);
        assertThat(calls).containsExactly("first", "second sees 10.0", "first accepts 0");
    }

    @Test
    void sampleAllocatesNothingAfterTheFirstCallOnAFullVocabulary() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        int vocab = 128_256;
        Random random = new Random(1);
        float[][] logits = new float[4][vocab];
        for (float[] row : logits) {
            for (int i = 0; i < vocab; i++) {
                row[i] = (float) (random.nextGaussian() * 3);
            }
        }
        Sampler sampler = Sampler.fromOptions(GenerationOptions.builder().repeatPenalty(1.1).seed(1).build(), vocab);
        for (int i = 0; i < 300; i++) {
            sampler.accept(sampler.sample(logits[i % 4]));
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 200; i++) {
            sampler.accept(sampler.sample(logits[i % 4]));
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as("bytes allocated by 200 samples").isLessThan(64 * 1024);
    }
}
