package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

/** The provider simulator's admin API: reset, settings, and the totals every charge is reconciled against. */
final class Simulator {
    private final String url;

    /** The provider behaving: no injected faults or drops, charges in headers, keys honoured, a little latency. */
    static final String NORMAL = "{\"error_429_rate\":0,\"error_500_rate\":0,\"error_502_rate\":0,\"error_503_rate\":0,"
            + "\"error_429_retry_after_s\":1,\"drop_stream_rate\":0,\"stall_rate\":0,\"stream_charge_mode\":\"header\","
            + "\"idempotency_mode\":\"honour\",\"latency_base_ms\":20,\"latency_per_token_ms\":0}";

    Simulator(String url) {
        this.url = url;
    }

    /** Zero totals, restore start-up settings and set the balance. */
    void reset() {
        assertThat(Http.post(url + "/admin/reset", "{\"restore_config\":true,\"balance_usd\":1000}").statusCode()).isEqualTo(200);
    }

    void configure(String json) {
        var response = Http.post(url + "/admin/config", json);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    JsonNode totals() {
        return Http.json(Http.get(url + "/admin/totals"));
    }

    long calls() {
        return totals().get("calls").asLong();
    }

    /** Waits until the simulator has answered at least {@code calls} calls, or {@code timeoutMillis} passed. */
    void awaitCalls(long calls, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (calls() < calls && System.currentTimeMillis() < deadline) {
            Jobs.sleep(100);
        }
    }

    /** Answers with {@code status} since start or the last reset. */
    long errors(int status) {
        return totals().path("errors").path(Integer.toString(status)).asLong(0);
    }

    BigDecimal charged() {
        return new BigDecimal(totals().get("charged_usd").asText());
    }
}
