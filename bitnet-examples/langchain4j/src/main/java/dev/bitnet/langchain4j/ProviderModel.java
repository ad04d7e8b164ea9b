package dev.bitnet.langchain4j;

import dev.bitnet.BitNetModel;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;

import java.util.List;
import java.util.Set;

/**
 * What the blocking and the streaming provider share besides their {@link ChatEngine}: the defaults, the
 * capabilities, the listeners and the model they expose. Each declares its own chat method and {@code close}.
 */
abstract sealed class ProviderModel permits BitNetChatModel, BitNetStreamingChatModel {
    final ChatEngine engine;

    ProviderModel(ChatEngine engine) {
        this.engine = engine;
    }

    /** The default parameters of every request, which a request's own override field by field. */
    public ChatRequestParameters defaultRequestParameters() {
        return engine.defaults();
    }

    /**
     * {@link Capability#RESPONSE_FORMAT_JSON_SCHEMA}: a JSON response format, with or without a schema, constrains
     * generation, so {@code AiServices} methods returning records and POJOs ask for the schema natively.
     */
    public Set<Capability> supportedCapabilities() {
        return Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
    }

    /** The listeners told of each request, response and error. */
    public List<ChatModelListener> listeners() {
        return engine.listeners();
    }

    /** The name a request's {@code modelName} may carry: the model file's name. */
    public String modelName() {
        return engine.modelName();
    }

    /** The model this provider runs. */
    public BitNetModel model() {
        return engine.model();
    }
}
