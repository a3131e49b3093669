package dev.llmfleet.loadtest.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UsageEventsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final BigDecimal START = new BigDecimal("1000");

    private static List<UsageEvents.Event> all(UsageEvents events, int distinct) {
        List<UsageEvents.Event> out = new ArrayList<>();
        while (events.distinct() < distinct || events.hasPendingDuplicate()) {
            out.add(events.next());
        }
        return out;
    }

    @Test
    void balanceFallsByExactlyEachChargeInEventTimeOrder() throws Exception {
        UsageEvents events = new UsageEvents("r", 7, 0, 0.2, START, 1_700_000_000_000L);
        BigDecimal expected = START;
        Instant previous = Instant.MIN;
        BigDecimal sum = BigDecimal.ZERO;
        for (UsageEvents.Event e : all(events, 2_000)) {
            JsonNode json = MAPPER.readTree(e.value());
            BigDecimal charge = json.get("charged_usd").decimalValue();
            sum = sum.add(charge);
            expected = expected.subtract(charge);
            if (json.get("cache_hit").asBoolean()) {
                assertThat(charge).isZero();
                assertThat(json.get("balance_usd").isNull()).isTrue();
                assertThat(json.get("saved_usd").decimalValue()).isPositive();
            } else {
                assertThat(charge).isPositive();
                assertThat(json.get("balance_usd").decimalValue()).isEqualByComparingTo(expected);
            }
            Instant at = Instant.parse(json.get("occurred_at").asText());
            assertThat(at).isAfter(previous);
            previous = at;
            assertThat(json.get("schema_version").asText()).isEqualTo("1.2");
            int callNumber = json.get("call_number").asInt();
            assertThat(callNumber).isEqualTo(json.get("cache_hit").asBoolean() ? 0 : 1);
            assertThat(json.get("event_id").asText()).as("keyed by event id").isEqualTo(e.key())
                    .isEqualTo(json.get("request_id").asText() + "." + callNumber);
        }
        assertThat(events.charged()).isEqualByComparingTo(sum);
        assertThat(events.balance()).isEqualByComparingTo(START.subtract(sum));
    }

    @Test
    void aShareOfEventsIsRedeliveredRightAfterItselfWithTheSameKeyAndBody() throws Exception {
        UsageEvents events = new UsageEvents("r", 7, 0.1, 0.2, START, 0);
        List<UsageEvents.Event> sent = all(events, 10_000);
        Set<String> keys = new HashSet<>();
        int duplicates = 0;
        for (int i = 0; i < sent.size(); i++) {
            UsageEvents.Event e = sent.get(i);
            if (e.duplicate()) {
                duplicates++;
                assertThat(sent.get(i - 1).key()).isEqualTo(e.key());
                assertThat(sent.get(i - 1).value()).isEqualTo(e.value());
                assertThat(MAPPER.readTree(e.value()).get("event_id").asText()).as("a redelivery keeps its event id").isEqualTo(e.key());
            } else {
                assertThat(keys.add(e.key())).isTrue();
            }
        }
        assertThat(keys).hasSize(10_000);
        assertThat(sent).hasSize(10_000 + duplicates);
        assertThat(duplicates).isBetween(800, 1_200);
    }

    @Test
    void theSameSeedGivesTheSameEvents() {
        List<UsageEvents.Event> a = all(new UsageEvents("r", 3, 0.05, 0.2, START, 0), 500);
        List<UsageEvents.Event> b = all(new UsageEvents("r", 3, 0.05, 0.2, START, 0), 500);
        assertThat(a).isEqualTo(b);
    }

    @Test
    void sharesOutsideTheirRangeAreRefused() {
        assertThatThrownBy(() -> new UsageEvents("r", 1, 1.0, 0.2, START, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UsageEvents("r", 1, 0, 1.5, START, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
