package dev.bitnet.spark;

import dev.bitnet.GenerationOptions;
import dev.bitnet.structured.ResponseFormat;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The options survive the trip to the executors field by field, as Spark ships them (Java serialization). */
class GenerationSettingsTest {
    private static GenerationSettings shipped(GenerationOptions options) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(GenerationSettings.of(options));
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (GenerationSettings) in.readObject();
        }
    }

    @Test
    void everyFieldIncludingTheResponseFormatArrives() throws Exception {
        GenerationOptions given = GenerationOptions.builder().maxTokens(17).stopStrings(List.of("\n\n"))
                .stopTokenIds(List.of(3)).temperature(0.4).topK(9).topP(0.8).minP(0.1).repeatPenalty(1.2)
                .frequencyPenalty(0.3).presencePenalty(0.2).penaltyWindow(32).logitBias(Map.of(5, -2f)).seed(11L)
                .responseFormat(ResponseFormat.jsonSchema("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}"))
                .build();
        assertThat(shipped(given).toOptions()).isEqualTo(given);
        for (ResponseFormat f : List.of(ResponseFormat.text(), ResponseFormat.jsonValue(), ResponseFormat.jsonObject())) {
            GenerationOptions o = GenerationOptions.builder().responseFormat(f).build();
            assertThat(shipped(o).toOptions().responseFormat()).isEqualTo(f);
        }
    }
}
