package dev.llmfleet.intake.rest;

import dev.llmfleet.intake.config.JobsConfig;
import dev.llmfleet.intake.metrics.IntakeMetricNames;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of {@code POST /v1/jobs/batch} bodies this instance holds at once ({@code fleet.jobs.batch-bytes-in-flight}):
 * a batch reserves its declared length before a byte of it is read and gives it back when it has been answered, so
 * concurrent batches can never hold more memory than the budget, however many clients send them. Created at startup so
 * its gauge is exported before the first batch.
 */
@Startup
@ApplicationScoped
public class BatchBytesInFlight {
    private final long limit;
    private final AtomicLong held = new AtomicLong();

    public BatchBytesInFlight(JobsConfig config, MeterRegistry registry) {
        this.limit = config.batchBytesInFlight().asLongValue();
        Gauge.builder(IntakeMetricNames.BATCH_IN_FLIGHT, held, AtomicLong::get).baseUnit(IntakeMetricNames.BYTES)
                .description("Bytes of batch bodies being received or processed (bounded by fleet.jobs.batch-bytes-in-flight)")
                .register(registry);
    }

    /** The budget in bytes. */
    public long limit() {
        return limit;
    }

    /** Reserves {@code bytes}, or answers null when they would take the batches in flight over the budget. */
    public Reservation reserve(long bytes) {
        long now = held.addAndGet(bytes);
        if (now > limit) {
            held.addAndGet(-bytes);
            return null;
        }
        return new Reservation(bytes);
    }

    /**
     * Bytes held for one batch. The route that reserved them releases them when the exchange ends, unless the batch's
     * processing took them first ({@link #take()}): then that processing releases them when it finishes
     * ({@link #close()}), even if the client has gone meanwhile. Either way they are released exactly once.
     */
    public final class Reservation implements AutoCloseable {
        private static final int RESERVED = 0;
        private static final int TAKEN = 1;
        private static final int RELEASED = 2;
        private final long bytes;
        private final AtomicInteger state = new AtomicInteger(RESERVED);

        private Reservation(long bytes) {
            this.bytes = bytes;
        }

        /** Makes the batch's processing the owner; false when the exchange already ended and released them. */
        public boolean take() {
            return state.compareAndSet(RESERVED, TAKEN);
        }

        /** The exchange ended: releases the bytes unless the processing owns them. */
        void releaseUnlessTaken() {
            if (state.compareAndSet(RESERVED, RELEASED)) {
                held.addAndGet(-bytes);
            }
        }

        /** The processing finished (success or failure): releases the bytes it took. */
        @Override
        public void close() {
            if (state.compareAndSet(TAKEN, RELEASED)) {
                held.addAndGet(-bytes);
            }
        }
    }
}
