package dev.bitnet.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequestParameters;

import java.util.Map;

/** Defaults that make the demo model's replies run to their token limit: end-of-text and end-of-turn banned. */
final class DemoDefaults {
    /** The demo model's end-of-text and end-of-turn ids (MODEL.md). */
    static final int EOS = 4094;
    static final int EOT = 4095;

    static final Map<Integer, Double> NO_END = Map.of(EOS, Double.NEGATIVE_INFINITY, EOT, Double.NEGATIVE_INFINITY);

    static final ChatRequestParameters PARAMETERS = BitNetChatRequestParameters.builder().logitBias(NO_END).build();

    private DemoDefaults() {
    }
}
