package dev.llmfleet.common.messaging;

import java.util.List;

/** The Kafka topics of docs/ARCHITECTURE.md, named once for every service, the local stack and the manifests. */
public final class Topics {
    public static final String JOBS_HIGH = "llm.jobs.high";
    public static final String JOBS_NORMAL = "llm.jobs.normal";
    public static final String JOBS_BULK = "llm.jobs.bulk";
    public static final String JOBS_RETRY = "llm.jobs.retry";
    public static final String JOBS_DLQ = "llm.jobs.dlq";
    public static final String RESULTS = "llm.results";
    public static final String USAGE = "llm.usage";
    public static final String BILLING_STATE = "billing.state";
    public static final String BILLING_ALERTS = "billing.alerts";

    /** Every topic with its partition count and whether it is log-compacted. */
    public static final List<TopicSpec> ALL = List.of(
            new TopicSpec(JOBS_HIGH, 6, false),
            new TopicSpec(JOBS_NORMAL, 6, false),
            new TopicSpec(JOBS_BULK, 6, false),
            new TopicSpec(JOBS_RETRY, 6, false),
            new TopicSpec(JOBS_DLQ, 1, false),
            new TopicSpec(RESULTS, 6, false),
            new TopicSpec(USAGE, 6, false),
            new TopicSpec(BILLING_STATE, 1, true),
            new TopicSpec(BILLING_ALERTS, 1, false));

    /** A topic's shape: partitions bound the consumers that share its work; compaction keeps the latest per key. */
    public record TopicSpec(String name, int partitions, boolean compacted) {
    }

    private Topics() {
    }
}
