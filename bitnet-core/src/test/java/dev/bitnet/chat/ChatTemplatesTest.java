package dev.bitnet.chat;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static dev.bitnet.chat.ChatMessage.assistant;
import static dev.bitnet.chat.ChatMessage.system;
import static dev.bitnet.chat.ChatMessage.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChatTemplatesTest {
    private static final List<ChatMessage> CONVERSATION = List.of(
            system("You are a helpful assistant"),
            user("Hello"),
            assistant("Hi there"),
            user("How are you?"));

    @Test
    void huggingFaceRendersTheThreeTurnConversation() {
        assertThat(ChatTemplates.huggingFace().render(CONVERSATION, true)).isEqualTo(
                "<|begin_of_text|>System: You are a helpful assistant<|eot_id|>User: Hello<|eot_id|>"
                        + "Assistant: Hi there<|eot_id|>User: How are you?<|eot_id|>Assistant: ");
        assertThat(ChatTemplates.huggingFace().render(CONVERSATION, false)).isEqualTo(
                "<|begin_of_text|>System: You are a helpful assistant<|eot_id|>User: Hello<|eot_id|>"
                        + "Assistant: Hi there<|eot_id|>User: How are you?<|eot_id|>");
    }

    @Test
    void huggingFaceMatchesTheModelCardExample() {
        assertThat(ChatTemplates.huggingFace().render(List.of(user("Hey, are you conscious? Can you talk to me?")),
                true)).isEqualTo("<|begin_of_text|>User: Hey, are you conscious? Can you talk to me?<|eot_id|>"
                + "Assistant: ");
    }

    @Test
    void huggingFaceStripsContentLikePython() {
        assertThat(ChatTemplates.huggingFace().render(List.of(user(" \t Hello \n"), assistant("\u00a0Hi\u3000\u0085")),
                false)).isEqualTo("<|begin_of_text|>User: Hello<|eot_id|>Assistant: Hi<|eot_id|>");
        assertThat(ChatTemplates.huggingFace().render(List.of(), true)).isEqualTo("<|begin_of_text|>Assistant: ");
    }

    @Test
    void bitnetCppRendersTheThreeTurnConversationAsInIssue267() {
        String expected = "<|begin_of_text|>System: You are a helpful assistantUser: Hello<|eot_id|>"
                + "Assistant: Hi thereUser: How are you?<|eot_id|>Assistant: ";
        assertThat(ChatTemplates.bitnetCpp().render(CONVERSATION, true)).isEqualTo(expected);
        assertThat(ChatTemplates.bitnetCpp().render(CONVERSATION, false)).isEqualTo(expected);
    }

    @Test
    void bitnetCppKeepsContentAsIs() {
        assertThat(ChatTemplates.bitnetCpp().render(List.of(system(" be brief "), user(" hi ")), true))
                .isEqualTo("<|begin_of_text|>System:  be brief User:  hi <|eot_id|>Assistant: ");
    }

    @Test
    void bothTemplatesStopOnEndOfTurnAndEndOfText() {
        for (ChatTemplate t : ChatTemplates.all()) {
            assertThat(t.stopTexts()).containsExactly("<|eot_id|>", "<|end_of_text|>");
        }
    }

    @Test
    void selectDefaultsToHuggingFaceAndHonoursAnOverride() {
        String ggufJinja = "{% for message in messages %}...Human: ...\\n\\nBITNETAssistant: ' + eos_token...";
        assertThat(ChatTemplates.select(Optional.empty(), Optional.empty()).name()).isEqualTo("hf");
        assertThat(ChatTemplates.select(Optional.of(ggufJinja), Optional.empty()).name()).isEqualTo("hf");
        assertThat(ChatTemplates.select(Optional.of("{{ 'llama-3 chat' }}"), Optional.empty()).name())
                .isEqualTo("hf");
        assertThat(ChatTemplates.select(Optional.of(ggufJinja), Optional.of("bitnet-cpp")).name())
                .isEqualTo("bitnet-cpp");
        assertThat(ChatTemplates.select(Optional.of("bitnet"), Optional.of(" HF ")).name()).isEqualTo("hf");
    }

    @Test
    void metadataThatIsATemplateNameSelectsIt() {
        assertThat(ChatTemplates.select(Optional.of("bitnet"), Optional.empty()).name()).isEqualTo("bitnet-cpp");
        assertThat(ChatTemplates.select(Optional.of("bitnet-cpp"), Optional.empty()).name()).isEqualTo("bitnet-cpp");
        assertThat(ChatTemplates.select(Optional.of("hf"), Optional.empty()).name()).isEqualTo("hf");
    }

    @Test
    void anUnknownOverrideListsTheKnownNames() {
        assertThatThrownBy(() -> ChatTemplates.select(Optional.empty(), Optional.of("chatml")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'chatml'")
                .hasMessageContaining("hf, bitnet-cpp");
    }

    @Test
    void messagesNeedARoleAndContent() {
        assertThat(user("x").role()).isEqualTo(ChatMessage.Role.USER);
        assertThat(system("x").role()).isEqualTo(ChatMessage.Role.SYSTEM);
        assertThat(assistant("x")).isEqualTo(new ChatMessage(ChatMessage.Role.ASSISTANT, "x"));
        assertThatThrownBy(() -> user(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new ChatMessage(null, "x")).isInstanceOf(NullPointerException.class);
    }
}
