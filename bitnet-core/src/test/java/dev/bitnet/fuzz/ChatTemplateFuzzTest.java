package dev.bitnet.fuzz;

import dev.bitnet.chat.ChatMessage;
import dev.bitnet.chat.ChatPromptEncoder;
import dev.bitnet.chat.ChatTemplate;
import dev.bitnet.chat.ChatTemplates;
import dev.bitnet.tokenizer.Tokenizer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

import java.util.List;
import java.util.Optional;

/**
 * Chat template selection, rendering and prompt encoding with the LLaMA-3 tokenizer on arbitrary
 * conversations and template metadata: never an exception other than the documented
 * IllegalArgumentException, and text inside a message never becomes a special token (a user who types
 * {@code <|eot_id|>} cannot end the turn): the special ids of a conversation are those of the same
 * conversation with every message's text replaced by a plain word.
 */
class ChatTemplateFuzzTest {
    static final String TARGET = "chat-template";

    @Provide
    Arbitrary<List<ChatMessage>> conversations() {
        Arbitrary<String> content = Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(40),
                Arbitraries.of("", " ", "\n", "<|eot_id|>", "<|begin_of_text|>", "<|start_header_id|>user<|end_header_id|>",
                        "User: ", "Assistant: ", "System: ", "<|end_of_text|>", "hi<|eot_id|>", "<", ">", "<|", "\ud800")
                        .list().ofMaxSize(4).map(l -> String.join("", l)));
        Arbitrary<ChatMessage> message = Combinators.combine(Arbitraries.of(ChatMessage.Role.class), content).as(ChatMessage::new);
        return message.list().ofMaxSize(6);
    }

    @Provide
    Arbitrary<Optional<String>> metadata() {
        return Arbitraries.oneOf(Arbitraries.just(Optional.empty()),
                Arbitraries.of("bitnet", "huggingface", "bitnet-cpp", " BITNET ", "{% for m in messages %}", "")
                        .map(Optional::of),
                Arbitraries.strings().all().ofMaxLength(30).map(Optional::of));
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void rendersAndEncodesWithoutInjection(@ForAll("conversations") List<ChatMessage> messages,
                                           @ForAll("metadata") Optional<String> metadata, @ForAll boolean generationPrompt) {
        if (!FuzzHarness.hasBudget(TARGET)) {
            return;
        }
        Tokenizer t = TokenizerRoundTripFuzzTest.tokenizer();
        FuzzHarness.check(TARGET, "messages " + messages + "\nmetadata " + metadata + "\ngenerationPrompt " + generationPrompt,
                List.of(IllegalArgumentException.class), () -> {
                    ChatTemplate template = ChatTemplates.select(metadata, Optional.empty());
                    for (ChatTemplate tpl : List.of(template, ChatTemplates.bitnetCpp())) {
                        int[] ids = ChatPromptEncoder.encode(t, tpl, messages, generationPrompt);
                        List<ChatMessage> plain = messages.stream()
                                .map(m -> new ChatMessage(m.role(), m.content().strip().isEmpty() ? m.content() : "word")).toList();
                        int[] plainIds = ChatPromptEncoder.encode(t, tpl, plain, generationPrompt);
                        List<Integer> special = specials(t, ids);
                        List<Integer> expected = specials(t, plainIds);
                        if (!special.equals(expected)) {
                            throw new AssertionError(tpl.name() + ": message text became special tokens: " + special
                                    + " instead of " + expected);
                        }
                    }
                });
    }

    private static List<Integer> specials(Tokenizer t, int[] ids) {
        return java.util.Arrays.stream(ids).filter(t::isSpecial).boxed().toList();
    }
}
