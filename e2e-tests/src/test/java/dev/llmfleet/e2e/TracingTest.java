package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmfleet.localstack.Fleet;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One job is one trace across the packaged services: intake's request and its job record, the worker's consuming of
 * it and its call to the provider, the usage event and billing's consuming of it share one trace id, which the usage
 * event carries too. The services export every span to a receiver this test runs. The trace crosses Kafka only in the
 * records' {@code traceparent} headers: were they not written or not read, the worker's and billing's spans would
 * start traces of their own.
 */
class TracingTest {
    private static final Duration SPANS_ARRIVE = Duration.ofSeconds(30);

    @Test
    void oneJobIsOneTraceFromIntakeToBilling() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver();
             Fleet fleet = FleetHarness.startOwn("tracing", exporting(receiver))) {
            Jobs jobs = new Jobs(fleet.service(Fleet.INTAKE).url());
            String id = Jobs.ids(jobs.submit(Load.jobs(1, "tracing"), 1)).iterator().next();
            assertThat(jobs.awaitFinished(java.util.Set.of(id), 60_000).get(id).path("status").asText()).isEqualTo("succeeded");

            String traceId = usageEventOf(fleet, id).path("trace_id").asText();
            assertThat(traceId).as("the usage event's trace_id").matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));

            String providerCalls = URI.create(fleet.providerUrl()).resolve("/v1/chat/completions").toString();
            Map<String, Predicate<OtlpReceiver.Exported>> expected = new java.util.LinkedHashMap<>();
            expected.put("intake's request", s -> s.service().equals(Fleet.INTAKE) && s.kind() == SpanKind.SPAN_KIND_SERVER);
            expected.put("intake's job record", s -> s.service().equals(Fleet.INTAKE) && s.kind() == SpanKind.SPAN_KIND_PRODUCER
                    && destination(s).startsWith("llm.jobs."));
            expected.put("the worker's consuming of the job", s -> s.service().equals(Fleet.WORKER) && s.kind() == SpanKind.SPAN_KIND_CONSUMER
                    && destination(s).startsWith("llm.jobs."));
            expected.put("the worker's provider call", s -> s.service().equals(Fleet.WORKER) && s.kind() == SpanKind.SPAN_KIND_CLIENT
                    && providerCalls.equals(s.attributes().get("url.full")));
            expected.put("the worker's usage event", s -> s.service().equals(Fleet.WORKER) && s.kind() == SpanKind.SPAN_KIND_PRODUCER
                    && destination(s).equals("llm.usage"));
            expected.put("billing's consuming of the usage event", s -> s.service().equals(Fleet.BILLING)
                    && s.kind() == SpanKind.SPAN_KIND_CONSUMER && destination(s).equals("llm.usage"));
            try {
                Awaitility.await().atMost(SPANS_ARRIVE).pollInterval(Duration.ofMillis(200)).until(() ->
                        expected.values().stream().allMatch(span -> receiver.spans().stream().anyMatch(inTrace(traceId).and(span))));
            } catch (ConditionTimeoutException e) {
                // named below
            }
            List<OtlpReceiver.Exported> trace = receiver.spans().stream().filter(inTrace(traceId)).toList();
            expected.forEach((what, span) -> assertThat(trace.stream().anyMatch(span))
                    .as("%s in trace %s; its spans: %s", what, traceId, trace).isTrue());
        }
    }

    /** Every service traces (off by default), samples every trace and exports to {@code receiver} at once. */
    private static Map<String, Map<String, String>> exporting(OtlpReceiver receiver) {
        Map<String, String> otel = Map.of(
                "OTEL_SDK_DISABLED", "false",
                "OTEL_TRACES_SAMPLER_ARG", "1",
                "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
                "QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "100ms");
        Map<String, Map<String, String>> env = new HashMap<>();
        Fleet.SERVICES.forEach(service -> env.put(service, otel));
        return env;
    }

    /** The usage event of job {@code id}'s provider call, as it is on {@code llm.usage}. */
    private static JsonNode usageEventOf(Fleet fleet, String id) {
        try (TopicReader usage = new TopicReader(fleet.kafkaBootstrapServers(), "llm.usage")) {
            return Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> usage.withKeyPrefix(List.of("")).values().stream()
                            .filter(event -> id.equals(event.path("job_id").asText()) && event.path("call_number").asInt() == 1)
                            .findFirst(), Optional::isPresent)
                    .orElseThrow();
        }
    }

    private static Predicate<OtlpReceiver.Exported> inTrace(String traceId) {
        return span -> span.traceId().equals(traceId);
    }

    private static String destination(OtlpReceiver.Exported span) {
        return span.attributes().getOrDefault("messaging.destination.name", "");
    }
}
