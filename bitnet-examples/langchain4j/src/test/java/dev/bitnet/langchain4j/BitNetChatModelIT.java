package dev.bitnet.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.common.AbstractChatModelIT;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

/**
 * LangChain4j's shared tests for every {@link ChatModel}. Those that only check the provider's contract
 * (parameters, finish reasons, token usage, refusals) run on the demo model; those that need real answers
 * ("Berlin") run only with {@code -Dbitnet.it.model=PATH}.
 */
class BitNetChatModelIT extends AbstractChatModelIT {

    @Override
    protected List<ChatModel> models() {
        return List.of(builder().build());
    }

    @Override
    protected ChatModel createModelWith(ChatRequestParameters parameters) {
        return builder().defaultRequestParameters(parameters).build();
    }

    /** Greedy on a real model; on the demo model a fixed seed and no end-of-text, so length limits always bite. */
    static BitNetChatModel.Builder builder() {
        BitNetChatModel.Builder b = BitNetChatModel.builder().model(TestModels.itModel());
        return TestModels.realModelPath().isPresent() ? b.temperature(0.0) : b.seed(7L).defaultRequestParameters(DemoDefaults.PARAMETERS);
    }

    @Override
    protected ChatRequestParameters createIntegrationSpecificParameters(int maxOutputTokens) {
        return BitNetChatRequestParameters.builder().maxOutputTokens(maxOutputTokens).build();
    }

    @Override
    protected boolean supportsModelNameParameter() {
        return false; // one model per provider: only its own name (or none) is accepted
    }

    @Override
    protected boolean supportsTools() {
        return false;
    }

    @Override
    protected boolean supportsToolChoiceRequired() {
        return false;
    }

    @Override
    protected boolean supportsJsonResponseFormat() {
        return true;
    }

    @Override
    protected boolean supportsJsonResponseFormatWithSchema() {
        return true;
    }

    @Override
    protected boolean supportsJsonResponseFormatWithRawSchema() {
        return true;
    }

    @Override
    protected boolean supportsSingleImageInputAsBase64EncodedString() {
        return false;
    }

    @Override
    protected boolean supportsSingleImageInputAsPublicURL() {
        return false;
    }

    // the tests below check the content of answers: they need a model that knows facts

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @EnabledIfSystemProperty(named = "bitnet.it.model", matches = ".+", disabledReason = TestModels.NEEDS_REAL_MODEL)
    protected void should_respect_user_message(ChatModel model) {
        super.should_respect_user_message(model);
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @EnabledIfSystemProperty(named = "bitnet.it.model", matches = ".+", disabledReason = TestModels.NEEDS_REAL_MODEL)
    protected void should_respect_system_message(ChatModel model) {
        super.should_respect_system_message(model);
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @EnabledIfSystemProperty(named = "bitnet.it.model", matches = ".+", disabledReason = TestModels.NEEDS_REAL_MODEL)
    protected void should_respect_multiple_messages(ChatModel model) {
        super.should_respect_multiple_messages(model);
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @EnabledIfSystemProperty(named = "bitnet.it.model", matches = ".+", disabledReason = TestModels.NEEDS_REAL_MODEL)
    protected void should_respect_stopSequences_in_chat_request(ChatModel model) {
        super.should_respect_stopSequences_in_chat_request(model);
    }

    @Override
    @Test
    @EnabledIfSystemProperty(named = "bitnet.it.model", matches = ".+", disabledReason = TestModels.NEEDS_REAL_MODEL)
    protected void should_respect_stopSequences_in_default_model_parameters() {
        super.should_respect_stopSequences_in_default_model_parameters();
    }

    // the JSON tests expect {"city": "Berlin"}: the constraint makes any model's answer valid JSON, but only a
    // real model knows the capital (the JSON wiring itself is tested on the demo model in RequestMappingTest,
    // AiServicesExampleTest and StreamingTest)

    @Override
    @ParameterizedTest
    @MethodSource("modelsSupportingStructuredOutputs")
    @EnabledIfSystemProperty(named = "bitnet.it.model", matches = ".+", disabledReason = TestModels.NEEDS_REAL_MODEL)
    protected void should_respect_JSON_response_format(ChatModel model) {
        super.should_respect_JSON_response_format(model);
    }

    @Override
    @ParameterizedTest
    @MethodSource("modelsSupportingStructuredOutputs")
    @EnabledIfSystemProperty(named = "bitnet.it.model", matches = ".+", disabledReason = TestModels.NEEDS_REAL_MODEL)
    protected void should_respect_JSON_response_format_with_schema(ChatModel model) {
        super.should_respect_JSON_response_format_with_schema(model);
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @EnabledIfSystemProperty(named = "bitnet.it.model", matches = ".+", disabledReason = TestModels.NEEDS_REAL_MODEL)
    protected void should_respect_JsonRawSchema_responseFormat(ChatModel model) {
        super.should_respect_JsonRawSchema_responseFormat(model);
    }
}
