package dev.llmfleet.loadtest.jobs;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The consumer group's lag, computed the way an operator would: for every partition of the job topics, the
 * log-end offset minus the group's committed offset (the log-start offset when the group has not committed
 * there yet). A record the worker has fetched but not finished is still lag: its offset is committed only once
 * its outcome is durable.
 */
public final class KafkaLag implements AutoCloseable {
    public static final List<String> JOB_TOPICS = List.of("llm.jobs.high", "llm.jobs.normal", "llm.jobs.bulk", "llm.jobs.retry");

    private final Admin admin;
    private final String group;
    private final List<String> topics;
    private List<TopicPartition> partitions;

    public KafkaLag(String bootstrapServers, String group, List<String> topics) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 8000);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "loadtest-lag");
        this.admin = Admin.create(props);
        this.group = group;
        this.topics = List.copyOf(topics);
    }

    /** Lag and log-end offsets per topic (sums over partitions). */
    public record Snapshot(Map<String, Long> lag, Map<String, Long> endOffsets) {
        /** Records ever written to the priority topics (not the retry topic): what intake enqueued. */
        public long enqueued() {
            return endOffsets.entrySet().stream().filter(e -> !e.getKey().endsWith(".retry")).mapToLong(Map.Entry::getValue).sum();
        }

        public long totalLag() {
            return lag.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Lag per topic (sum over its partitions), in topic order; throws when Kafka cannot be read in time. */
    public Map<String, Long> lagByTopic() throws Exception {
        return snapshot().lag();
    }

    /** Lag and end offsets per topic; throws when Kafka cannot be read in time. */
    public Snapshot snapshot() throws Exception {
        if (partitions == null) {
            Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(8, TimeUnit.SECONDS);
            partitions = described.values().stream()
                    .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                    .toList();
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        partitions.forEach(tp -> {
            latest.put(tp, OffsetSpec.latest());
            earliest.put(tp, OffsetSpec.earliest());
        });
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get(8, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get(8, TimeUnit.SECONDS);
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = null;
        Map<String, Long> lag = new TreeMap<>((a, b) -> Integer.compare(order(a), order(b)));
        Map<String, Long> endOffsets = new TreeMap<>((a, b) -> Integer.compare(order(a), order(b)));
        for (TopicPartition tp : partitions) {
            long end = ends.get(tp).offset();
            OffsetAndMetadata c = committed.get(tp);
            long from;
            if (c != null) {
                from = c.offset();
            } else {
                if (starts == null) {
                    starts = admin.listOffsets(earliest).all().get(8, TimeUnit.SECONDS);
                }
                from = starts.get(tp).offset();
            }
            lag.merge(tp.topic(), Math.max(0, end - from), Long::sum);
            endOffsets.merge(tp.topic(), end, Long::sum);
        }
        return new Snapshot(lag, endOffsets);
    }

    private int order(String topic) {
        int i = topics.indexOf(topic);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(3));
    }
}
