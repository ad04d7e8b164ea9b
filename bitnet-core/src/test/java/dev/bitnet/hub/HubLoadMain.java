package dev.bitnet.hub;

import dev.bitnet.BitNetModel;
import dev.bitnet.GenerationListener;
import dev.bitnet.GenerationOptions;

import java.util.Arrays;

/** Run in a child process by {@link HubModelLoadTest}: loads {@code args[0]} with the real environment, prints greedy ids. */
public final class HubLoadMain {
    private HubLoadMain() {
    }

    public static void main(String[] args) {
        try (BitNetModel model = BitNetModel.load(args[0])) {
            int[] ids = model.generate(HubModelLoadTest.PROMPT, GenerationOptions.greedy().toBuilder().maxTokens(8).build(),
                    GenerationListener.NONE).tokenIds();
            System.out.println("path=" + model.path());
            System.out.println("ids=" + Arrays.toString(ids));
        }
    }
}
