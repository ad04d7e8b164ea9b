package dev.bitnet.springai.autoconfigure;

import dev.bitnet.LoadOptions;
import dev.bitnet.springai.BitNetChatModel;
import org.springframework.ai.model.SpringAIModelProperties;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Spring Boot auto-configuration of a {@link BitNetChatModel} bean from {@code spring.ai.bitnet.chat.*}. Active
 * with {@code spring.ai.model.chat=bitnet} (Spring AI's switch between chat providers); an application's own
 * {@code ChatModel} bean replaces it. The model is loaded when the context starts and closed with it.
 */
@AutoConfiguration
@ConditionalOnClass(BitNetChatModel.class)
@ConditionalOnProperty(name = SpringAIModelProperties.CHAT_MODEL, havingValue = BitNetChatAutoConfiguration.PROVIDER)
@EnableConfigurationProperties(BitNetChatProperties.class)
public class BitNetChatAutoConfiguration {
    /** The value of {@code spring.ai.model.chat} that selects this provider. */
    public static final String PROVIDER = "bitnet";

    /**
     * The chat model; closed (and its model unmapped) when the context closes.
     *
     * @throws IllegalStateException if {@code spring.ai.bitnet.chat.model-path} is not set
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(org.springframework.ai.chat.model.ChatModel.class)
    public BitNetChatModel bitNetChatModel(BitNetChatProperties properties,
                                           ObjectProvider<ToolCallingManager> toolCallingManager) {
        if (properties.getModelPath() == null || properties.getModelPath().isBlank()) {
            throw new IllegalStateException(BitNetChatProperties.PREFIX + ".model-path is not set: name a GGUF file "
                    + "or a Hugging Face checkpoint directory or an hf:// reference (" + SpringAIModelProperties.CHAT_MODEL + "=" + PROVIDER + ")");
        }
        LoadOptions.Builder load = LoadOptions.builder();
        if (properties.getThreads() != null) {
            load.threads(properties.getThreads());
        }
        if (properties.getContextLength() != null) {
            load.contextLength(properties.getContextLength());
        }
        BitNetChatModel.Builder builder = BitNetChatModel.builder()
                .modelReference(properties.getModelPath())
                .loadOptions(load.build())
                .options(properties.toChatOptions())
                .toolCalling(properties.isToolCalling());
        // the application's (or Spring AI's auto-configured) manager when there is one
        toolCallingManager.ifAvailable(builder::toolCallingManager);
        return builder.build();
    }
}
