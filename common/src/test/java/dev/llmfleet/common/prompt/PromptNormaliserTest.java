package dev.llmfleet.common.prompt;

import dev.llmfleet.common.api.ChatMessage;
import dev.llmfleet.common.pricing.TokenCounter;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PromptNormaliserTest {
    private final TokenCounter tokens = new TokenCounter();
    private final PromptNormaliser normaliser = new PromptNormaliser(tokens);

    @Test
    void nearDuplicatesNormaliseToTheSameText() {
        String a = "Version order carrier upgrade.\nOrder stock privacy.";
        String b = "  Version  order  carrier  upgrade.  Order  stock  privacy.\n\n";
        String c = "Version order carrier upgrade.\u00a0Order stock privacy.";
        assertThat(PromptNormaliser.normalise(a)).isEqualTo(PromptNormaliser.normalise(b)).isEqualTo(PromptNormaliser.normalise(c))
                .isEqualTo("Version order carrier upgrade. Order stock privacy.");
    }

    @Test
    void unicodeCompatibilityFormsFold() {
        assertThat(PromptNormaliser.normalise("ﬁle Ｒｅｆｕｎｄ")).isEqualTo("file Refund");
    }

    @Test
    void trimsLongUserMessagesButNeverTheSystemPrompt() {
        String longText = "word ".repeat(2000);
        List<ChatMessage> out = normaliser.apply(List.of(new ChatMessage("system", longText), new ChatMessage("user", longText)), 100);
        assertThat(tokens.count(out.get(0).content())).isGreaterThan(1000);
        assertThat(tokens.count(out.get(1).content())).isLessThanOrEqualTo(100);
        assertThat(longText).startsWith(out.get(1).content());
    }

    @Test
    void zeroBudgetKeepsMessagesWhole() {
        String text = "word ".repeat(500).strip();
        assertThat(normaliser.apply(List.of(new ChatMessage("user", text)), 0).get(0).content()).isEqualTo(text);
    }
}
