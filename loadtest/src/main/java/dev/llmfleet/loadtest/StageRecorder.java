package dev.llmfleet.loadtest;

import org.HdrHistogram.Histogram;

import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** Collects one stage's outcomes as answers arrive (from any thread) and turns them into a {@link StageResult}. */
public final class StageRecorder {
    /** Latencies up to ten minutes, three significant digits, in microseconds. */
    private final Histogram latencyMicros = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    /** Time to the first body chunk of streamed answers, on the same scale. */
    private final Histogram firstTokenMicros = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    private final Map<String, Long> errorsByStatus = new TreeMap<>();
    private long sent;
    private long completed;
    private long ok;
    private long uncharged;
    private long cacheHits;
    private long cacheMisses;
    private long maxSendLagNanos;
    private boolean closed;
    private BigDecimal chargedUsd = BigDecimal.ZERO;

    /** A request left; {@code lagNanos} is how late it left against its schedule. */
    public synchronized void sent(long lagNanos) {
        sent++;
        maxSendLagNanos = Math.max(maxSendLagNanos, lagNanos);
    }

    /** An HTTP answer arrived; {@code latencyNanos} runs from the request's scheduled send time. */
    public synchronized void answered(ResponseFacts facts, long latencyNanos) {
        answered(facts, latencyNanos, -1);
    }

    /**
     * A streamed HTTP answer arrived whole; {@code firstChunkNanos} (from the scheduled send time) is when its first body
     * chunk came, or negative when it had none or was not streamed.
     */
    public synchronized void answered(ResponseFacts facts, long latencyNanos, long firstChunkNanos) {
        if (closed) {
            return;
        }
        completed++;
        if (facts.chargedUsd() != null) {
            chargedUsd = chargedUsd.add(facts.chargedUsd());
        }
        if (!facts.ok()) {
            error(String.valueOf(facts.status()));
            return;
        }
        ok++;
        record(latencyMicros, latencyNanos);
        if (firstChunkNanos >= 0) {
            record(firstTokenMicros, firstChunkNanos);
        }
        if (facts.chargedUsd() == null) {
            uncharged++;
        }
        if ("hit".equals(facts.cache())) {
            cacheHits++;
        } else if ("miss".equals(facts.cache())) {
            cacheMisses++;
        }
    }

    /** No HTTP answer: {@code kind} names what went wrong (timeout, connect, reset, unfinished). */
    public synchronized void failed(String kind) {
        if (closed) {
            return;
        }
        completed++;
        error(kind);
    }

    private static void record(Histogram histogram, long nanos) {
        histogram.recordValue(Math.min(histogram.getHighestTrackableValue(), Math.max(0, nanos / 1000)));
    }

    private void error(String key) {
        errorsByStatus.merge(key, 1L, Long::sum);
    }

    /**
     * Ends the stage: requests still unanswered count as {@code unfinished} errors and any answer
     * arriving later is ignored, so one stage's stragglers never land in the next.
     *
     * @return how many requests were unfinished
     */
    public synchronized long close() {
        long unfinished = sent - completed;
        for (long i = 0; i < unfinished; i++) {
            failed("unfinished");
        }
        closed = true;
        return unfinished;
    }

    public synchronized long sent() {
        return sent;
    }

    public synchronized long completed() {
        return completed;
    }

    /**
     * The stage so far, for a progress line.
     *
     * @param latencyP99Ms     p99 of the successful answers so far, or null before the first
     * @param chargedPerRequest charged USD so far over the successful answers so far
     */
    public record Progress(long sent, long ok, long errors, Double latencyP99Ms, BigDecimal chargedPerRequest) {
    }

    public synchronized Progress progress() {
        long errors = errorsByStatus.values().stream().mapToLong(Long::longValue).sum();
        return new Progress(sent, ok, errors, latencyMicros.getTotalCount() > 0 ? millis(latencyMicros.getValueAtPercentile(99)) : null,
                StageResult.perRequest(chargedUsd, ok));
    }

    /** The stage's figures; {@code elapsedNanos} runs from the stage's start to its last answer (or its end). */
    public synchronized StageResult result(String target, int index, Stage stage, long elapsedNanos) {
        long errors = errorsByStatus.values().stream().mapToLong(Long::longValue).sum();
        double elapsedSeconds = elapsedNanos / 1e9;
        boolean any = latencyMicros.getTotalCount() > 0;
        boolean streamed = firstTokenMicros.getTotalCount() > 0;
        return new StageResult(target, index, stage.label(), stage.ratePerSecond(), stage.duration().toMillis() / 1000.0,
                sent, completed, ok, errors, sent == 0 ? 0 : (double) errors / sent, java.util.Collections.unmodifiableMap(new TreeMap<>(errorsByStatus)),
                any ? millis(latencyMicros.getValueAtPercentile(50)) : null,
                any ? millis(latencyMicros.getValueAtPercentile(90)) : null,
                any ? millis(latencyMicros.getValueAtPercentile(95)) : null,
                any ? millis(latencyMicros.getValueAtPercentile(99)) : null,
                any ? millis(latencyMicros.getMaxValue()) : null,
                firstTokenMicros.getTotalCount(),
                streamed ? millis(firstTokenMicros.getValueAtPercentile(50)) : null,
                streamed ? millis(firstTokenMicros.getValueAtPercentile(99)) : null,
                elapsedSeconds > 0 ? ok / elapsedSeconds : 0, maxSendLagNanos / 1e6,
                chargedUsd, StageResult.perRequest(chargedUsd, ok), uncharged,
                cacheHits, cacheMisses, cacheHits + cacheMisses == 0 ? null : (double) cacheHits / (cacheHits + cacheMisses));
    }

    private static double millis(long micros) {
        return micros / 1000.0;
    }
}
