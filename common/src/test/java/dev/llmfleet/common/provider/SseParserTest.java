package dev.llmfleet.common.provider;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SseParserTest {

    @Test
    void eventsSplitAcrossChunksAndMultibyteCharactersSurvive() {
        byte[] stream = "data: {\"a\":\"héllo\"}\n\n: keep-alive\n\ndata: [DONE]\r\n\r\n".getBytes(StandardCharsets.UTF_8);
        SseParser parser = new SseParser();
        List<String> payloads = new ArrayList<>();
        for (byte b : stream) {
            payloads.addAll(parser.feed(new byte[]{b}));
        }
        assertThat(payloads).containsExactly("{\"a\":\"héllo\"}", "[DONE]");
    }

    @Test
    void multiLineDataIsJoined() {
        assertThat(new SseParser().feed("event: x\ndata: one\ndata: two\n\n".getBytes(StandardCharsets.UTF_8))).containsExactly("one\ntwo");
    }

    @Test
    void anIncompleteEventWaitsForItsEnd() {
        SseParser parser = new SseParser();
        assertThat(parser.feed("data: par".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(parser.feed("tial\n\n".getBytes(StandardCharsets.UTF_8))).containsExactly("partial");
    }
}
