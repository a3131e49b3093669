package dev.llmfleet.common.pricing;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.llmfleet.common.api.ChatMessage;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * Token counts from a real BPE tokenizer (o200k_base, the GPT-4o family's). Other vendors tokenise
 * differently, so for them this is an estimate; the provider's usage stays the truth.
 */
@Startup
@ApplicationScoped
public class TokenCounter {
    /** OpenAI chat accounting: each message costs its tokens plus a few for the framing. */
    static final int PER_MESSAGE = 3;
    /** Every reply is primed with a few tokens. */
    static final int PER_REPLY = 3;

    private final Encoding encoding = O200kBase.ENCODING;

    public TokenCounter() {
        // loading the BPE ranks takes seconds: do it at start-up, never on an event loop serving a request
        encoding.countTokens("warm up");
    }

    /**
     * The ranks, loaded once per JVM (≈ 28 MiB of heap). Not an instance field's initialiser: the constructor of an
     * {@code @ApplicationScoped} bean also runs for its client proxy, so each service held two copies.
     */
    private static final class O200kBase {
        static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    }

    public int count(String text) {
        return encoding.countTokens(text);
    }

    /** Prompt tokens of a chat request as the provider will count them (near enough for a forecast). */
    public int countPrompt(List<ChatMessage> messages) {
        int tokens = PER_REPLY;
        for (ChatMessage message : messages) {
            tokens += PER_MESSAGE + count(message.role()) + count(message.content());
        }
        return tokens;
    }

    /** The first {@code maxTokens} tokens of {@code text}, decoded back to text. */
    public String truncate(String text, int maxTokens) {
        var result = encoding.encode(text, maxTokens);
        if (!result.isTruncated()) {
            return text;
        }
        IntArrayList tokens = result.getTokens();
        return encoding.decode(tokens);
    }
}
