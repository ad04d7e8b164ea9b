package dev.bitnet.springai;

import dev.bitnet.structured.ResponseFormat;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.test.options.AbstractChatOptionsTests;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Spring AI's shared builder and mutate() tests, plus the bitnet fields. */
class BitNetChatOptionsTests extends AbstractChatOptionsTests<BitNetChatOptions, BitNetChatOptions.Builder> {

    @Override
    protected Class<BitNetChatOptions> getConcreteOptionsClass() {
        return BitNetChatOptions.class;
    }

    @Override
    protected BitNetChatOptions.Builder readyToBuildBuilder() {
        return full();
    }

    private static BitNetChatOptions.Builder full() {
        return BitNetChatOptions.builder().model("m.gguf").temperature(0.5).topP(0.9).topK(20).maxTokens(64)
                .stopSequences(List.of("END")).frequencyPenalty(0.1).presencePenalty(0.2)
                .seed(7L).minP(0.03).repeatPenalty(1.1).logitBias(Map.of(5, -1.0))
                .responseFormat(ResponseFormat.Kind.JSON_SCHEMA).outputSchema("{\"type\":\"object\"}");
    }

    @Test
    void mutateKeepsEveryFieldAndTheCopyIsIndependent() {
        BitNetChatOptions options = full().build();
        BitNetChatOptions same = options.mutate().build();
        assertThat(same).isEqualTo(options).hasSameHashCodeAs(options);
        BitNetChatOptions changed = options.mutate().seed(8L).logitBias(Map.of(6, 2.0)).build();
        assertThat(options.getSeed()).isEqualTo(7L);
        assertThat(options.getLogitBias()).isEqualTo(Map.of(5, -1.0));
        assertThat(changed.getSeed()).isEqualTo(8L);
        assertThat(changed.getTemperature()).isEqualTo(0.5);
    }

    @Test
    void combineWithTakesTheBitNetFieldsAndTheStandardOnes() {
        BitNetChatOptions combined = BitNetChatOptions.builder().temperature(0.1).seed(1L).minP(0.2)
                .responseFormat(ResponseFormat.Kind.JSON_OBJECT)
                .combineWith(BitNetChatOptions.builder().seed(2L).repeatPenalty(1.3).topK(3).outputSchema("{}"))
                .combineWith(ChatOptions.builder().temperature(0.9))
                .build();
        assertThat(combined).isEqualTo(BitNetChatOptions.builder().temperature(0.9).seed(2L).minP(0.2).repeatPenalty(1.3)
                .topK(3).responseFormat(ResponseFormat.Kind.JSON_OBJECT).outputSchema("{}").build());
    }

    @Test
    void cloneIsIndependent() {
        BitNetChatOptions.Builder b = full();
        BitNetChatOptions.Builder copy = b.clone();
        copy.logitBias(Map.of(9, 1.0)).seed(99L);
        assertThat(b.build().getLogitBias()).isEqualTo(Map.of(5, -1.0));
        assertThat(b.build().getSeed()).isEqualTo(7L);
    }

    @Test
    void optionsAreImmutable() {
        BitNetChatOptions options = full().build();
        assertThatThrownBy(() -> options.getStopSequences().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> options.getLogitBias().put(1, 1.0)).isInstanceOf(UnsupportedOperationException.class);
    }
}
