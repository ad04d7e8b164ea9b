package dev.bitnet.springai;

import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.AdvisorParams;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.converter.BeanOutputConverter;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Native structured output through {@link ChatClient} on the demo model: the JSON schema of the entity type is
 * enforced while sampling, so even a model that writes stories, not JSON, returns a parsable record.
 */
class StructuredOutputTest {
    private final BitNetChatModel chatModel = BitNetChatModel.builder().model(TestModels.demo()).build();

    enum Species { CAT, DOG, BIRD }

    /**
     * No free-text fields: the demo model writes stories, and fills an unbounded string until the token limit (a
     * real model closes it; the constraint guarantees the shape, not the length).
     */
    record Pet(Species species, int age, boolean friendly) {
    }

    record Adoption(Pet pet, boolean approved, Species preferred) {
    }

    @Test
    void entityWithNativeStructuredOutputReturnsAParsedRecord() {
        ChatClient client = ChatClient.create(chatModel);
        for (long seed = 1; seed <= 3; seed++) {
            Pet pet = client.prompt("Describe a pet.")
                    .advisors(AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT)
                    .options(BitNetChatOptions.builder().seed(seed).maxTokens(300))
                    .call().entity(Pet.class);
            assertThat(pet).as("seed %d", seed).isNotNull();
            assertThat(pet.species()).isNotNull();
        }
    }

    @Test
    void thePerCallSwitchWorksForNestedRecords() {
        Adoption adoption = ChatClient.create(chatModel).prompt("Describe an adoption.")
                .options(BitNetChatOptions.builder().seed(5L).maxTokens(300))
                .call().entity(Adoption.class, spec -> spec.useProviderStructuredOutput());
        assertThat(adoption).isNotNull();
        assertThat(adoption.pet()).isNotNull();
        assertThat(adoption.pet().species()).isNotNull();
        assertThat(adoption.preferred()).isNotNull();
    }

    @Test
    void aJsonObjectResponseFormatOnTheModelItself() throws Exception {
        ChatResponse r = chatModel.call(new Prompt("Write a JSON object.", BitNetChatOptions.builder().seed(2L)
                .maxTokens(300).responseFormat(dev.bitnet.structured.ResponseFormat.Kind.JSON_OBJECT).build()));
        // the demo model may fill a key or string until the limit: then the value is cut off, else it is whole
        String json = r.getResult().getOutput().getText();
        if (r.getResult().getMetadata().getFinishReason().equals("STOP")) {
            assertThat(JsonMapper.builder().build().readTree(json).isObject()).as(json).isTrue();
        } else {
            assertThat(r.getResult().getMetadata().getFinishReason()).isEqualTo("LENGTH");
            assertThat(json).startsWith("{");
            assertThatThrownBy(() -> JsonMapper.builder().build().readTree(json)).as(json).isInstanceOf(Exception.class);
        }

        // the converter parses what the schema admits
        BeanOutputConverter<Pet> converter = new BeanOutputConverter<>(Pet.class);
        String text = chatModel.call(new Prompt("A pet:", BitNetChatOptions.builder().seed(4L).maxTokens(300)
                .outputSchema(converter.getJsonSchema()).build())).getResult().getOutput().getText();
        assertThat(converter.convert(text)).isNotNull();
    }
}
