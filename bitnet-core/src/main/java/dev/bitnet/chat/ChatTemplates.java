package dev.bitnet.chat;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The built-in chat templates, and the rule that picks one for a model. */
public final class ChatTemplates {
    private static final Logger LOG = LoggerFactory.getLogger(ChatTemplates.class);
    private static final ChatTemplate HUGGING_FACE = new HuggingFaceChatTemplate();
    private static final ChatTemplate BITNET_CPP = new BitNetCppChatTemplate();
    /** llama.cpp's name for its built-in formatter that {@link BitNetCppChatTemplate} reproduces. */
    private static final String LLAMA_CPP_BITNET_NAME = "bitnet";

    private ChatTemplates() {
    }

    /** The Hugging Face template, the default ({@value HuggingFaceChatTemplate#NAME}). */
    public static ChatTemplate huggingFace() {
        return HUGGING_FACE;
    }

    /** bitnet.cpp's {@code -cnv} rendering ({@value BitNetCppChatTemplate#NAME}). */
    public static ChatTemplate bitnetCpp() {
        return BITNET_CPP;
    }

    /** Every built-in template. */
    public static List<ChatTemplate> all() {
        return List.of(HUGGING_FACE, BITNET_CPP);
    }

    /**
     * The template with this name, ignoring case and surrounding space.
     *
     * @throws IllegalArgumentException for an unknown name; the message lists the known ones
     */
    public static ChatTemplate byName(String name) {
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        return all().stream().filter(t -> t.name().equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown chat template '" + name + "'; known: "
                        + String.join(", ", all().stream().map(ChatTemplate::name).toList())));
    }

    /**
     * Picks the template for a model.
     * <ol>
     *   <li>An override wins: {@value HuggingFaceChatTemplate#NAME} or {@value BitNetCppChatTemplate#NAME}.</li>
     *   <li>Metadata ({@code tokenizer.chat_template}) that is just a template name selects it; llama.cpp's name
     *       {@code bitnet} selects {@value BitNetCppChatTemplate#NAME}.</li>
     *   <li>Anything else gets the Hugging Face template, the one the model was published with. This includes the
     *       Jinja text that bitnet.cpp's converter embeds in the official GGUF (it contains the marker
     *       {@code BITNET}); rendered literally it gives a wrong prompt. Metadata that looks like neither BitNet
     *       template is logged as a warning.</li>
     * </ol>
     *
     * @param ggufChatTemplate the model's {@code tokenizer.chat_template}, if it has one
     * @param override         a template name chosen by the user, if any
     * @throws IllegalArgumentException if the override names no known template
     */
    public static ChatTemplate select(Optional<String> ggufChatTemplate, Optional<String> override) {
        if (override.isPresent()) {
            return byName(override.get());
        }
        if (ggufChatTemplate.isEmpty()) {
            return HUGGING_FACE;
        }
        String metadata = ggufChatTemplate.get();
        String asName = metadata.strip().toLowerCase(Locale.ROOT);
        if (asName.equals(LLAMA_CPP_BITNET_NAME)) {
            return BITNET_CPP;
        }
        for (ChatTemplate t : all()) {
            if (t.name().equals(asName)) {
                return t;
            }
        }
        boolean bitnetFamily = metadata.contains("BITNET")
                || metadata.contains("Assistant: ") && metadata.contains(ChatTemplate.END_OF_TURN);
        if (bitnetFamily) {
            LOG.debug("model metadata has a BitNet chat template; rendering chats with '{}'", HUGGING_FACE.name());
        } else {
            LOG.warn("the chat template in the model metadata is not a known BitNet template; rendering chats with "
                    + "'{}' (choose one of {} explicitly to change this)", HUGGING_FACE.name(),
                    all().stream().map(ChatTemplate::name).toList());
        }
        return HUGGING_FACE;
    }
}
