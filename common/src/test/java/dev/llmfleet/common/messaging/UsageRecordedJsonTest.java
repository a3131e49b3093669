package dev.llmfleet.common.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The usage event's wire shape: snake_case, {@code call_number} written, schema 1.1's {@code attempt} still read,
 * {@code trace_id} written and optional.
 */
class UsageRecordedJsonTest {
    private final ObjectMapper mapper = new ObjectMapper().registerModule(new JavaTimeModule());

    @Test
    void writesTheCallNumberAndReadsASchema11Attempt() throws Exception {
        UsageRecorded event = new UsageRecorded(UsageRecorded.SCHEMA_VERSION, "req_1.2", "req_1", null, "interactive", "default",
                "default", "openai/gpt-4o-mini", "openai/gpt-4o-mini", 10, 0, BigDecimal.ZERO, null, "none", false, null,
                "provider_unreachable", UsageRecorded.NO_HTTP_STATUS, 5, 2, Instant.parse("2026-12-07T00:00:00Z"), "4bf92f3577b34da6a3ce929d0e0e4736");
        JsonNode written = mapper.valueToTree(event);
        assertThat(written.path("call_number").asInt()).isEqualTo(2);
        assertThat(written.has("attempt")).isFalse();
        assertThat(written.path("http_status").asInt()).isZero();

        ObjectNode schema11 = (ObjectNode) written.deepCopy();
        schema11.set("attempt", schema11.remove("call_number"));
        assertThat(mapper.treeToValue(schema11, UsageRecorded.class)).isEqualTo(event);
    }

    @Test
    void carriesTheTraceIdAndReadsAnEventWithout() throws Exception {
        UsageRecorded event = new UsageRecorded(UsageRecorded.SCHEMA_VERSION, "req_1.1", "req_1", null, "interactive", "default",
                "default", "openai/gpt-4o-mini", "openai/gpt-4o-mini", 10, 3, BigDecimal.ONE, null, "header", false, null,
                "ok", 200, 5, 1, Instant.parse("2026-12-07T00:00:00Z"), "4bf92f3577b34da6a3ce929d0e0e4736");
        JsonNode written = mapper.valueToTree(event);
        assertThat(written.path("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");

        ObjectNode schema12 = (ObjectNode) written.deepCopy();
        schema12.remove("trace_id");
        schema12.put("schema_version", "1.2");
        assertThat(mapper.treeToValue(schema12, UsageRecorded.class).traceId()).isNull();
    }
}
