package dev.llmfleet.intake.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.intake.config.JacksonConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchBodiesTest {
    private final BatchBodies batches = new BatchBodies(edgeMapper());

    /** The mapper intake reads with (Quarkus customises its own the same way). */
    private static ObjectMapper edgeMapper() {
        ObjectMapper mapper = new ObjectMapper();
        new JacksonConfig().customize(mapper);
        return mapper;
    }

    private List<BatchBodies.BatchLine> split(String body, boolean array, int max) {
        return batches.split(body.getBytes(StandardCharsets.UTF_8), array, max);
    }

    @Test
    void anArrayGivesOneLinePerElementNumberedFromOne() {
        List<BatchBodies.BatchLine> lines = split(" [ {\"a\":1}, 2, {\"b\":[3]} ] ", true, 10);
        assertThat(lines).extracting(BatchBodies.BatchLine::line).containsExactly(1, 2, 3);
        assertThat(lines.get(0).body().path("a").asInt()).isEqualTo(1);
        assertThat(lines.get(1).body().isNumber()).isTrue();
        assertThat(lines).allMatch(l -> l.error() == null);
    }

    @Test
    void jsonLinesSkipBlankLinesKeepLineNumbersAndIsolateBadLines() {
        List<BatchBodies.BatchLine> lines = split("{\"a\":1}\r\n\n  \n{oops\n{\"b\":2} {\"c\":3}\n{\"d\":4}", false, 10);
        assertThat(lines).extracting(BatchBodies.BatchLine::line).containsExactly(1, 4, 5, 6);
        assertThat(lines.get(0).error()).isNull();
        assertThat(lines.get(1).error().code()).isEqualTo("invalid_json");
        assertThat(lines.get(2).error().code()).as("two values on one line").isEqualTo("invalid_json");
        assertThat(lines.get(3).body().path("d").asInt()).isEqualTo(4);
    }

    @Test
    void bodiesThatCannotBeSplitFailWhole() {
        assertFailsWhole("{\"a\":1}", true, "invalid_batch");
        assertFailsWhole("[{\"a\":1}", true, "invalid_json");
        assertFailsWhole("[{\"a\":1}] x", true, "invalid_json");
        assertFailsWhole("[]", true, "empty_batch");
        assertFailsWhole("", true, "empty_batch");
        assertFailsWhole(" \n\r\n", false, "empty_batch");
    }

    /** Splitting {@code body} (a JSON array, or else JSON lines) fails as a whole, with the error {@code code}. */
    private void assertFailsWhole(String body, boolean array, String code) {
        assertThatThrownBy(() -> split(body, array, 10)).isInstanceOfSatisfying(FleetException.class,
                e -> assertThat(e.code()).isEqualTo(code));
    }

    @Test
    void moreLinesThanTheLimitAre413() {
        assertThat(split("{}\n{}\n{}\n", false, 3)).hasSize(3);
        assertThatThrownBy(() -> split("{}\n{}\n{}\n{}", false, 3)).isInstanceOfSatisfying(FleetException.class,
                e -> assertThat(e.status()).isEqualTo(413));
        assertThatThrownBy(() -> split("[{},{},{},{}]", true, 3)).isInstanceOfSatisfying(FleetException.class,
                e -> assertThat(e.code()).isEqualTo("batch_too_large"));
    }
}
