package dev.llmfleet.providersim.service;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The generator's promise: the joined text encodes to exactly as many tokens as pieces. */
class TextGeneratorTest {

    private final TextGenerator generator = new TextGenerator(new TokenCounter());
    private final Encoding o200k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    @Test
    void tokenCountOfTheTextIsThePieceCount() {
        for (long seed = -500; seed < 500; seed++) {
            int count = (int) Math.floorMod(seed * 7919, 151L);
            String text = String.join("", generator.pieces(seed, count));
            assertThat(o200k.countTokens(text)).as("seed %d", seed).isEqualTo(count);
        }
    }

    @Test
    void sameSeedSameText() {
        assertThat(generator.pieces(42, 80)).containsExactly(generator.pieces(42, 80));
        assertThat(generator.pieces(42, 80)).isNotEqualTo(generator.pieces(43, 80));
    }
}
