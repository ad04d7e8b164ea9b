package dev.bitnet.cli;

import dev.bitnet.BatchOptions;
import dev.bitnet.BatchRequest;
import dev.bitnet.BatchScheduler;
import dev.bitnet.BitNetModel;
import dev.bitnet.Generation;
import dev.bitnet.GenerationListener;
import dev.bitnet.GenerationOptions;
import dev.bitnet.examples.demo.DemoModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** On the demo model (a trained one, real text): concurrent requests through the scheduler equal each run alone. */
class DemoModelBatchTest {
    @Test
    void batchedRequestsGiveWhatEachGivesAlone() {
        try (BitNetModel model = BitNetModel.load(DemoModel.extract().orElseThrow())) {
            List<String> prompts = List.of("Once upon a time", "The little dog", "She opened the door and", "One day,",
                    "Tom and Lily went to the park. They");
            List<GenerationOptions> options = new ArrayList<>();
            List<BatchRequest> requests = new ArrayList<>();
            try (BatchScheduler batch = BatchScheduler.start(model, new BatchOptions(4, 16, 5))) {
                for (int i = 0; i < prompts.size(); i++) {
                    GenerationOptions o = i % 2 == 0
                            ? GenerationOptions.greedy().toBuilder().maxTokens(40).build()
                            : GenerationOptions.builder().temperature(0.8).topP(0.9).seed(i).maxTokens(40 + 7 * i).stopStrings(".\n").build();
                    options.add(o);
                    requests.add(batch.submit(prompts.get(i), o, GenerationListener.NONE));
                }
                for (int i = 0; i < prompts.size(); i++) {
                    Generation batched = requests.get(i).result().join();
                    Generation alone = model.generate(prompts.get(i), options.get(i));
                    assertThat(batched.tokenIds()).as(prompts.get(i)).containsExactly(alone.tokenIds());
                    assertThat(batched.text()).isEqualTo(alone.text());
                    assertThat(batched.finishReason()).isEqualTo(alone.finishReason());
                }
            }
        }
    }
}
