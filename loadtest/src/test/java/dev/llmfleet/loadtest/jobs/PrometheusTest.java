package dev.llmfleet.loadtest.jobs;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PrometheusTest {
    private static final String TEXT = """
            # HELP fleet_jobs_completed_total Jobs by outcome
            # TYPE fleet_jobs_completed_total counter
            fleet_jobs_completed_total{application="worker-service",outcome="succeeded",priority="bulk"} 1200.0
            fleet_jobs_completed_total{application="worker-service",outcome="succeeded",priority="high"} 30.0
            fleet_jobs_completed_total{application="worker-service",outcome="retried",priority="bulk"} 7.0
            fleet_jobs_completed_total{application="worker-service",outcome="dead_lettered",priority="bulk"} 2.0
            fleet_jobs_completed_total{application="worker-service",outcome="poison",priority="unknown"} 1.0
            fleet_worker_concurrency_limit{application="worker-service"} 37.5
            kafka_consumer_fetch_manager_records_lag_max{client_id="a",note="with \\"quotes\\", commas"} 12.0
            kafka_consumer_fetch_manager_records_lag_max{client_id="b"} NaN
            kafka_consumer_fetch_manager_records_lag_max{client_id="c"} 40.0 1700000000000
            up 1
            """;

    @Test
    void sumsAndMaxesByNameAndLabels() {
        Prometheus m = Prometheus.parse(TEXT);
        assertThat(m.sum("fleet_jobs_completed_total")).isEqualTo(1240.0);
        assertThat(m.sum("fleet_jobs_completed_total", l -> "bulk".equals(l.get("priority")))).isEqualTo(1209.0);
        assertThat(m.sum("fleet_worker_concurrency_limit")).isEqualTo(37.5);
        assertThat(m.max("kafka_consumer_fetch_manager_records_lag_max")).isEqualTo(40.0);
        assertThat(m.sum("up")).isEqualTo(1.0);
        assertThat(m.sum("absent")).isNull();
    }

    @Test
    void readsEscapedLabelValues() {
        Prometheus.Sample s = Prometheus.parseLine("x{a=\"with \\\"quotes\\\", commas\",b=\"2\"} 3");
        assertThat(s.labels()).containsEntry("a", "with \"quotes\", commas").containsEntry("b", "2");
        assertThat(s.value()).isEqualTo(3.0);
    }

    @Test
    void finishedJobsAreEveryOutcomeButRetriesAndPauses() {
        Monitor.Counts c = Monitor.counts(Prometheus.parse(TEXT));
        assertThat(c.finished()).isEqualTo(1233);
        assertThat(c.succeeded()).isEqualTo(1230);
        assertThat(c.deadLettered()).isEqualTo(3);
        assertThat(c.retried()).isEqualTo(7);
    }
}
