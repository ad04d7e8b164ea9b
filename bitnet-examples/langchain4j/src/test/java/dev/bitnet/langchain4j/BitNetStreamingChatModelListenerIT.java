package dev.bitnet.langchain4j;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.common.AbstractStreamingChatModelListenerIT;
import dev.langchain4j.model.chat.listener.ChatModelListener;

/** LangChain4j's shared listener tests, on the demo model; the failing model is one whose model was closed. */
class BitNetStreamingChatModelListenerIT extends AbstractStreamingChatModelListenerIT {

    @Override
    protected StreamingChatModel createModel(ChatModelListener listener) {
        return BitNetStreamingChatModel.builder().model(TestModels.demo())
                .defaultRequestParameters(BitNetChatRequestParameters.builder().modelName(modelName())
                        .temperature(temperature()).topP(topP()).maxOutputTokens(maxTokens()).seed(1L).build())
                .listeners(listener)
                .build();
    }

    @Override
    protected String modelName() {
        return TestModels.demoPath().getFileName().toString();
    }

    @Override
    protected StreamingChatModel createFailingModel(ChatModelListener listener) {
        BitNetStreamingChatModel failing = BitNetStreamingChatModel.builder().modelPath(TestModels.demoPath()).listeners(listener).build();
        failing.close();
        return failing;
    }

    @Override
    protected Class<? extends Exception> expectedExceptionClass() {
        return IllegalStateException.class;
    }

    @Override
    protected boolean supportsTools() {
        return false;
    }
}
